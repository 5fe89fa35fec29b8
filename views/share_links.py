"""Share links (admins only): every link made on the Ecosystem scorecard page, what it opens, until
when, how often it was opened; revoke one so its token is refused from now on."""
from __future__ import annotations

from datetime import datetime

import pandas as pd
import streamlit as st

from shell import access, data, tables

STATUS_WORDS = {"active": "Active", "expired": "Expired", "revoked": "Revoked"}
DONE = "_share_revoked_message"

viewer = access.viewer()
st.title("Share links")
if not viewer.admin:  # app.py routes only admins here; a page never trusts that alone
    st.error("Only an administrator manages share links.", icon=":material/block:")
    st.stop()
st.caption("Each link opens one view of the Ecosystem scorecard, read-only and without sign-in, as its dealer group "
           "sees it (its dealers by name, every other one as an anonymous peer). Make one on the Ecosystem "
           "scorecard page (\"Share this view with a dealer group\"). A revoked or expired link shows only a "
           "message. Opening, refusals and revocations are in the Audit log.")

if DONE in st.session_state:
    st.success(st.session_state.pop(DONE), icon=":material/link_off:")

cfg, now = data.config(), datetime.now()
links = access.share_links()
opened = access.share_usage()
show_all = st.toggle("Show expired and revoked links", key="share_show_all")
shown = [link for link in links if show_all or link.status(now) == "active"]
frame = pd.DataFrame([{
    "Dealer group": link.dealer_group, "View": link.view.describe(cfg),
    "Status": STATUS_WORDS[link.status(now)] + (f" by {link.revoked_by}" if link.revoked_by else ""),
    "Expires": link.expires_at, "Opened": opened[link.link_id].opened if link.link_id in opened else 0,
    "Last opened": opened[link.link_id].last_opened if link.link_id in opened else None,
    "Created by": link.created_by, "Created": link.created_at, "Revoked": link.revoked_at, "Link": link.link_id}
    for link in shown],
    columns=["Dealer group", "View", "Status", "Expires", "Opened", "Last opened", "Created by", "Created", "Revoked",
             "Link"])
if frame.empty:
    st.info("No active share links." if not show_all else "No share links yet.")
else:
    when = st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm")
    tables.show(frame, hide_index=True, width="stretch",
                column_config={"Created": when, "Expires": when, "Revoked": when, "Last opened": when})

active = {link.link_id: link for link in links if link.status(now) == "active"}
if active:
    st.subheader("Revoke a link")
    chosen = st.selectbox("Link", list(active), index=None, key="share_revoke_link", placeholder="Choose a link…",
                          format_func=lambda i: f"{active[i].dealer_group} · {active[i].view.describe(cfg)} · "
                                                f"link {i}")
    if st.button("Revoke the link", key="share_revoke", type="primary", icon=":material/link_off:",
                 disabled=chosen is None):
        done = access.revoke_share(viewer, str(chosen))
        st.session_state[DONE] = (f"Revoked link {chosen} for {active[str(chosen)].dealer_group}: whoever opens it "
                                  "now sees only a message." if done else f"Link {chosen} was revoked already.")
        st.rerun()  # the table above shows the link revoked
