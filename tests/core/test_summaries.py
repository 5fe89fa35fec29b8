"""Summary tables (revops_core.summaries): every load rebuilds them, a query reads them only while
they hold the current data version, and what it reads equals what the touchpoints give.

The random ecosystem of test_attribution_sql (60 leads over Feb-Apr 2026, two dealers in two groups
and regions) is loaded; each query then answers from the summaries (the load made them current)
and again from the datasets (the data version advanced without a rebuild), over windows that are
whole months, partial months on either side, one day, and a window inside one month, and over
every scope a role can have. Both answers must be equal.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from revops_core import summaries, windows
from revops_core.config import AppConfig
from revops_core.queries import attribution as qa
from revops_core.queries import scorecard as qs
from revops_core.queries.common import EVERYTHING, Scope
from revops_core.queries.summary_state import summary_current, summary_params
from revops_core.schema import (bump_data_version, credit_months, lead_months, markov_transition_months,
                                sold_lead_facts, summary_state)
from tests.core.test_attribution_sql import DEALERS, LEADS, TOUCHPOINTS, random_ecosystem
from tests.factories import write

WINDOWS = [
    (date(2026, 3, 1), date(2026, 3, 31)),     # one whole month: summaries only
    (date(2026, 2, 1), date(2026, 4, 30)),     # three whole months
    (date(2026, 2, 17), date(2026, 4, 9)),     # partial, whole March, partial
    (date(2026, 3, 1), date(2026, 4, 12)),     # whole March, then April's first days
    (date(2026, 3, 10), date(2026, 3, 25)),    # inside one month: the datasets only
    (date(2026, 3, 20), date(2026, 3, 20)),    # one day
]
SCOPES = [EVERYTHING, Scope(dealer_groups=frozenset({"G1"})), Scope(regions=frozenset({"East"})),
          Scope(dealer_groups=frozenset({"G1"}), regions=frozenset({"East"}))]   # the last sees nothing


def answers(conn: Connection, start: date, end: date, scope: Scope, half_life: float) -> dict[str, object]:
    """Every query that may read a summary, as comparable plain values."""
    heuristic = qa.heuristic_credits_sql(conn, start, end, half_life, scope)
    return {
        "transitions": [(t.origin, t.target, t.converted, t.count)        # sorted by the query
                        for t in qa.markov_transitions(conn, start, end, scope)],
        "credits": heuristic.credits,
        "attributed": qa.attributed_revenue_sql(conn, start, end, scope),
        "segments": qa.segment_rows(conn, start, end, scope),
        "marketing": qs.marketing_revenue(conn, start, end, "dealer_group", ("OEM", "MEDIA"), None, scope),
        "heat": qs.heatmap_cells(conn, start, end, "region", scope),
        "counts": qs.lead_counts(conn, start, end, "dealer", 30.0, None, scope),
        "counts_one_journey": qs.lead_counts(conn, start, end, "dealer_group", 30.0, "CONQUEST", scope),
        "funnel": qs.funnel_counts(conn, start, end, 30.0, "EV_LAUNCH", scope),
        "marketing_one_journey": qs.marketing_revenue(conn, start, end, "region", ("OEM", "MEDIA"), "CONQUEST", scope),
    }


def assert_same(a: dict[str, object], b: dict[str, object]) -> None:
    assert a["transitions"] == b["transitions"]
    assert a["attributed"] == pytest.approx(b["attributed"])
    assert a["segments"] == b["segments"] or [
        (s.journey, s.region, s.dealer_group, s.attributed_sales, s.leads_created) for s in a["segments"]] == [
        (s.journey, s.region, s.dealer_group, s.attributed_sales, s.leads_created) for s in b["segments"]]
    assert sorted(a["marketing"]) == sorted(b["marketing"])
    for key, got in a["marketing"].items():
        assert (got.sourced, got.influenced) == pytest.approx((b["marketing"][key].sourced,
                                                               b["marketing"][key].influenced))
    assert [(c.journey, c.segment, c.leads, c.sold) for c in a["heat"]] == [
        (c.journey, c.segment, c.leads, c.sold) for c in b["heat"]]
    assert [c.sourced for c in a["heat"]] == pytest.approx([c.sourced for c in b["heat"]])
    assert [c.revenue for c in a["heat"]] == pytest.approx([c.revenue for c in b["heat"]])
    for key in ("counts", "counts_one_journey"):
        assert sorted(a[key]) == sorted(b[key])
        for entity, got in a[key].items():
            want = b[key][entity]
            assert (got.leads, got.answered_in_sla, got.test_drives, got.quotes, got.sold, got.sold_all_journeys) == (
                want.leads, want.answered_in_sla, want.test_drives, want.quotes, want.sold, want.sold_all_journeys)
            assert got.revenue == pytest.approx(want.revenue)
    assert a["funnel"] == b["funnel"]
    assert sorted(a["marketing_one_journey"]) == sorted(b["marketing_one_journey"])
    for key, got in a["marketing_one_journey"].items():
        want = b["marketing_one_journey"][key]
        assert (got.sourced, got.influenced) == pytest.approx((want.sourced, want.influenced))
    credits_a, credits_b = a["credits"], b["credits"]
    assert set(credits_a) == set(credits_b)
    for model in credits_a:
        assert set(credits_a[model]) == set(credits_b[model]), model
        for channel, value in credits_a[model].items():
            assert value == pytest.approx(credits_b[model][channel], rel=1e-9, abs=1e-6), (model, channel)


def with_handling(i: int, lead: dict[str, object]) -> dict[str, object]:
    """A lead of the random ecosystem given a journey, a response (some within 30 minutes, one
    exactly at it), a test drive and a quote on some, so the scorecard's counts differ by lead."""
    created = lead["created_at"]
    assert isinstance(created, datetime)
    answered = None if i % 4 == 0 else created + timedelta(minutes=(i * 7) % 90 if i != 5 else 30)
    return dict(lead, journey=("CONQUEST", "EV_LAUNCH", "SERVICE_RETENTION")[i % 3], first_response_at=answered,
                test_drive_at=created + timedelta(days=1) if i % 3 == 0 else None,
                quote_at=created + timedelta(days=2) if i % 5 == 0 else None)


