"""Certifications & risks: certification status, certifications as pipeline gates (blocked
pipeline, drill-down, renewal what-if), product requirements and the failure modes
(the four of the playbook, PPAP in production, the four-quarter EV-mix test)."""
from __future__ import annotations

from datetime import date

import altair as alt
import streamlit as st

from revops_core import formatting
from revops_core.certifications import default_renewal
from revops_core.contract import CERTIFICATIONS
from revops_core.errors import ScenarioError
from shell import certifications_data as cd
from shell import charts, data, filters, records, tables
from shell.tiles import delta_args

f = filters.get()
cfg = data.config()
segments = cd.segment_arg(f.segments)
cert_label = {code: cfg.label("certifications", code) for code in CERTIFICATIONS}
DATE_RANGE = (date(2000, 1, 1), date(2060, 12, 31))
SEVERITY = {"red": ("red", "Triggered"), "amber": ("orange", "Watch"), "green": ("green", "Clear")}
ANY = "any certification"
DRILL_LEAD = ("opportunity_id", "account", "product", "blocked_by", "amount", "close_date", "stage")


def when(day: date | None, prefix: str) -> str:
    return f"{prefix} {formatting.date(day)}" if day else f"{prefix}: none recorded"


st.title("Certifications & risks")
st.caption(f"Certification status as of **{formatting.date(f.as_of)}**. An open opportunity is blocked when a "
           "certification it needs under the rules is not valid on its expected close date.")

summary = cd.gates(f.url, f.version, segments)
filters.link_notice([
    filters.Bound("cert_drill", "Opportunities blocked by",
                  (ANY, *(cert_label[g.certification] for g in summary.gates if g.count))),
    filters.Bound("cert_what_if_cert", "Certification renewed", tuple(cert_label.values())),
    filters.Bound("cert_what_if_date", "Renewed by", dates=DATE_RANGE),
    filters.Bound("cert_what_if_expiry", "New expiry", dates=DATE_RANGE)])

# --- status matrix -----------------------------------------------------------------------------
st.subheader("Certification status")
rows = cd.matrix(f.url, f.version, f.as_of)
for chunk in (rows[:4], rows[4:]):
    for col, row in zip(st.columns(4), chunk):
        with col, st.container(border=True):
            st.markdown(f"**{cert_label[row.certification]}**")
            st.badge(row.words, color=row.color)
            if row.days_left is None:
                expiry = "No expiry date recorded"
            elif row.days_left >= 0:
                expiry = f"{when(row.expiry_date, 'Expires')} · {row.days_left:,} days left"
            else:
                expiry = f"{when(row.expiry_date, 'Expired')} · {-row.days_left:,} days ago"
            audit = when(row.next_audit_date, "Next audit")
            if row.days_to_audit is not None:
                audit += f" (in {row.days_to_audit:,} days)" if row.days_to_audit >= 0 else " (date passed)"
            st.caption(f"{expiry}  \n{audit}  \nScope: {formatting.text(row.scope)}")
st.caption(f"Expiring soon = valid at the as-of date and expiring within {cfg.rules.expiring_soon_days} days.")

# --- blocked pipeline per certification ---------------------------------------------------------
st.subheader("Open pipeline blocked by certifications")
if segments is not None:
    st.caption("Selected segments only: " + ", ".join(cfg.label("segments", s) for s in segments) + ".")
c1, c2, c3, c4 = st.columns(4)
c1.metric("Pipeline at risk (certification)", formatting.money(summary.total_amount),
          help="Each blocked opportunity counted once, however many certifications block it.")
c2.metric("Opportunities blocked", formatting.count(summary.total_count))
c3.metric("Open pipeline", formatting.money(summary.open_amount))
c4.metric("Share of open pipeline at risk", formatting.percent(summary.share_at_risk))

gate_df = cd.gate_frame(summary, rows, cfg)
if summary.total_count == 0:
    st.success("No open opportunity is blocked: every certification the open pipeline needs is valid at close.")
else:
    chart = (alt.Chart(gate_df, title="Open pipeline blocked, by certification (US$)", height=420)
             .mark_bar().encode(
                 x=alt.X("amount:Q", title="Blocked open pipeline (US$)", axis=charts.MONEY_AXIS),
                 y=alt.Y("Certification:N", title=None, sort=[cert_label[c] for c in CERTIFICATIONS]),
                 color=alt.Color("Block:N", title="Why it blocks", legend=alt.Legend(labelLimit=420), scale=alt.Scale(
                     domain=list(cd.BLOCK_COLORS), range=list(cd.BLOCK_COLORS.values()))),
                 tooltip=["Certification", "Status", "Blocked pipeline", "Opportunities", "Why"]))
    st.altair_chart(chart, width="stretch")
    st.caption("An opportunity blocked by two certifications appears under each bar; the total above counts it once.")
