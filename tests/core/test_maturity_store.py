"""Maturity assessments through the database and the data facts, on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import date, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from revops_core.maturity import suggest_stages
from revops_core.queries import maturity as q
from revops_core.queries.common import Scope
from revops_core.schema import data_version
from tests.factories import write

DIMS = ("SCOPE", "DATA_COVERAGE", "ATTRIBUTION", "PARTNER_ROLE", "FINANCIAL_VIEW", "GOVERNANCE")


def _stages(*values: int) -> dict[str, int]:
    return dict(zip(DIMS, values, strict=True))


def test_save_then_read_back_round_trips(engine: Engine) -> None:
    with engine.begin() as conn:
        before = data_version(conn)
        saved = q.save_assessment(conn, "  Dealer group  North ", date(2026, 9, 1), _stages(1, 2, 3, 2, 1, 2),
                                  {"ATTRIBUTION": "Markov model in the BI workspace", "SCOPE": "   "})
        assert data_version(conn) != before
    assert saved.assessment_id == "MA-dealer-group-north-2026-09-01"
    with engine.connect() as conn:
        [back] = q.assessments(conn)
        assert q.org_units(conn) == ["Dealer group North"]
    assert back == saved
    assert back.org_unit == "Dealer group North"
    assert back.stages == _stages(1, 2, 3, 2, 1, 2)
    assert back.evidence == {"ATTRIBUTION": "Markov model in the BI workspace"}  # blank notes dropped
    assert back.score == pytest.approx(11 / 6)


def test_same_org_unit_and_day_replaces_and_history_is_ordered(engine: Engine) -> None:
    with engine.begin() as conn:
        q.save_assessment(conn, "OEM marketing", date(2026, 9, 1), _stages(1, 1, 1, 1, 1, 1))
        q.save_assessment(conn, "OEM marketing", date(2025, 3, 1), _stages(1, 1, 1, 1, 1, 2))
        q.save_assessment(conn, "Region West", date(2026, 1, 1), _stages(2, 2, 2, 2, 2, 2))
        q.save_assessment(conn, "OEM marketing", date(2026, 9, 1), _stages(3, 3, 3, 3, 3, 3))  # corrected
    with engine.connect() as conn:
        oem = q.assessments(conn, "OEM marketing")
        every = q.assessments(conn)
        rows = conn.execute(sa.select(sa.func.count()).select_from(q.T["maturity_assessments"])).scalar_one()
        west_only = q.assessments(conn, scope=Scope(frozenset({"Region West"})))
    assert [(a.assessed_on, a.score) for a in oem] == [(date(2025, 3, 1), 7 / 6), (date(2026, 9, 1), 3.0)]
    assert [a.org_unit for a in every] == ["OEM marketing", "Region West", "OEM marketing"]
    assert rows == 18  # three assessments of six dimensions: the corrected one replaced its day
    assert [a.org_unit for a in west_only] == ["Region West"]


def test_invalid_assessment_names_every_problem_and_writes_nothing(engine: Engine) -> None:
    bad = {"SCOPE": 4, "DATA_COVERAGE": 1}
    with engine.begin() as conn, pytest.raises(ValueError) as err:
        q.save_assessment(conn, " ", date(2026, 9, 1), bad, {"NOPE": "x"})
    message = str(err.value)
    assert "org unit is empty" in message
    assert "missing dimensions: ATTRIBUTION, PARTNER_ROLE, FINANCIAL_VIEW, GOVERNANCE" in message
    assert "SCOPE=4" in message and "unknown dimensions: NOPE" in message
    with engine.connect() as conn:
        assert q.assessments(conn) == []


def test_an_imported_assessment_missing_a_dimension_is_left_out(engine: Engine) -> None:
    write(engine, maturity_assessments=[
        {"assessment_id": "A1", "assessed_on": date(2026, 1, 5), "dimension": d, "stage": 2} for d in DIMS[:5]])
    with engine.connect() as conn:
        assert q.assessments(conn) == []


def test_facts_of_an_empty_database_suggest_stage_one_everywhere(engine: Engine) -> None:
    with engine.connect() as conn:
        facts = q.data_facts(conn, scorecards_shared=False)
    assert facts.datasets_present == frozenset()
    assert facts.touch_parties == frozenset()
    assert not facts.multi_touch_in_use and not facts.cost_joined_to_revenue
    assert {d: s.stage for d, s in suggest_stages(facts).items()} == dict.fromkeys(DIMS, 1)


def test_facts_from_oem_and_media_touchpoints_only(engine: Engine) -> None:
    t = datetime(2026, 5, 1, 9)
    write(engine,
          dealers=[{"dealer_id": "D1"}],
          leads=[{"lead_id": "L1", "dealer_id": "D1", "created_at": t, "sold_at": datetime(2026, 5, 20),
                  "sold_revenue": 40_000.0},
                 {"lead_id": "L2", "dealer_id": "D1", "created_at": t}],
          touchpoints=[{"lead_id": "L1", "ts": t, "channel": "Search", "party": "OEM"},
                       {"lead_id": "L1", "ts": datetime(2026, 5, 3), "channel": "Display", "party": "MEDIA"},
                       {"lead_id": "L2", "ts": t, "channel": "Search", "party": "OEM"}],
          martech_tools=[{"tool_id": "T1", "name": "CRM", "annual_cost": 1000.0, "owner": "mops"},
                         {"tool_id": "T2", "name": "Ads", "annual_cost": 0.0, "owner": "IT"}])
    with engine.connect() as conn:
        facts = q.data_facts(conn, scorecards_shared=False)
    assert facts.datasets_present == {"dealers", "leads", "touchpoints", "martech_tools"}
    assert facts.touch_parties == {"OEM", "MEDIA"}
    assert facts.multi_touch_in_use  # L1 has two touchpoints
    assert facts.cost_joined_to_revenue  # T1 costs money and sold L1 has touchpoints
    assert facts.governance_roles == {"MOPS", "IT"}
    suggested = suggest_stages(facts)
    assert suggested["ATTRIBUTION"].stage == 2
    assert "no dealer or finance touchpoints are recorded" in suggested["ATTRIBUTION"].reason
    assert suggested["FINANCIAL_VIEW"].stage == 2  # no dealer months: no cost to serve
    assert suggested["PARTNER_ROLE"].stage == 1


def test_single_touch_leads_and_unsold_revenue_are_not_multi_touch_or_joined(engine: Engine) -> None:
    t = datetime(2026, 5, 1, 9)
    write(engine,
          dealers=[{"dealer_id": "D1"}],
          leads=[{"lead_id": "L1", "dealer_id": "D1", "created_at": t},
                 {"lead_id": "L2", "dealer_id": "D1", "created_at": t, "sold_at": datetime(2026, 6, 1),
                  "sold_revenue": 30_000.0}],
          touchpoints=[{"lead_id": "L1", "ts": t, "channel": "Search"}],
          martech_tools=[{"tool_id": "T1", "name": "CRM", "annual_cost": 1000.0}])
    with engine.connect() as conn:
        facts = q.data_facts(conn, scorecards_shared=True)
    assert not facts.multi_touch_in_use
    assert not facts.cost_joined_to_revenue  # the sold lead L2 has no touchpoint to credit
    assert facts.dealer_scorecards_shared
    assert suggest_stages(facts)["ATTRIBUTION"].stage == 1


def test_facts_of_one_dealer_group_use_only_its_dealers(engine: Engine) -> None:
    t = datetime(2026, 5, 1, 9)
    write(engine,
          dealers=[{"dealer_id": "D1", "dealer_group": "North"}, {"dealer_id": "D2", "dealer_group": "South"}],
          leads=[{"lead_id": "L1", "dealer_id": "D1", "created_at": t},
                 {"lead_id": "L2", "dealer_id": "D2", "created_at": t, "sold_at": datetime(2026, 6, 1),
                  "sold_revenue": 30_000.0}],
          touchpoints=[{"lead_id": "L1", "ts": t, "channel": "Search", "party": "OEM"},
                       {"lead_id": "L2", "ts": t, "channel": "Showroom", "party": "DEALER"},
                       {"lead_id": "L2", "ts": datetime(2026, 5, 2), "channel": "Finance offer", "party": "FINANCE"}],
          dealer_months=[{"dealer_id": "D2", "period": "2026-05"}],
          martech_tools=[{"tool_id": "T1", "name": "CRM", "annual_cost": 1000.0}])
    with engine.connect() as conn:
        north = q.data_facts(conn, scorecards_shared=False, scope=Scope(frozenset({"North"})))
        south = q.data_facts(conn, scorecards_shared=False, scope=Scope(frozenset({"South"})))
        every = q.data_facts(conn, scorecards_shared=False)
    assert north.touch_parties == {"OEM"} and not north.multi_touch_in_use and not north.cost_joined_to_revenue
    assert "dealer_months" not in north.datasets_present and not north.dealer_months_present
    assert south.touch_parties == {"DEALER", "FINANCE"} and south.multi_touch_in_use and south.cost_joined_to_revenue
    assert south.dealer_months_present and "martech_tools" in south.datasets_present
    assert every.touch_parties == {"OEM", "DEALER", "FINANCE"}