def make_stale(engine: Engine) -> None:
    """Advance the data version without rebuilding: what a write outside a load would leave."""
    with engine.begin() as conn:
        bump_data_version(conn)


@pytest.mark.parametrize("seed", [3, 4])
def test_the_summaries_answer_exactly_what_the_touchpoints_answer(engine: Engine, cfg: AppConfig, seed: int) -> None:
    leads, touchpoints, _, _ = random_ecosystem(seed)
    leads = [with_handling(i, lead) for i, lead in enumerate(leads)]
    parties = {"A": "MEDIA", "B": "MEDIA", "C": "OEM", "D": "DEALER", "E": "FINANCE"}
    touchpoints = [dict(t, party=parties[t["channel"]]) for t in touchpoints]
    write(engine, dealers=DEALERS, leads=leads, touchpoints=touchpoints)
    half_life = float(cfg.rules.ecosystem.time_decay_half_life_days)
    with engine.connect() as conn:
        assert all(summary_current(conn, t)
                   for t in (sold_lead_facts, markov_transition_months, credit_months, lead_months))
        assert qs._rollup_fits(conn, 30.0, ("OEM", "MEDIA"))     # built with the rules the answers ask for
        from_summaries = {(w, s): answers(conn, *w, s, half_life) for w in WINDOWS for s in SCOPES}
    make_stale(engine)
    with engine.connect() as conn:
        assert not any(summary_current(conn, t) for t in (sold_lead_facts, markov_transition_months, credit_months))
        for (window, scope), got in from_summaries.items():
            assert_same(got, answers(conn, *window, scope, half_life))
    assert any(got["transitions"] for got in from_summaries.values())         # the data is not empty
    assert any(got["credits"]["linear"] for got in from_summaries.values())
    assert not from_summaries[(WINDOWS[0], SCOPES[-1])]["transitions"]          # G1 lies in West only
    sourced = [m.sourced < m.influenced for got in from_summaries.values() for m in got["marketing"].values()]
    assert any(sourced)      # some sales were influenced by marketing without being sourced by it
    counted = [c for got in from_summaries.values() for c in got["counts"].values()]
    assert any(0 < c.answered_in_sla < c.leads for c in counted) and any(c.test_drives and c.quotes for c in counted)


def test_a_half_life_other_than_the_summarised_one_is_computed_from_the_touches(engine: Engine,
                                                                                cfg: AppConfig) -> None:
    leads, touchpoints, _, _ = random_ecosystem(5)
    write(engine, dealers=DEALERS, leads=leads, touchpoints=touchpoints)
    march = (date(2026, 3, 1), date(2026, 3, 31))
    with engine.connect() as conn:
        if not qa.has_power(conn):
            pytest.skip("no power() in this SQLite: time decay is streamed, never summarised")
        assert summary_params(conn, credit_months) == "half_life_days=7.0"
        summarised = qa.heuristic_credits_sql(conn, *march, 3.0, EVERYTHING).credits["time_decay"]
    make_stale(engine)
    with engine.connect() as conn:
        direct = qa.heuristic_credits_sql(conn, *march, 3.0, EVERYTHING).credits["time_decay"]
        seven = qa.heuristic_credits_sql(conn, *march, 7.0, EVERYTHING).credits["time_decay"]
    assert summarised == pytest.approx(direct)
    assert summarised != pytest.approx(seven)    # the half-life matters, so the check above means something


