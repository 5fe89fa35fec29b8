"""Scope in the data layer: every query function that takes a scope narrows its result in SQL.

The functions are found by introspection (every public function of ``revops_core.queries.*``
with a ``scope`` parameter, except the WHERE-clause builders), so a new query that takes a scope
and forgets to apply it fails here. Each is called on a two-group fixture (dealer groups G1 and
G2, plus an OEM account without a group) with the whole book, with G1's scope, with a region
scope and with the dealer-ecosystem-only scope of ``marketing_ops``:

- a narrowed scope changes the result, and G1's result names nothing of G2 or of the OEM account;
- the scope without the book empties the book's queries and leaves the dealer queries whole.
"""
from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

import revops_core.queries as queries_pkg
from revops_core.config import AppConfig
from revops_core.contract import SEGMENTS
from revops_core.queries import board as qb
from revops_core.queries.common import EVERYTHING, Scope
from revops_core.queries.pipeline_change import latest_snapshot_id
from tests.factories import write

D = date(2025, 6, 30)
START = date(2024, 7, 1)
G1 = Scope(frozenset({"G1"}))
REGION_R2 = Scope(regions=frozenset({"R2"}))
ECOSYSTEM_ONLY = Scope(book=False)  # marketing_ops: every dealer, none of the supplier's book
OTHERS = ("bravo", "zeta")          # markers in every name and id of G2 and of the OEM account
DEALER_MODULES = frozenset({"scorecard", "attribution", "maturity"})  # the dealer ecosystem's queries


