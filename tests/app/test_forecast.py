"""AppTest: forecast roll-up, submitting and locking the call, and the pipeline-change waterfall.

Each test works on its own copy of the seeded sample database (the page writes to it). The
as-of date is today, so the current quarter is the one the page dates submissions in.
"""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from revops_core import formatting, windows
from revops_core import pipeline_change as pc
from revops_core.db import make_engine
from revops_core.forecast import forecast_quarters, forecast_rollup
from revops_core.queries.common import T

PAGE = "views/forecast.py"
TODAY = date.today()
QUERY = {"as_of": TODAY.isoformat()}


@pytest.fixture
def page_db(private_db: str) -> str:
    """This module's name for the private copy of the sample database (``private_db``)."""
    return private_db


def _submit(at, segment: str, by: str, commit: float, best: float, note: str = ""):  # noqa: ANN001, ANN202
    at.selectbox(key="fc_sub_segment").select(segment)
    at.text_input(key="fc_sub_by").input(by)
    at.number_input(key="fc_sub_commit").set_value(commit)
    at.number_input(key="fc_sub_best").set_value(best)
    at.text_area(key="fc_sub_note").input(note)
    return at.button(key="fc_sub_submit").click().run()


def _frames_text(at) -> str:  # noqa: ANN001
    return " ".join(df.value.astype(str).to_string() for df in at.dataframe)


def test_rollup_tiles_match_the_core(open_page, page_db: str) -> None:
    at = open_page(PAGE, query=QUERY)
    current, following = forecast_quarters(TODAY)
    with make_engine(page_db).connect() as conn:
        roll = forecast_rollup(conn, TODAY, current)
        nxt = forecast_rollup(conn, TODAY, following)
    shown = {m.label: m.value for m in at.metric}
    assert shown["Commit forecast"] == formatting.money(roll.total.commit_forecast)
    assert shown["Best-case forecast"] == formatting.money(roll.total.best_case_forecast)
    assert shown["Quota"] == formatting.money(roll.total.quota)
    at.radio(key="fc_quarter").set_value(following).run()
    assert not at.exception
    shown = {m.label: m.value for m in at.metric}
    assert shown["Best-case forecast"] == formatting.money(nxt.total.best_case_forecast)


def test_submit_a_call_and_see_it_in_the_history(open_page, page_db: str) -> None:
    at = open_page(PAGE, query=QUERY)
    at = _submit(at, "OEM", "Maya Chen", 2_000_000, 1_000_000)   # best case below commit: refused
    assert not at.exception
    assert any("best case" in e.value for e in at.error)
    assert "Maya Chen" not in _frames_text(at)
    at = _submit(at, "OEM", "Maya Chen", 1_000_000, 1_500_000, "Two RFQs moved to commit")
    assert not at.exception
    assert any("Call saved" in s.value for s in at.success)
    text = _frames_text(at)
    assert "Maya Chen" in text and "Two RFQs moved to commit" in text and "Current call" in text
    assert formatting.money(1_000_000) in text  # the segment table's "Submitted commit"


def test_lock_the_month_then_a_further_submission_is_refused(open_page, page_db: str) -> None:
    at = open_page(PAGE, query=QUERY)
    at = _submit(at, "FLEET", "Ana Silva", 100_000, 150_000)
    assert any("Call saved" in s.value for s in at.success)
    month = windows.month_str(TODAY)
    at.selectbox(key="fc_lock_month").select(month)
    at.text_input(key="fc_lock_by").input("Board of directors")
    at.checkbox(key="fc_lock_confirm").check()
    at = at.button(key="fc_lock_submit").click().run()
    assert any(f"{month} locked" in s.value for s in at.success)
    at = _submit(at, "FLEET", "Ana Silva", 120_000, 150_000)
    assert not at.exception
    assert any("locked" in e.value and "not saved" in e.value for e in at.error)
    assert "Locked call of" in _frames_text(at)
    at.checkbox(key="fc_lock_confirm").check()
    at = at.button(key="fc_lock_submit").click().run()
    assert any("already locked" in e.value for e in at.error)


def test_change_waterfall_and_the_deals_behind_a_bar(open_page, page_db: str) -> None:
    eng = make_engine(page_db)
    o = T["opportunities"]
    with eng.begin() as conn:  # the CRM moves two deals after the seed's snapshot
        won_id, up_id = conn.execute(sa.select(o.c.opportunity_id).where(o.c.status == "OPEN")
                                     .order_by(o.c.opportunity_id).limit(2)).scalars().all()
        conn.execute(o.update().where(o.c.opportunity_id == won_id).values(status="WON", stage="Closed won"))
        conn.execute(o.update().where(o.c.opportunity_id == up_id).values(amount=o.c.amount + 250_000))
    with eng.connect() as conn:
        change = pc.pipeline_change(conn, pc.default_baseline(pc.snapshots(conn)))
    at = open_page(PAGE, query=QUERY)
    shown = {m.label: m.value for m in at.metric}
    assert shown["Previous open pipeline"] == formatting.money(change.previous_open)
    assert shown["Current open pipeline"] == formatting.money(change.current_open)
    assert shown["Deals changed"] == "2"
    specs = [c.proto.spec for c in at.get("vega_lite_chart")]
    assert any("previous snapshot to now" in spec for spec in specs), "the waterfall chart is drawn"
    at.selectbox(key="fc_change_bucket").select("WON").run()
    assert not at.exception
    assert won_id in _frames_text(at)
    at.selectbox(key="fc_change_bucket").select("AMOUNT_UP").run()
    assert up_id in _frames_text(at)
    at = at.button(key="fc_snapshot_now").click().run()  # refresh: the new snapshot is the comparison's end
    assert not at.exception
    assert any("Snapshot #2 taken" in s.value for s in at.success)


def test_a_link_reopens_the_quarter_and_the_change_bucket(open_page, page_db: str) -> None:
    current, following = forecast_quarters(TODAY)
    at = open_page(PAGE, query={**QUERY, "fc_quarter": following, "fc_change_bucket": "Won"})
    with make_engine(page_db).connect() as conn:
        nxt = forecast_rollup(conn, TODAY, following)
    assert at.radio(key="fc_quarter").value == following
    assert {m.label: m.value for m in at.metric}["Best-case forecast"] == formatting.money(nxt.total.best_case_forecast)
    assert at.selectbox(key="fc_change_bucket").value == "WON"
    for key, widget in (("fc_quarter", at.radio(key="fc_quarter")), ("fc_baseline", at.selectbox(key="fc_baseline")),
                        ("fc_change_bucket", at.selectbox(key="fc_change_bucket"))):
        assert widget.proto.query_param_key == key
    assert not at.warning
    bad = open_page(PAGE, query={**QUERY, "fc_quarter": "1999Q1"})
    assert f"Quarter = '1999Q1' is not one of {current}, {following}" in bad.warning[0].value
    assert bad.radio(key="fc_quarter").value == current


def test_calls_say_they_are_dated_today(open_page, page_db: str) -> None:
    at = open_page(PAGE, query={"as_of": "2025-06-30"})
    assert any(f"dated **today, {formatting.date(TODAY)}**" in c.value for c in at.caption)
    assert any("as of 30 Jun 2025" in i.value and "dated today" in i.value for i in at.info)