def test_sold_lead_facts_hold_each_sold_leads_touches_up_to_the_sale(engine: Engine) -> None:
    """Hand data of test_attribution_sql: L1 has DI, PS, SV up to its sale (the email after it does
    not count), L4's only touch comes after its sale, L6 is not sold. Parties default to DEALER."""
    touches = [dict(t, party="MEDIA" if t["channel"] == "Display" else "DEALER") for t in TOUCHPOINTS]
    write(engine, dealers=DEALERS, leads=LEADS, touchpoints=touches)
    f = sold_lead_facts.c
    with engine.connect() as conn:
        rows = {r.lead_id: (r.first_party, r.touches, r.touched_media, r.touched_dealer, r.touched_oem)
                for r in conn.execute(sa.select(sold_lead_facts))}
    assert rows == {
        "L1": ("MEDIA", 3, 1, 1, 0),     # Display 02-24 first; the email on 03-12 came after the sale
        "L2": ("DEALER", 1, 0, 1, 0),    # Paid search only; Display on 03-21 after the sale
        "L3": ("MEDIA", 2, 1, 1, 0),
        "L4": (None, 0, 0, 0, 0),        # sold, its only touch after the sale
        "L5": ("MEDIA", 2, 1, 1, 0),
        "L11": ("DEALER", 1, 0, 1, 0),
    }
    assert "first_party" in f


def test_every_load_rebuilds_the_summaries_at_the_new_data_version(engine: Engine) -> None:
    write(engine, dealers=DEALERS, leads=LEADS, touchpoints=TOUCHPOINTS)
    with engine.connect() as conn:
        first = {i.name: i for i in summaries.summary_info(conn)}
    write(engine, dealers=DEALERS, leads=LEADS[:3], touchpoints=[t for t in TOUCHPOINTS if t["lead_id"] in
                                                                  {"L1", "L2", "L3"}])
    with engine.connect() as conn:
        second = {i.name: i for i in summaries.summary_info(conn)}
        facts = conn.execute(sa.select(sa.func.count()).select_from(sold_lead_facts)).scalar_one()
    assert set(first) == set(second) == {"sold_lead_facts", "markov_transition_months", "credit_months", "lead_months"}
    assert all(i.current for i in second.values())
    assert int(second["sold_lead_facts"].data_version) == int(first["sold_lead_facts"].data_version) + 1
    assert (first["sold_lead_facts"].rows, second["sold_lead_facts"].rows, facts) == (6, 3, 3)


def test_a_database_without_summaries_answers_from_the_datasets(engine: Engine, cfg: AppConfig) -> None:
    write(engine, dealers=DEALERS, leads=LEADS, touchpoints=TOUCHPOINTS)
    march = (date(2026, 3, 1), date(2026, 3, 31))
    with engine.connect() as conn:
        before = qa.attributed_revenue_sql(conn, *march, EVERYTHING)
    with engine.begin() as conn:
        conn.execute(summary_state.delete())
        for table in (sold_lead_facts, markov_transition_months, credit_months):
            conn.execute(table.delete())
    with engine.connect() as conn:
        assert summaries.summary_info(conn) == []
        assert qa.attributed_revenue_sql(conn, *march, EVERYTHING) == before == (1900.0, 3, 500.0, 1)


def test_a_summary_written_at_an_older_version_reads_as_stale(engine: Engine) -> None:
    write(engine, dealers=DEALERS, leads=LEADS, touchpoints=TOUCHPOINTS)
    make_stale(engine)
    with engine.connect() as conn:
        info = summaries.summary_info(conn)
    assert info and not any(i.current for i in info)
    assert all(isinstance(i.refreshed_at, datetime) for i in info)


@pytest.mark.parametrize(("start", "end", "months", "edges"), [
    ("2026-03-01", "2026-03-31", ("2026-03-01", "2026-03-31"), []),
    ("2026-02-17", "2026-04-09", ("2026-03-01", "2026-03-31"), [("2026-02-17", "2026-02-28"),
                                                                ("2026-04-01", "2026-04-09")]),
    ("2026-01-01", "2026-06-15", ("2026-01-01", "2026-05-31"), [("2026-06-01", "2026-06-15")]),
    ("2025-12-31", "2026-02-28", ("2026-01-01", "2026-02-28"), [("2025-12-31", "2025-12-31")]),
    ("2026-03-10", "2026-03-25", None, [("2026-03-10", "2026-03-25")]),
    ("2026-02-15", "2026-03-14", None, [("2026-02-15", "2026-03-14")]),    # two partial months, no whole one
    ("2024-02-01", "2024-02-29", ("2024-02-01", "2024-02-29"), []),        # leap February
    ("2026-03-05", "2026-03-04", None, []),                                # reversed: nothing
])
def test_split_months(start: str, end: str, months: tuple[str, str] | None, edges: list[tuple[str, str]]) -> None:
    got_months, got_edges = windows.split_months(date.fromisoformat(start), date.fromisoformat(end))
    as_text = (lambda w: (w[0].isoformat(), w[1].isoformat()))  # noqa: E731
    assert (None if got_months is None else as_text(got_months)) == months
    assert [as_text(e) for e in got_edges] == edges
