"""Summary tables, rebuilt in the database by every load (issue 15: pages read thousands of rows).

Four tables hold, once, what the ecosystem pages would otherwise recompute from millions of
leads and touchpoints on every view (``revops_core.schema``):

- ``sold_lead_facts``: per sold lead, its touches up to the sale: their count, the first one's
  party and which parties touched it. Serves sourced / influenced revenue (scorecard, heat map)
  and attributed revenue (attribution, martech ROI).
- ``markov_transition_months``: the Markov chain's first-order transition counts per creation
  month x dealer group x region. Serves ``markov_transitions``.
- ``credit_months``: the five heuristic models' credits per sale month x dealer group x region x
  channel (time decay at the configured half-life). Serves ``heuristic_credits_sql``.
- ``lead_months``: the scorecard's lead counts and sums per creation month x dealer x journey
  (answered within the configured SLA; sourced / influenced by the configured marketing parties,
  read from ``sold_lead_facts``). Serves ``queries.scorecard.lead_sums``: the scorecard's counts,
  the funnel and the heat map.

The monthly ones are sums over leads keyed by what a window and a scope (dealer, dealer group,
region) select: a window's whole months are read from them and its other days (at most two partial
months, ``windows.split_months``) from the datasets, and the parts add up to exactly what the
query over the datasets gives (tests/core/test_summaries.py compares both on every engine).
Days would not pay at the contract's large scale: 6.9M day rows for 10M touchpoints, against
months' few hundred thousand. ``refresh`` rebuilds them all with
``INSERT ... SELECT`` (nothing passes through Python) inside the load's transaction, and records
the data version in ``summary_state``; the queries read a summary only while that version is the
current one (``queries.summary_state``) and, where a configured rule shaped it, was built with the
rule in use. The median response time has no summary: an exact median needs every response time
of the window (on PostgreSQL an index covering them serves it, ``schema._COVERING``).
"""
from __future__ import annotations

import functools
import logging
import time
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from revops_core.contract import PARTIES
from revops_core.loader import clear_tables, restore_indexes
from revops_core.queries import attribution as qa
from revops_core.queries import scorecard as qs
from revops_core.queries.common import EVERYTHING, T, month_of
from revops_core.schema import (credit_months, lead_months, markov_transition_months, schema_meta, sold_lead_facts,
                                summary_state)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SummaryInfo:
    """One summary table as ``summary_state`` records it."""

    name: str
    data_version: str
    params: str
    refreshed_at: datetime
    rows: int
    seconds: float
    current: bool


@dataclass(frozen=True)
class EcosystemRules:
    """The configured rules the summaries are built with (``summary_state.params`` records them)."""

    half_life_days: float
    sla_minutes: float
    marketing_parties: tuple[str, ...]


def configured_rules() -> EcosystemRules | None:
    """The ecosystem rules of the config in use, or None when the config does not load.

    Read once per version of the config folder's files (their modification times), since loading
    and validating the whole config costs ~0.2 s and every load asks."""
    from revops_core.config import config_dir

    folder = config_dir()
    try:
        stamp = tuple(sorted((f.name, f.stat().st_mtime_ns) for f in folder.glob("*.yaml")))
    except OSError:
        return None
    return _rules(str(folder), stamp)


@functools.lru_cache(maxsize=8)
def _rules(folder: str, _stamp: tuple[tuple[str, int], ...]) -> EcosystemRules | None:
    from revops_core.config import load_config
    from revops_core.errors import ConfigError

    try:
        eco = load_config(folder).rules.ecosystem
    except (ConfigError, OSError):
        return None
    return EcosystemRules(float(eco.time_decay_half_life_days), float(eco.response_sla_minutes),
                          tuple(eco.marketing_parties))


