"""Every query builder compiles for SQLite, PostgreSQL and DuckDB, without a database.

Every public function of ``revops_core.queries.*`` whose first parameter is ``conn`` is called
with a recording connection: it carries the target dialect (so a function that branches on
``conn.dialect.name`` builds that dialect's statement), compiles each statement it is given for
that dialect and answers with an empty result (rows of NULLs where one row is expected). A
function may stop after its first statement when it computes on the empty answer; every
statement it issued up to there has compiled. Running the same functions on real databases is
the ``engine`` fixture's job (tests/conftest.py: SQLite, PostgreSQL and DuckDB).
"""
from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect

import revops_core.queries as queries_pkg
from revops_core.config import load_config
from revops_core.contract import MATURITY_DIMENSIONS
from revops_core.queries.common import EVERYTHING
from revops_core.schema import sold_lead_facts

D = date(2026, 6, 30)
ONLY_ON_SQLITE = {"attribution.has_power"}  # asks the database only where power() may be missing


def _duckdb_dialect() -> Dialect:
    from duckdb_engine import Dialect as DuckDBDialect

    return DuckDBDialect()


DIALECTS: dict[str, Callable[[], Dialect]] = {"sqlite": sqlite.dialect, "postgresql": postgresql.psycopg.dialect,
                                              "duckdb": _duckdb_dialect}

ARGUMENTS: dict[str, Any] = {
    "as_of": D, "start": date(2025, 7, 1), "end": D, "day": D, "through": D, "won_until": D, "assessed_on": D,
    "locked_on": D, "ends": (date(2026, 3, 31), D), "scope": EVERYTHING, "level": "dealer", "segment_level": "region",
    "journey": "EV_LAUNCH", "segments": ("OEM",), "segment": "OEM", "baseline_id": 1, "category": "COMMIT",
    "figure": "open_horizon", "first": "2025-07", "last": "2026-06", "month": "2026-06", "period": "2026-06",
    "quarter": "2026Q2", "half_life_days": 7.0, "limit": 10, "locked_by": "cfo", "org_unit": "North",
    "parties": ("OEM", "MEDIA"), "scorecards_shared": True, "sla_minutes": 30.0, "window_days": 90,
    "certs": {}, "stages": dict.fromkeys(MATURITY_DIMENSIONS, 2), "values": {}, "now": sa.true(), "after": sa.false(),
    "table": sold_lead_facts,
}


class _Result:
    """An empty answer shaped like the statement's columns (``scalar`` answers ``value``)."""

    def __init__(self, width: int, value: Any = None) -> None:  # noqa: ANN401
        self.width = width
        self.value = value

    def __iter__(self) -> Iterator[Any]:
        return iter(())

    def one(self) -> tuple[None, ...]:
        return (None,) * self.width

    first = one_or_none = one

    def scalar(self) -> Any:  # noqa: ANN401
        return self.value

    scalar_one = scalar_one_or_none = scalar

    def all(self) -> list[Any]:
        return []

    def mappings(self) -> _Result:
        return self

    def scalars(self) -> _Result:
        return self

    fetchall = all


class RecordingConnection:
    """Compiles what it is asked to execute for ``dialect`` and records the SQL; runs nothing.

    ``summaries``: answer the summary-state look-up as "current, built at a 7-day half-life", so
    the queries take their summary-table path."""

    def __init__(self, dialect: Dialect, summaries: bool = False) -> None:
        self.dialect = dialect
        self.summaries = summaries
        self.compiled: list[str] = []

    def execute(self, statement: Any, *_args: Any, **_kw: Any) -> _Result:  # noqa: ANN401
        sql = str(statement.compile(dialect=self.dialect))
        self.compiled.append(sql)
        state = self.summaries and "FROM summary_state" in sql
        return _Result(len(getattr(statement, "selected_columns", ())), "half_life_days=7.0" if state else None)

    def exec_driver_sql(self, sql: str, *_args: Any) -> _Result:
        self.compiled.append(sql)
        return _Result(1)

    def begin_nested(self) -> Any:  # noqa: ANN401
        return _Nothing()


class _Nothing:
    def __enter__(self) -> _Nothing:
        return self

    def __exit__(self, *_exc: object) -> None:
        return None


def query_functions() -> Iterator[tuple[str, Callable[..., Any]]]:
    """(module.name, function) of every public query function taking ``conn`` first."""
    for info in pkgutil.iter_modules(queries_pkg.__path__):
        module = importlib.import_module(f"{queries_pkg.__name__}.{info.name}")
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            params = list(inspect.signature(fn).parameters)
            if fn.__module__ == module.__name__ and not name.startswith("_") and params[:1] == ["conn"]:
                yield f"{info.name}.{name}", fn


