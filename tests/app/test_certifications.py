"""AppTest: the certifications page shows the core's figures; the what-if follows its widgets;
the board overview shows the alert banner."""
from __future__ import annotations

import json
from datetime import date

from revops_core import certifications as c
from revops_core import formatting
from revops_core.alerts import firing_alerts
from revops_core.board import board_metrics
from revops_core.playbook import playbook_metrics
from revops_core.queries.common import latest_activity_date
from revops_core.risks import ev_test_words, failure_modes
from tests.app.conftest import metric_values

PAGE = "views/certifications.py"


def test_page_shows_the_core_figures(open_page, sample_engine, cfg) -> None:
    at = open_page(PAGE)
    with sample_engine.connect() as conn:
        d = latest_activity_date(conn)
        rows = c.certification_matrix(conn, d, cfg)
        summary = c.gates(conn, cfg)
        modes = failure_modes(conn, d, cfg)
        assert summary.total_amount == board_metrics(conn, d, cfg).pipeline_at_risk_cert
    shown = metric_values(at)
    assert shown["Pipeline at risk (certification)"] == formatting.money(summary.total_amount)
    assert shown["Opportunities blocked"] == formatting.count(summary.total_count)
    badges = " ".join(md.value for md in at.markdown if "-badge[" in md.value)
    for row in rows:  # every certification's state in colour and words
        assert f":{row.color}-badge[{row.words}]" in badges
    table = at.dataframe[0].value
    assert list(table["Blocked pipeline"]) == [formatting.money(g.amount) for g in summary.gates]
    assert len(at.subheader) >= 5 and any(s.value == "Failure modes" for s in at.subheader)
    words = {"red": "red-badge[Triggered", "amber": "orange-badge[Watch", "green": "green-badge[Clear"}
    for mode in modes:  # the four failure modes and PPAP in production, each in colour and words with its figure
        assert f"{words[mode.severity]}: {mode.label}]" in badges
        assert any(md.value == mode.figure for md in at.markdown)


def test_what_if_widgets_change_the_released_figure(open_page, sample_engine, cfg) -> None:
    at = open_page(PAGE)
    at.selectbox(key="cert_what_if_cert").set_value("ISO_SAE_21434").run()
    at.date_input(key="cert_what_if_date").set_value(date(2026, 12, 1)).run()
    at.date_input(key="cert_what_if_expiry").set_value(date(2029, 12, 1)).run()
    assert not at.exception
    with sample_engine.connect() as conn:
        w = c.renewal_what_if(conn, cfg, "ISO_SAE_21434", date(2026, 12, 1), date(2029, 12, 1))
    assert w.released > 0
    assert metric_values(at)["Pipeline released"] == formatting.money(w.released)
    # a renewal that comes after every blocked close date releases less
    at.date_input(key="cert_what_if_date").set_value(date(2035, 1, 1)).run()
    at.date_input(key="cert_what_if_expiry").set_value(date(2038, 1, 1)).run()
    with sample_engine.connect() as conn:
        late = c.renewal_what_if(conn, cfg, "ISO_SAE_21434", date(2035, 1, 1), date(2038, 1, 1))
    assert late.released < w.released
    assert metric_values(at)["Pipeline released"] == formatting.money(late.released)


def test_expiry_before_renewal_is_explained(open_page) -> None:
    at = open_page(PAGE)
    at.date_input(key="cert_what_if_expiry").set_value(date(2020, 1, 1)).run()
    assert not at.exception
    assert any("before the renewal date" in e.value for e in at.error)


def test_drilldown_and_segment_filter(open_page, sample_engine, cfg) -> None:
    at = open_page(PAGE, query={"segments": "Dealer + Aftermarket"})
    with sample_engine.connect() as conn:
        summary = c.gates(conn, cfg, segments=("DEALER_AFTERMARKET",))
        _, total = c.blocked_drilldown(conn, cfg, "UN_R156", segments=("DEALER_AFTERMARKET",))
    assert metric_values(at)["Pipeline at risk (certification)"] == formatting.money(summary.total_amount)
    at.selectbox(key="cert_drill").set_value("UN_R156").run()
    assert any(cap.value.startswith(f"{total:,} opportunities") for cap in at.caption)


