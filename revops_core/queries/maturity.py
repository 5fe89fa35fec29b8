"""Maturity assessments in the database and the facts behind the data-suggested stages.

``maturity_assessments`` holds one row per (assessment, dimension) (DATA_CONTRACT.md). An
assessment is identified by its org unit and date: saving the same org unit on the same day
again replaces that assessment (the latest save wins), so a workshop can correct itself
without leaving duplicates behind. Writes do not commit: run them in ``engine.begin()``.

``data_facts`` answers the questions of METRICS.md "Maturity matrix" (which datasets exist,
which parties the touchpoints span, whether multi-touch attribution is in use, whether
martech cost is joined to revenue) with EXISTS / DISTINCT queries, never a scan into Python.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from revops_core.contract import MATURITY_DIMENSIONS, PARTIES
from revops_core.maturity import DataFacts, assessment_score
from revops_core.queries.common import EVERYTHING, Scope, T, dealer_in_scope
from revops_core.schema import bump_data_version

ORG_UNIT_MAX_LENGTH = 120
EVIDENCE_MAX_LENGTH = 2000


@dataclass(frozen=True)
class Assessment:
    """One saved assessment: a stage (1-3) and optional evidence note per dimension."""

    assessment_id: str
    org_unit: str
    assessed_on: date
    stages: dict[str, int]
    evidence: dict[str, str] = field(default_factory=dict)

    @property
    def score(self) -> float:
        """Mean stage over the six dimensions (METRICS.md "Maturity matrix")."""
        return assessment_score(self.stages)


def assessment_id_for(org_unit: str, assessed_on: date) -> str:
    """Stable id of an org unit's assessment on a day, e.g. ``MA-oem-marketing-2026-09-25``."""
    slug = re.sub(r"[^a-z0-9]+", "-", org_unit.strip().lower()).strip("-") or "unit"
    return f"MA-{slug[:60]}-{assessed_on:%Y-%m-%d}"


def _scoped(scope: Scope) -> sa.ColumnElement[bool]:
    """A narrowed scope sees only the assessments of its own dealer groups or regions (org unit =
    the group's or region's name); a scope over every dealer sees every assessment."""
    if scope.every_dealer:
        return sa.true()
    return T["maturity_assessments"].c.org_unit.in_(sorted({*(scope.dealer_groups or ()), *(scope.regions or ())}))


def dealer_groups(conn: Connection) -> list[str]:
    """Dealer group names in ``dealers``, alphabetically (an org unit can be one of them)."""
    d = T["dealers"]
    return [r[0] for r in conn.execute(sa.select(d.c.dealer_group).distinct().order_by(d.c.dealer_group)) if r[0]]


def org_units(conn: Connection, scope: Scope = EVERYTHING) -> list[str]:
    """Org units that have at least one assessment, alphabetically."""
    ma = T["maturity_assessments"]
    rows = conn.execute(sa.select(ma.c.org_unit).where(_scoped(scope)).distinct().order_by(ma.c.org_unit))
    return [r[0] for r in rows]


def assessments(conn: Connection, org_unit: str | None = None, scope: Scope = EVERYTHING) -> list[Assessment]:
    """Saved assessments (all org units, or one), oldest first; incomplete ones are skipped.

    An imported assessment may lack a dimension; it cannot be scored, so it is left out of the
    history rather than shown with a made-up stage.
    """
    ma = T["maturity_assessments"]
    query = sa.select(ma.c.assessment_id, ma.c.org_unit, ma.c.assessed_on, ma.c.dimension, ma.c.stage,
                      ma.c.evidence).where(_scoped(scope))
    if org_unit is not None:
        query = query.where(ma.c.org_unit == org_unit)
    grouped: dict[str, dict[str, object]] = defaultdict(lambda: {"stages": {}, "evidence": {}})
    for r in conn.execute(query.order_by(ma.c.assessed_on, ma.c.assessment_id)):
        entry = grouped[r.assessment_id]
        entry["org_unit"], entry["assessed_on"] = r.org_unit, r.assessed_on
        entry["stages"][r.dimension] = int(r.stage)  # type: ignore[index]
        if r.evidence:
            entry["evidence"][r.dimension] = r.evidence  # type: ignore[index]
    out = [Assessment(aid, str(e["org_unit"]), e["assessed_on"], dict(e["stages"]), dict(e["evidence"]))  # type: ignore[arg-type]
           for aid, e in grouped.items() if set(e["stages"]) >= set(MATURITY_DIMENSIONS)]  # type: ignore[arg-type]
    return sorted(out, key=lambda a: (a.assessed_on, a.org_unit, a.assessment_id))