def refresh(conn: Connection, version: str, half_life_days: float | None = None) -> dict[str, int]:
    """Rebuild every summary table from the datasets, inside the caller's transaction, and record
    ``version`` as the data version they hold. Time decay is summed at ``half_life_days`` (the
    config's when None); without it, or without ``power()``, ``credit_months.time_decay`` stays empty
    and time decay is computed from the touches. Returns the rows written per table."""
    rules = configured_rules()
    half_life = (None if rules is None else rules.half_life_days) if half_life_days is None else float(half_life_days)
    time_decay = half_life is not None and qa.has_power(conn)
    builds = {
        sold_lead_facts: (_sold_lead_facts_select(), ""),
        markov_transition_months: (qa.transition_counts_query(None, None, EVERYTHING, by_month=True), ""),
        credit_months: (_credit_months_select(half_life or 1.0, time_decay),
                      qa.half_life_params(half_life) if time_decay and half_life is not None else ""),
    }
    if rules is not None:   # without the rules it stays empty and unrecorded: the leads answer instead
        builds[lead_months] = (qs.lead_months_select(rules.sla_minutes, rules.marketing_parties),
                               qs.lead_months_params(rules.sla_minutes, rules.marketing_parties))
    else:
        clear_tables(conn, [lead_months])
    written: dict[str, int] = {}
    clear_tables(conn, [summary_state, *builds])
    for table, (select, params) in builds.items():
        started = time.perf_counter()
        columns = [c.name for c in table.columns if c.name != "time_decay" or time_decay]
        conn.execute(table.insert().from_select(columns, select))
        rows = int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())
        seconds = time.perf_counter() - started
        conn.execute(summary_state.insert().values(name=table.name, data_version=version, params=params,
                                                   refreshed_at=datetime.now(), row_count=rows, seconds=seconds))
        written[table.name] = rows
        log.info("summary %s: %s rows in %.2f s", table.name, rows, seconds)
    restore_indexes(conn)
    return written


def summary_info(conn: Connection) -> list[SummaryInfo]:
    """Every summary table's state (empty when none was ever built), current or not."""
    current = conn.execute(sa.select(schema_meta.c.value).where(schema_meta.c.key == "data_version")).scalar()
    s = summary_state.c
    return [SummaryInfo(name, version, params, _as_datetime(at), int(rows), float(secs), version == current)
            for name, version, params, at, rows, secs in conn.execute(
                sa.select(s.name, s.data_version, s.params, s.refreshed_at, s.row_count, s.seconds).order_by(s.name))]


def _as_datetime(value: object) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def _sold_lead_facts_select() -> sa.Select:
    """Per sold lead: first party (earliest ts, ties by channel), touches and parties up to the sale.

    The touches are numbered per lead with a window function over a LEFT JOIN, so a sold lead
    without a touch gets a row (no first party, 0 touches)."""
    l, tp = T["leads"], T["touchpoints"]  # noqa: E741
    numbered = (sa.select(l.c.lead_id.label("lead_id"), tp.c.party.label("party"),
                          sa.func.row_number().over(partition_by=l.c.lead_id, order_by=(tp.c.ts, tp.c.channel))
                          .label("rn"))
                .select_from(l.outerjoin(tp, sa.and_(tp.c.lead_id == l.c.lead_id, tp.c.ts <= l.c.sold_at)))
                .where(l.c.sold_at.is_not(None)).subquery("numbered"))
    n = numbered.c
    flags = [sa.func.max(sa.case((n.party == party, 1), else_=0)) for party in PARTIES]
    return (sa.select(n.lead_id, sa.func.max(sa.case((n.rn == 1, n.party))), sa.func.count(n.party), *flags)
            .group_by(n.lead_id))


def _credit_months_select(half_life: float, time_decay: bool) -> sa.Select:
    """``credit_sums_query`` over every sold lead, keyed by sale month, dealer group and region."""
    l, tp, d = T["leads"], T["touchpoints"], T["dealers"]  # noqa: E741
    source = (l.join(d, l.c.dealer_id == d.c.dealer_id)
              .join(tp, sa.and_(tp.c.lead_id == l.c.lead_id, tp.c.ts <= l.c.sold_at)))
    return qa.credit_sums_query(source, l.c.sold_at.is_not(None), half_life, time_decay,
                                keys=(month_of(l.c.sold_at), d.c.dealer_group, d.c.region))