FUNCTIONS = sorted(query_functions(), key=lambda f: f[0])


def _call(fn: Callable[..., Any], conn: RecordingConnection) -> None:
    rules = load_config().rules.certification_rules
    kwargs: dict[str, Any] = {}
    for name, spec in list(inspect.signature(fn).parameters.items())[1:]:
        if spec.default is not inspect.Parameter.empty:
            continue
        if name == "rules":
            kwargs[name] = rules
        elif name in ARGUMENTS:
            kwargs[name] = ARGUMENTS[name]
        else:
            pytest.fail(f"add a value for the parameter {name!r} of {fn.__qualname__} to ARGUMENTS")
    try:
        out = fn(conn, **kwargs)
        if inspect.isgenerator(out):
            list(out)
    except (TypeError, ValueError, AttributeError, StopIteration, KeyError, IndexError, ZeroDivisionError):
        pass  # computing on the empty answer; what it issued has compiled


def test_the_enumeration_finds_the_query_functions() -> None:
    names = {name for name, _ in FUNCTIONS}
    assert len(FUNCTIONS) > 60
    assert {"attribution.markov_transitions", "scorecard.lead_counts", "board.pipeline_at_risk"} <= names


@pytest.mark.parametrize("dialect", list(DIALECTS))
@pytest.mark.parametrize(("name", "fn"), FUNCTIONS, ids=[n for n, _ in FUNCTIONS])
def test_every_query_builder_compiles(name: str, fn: Callable[..., Any], dialect: str) -> None:
    conn = RecordingConnection(DIALECTS[dialect]())
    _call(fn, conn)
    assert conn.compiled or (dialect != "sqlite" and name in ONLY_ON_SQLITE), f"{name} issued no statement"


SUMMARY_READERS = {
    "attribution.markov_transitions": "markov_transition_months",
    "attribution.heuristic_credits_sql": "credit_months",
    "attribution.attributed_revenue_sql": "sold_lead_facts",
    "attribution.segment_rows": "sold_lead_facts",
    "scorecard.marketing_revenue": "sold_lead_facts",
    "scorecard.heatmap_cells": "sold_lead_facts",
}


@pytest.mark.parametrize("dialect", list(DIALECTS))
@pytest.mark.parametrize("name", sorted(SUMMARY_READERS))
def test_a_query_reads_its_summary_when_current_and_the_touchpoints_when_not(name: str, dialect: str) -> None:
    fn = dict(FUNCTIONS)[name]
    current, stale = RecordingConnection(DIALECTS[dialect](), summaries=True), RecordingConnection(DIALECTS[dialect]())
    _call(fn, current)
    _call(fn, stale)
    table = SUMMARY_READERS[name]
    assert any(table in sql for sql in current.compiled)
    assert not any("touchpoints" in sql for sql in current.compiled if "summary_state" not in sql)
    assert not any(table in sql for sql in stale.compiled if "summary_state" not in sql)
    assert any("touchpoints" in sql for sql in stale.compiled)


@pytest.mark.parametrize("dialect", list(DIALECTS))
def test_the_summary_rebuild_compiles(dialect: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from revops_core import summaries

    emptied: list[str] = []    # emptying is DDL on DuckDB (drop and create); recorded, not compiled
    monkeypatch.setattr(summaries, "clear_tables", lambda _conn, tables: emptied.extend(t.name for t in tables))
    monkeypatch.setattr(summaries, "restore_indexes", lambda _conn: None)   # PostgreSQL DDL, from the catalogue

    class Counting(RecordingConnection):  # every scalar answer is 0 (the rows each rebuild counts)
        def execute(self, statement: Any, *args: Any, **kw: Any) -> _Result:  # noqa: ANN401
            out = super().execute(statement, *args, **kw)
            out.value = 0
            return out

    conn = Counting(DIALECTS[dialect]())
    summaries.refresh(conn, "7", half_life_days=7.0)  # type: ignore[arg-type]
    inserts = [sql for sql in conn.compiled if sql.startswith("INSERT INTO") and "SELECT" in sql]
    assert [sql.split()[2] for sql in inserts] == ["sold_lead_facts", "markov_transition_months", "credit_months",
                                                   "lead_months"]
    assert emptied == ["summary_state", "sold_lead_facts", "markov_transition_months", "credit_months", "lead_months"]