def save_assessment(conn: Connection, org_unit: str, assessed_on: date, stages: dict[str, int],
                    evidence: dict[str, str] | None = None) -> Assessment:
    """Validate and store an assessment, replacing the org unit's assessment of that day.

    Raises ``ValueError`` naming every problem (missing dimension, stage outside 1-3, empty
    or over-long org unit, over-long evidence) before anything is written.
    """
    org = " ".join((org_unit or "").split())
    notes = {d: " ".join(text.split()) for d, text in (evidence or {}).items() if text and text.strip()}
    problems = []
    if not org:
        problems.append("the org unit is empty: name the team, region or dealer group assessed")
    elif len(org) > ORG_UNIT_MAX_LENGTH:
        problems.append(f"the org unit is longer than {ORG_UNIT_MAX_LENGTH} characters")
    try:
        assessment_score(stages)
    except ValueError as exc:
        problems.append(str(exc))
    unknown = [d for d in notes if d not in MATURITY_DIMENSIONS]
    if unknown:
        problems.append(f"evidence for unknown dimensions: {', '.join(unknown)}")
    long_notes = [d for d, text in notes.items() if len(text) > EVIDENCE_MAX_LENGTH]
    if long_notes:
        problems.append(f"evidence longer than {EVIDENCE_MAX_LENGTH} characters for {', '.join(long_notes)}")
    if problems:
        raise ValueError("; ".join(problems))
    ma = T["maturity_assessments"]
    conn.execute(ma.delete().where(ma.c.org_unit == org, ma.c.assessed_on == assessed_on))
    aid = assessment_id_for(org, assessed_on)
    conn.execute(ma.delete().where(ma.c.assessment_id == aid))
    conn.execute(ma.insert(), [{"assessment_id": aid, "org_unit": org, "assessed_on": assessed_on, "dimension": d,
                                "stage": int(stages[d]), "evidence": notes.get(d)} for d in MATURITY_DIMENSIONS])
    bump_data_version(conn)
    return Assessment(aid, org, assessed_on, {d: int(stages[d]) for d in MATURITY_DIMENSIONS}, notes)


def data_facts(conn: Connection, *, scorecards_shared: bool, scope: Scope = EVERYTHING) -> DataFacts:
    """What the database holds, for the data-suggested stages (METRICS.md "Maturity matrix").

    ``multi_touch_in_use``: some lead has two or more touchpoints, so the multi-touch models
    of the attribution page credit more than one channel. ``cost_joined_to_revenue``: a
    martech tool has a cost and some sold lead with revenue has touchpoints to attribute it
    to. ``scorecards_shared`` comes from the caller (dealer-group users configured).
    ``scope`` narrows the lead, touchpoint and dealer-month facts to its dealer groups (a dealer
    group's assessment is compared with that group's data); datasets without a dealer (revenue,
    martech tools) count as they are.
    """
    tp, ld, tools, dl = T["touchpoints"], T["leads"], T["martech_tools"], T["dealers"]
    in_scope = dealer_in_scope(scope, dl)
    scoped_leads = sa.select(ld.c.lead_id).join(dl, dl.c.dealer_id == ld.c.dealer_id).where(in_scope)
    narrowed = {  # datasets with a dealer: rows of the scope's dealers only
        "dealers": sa.select(dl.c.dealer_id).where(in_scope),
        "leads": scoped_leads,
        "touchpoints": sa.select(tp.c.lead_id).where(tp.c.lead_id.in_(scoped_leads)),
        "dealer_months": sa.select(T["dealer_months"].c.dealer_id).where(
            T["dealer_months"].c.dealer_id.in_(sa.select(dl.c.dealer_id).where(in_scope))),
    }
    present = frozenset(name for name, table in T.items() if name != "maturity_assessments" and _any_row(
        conn, narrowed.get(name, sa.select(sa.literal(1)).select_from(table))))
    touches = tp.c.lead_id.in_(scoped_leads) if not scope.every_dealer else sa.true()
    parties = frozenset(p for p in PARTIES if _any_row(conn, sa.select(tp.c.lead_id).where(tp.c.party == p, touches)))
    multi = _any_row(conn, sa.select(tp.c.lead_id).where(touches).group_by(tp.c.lead_id).having(sa.func.count() > 1))
    cost = _any_row(conn, sa.select(tools.c.tool_id).where(tools.c.annual_cost > 0))
    attributed = _any_row(conn, scoped_leads.where(
        ld.c.sold_at.is_not(None), ld.c.sold_revenue > 0,
        sa.exists(sa.select(tp.c.lead_id).where(tp.c.lead_id == ld.c.lead_id))))
    owners = frozenset(str(r[0]).strip().upper() for r in conn.execute(sa.select(tools.c.owner).distinct())
                       if r[0] and str(r[0]).strip())
    return DataFacts(datasets_present=present, touch_parties=parties, multi_touch_in_use=multi,
                     cost_joined_to_revenue=cost and attributed, dealer_scorecards_shared=scorecards_shared,
                     dealer_months_present="dealer_months" in present, governance_roles=owners)


def _any_row(conn: Connection, query: sa.Select) -> bool:
    """True when ``query`` returns a row (``LIMIT 1``: the database stops at the first one)."""
    return conn.execute(query.limit(1)).first() is not None
