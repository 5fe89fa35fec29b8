"""Board overview: a tile per board metric (and the playbook's run-rate, ECO margin, E-SA lift and
four-quarter EV-mix test), the Monday-morning move and the failure modes."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from revops_core import bands, formatting
from revops_core.contract import CERTIFICATIONS
from revops_core.queries.common import change
from revops_core.risks import ev_test_words, risk_scores
from shell import certifications_data, data, filters, records, tables
from shell.tiles import band_words, tile, verdict_tile

f = filters.get()
cfg = data.config()
m = data.board_metrics(f.url, f.version, f.as_of)
pb = data.playbook_metrics(f.url, f.version, f.as_of)
trend = data.board_trend(f.url, f.version, f.as_of)
history = list(zip(trend, data.playbook_trend(f.url, f.version, f.as_of))) + [(m, pb)]
prev = trend[-1] if trend else None

st.title("Board overview")
st.caption(f"As of **{formatting.date(f.as_of)}** · TTM = the twelve months to that date · "
           f"changes compare with the previous quarter end ({formatting.date(prev.as_of)}) · a metric without a "
           "playbook benchmark is held to the board's plan (config rules.yaml)" if prev else "")

# Alert banner (config/alerts.yaml), the same alerts as ``python -m revops_core alerts``.
firing = certifications_data.firing_alerts(f.url, f.version, f.as_of)
if firing:
    st.warning(f"**{len(firing)} alert{'s' if len(firing) > 1 else ''} firing**\n\n"
               + "\n".join(f"- {a.message}" + (f" Now: {a.value_text}." if a.value_text else "") for a in firing),
               icon=":material/notifications_active:")
else:
    st.caption("No alerts firing.")


def series(getter) -> tuple[float | None, float | None, list[float | None]]:  # noqa: ANN001
    """A tile's value, its previous quarter end's and the trend; ``getter(board, playbook)``."""
    values = [getter(board, play) for board, play in history]
    return values[-1], (values[-2] if len(values) > 1 else None), values


TILES = [
    ("backlog", lambda b, p: b.backlog, True),
    ("backlog_replenishment_rate", lambda b, p: b.backlog_replenishment_rate, True),
    ("awards_won_ttm", lambda b, p: b.awards_won_ttm, True),
    ("revenue_ttm", lambda b, p: b.revenue_ttm, True),
    ("revenue_run_rate", lambda b, p: p.revenue_run_rate.annualized, True),
    ("program_revenue_ttm", lambda b, p: b.program_revenue_ttm, True),
    ("win_rate", lambda b, p: b.win_rate.get("ALL"), True),
    ("oem_rfq_win_rate", lambda b, p: b.oem_rfq_win_rate, True),
    ("software_attach_rate", lambda b, p: b.software_attach_rate, True),
    ("subscription_arr", lambda b, p: b.subscription_arr, True),
    ("arr_per_subscribed_vehicle", lambda b, p: b.arr_per_subscribed_vehicle, True),
    ("subscription_revenue_share", lambda b, p: b.subscription_revenue_share, True),
    ("ev_revenue_mix_ttm", lambda b, p: b.ev_revenue_mix_ttm, True),
    ("ev_mix_sustained", None, True),  # the four-quarter test: a verdict tile
    ("esa_ratio", lambda b, p: b.esa_ratio, True),
    ("esa_lift", lambda b, p: p.esa_lift.lift, True),
    ("eco_approved_revenue_ttm", lambda b, p: b.eco_approved_revenue_ttm, True),
    ("eco_margin_ttm", lambda b, p: p.eco_margin_ttm, True),
    ("eco_approval_rate", lambda b, p: b.eco_approval_rate, True),
    ("eco_count_ttm", lambda b, p: b.eco_count_ttm, True),
    ("pipeline_coverage", lambda b, p: b.pipeline_coverage.get("OEM"), True),
    ("pipeline_at_risk_cert", lambda b, p: b.pipeline_at_risk_cert, False),
]
LABELS = {"win_rate": "Win rate (all segments)", "pipeline_coverage": "OEM pipeline coverage"}
SEGMENT_OF = {"pipeline_coverage": "OEM"}  # tiles whose band is the segment's
esa_reference = (cfg.benchmarks.metrics["esa_lift"].target or (None, None))[0]
NOTES = {
    "revenue_run_rate": f"{formatting.money(pb.revenue_run_rate.ytd)} recognised January to "
                        f"{formatting.month(f.as_of)}, × 12 / {pb.revenue_run_rate.months} months",
    "esa_lift": f"Win rate {formatting.percent(pb.esa_lift.with_esa)} with an E-SA, "
                f"{formatting.percent(pb.esa_lift.without_esa)} without (OEM + Tier-1, TTM)"
                + (f"; reference line +{formatting.percent(esa_reference, 0)}" if esa_reference is not None else ""),
    "eco_margin_ttm": "Revenue change minus cost change of the ECOs approved in the TTM",
}


def ev_test_tile() -> None:
    """The four-quarter EV-mix test (``ev_mix_sustained``) as a verdict tile."""
    test = pb.ev_mix_sustained
    status = "green" if test.sustained else ("amber" if test.met else "red")
    verdict_tile(cfg.metric_label("ev_mix_sustained"), "Sustained" if test.sustained else "Not sustained",
                 status, ev_test_words(test), [v for _, v in test.quarters],
                 help_text="EV revenue mix (TTM) at each quarter end: "
                           + ", ".join(f"{formatting.date(d)} {formatting.percent(v)}" for d, v in test.quarters))


st.subheader("Board metrics")
for start in range(0, len(TILES), 4):
    cols = st.columns(4)
    for col, (key, getter, up) in zip(cols, TILES[start:start + 4]):
        with col:
            if getter is None:
                ev_test_tile()
                continue
            value, previous, values = series(getter)
            tile(cfg, key, value, previous, values, segment=SEGMENT_OF.get(key), label=LABELS.get(key),
                 higher_is_better=up, note=NOTES.get(key), as_of=f.as_of)

st.subheader("By segment")
st.caption("The segments chosen in the sidebar, each figure against its benchmark or the board's plan.")
before = trend[-1] if trend else None
rows, changes = [], []
for seg in f.segments:
    cov = m.coverage_detail.get(seg)
    win_band, cov_band, cyc_band = (bands.evaluate(cfg, key, getattr(m, key)[seg], seg, f.as_of)
                                    for key in ("win_rate", "pipeline_coverage", "sales_cycle_days"))
    rows.append({
        "Segment": cfg.label("segments", seg),
        "Win rate": formatting.percent(m.win_rate[seg]), "Win-rate band": band_words(win_band),
        "Pipeline coverage": "quota met" if cov and cov.quota_met else formatting.ratio(m.pipeline_coverage[seg]),
        "Coverage band": band_words(cov_band),
        "Sales cycle": formatting.days(m.sales_cycle_days[seg]), "Cycle band": band_words(cyc_band),
    })
    changes.append({
        "Segment": cfg.label("segments", seg),
        "Win rate": formatting.signed_delta(
            "percent", None if before is None else change(m.win_rate[seg], before.win_rate[seg])),
        "Pipeline coverage": formatting.signed_delta(
            "ratio", None if before is None else change(m.pipeline_coverage[seg], before.pipeline_coverage[seg])),
    })
PINNED = {"Segment": st.column_config.Column("Segment", pinned=True)}
tables.show(pd.DataFrame(rows), hide_index=True, width="stretch", column_config=PINNED)
if before is not None:
    with st.expander(f"Change against the previous quarter end ({formatting.date(before.as_of)})"):
        tables.show(pd.DataFrame(changes), hide_index=True, width="stretch", column_config=PINNED)

st.subheader("Certifications")
cert_rows = []
for code in CERTIFICATIONS:
    c = m.certifications[code]
    state = ("Expiring soon" if c.expiring_soon else "Valid") if c.valid_at_D else "Not valid"
    cert_rows.append({"Certification": cfg.label("certifications", code),
                      "Status": cfg.label("certification_statuses", c.status),
                      "At the as-of date": state, "Expires": c.expiry_date})
valid = sum(1 for c in m.certifications.values() if c.valid_at_D)
soon = sum(1 for c in m.certifications.values() if c.expiring_soon)
st.caption(f"{valid} of {len(CERTIFICATIONS)} certifications valid at the as-of date; {soon} expiring within "
           f"{cfg.rules.expiring_soon_days} days.")
tables.show(pd.DataFrame(cert_rows), dates=["Expires"], hide_index=True, width="stretch",
            placeholder=formatting.DASH)

st.subheader("The Monday-morning move")
scores = risk_scores(m, data.schedule(f.url, f.version, f.as_of), cfg, ev_test=pb.ev_mix_sustained)
top = scores[0]
if top.score:
    st.error(f"**Fix first: {top.label}** (shortfall {formatting.percent(top.score)}). {top.figure}. "
             f"Look at: {top.look_at}", icon=":material/priority_high:")
else:
    st.success("No shortfall on backlog replenishment, certifications or EV mix.", icon=":material/check_circle:")
tables.show(pd.DataFrame([{"Rank": i + 1, "Risk": s.label, "Shortfall (0–100%)": formatting.percent(s.score),
                            "Behind it": s.figure} for i, s in enumerate(scores)]),
             hide_index=True, width="stretch")
st.caption(f"Four-quarter EV-mix test: {ev_test_words(pb.ev_mix_sustained)}.")

st.subheader("Failure modes")
for mode in data.failure_modes(f.url, f.version, f.as_of):
    color, word = {"red": ("red", "Triggered"), "amber": ("orange", "Watch"),
                   "green": ("green", "Clear")}[mode.severity]
    with st.expander(f"{mode.label} — {word}", expanded=False):
        st.badge(word, color=color)
        st.write(mode.figure)
        if len(mode.records):
            records.show_failure_records(mode.key, mode.records, cfg)