def _account_rows(key: str, acc: str, product: str, amount: float) -> dict[str, list[dict[str, Any]]]:
    """One account's opportunities, awards, revenue and ECOs (ids carry the account's marker)."""
    opp = {"account_id": acc, "product_id": product, "is_rfq": True}
    return {
        "opportunities": [
            {**opp, "opportunity_id": f"O-{key}-open", "name": f"{key} open", "amount": amount,
             "created_date": date(2025, 1, 1), "close_date": date(2025, 9, 30), "forecast_category": "COMMIT"},
            {**opp, "opportunity_id": f"O-{key}-won", "status": "WON", "stage": "Closed", "amount": amount / 2,
             "created_date": date(2024, 11, 1), "close_date": date(2025, 5, 15), "esa_owner": "Eve"},
            {**opp, "opportunity_id": f"O-{key}-lost", "status": "LOST", "stage": "Closed", "amount": amount / 4,
             "created_date": date(2024, 10, 1), "close_date": date(2025, 2, 1)}],
        "platform_awards": [
            {"award_id": f"AW-{key}", "account_id": acc, "product_id": product, "platform": f"{key}-P",
             "powertrain": "BEV", "award_date": date(2024, 9, 1), "sop_date": date(2025, 9, 1 + int(amount) // 100),
             "lifetime_value": amount * 10},
            {"award_id": f"AW-{key}-live", "account_id": acc, "product_id": product, "platform": f"{key}-L",
             "award_date": date(2023, 1, 1), "sop_date": date(2024, 1, 1), "status": "IN_PRODUCTION",
             "ppap_status": "IN_PROGRESS", "lifetime_value": amount * 5},
            {"award_id": f"AW-{key}-cancelled", "account_id": acc, "product_id": product, "platform": f"{key}-C",
             "award_date": date(2024, 10, 1), "sop_date": date(2026, 1, 1), "status": "CANCELLED",
             "lifetime_value": amount}],
        "revenue": [
            {"account_id": acc, "award_id": f"AW-{key}-live", "period": "2025-01", "amount": amount},
            {"account_id": acc, "period": "2025-03", "revenue_type": "SOFTWARE_SUBSCRIPTION", "amount": amount / 10}],
        "ecos": [
            {"eco_id": f"E-{key}-ok", "award_id": f"AW-{key}-live", "requested_date": date(2025, 1, 1),
             "decided_date": date(2025, 2, 1), "status": "APPROVED", "revenue_delta": amount / 5},
            {"eco_id": f"E-{key}-open", "award_id": f"AW-{key}-live", "requested_date": date(2025, 5, 1),
             "revenue_delta": amount / 3}],
    }


def _dealer_rows(dealer: str, name: str, group: str, region: str, revenue: float,
                 parties: tuple[str, ...], late: int = 0) -> dict[str, list[dict[str, Any]]]:
    """One dealer with a sold and an unsold lead in May 2025 (``late`` days later), their touches
    and a dealer month."""
    sold, cold = f"L-{dealer}-sold", f"L-{dealer}-cold"
    day = datetime(2025, 5, 1 + late, 10, 0)
    return {
        "dealers": [{"dealer_id": dealer, "name": name, "dealer_group": group, "region": region}],
        "leads": [
            {"lead_id": sold, "dealer_id": dealer, "created_at": day, "first_response_at": day + timedelta(minutes=10),
             "test_drive_at": day + timedelta(days=2), "quote_at": day + timedelta(days=4),
             "sold_at": datetime(2025, 5, 20 + late), "sold_revenue": revenue},
            {"lead_id": cold, "dealer_id": dealer, "created_at": day}],
        "touchpoints": [
            *[{"lead_id": sold, "ts": day + timedelta(days=i), "channel": f"{party.title()} touch",
               "party": party} for i, party in enumerate(parties)],
            {"lead_id": cold, "ts": day + timedelta(days=1), "channel": "Oem touch", "party": "OEM"}],
        "dealer_months": [{"dealer_id": dealer, "period": "2025-05", "service_customers_prior": 100,
                           "service_customers_retained": 60, "campaigns_offered": 4, "campaigns_joined": 2,
                           "cost_to_serve": revenue / 10}],
        "maturity_assessments": [
            {"assessment_id": f"MA-{group}", "org_unit": group, "assessed_on": date(2025, 5, 1), "dimension": d,
             "stage": 2} for d in ("SCOPE", "DATA_COVERAGE", "ATTRIBUTION", "PARTNER_ROLE", "FINANCIAL_VIEW",
                                   "GOVERNANCE")],
    }


def _merge(*parts: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for part in parts:
        for name, rows in part.items():
            out.setdefault(name, []).extend(rows)
    # the maturity rows of a group written once per dealer: keep one assessment per group
    seen: set[tuple[str, str]] = set()
    out["maturity_assessments"] = [r for r in out["maturity_assessments"]
                                   if (key := (r["assessment_id"], r["dimension"])) not in seen and not seen.add(key)]
    return out


def two_groups(engine: Engine) -> None:
    """G1 (Alpha, region R1), G2 (Bravo, mostly R2) and the OEM Zeta without a group."""
    rows = _merge(
        {"accounts": [
            {"account_id": "ACC-ALPHA", "name": "Alpha Dealer Co", "segment": "DEALER_AFTERMARKET", "region": "R1",
             "dealer_group": "G1"},
            {"account_id": "ACC-BRAVO", "name": "Bravo Dealer Co", "segment": "DEALER_AFTERMARKET", "region": "R2",
             "dealer_group": "G2"},
            {"account_id": "ACC-ZETA", "name": "Zeta Motors", "segment": "OEM", "region": "R1", "eu_oem": True}],
         "products": [
             {"product_id": "P-ALPHA", "name": "Alpha Hub", "connected": True, "ota": True},
             {"product_id": "P-ZETA", "name": "Zeta Brain", "connected": True, "safety_critical": True}],
         "quotas": [{"segment": s, "period": p, "amount": 1000.0} for s in SEGMENTS
                    for p in ("2025Q2", "2025Q3", "2025Q4", "2026Q1")],
         "certifications": [{"certification": "IATF_16949", "status": "CERTIFIED"},
                            {"certification": "ISO_SAE_21434", "status": "EXPIRED"}],
         "shipments": [{"product_id": "P-ZETA", "period": "2025-03", "units_shipped": 100, "units_attached": 40,
                        "active_subscriptions": 40, "subscription_arr": 4000.0}],
         "headcount": [{"person_id": "h1", "role": "AE"}, {"person_id": "h2", "role": "ESA"}],
         "martech_tools": [{"tool_id": "T1", "name": "CRM", "annual_cost": 1200.0}]},
        _account_rows("alpha", "ACC-ALPHA", "P-ALPHA", 100.0),
        _account_rows("bravo", "ACC-BRAVO", "P-ZETA", 200.0),
        _account_rows("zeta", "ACC-ZETA", "P-ZETA", 400.0),
        _account_rows("zeta2", "ACC-ZETA", "P-ALPHA", 800.0),
        _dealer_rows("D-ALPHA-1", "Alpha Motors North", "G1", "R1", 300.0, ("OEM", "DEALER")),
        _dealer_rows("D-ALPHA-2", "Alpha Motors South", "G1", "R1", 350.0, ("MEDIA",)),
        _dealer_rows("D-BRAVO-1", "Bravo Motors", "G2", "R2", 500.0, ("OEM", "FINANCE", "DEALER"), late=3),
        _dealer_rows("D-BRAVO-2", "Bravo Motors East", "G2", "R1", 550.0, ("DEALER",), late=1),
    )
    write(engine, **rows)


def scoped_functions() -> Iterator[tuple[str, str, Callable[..., Any]]]:
    """(module, name, function) of every public query function with a ``scope`` parameter,
    except the WHERE-clause builders (they return a condition, not data)."""
    for info in pkgutil.iter_modules(queries_pkg.__path__):
        module = importlib.import_module(f"revops_core.queries.{info.name}")
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if fn.__module__ != module.__name__ or name.startswith("_"):
                continue
            sig = inspect.signature(fn)
            if "scope" in sig.parameters and "ColumnElement" not in str(sig.return_annotation):
                yield info.name, name, fn


FUNCTIONS = sorted(scoped_functions(), key=lambda f: (f[0], f[1]))


def _arguments(conn: Connection, cfg: AppConfig) -> dict[str, Any]:
    """A value for every parameter name the scoped query functions use (add one for a new name)."""
    rules = cfg.rules.certification_rules
    certs = qb.certification_records(conn, EVERYTHING)
    return {
        "conn": conn, "as_of": D, "day": D, "start": START, "end": D, "through": D, "won_until": D,
        "first": "2024-07", "last": "2025-06", "ends": [D, date(2025, 3, 31)], "segments": tuple(SEGMENTS),
        "segment": "DEALER_AFTERMARKET", "figure": "open_horizon", "period": "2025Q2", "quarter": "2025Q2",
        "level": "dealer", "segment_level": "region", "sla_minutes": 30.0, "journey": None,
        "parties": ("OEM", "MEDIA"), "half_life_days": 7.0, "rules": rules, "certs": certs,
        "now": qb.blocked_condition(rules, certs), "after": sa.true(), "window_days": 365,
        "baseline_id": latest_snapshot_id(conn), "category": "UNCHANGED", "scorecards_shared": True, "limit": 100,
    }


def _normalise(conn: Connection, value: Any) -> Any:  # noqa: ANN401 - any query result
    """A comparable, printable form of a query result (builders are executed)."""
    if isinstance(value, sa.Subquery):
        value = sa.select(value)
    if isinstance(value, sa.Select):
        return sorted(repr(tuple(r)) for r in conn.execute(value))
    if isinstance(value, pd.DataFrame):
        return value.to_dict("records")
    if isinstance(value, tuple) and any(isinstance(v, pd.DataFrame) for v in value):
        return [_normalise(conn, v) for v in value]
    if inspect.isgenerator(value):
        return list(value)
    return value


def _call(conn: Connection, args: dict[str, Any], fn: Callable[..., Any], scope: Scope) -> Any:  # noqa: ANN401
    params = inspect.signature(fn).parameters
    missing = [p for p, spec in params.items()
               if p not in args and p != "scope" and spec.default is inspect.Parameter.empty]
    assert not missing, f"{fn.__name__}: add a test value for {missing} to _arguments"
    kwargs = {p: args[p] for p in params if p in args}
    return _normalise(conn, fn(**kwargs, scope=scope))


@pytest.fixture
def fixture_engine(engine: Engine) -> Engine:
    two_groups(engine)
    return engine


def test_the_enumeration_finds_the_data_access_functions() -> None:
    names = {f"{m}.{n}" for m, n, _ in FUNCTIONS}
    assert {"board.revenue_ttm", "board.shipment_sums", "pipeline.drilldown", "software.shipment_months",
            "scorecard.lead_counts", "forecast.rollup_rows", "risks.channel_conflict_products"} <= names
    assert len(FUNCTIONS) >= 70


def test_every_scoped_query_narrows_to_the_scope(fixture_engine: Engine, cfg: AppConfig) -> None:
    problems = []
    with fixture_engine.connect() as conn:
        args = _arguments(conn, cfg)
        for module, name, fn in FUNCTIONS:
            whole = _call(conn, args, fn, EVERYTHING)
            mine = _call(conn, args, fn, G1)
            region = _call(conn, args, fn, REGION_R2)
            if mine == whole:
                problems.append(f"{module}.{name}: G1's scope returns the whole book")
            leaked = [m for m in OTHERS if m in repr(mine).lower()]
            if leaked:
                problems.append(f"{module}.{name}: G1's result names {leaked}: {mine!r}"[:300])
            if region == whole:
                problems.append(f"{module}.{name}: a region scope returns everything")
    assert not problems, "\n".join(problems)


def test_a_role_without_the_book_sees_every_dealer_and_no_account(fixture_engine: Engine, cfg: AppConfig) -> None:
    problems = []
    with fixture_engine.connect() as conn:
        args = _arguments(conn, cfg)
        for module, name, fn in FUNCTIONS:
            whole, ecosystem = _call(conn, args, fn, EVERYTHING), _call(conn, args, fn, ECOSYSTEM_ONLY)
            if module in DEALER_MODULES and ecosystem != whole:
                problems.append(f"{module}.{name}: the ecosystem-only scope loses dealers")
            if module not in DEALER_MODULES:
                named = [m for m in ("alpha", *OTHERS) if m in repr(ecosystem).lower()]
                if ecosystem == whole or named:
                    problems.append(f"{module}.{name}: the ecosystem-only scope sees the book {named}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(("scope", "expected"), [
    (EVERYTHING, {"ACC-ALPHA", "ACC-BRAVO", "ACC-ZETA"}),
    (G1, {"ACC-ALPHA"}),
    (Scope(frozenset({"G1", "G2"})), {"ACC-ALPHA", "ACC-BRAVO"}),
    (REGION_R2, {"ACC-BRAVO"}),
    (Scope(frozenset({"G1"}), frozenset({"R2"})), set()),
    (ECOSYSTEM_ONLY, set()),
])
def test_accounts_a_scope_sees(fixture_engine: Engine, scope: Scope, expected: set[str]) -> None:
    """A narrowed scope sees the accounts of its groups (and regions), never one without a group."""
    from revops_core.queries.common import T, account_visible

    acc = T["accounts"]
    with fixture_engine.connect() as conn:
        found = set(conn.execute(sa.select(acc.c.account_id).where(account_visible(scope, acc))).scalars())
    assert found == expected
