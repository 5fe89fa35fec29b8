"""Cached wrappers for the maturity matrix page: its config, the data facts, saved assessments."""
from __future__ import annotations

from datetime import date

import streamlit as st

from revops_core import access, formatting, maturity
from revops_core.config import config_dir
from revops_core.queries import maturity as q
from revops_core.queries.common import EVERYTHING, Scope
from shell import data


def config() -> maturity.MaturityConfig:
    """``config/maturity.yaml``, validated (raises ``ConfigError`` listing every problem)."""
    return _config(str(config_dir() / "maturity.yaml"))


@st.cache_resource(show_spinner=False)
def _config(path: str) -> maturity.MaturityConfig:
    return maturity.load_maturity_config(path)


@st.cache_data(show_spinner="Reading what the data holds…")
def suggestions(url: str, version: str, org_unit: str | None = None) -> tuple[dict[str, maturity.Suggestion], bool]:
    """The stage the data supports per dimension, and whether it was read from the org unit's
    own dealer group (an org unit named like a dealer group) rather than the whole database.
    Dealer scorecards count as shared when dealer-group users are configured in ``users.yaml``."""
    shared = access.scorecards_shared(data.config().users)
    with data.engine(url).connect() as conn:
        own = org_unit is not None and org_unit in q.dealer_groups(conn)
        scope = Scope(frozenset({org_unit})) if own else EVERYTHING
        return maturity.suggest_stages(q.data_facts(conn, scorecards_shared=shared, scope=scope)), own


@st.cache_data(show_spinner=False)
def org_units(url: str, version: str, scope: Scope = EVERYTHING) -> list[str]:
    with data.engine(url).connect() as conn:
        return q.org_units(conn, scope)


@st.cache_data(show_spinner=False)
def history(url: str, version: str, org_unit: str | None = None, scope: Scope = EVERYTHING) -> list[q.Assessment]:
    with data.engine(url).connect() as conn:
        return q.assessments(conn, org_unit, scope)


def save(url: str, org_unit: str, assessed_on: date, stages: dict[str, int],
         evidence: dict[str, str]) -> q.Assessment:
    """Store an assessment (raises ``ValueError`` naming every problem); the data version moves
    on, so every cached read above refreshes."""
    with data.engine(url).begin() as conn:
        return q.save_assessment(conn, org_unit, assessed_on, stages, evidence)


def score_delta(delta: float | None) -> dict[str, object]:
    """``st.metric`` delta arguments for a change of the assessment score: signed to two decimals,
    or "no change" without arrow or colour when it rounds to zero."""
    if delta is None:
        return {"delta": None}
    if formatting.is_no_change("score", delta):
        return {"delta": formatting.NO_CHANGE, "delta_color": "off", "delta_arrow": "off"}
    return {"delta": f"{delta:+.2f}"}