tables.show(gate_df.drop(columns=["amount", "Block"]), hide_index=True, width="stretch",
            column_config={"Certification": st.column_config.Column("Certification", pinned=True)})

# --- drill-down -----------------------------------------------------------------------------------
blocking = [g.certification for g in summary.gates if g.count]
if blocking:
    choice = st.selectbox("Show the opportunities blocked by", [None, *blocking], key="cert_drill",
                          bind="query-params", format_func=lambda c: ANY if c is None else cert_label[c])
    frame, total = cd.drilldown(f.url, f.version, choice, segments)
    st.caption(f"{total:,} opportunities" + (f" (largest {len(frame):,} shown)" if total > len(frame) else ""))
    records.show(frame, cfg, lead=DRILL_LEAD)

# --- what-if ----------------------------------------------------------------------------------------
st.subheader("What if a certification is renewed?")
st.caption("The certification is replaced by a valid certificate from the renewal date to the new expiry, and the "
           "blocked pipeline is computed again. Opportunities it blocks that close before the renewal date stay "
           "blocked (the renewal comes too late for them), and so do those still needing another certification.")
renewal_default, expiry_default = default_renewal(f.as_of)
biggest = max(summary.gates, key=lambda g: g.amount).certification
w1, w2, w3 = st.columns(3)
code = w1.selectbox("Certification renewed", list(CERTIFICATIONS), index=CERTIFICATIONS.index(biggest),
                    format_func=cert_label.get, key="cert_what_if_cert", bind="query-params")
renewal = w2.date_input("Renewed by", value=renewal_default, key="cert_what_if_date", format="YYYY-MM-DD",
                        min_value=DATE_RANGE[0], max_value=DATE_RANGE[1], bind="query-params",
                        help="Opportunities closing before this date stay blocked.")
expiry = w3.date_input("New expiry", value=expiry_default, key="cert_what_if_expiry", format="YYYY-MM-DD",
                       min_value=DATE_RANGE[0], max_value=DATE_RANGE[1], bind="query-params",
                       help="Opportunities closing after this date stay blocked.")
try:
    result = cd.what_if(f.url, f.version, code, renewal, expiry, segments)
except ScenarioError as exc:
    st.error(str(exc))
else:
    r1, r2, r3 = st.columns(3)
    r1.metric("Pipeline released", formatting.money(result.released))
    r2.metric("Opportunities released", formatting.count(result.released_count))
    r3.metric("Pipeline at risk after renewal", formatting.money(result.at_risk_after),
              **delta_args("money", -result.released if result.released else None, higher_is_better=False))
    st.caption(f"If {cert_label[code]} is renewed by {formatting.date(renewal)} and valid until "
               f"{formatting.date(expiry)}, "
               f"{formatting.money(result.released)} of the {formatting.money(result.at_risk_now)} at risk "
               "is released.")

# --- requirements ---------------------------------------------------------------------------------
st.subheader("Which products need which certification")
st.caption("From the certification rules in config. \"Required\": whatever the account. \"If …\": only for "
           "opportunities with such an account (IATF 16949 for hardware sold to OEM or Tier-1 buyers, TISAX for "
           "EU-OEM accounts). "
           "Opportunities without a product need only the account-based certifications.")
req = cd.requirements(f.url, f.version)
if len(req) <= 1:
    st.info("No products in the data yet: import products to see which certifications each needs.")
tables.show(req, hide_index=True, width="stretch", height=35 * (len(req) + 1) + 3)

# --- failure modes ----------------------------------------------------------------------------------
st.subheader("Failure modes")
st.caption("The four failure modes of the playbook and, beside the upcoming-SOP flag, awards already in production "
           "without PPAP approval; each with the figure behind it and the records that trigger it. The EV-transition "
           "mode also states the four-quarter EV-mix test.")
ev_test = data.playbook_metrics(f.url, f.version, f.as_of).ev_mix_sustained
for mode in data.failure_modes(f.url, f.version, f.as_of):
    color, word = SEVERITY[mode.severity]
    with st.container(border=True):
        st.markdown(f"**{mode.label}**")
        st.badge(f"{word}: {mode.label}", color=color)
        st.write(mode.figure)
        if mode.key == "ev_transition":
            st.caption("EV revenue mix (TTM) at each quarter end: "
                       + " · ".join(f"{formatting.date(d)} {formatting.percent(v)}" for d, v in ev_test.quarters))
        if len(mode.records) == 0:
            st.caption("No records trigger this failure mode.")
        else:
            with st.expander(f"Records behind it ({len(mode.records):,})", expanded=mode.triggered):
                records.show_failure_records(mode.key, mode.records, cfg)