def test_overview_shows_the_alert_banner(open_page, sample_engine, cfg) -> None:
    at = open_page()
    with sample_engine.connect() as conn:
        firing = firing_alerts(board_metrics(conn, latest_activity_date(conn), cfg), cfg)
    assert firing  # the sample company has OEM coverage below 6x and pipeline at risk
    (banner,) = [w for w in at.warning if "firing" in w.value]
    for alert in firing:
        assert f"- {alert.message}" + (f" Now: {alert.value_text}." if alert.value_text else "") in banner.value
    assert "Now: $" in banner.value  # the pipeline-at-risk figure, formatted as money


def test_risks_show_ppap_in_production_and_the_four_quarter_ev_test(open_page, sample_engine, cfg) -> None:
    at = open_page(PAGE)
    with sample_engine.connect() as conn:
        d = latest_activity_date(conn)
        modes = {m.key: m for m in failure_modes(conn, d, cfg)}
        test = playbook_metrics(conn, d, cfg).ev_mix_sustained
    live = modes["ppap_in_production"]
    badges = " ".join(md.value for md in at.markdown if "-badge[" in md.value)
    word = "red-badge[Triggered" if live.triggered else "green-badge[Clear"
    assert f"{word}: PPAP not approved in production]" in badges
    labels = [md.value for md in at.markdown if md.value.startswith("**")]
    assert labels.index("**PPAP not approved in production**") == labels.index("**SOP / PPAP under-build**") + 1
    assert any(md.value == modes["ev_transition"].figure and ev_test_words(test) in md.value for md in at.markdown)
    quarters = next(c.value for c in at.caption if c.value.startswith("EV revenue mix (TTM) at each quarter end"))
    for day, value in test.quarters:
        assert f"{day:%d %b %Y} {formatting.percent(value)}" in quarters



# --- the view's controls live in the URL: a shared link reopens the same view ----------------------

def test_a_link_reopens_the_drilldown_and_the_what_if(open_page, sample_engine, cfg) -> None:
    query = {"cert_drill": "UN R156", "cert_what_if_cert": "ISO/SAE 21434", "cert_what_if_date": "2026-12-01",
             "cert_what_if_expiry": "2029-12-01"}
    at = open_page(PAGE, query=query)
    with sample_engine.connect() as conn:
        _, total = c.blocked_drilldown(conn, cfg, "UN_R156")
        w = c.renewal_what_if(conn, cfg, "ISO_SAE_21434", date(2026, 12, 1), date(2029, 12, 1))
    assert at.selectbox(key="cert_drill").value == "UN_R156"
    assert any(cap.value.startswith(f"{total:,} opportunities") for cap in at.caption)
    assert at.selectbox(key="cert_what_if_cert").value == "ISO_SAE_21434"
    assert at.date_input(key="cert_what_if_date").value == date(2026, 12, 1)
    assert metric_values(at)["Pipeline released"] == formatting.money(w.released)
    assert not at.warning
    for key in query:
        widget = at.date_input(key=key) if "date" in key or "expiry" in key else at.selectbox(key=key)
        assert widget.proto.query_param_key == key


def test_bad_link_values_are_named(open_page) -> None:
    at = open_page(PAGE, query={"cert_what_if_cert": "ISO 9001", "cert_what_if_date": "31/12/2026"})
    notice = at.warning[0].value
    assert "Certification renewed = 'ISO 9001' is not one of IATF 16949" in notice
    assert "Renewed by = '31/12/2026' is not a date (YYYY-MM-DD)" in notice


def test_the_blocked_chart_colours_why_a_certification_blocks_not_valid_in_green(open_page) -> None:
    from revops_core.chart_theme import STATUS_COLORS

    at = open_page(PAGE)
    specs = [ch.proto.spec for ch in at.get("vega_lite_chart")]
    spec = json.loads(next(s for s in specs if "Open pipeline blocked" in s))
    scale = spec["encoding"]["color"]["scale"]
    assert STATUS_COLORS["green"] not in scale["range"]          # nothing blocking is drawn as "fine"
    assert scale["range"] == [STATUS_COLORS["amber"], STATUS_COLORS["red"]]
    table = at.dataframe[0].value
    assert not table["Why"].str.contains(r"\d{4}-\d{2}-\d{2}").any()   # dates written one way
