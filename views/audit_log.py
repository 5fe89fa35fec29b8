"""Audit log (admins only): sign-ins, failures, refusals and sign-outs, what dealer-group and
marketing viewers opened and downloaded, share links and mailed scorecards; filtered by date,
action and user, with a CSV download."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pandas as pd
import streamlit as st

from revops_core import audit, sharing
from revops_core.safe_csv import people_csv
from shell import access, tables

ACTION_LABELS = {
    audit.SIGN_IN: "Signed in", audit.SIGN_IN_FAILED: "Wrong password", audit.SIGN_IN_REFUSED: "Refused (locked)",
    audit.SIGN_OUT: "Signed out", audit.VIEW: "Viewed", audit.EXPORT: "Downloaded",
    sharing.SHARE_CREATED: "Share link created", sharing.SHARE_USED: "Share link opened",
    sharing.SHARE_REFUSED: "Share link refused", sharing.SHARE_REVOKED: "Share link revoked",
    sharing.SCORECARD_SENT: "Scorecard mailed"}

access.viewer()  # app.py lets only an admin role open this page
st.title("Audit log")
st.caption("Every sign-in, wrong password, refusal (too many failures) and sign-out, and every scorecard or "
           "maturity page a dealer-group, region or marketing user opened and every scorecard download they took; "
           "share links created, opened (user `share:<link>`), refused and revoked, and scorecards mailed by "
           "`burst-scorecards --send`. Times are the server's.")

c1, c2, c3, c4 = st.columns([1, 1, 2, 1.2])
start = c1.date_input("From", value=date.today() - timedelta(days=30), format="YYYY-MM-DD", key="audit_from")
end = c2.date_input("To (inclusive)", value=date.today(), format="YYYY-MM-DD", key="audit_to")
actions = c3.multiselect("Actions", list(ACTION_LABELS), format_func=ACTION_LABELS.get, key="audit_actions",
                         placeholder="Every action")
user = c4.text_input("User", key="audit_user", placeholder="Every user").strip()
if start is None or end is None or start > end:
    st.warning("Choose a first day on or before the last day.")
    st.stop()

rows = access.audit_entries(datetime.combine(start, time.min), datetime.combine(end + timedelta(days=1), time.min),
                            tuple(actions), user or None)
frame = pd.DataFrame([{"When": r["at"], "User": r["username"], "Action": ACTION_LABELS.get(str(r["action"]), r["action"]),
                       "Detail": r["detail"] or "", "Client": r["client"] or ""} for r in rows],
                     columns=["When", "User", "Action", "Detail", "Client"])
st.caption(f"{len(frame):,} entr{'y' if len(frame) == 1 else 'ies'}"
           + (f" (the latest {audit.ENTRY_LIMIT:,}; narrow the filters to see older ones)"
              if len(frame) >= audit.ENTRY_LIMIT else "") + ", newest first.")
if frame.empty:
    st.info("No entries match these filters.")
else:
    tables.show(frame, hide_index=True, width="stretch",
                column_config={"When": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm:ss")})
    st.download_button("Download these entries (CSV)", people_csv(frame), file_name=f"audit_{start}_{end}.csv",
                       mime="text/csv", key="audit_download", icon=":material/download:")
