"""Named EV scenarios saved in the ``saved_scenarios`` table, reloadable by every user.

A saved scenario is a ``ScenarioSpec``: up to three 2030 EV targets and the share-path
settings of METRICS.md "Backlog schedule and the EV scenario", stored as JSON in ``params``.

Saving under a name that already exists REPLACES that scenario (latest save wins, one row
per name): planners iterate on "Base case" rather than collecting "Base case (3)". Names are
compared exactly after trimming surrounding spaces. Functions take a connection and do not
commit; run writes inside ``with engine.begin() as conn:``. The clock is never read here:
``created_at`` is an argument.
"""
from __future__ import annotations

import json
import math
import unicodedata
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from revops_core.errors import ScenarioError
from revops_core.scenario import DEFAULT_PARAMS, PathParams, validate_params
from revops_core.schema import saved_scenarios

MAX_SCENARIOS = 3
NAME_MAX_LENGTH = 80
AUTHOR_MAX_LENGTH = 120
FORMAT_VERSION = 1


@dataclass(frozen=True)
class ScenarioSpec:
    """A comparison: 2030 EV shares ``targets`` (fractions, 1 to 3) and the path settings."""

    targets: tuple[float, ...]
    params: PathParams = DEFAULT_PARAMS

    def problems(self) -> list[str]:
        """Every problem with the spec (METRICS.md inputs), or ``[]``."""
        problems: list[str] = []
        if not 1 <= len(self.targets) <= MAX_SCENARIOS:
            problems.append(f"a comparison holds 1 to {MAX_SCENARIOS} targets, got {len(self.targets)}")
        problems += validate_params(self.params)
        for target in self.targets:
            problems += [p for p in validate_params(self.params, target) if p.startswith("target")]
        return list(dict.fromkeys(problems))

    def to_json(self) -> str:
        """The ``params`` column: ``{"version", "targets", <PathParams fields>}``."""
        return json.dumps({"version": FORMAT_VERSION, "targets": list(self.targets), **asdict(self.params)},
                          sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> ScenarioSpec:
        """Parse ``to_json`` output; raises ``ScenarioError`` naming every problem."""
        try:
            raw = json.loads(text)
        except (TypeError, ValueError) as exc:
            raise ScenarioError(f"saved parameters are not valid JSON: {exc}") from None
        if not isinstance(raw, dict):
            raise ScenarioError("saved parameters must be a JSON object")
        spec = cls(targets=_targets(raw.get("targets")), params=_params(raw))
        problems = spec.problems()
        if problems:
            raise ScenarioError("; ".join(problems))
        return spec


def _targets(value: Any) -> tuple[float, ...]:
    if not isinstance(value, list) or not all(_is_number(v) for v in value):
        raise ScenarioError(f"targets must be a list of numbers, got {value!r}")
    return tuple(float(v) for v in value)


def _params(raw: dict[str, Any]) -> PathParams:
    values: dict[str, Any] = {}
    for f in fields(PathParams):
        if f.name not in raw:
            continue
        value = raw[f.name]
        if f.name == "curve":
            if not isinstance(value, str):
                raise ScenarioError(f"curve must be a string, got {value!r}")
        elif not _is_number(value):
            raise ScenarioError(f"{f.name} must be a number, got {value!r}")
        values[f.name] = int(value) if f.name == "baseline_year" else value
    if "baseline_year" in values and values["baseline_year"] != raw["baseline_year"]:
        raise ScenarioError(f"baseline_year must be a whole year, got {raw['baseline_year']!r}")
    return PathParams(**values)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


@dataclass(frozen=True)
class SavedScenario:
    """One row of ``saved_scenarios``; ``spec`` is ``None`` when the stored JSON is unreadable."""

    name: str
    spec: ScenarioSpec | None
    created_by: str
    created_at: datetime
    problem: str | None = None


def validate_name(name: str) -> list[str]:
    """Problems with a scenario name (trimmed): 1 to 80 characters, no control characters."""
    name = name.strip() if isinstance(name, str) else ""
    if not name:
        return ["the scenario name is empty"]
    problems = []
    if len(name) > NAME_MAX_LENGTH:
        problems.append(f"the scenario name is longer than {NAME_MAX_LENGTH} characters ({len(name)})")
    if any(unicodedata.category(ch).startswith("C") for ch in name):
        problems.append("the scenario name contains control characters")
    return problems


def save_scenario(conn: Connection, name: str, spec: ScenarioSpec, created_by: str,
                  created_at: datetime) -> str:
    """Save ``spec`` as ``name`` (replacing a scenario of that name); returns the trimmed name.

    Raises ``ScenarioError`` listing every problem with the name, author and spec.
    """
    author = created_by.strip() if isinstance(created_by, str) else ""
    problems = validate_name(name) + spec.problems()
    if not author:
        problems.append("the author (created by) is empty")
    elif len(author) > AUTHOR_MAX_LENGTH:
        problems.append(f"the author is longer than {AUTHOR_MAX_LENGTH} characters")
    if problems:
        raise ScenarioError("; ".join(problems))
    name = name.strip()
    t = saved_scenarios
    conn.execute(sa.delete(t).where(t.c.name == name))
    conn.execute(sa.insert(t).values(name=name, params=spec.to_json(), created_by=author,
                                     created_at=created_at))
    return name


def list_scenarios(conn: Connection) -> list[SavedScenario]:
    """Every saved scenario, newest first (then by name); unreadable ones carry a ``problem``."""
    t = saved_scenarios
    rows = conn.execute(sa.select(t).order_by(t.c.created_at.desc(), t.c.name)).all()
    return [_saved(row) for row in rows]


def load_scenario(conn: Connection, name: str) -> ScenarioSpec:
    """The spec saved as ``name``; raises ``ScenarioError`` when missing or unreadable."""
    t = saved_scenarios
    row = conn.execute(sa.select(t).where(t.c.name == name.strip())).first()
    if row is None:
        raise ScenarioError(f"no saved scenario is named {name.strip()!r}")
    return ScenarioSpec.from_json(row.params)


def _saved(row: Any) -> SavedScenario:
    try:
        spec, problem = ScenarioSpec.from_json(row.params), None
    except ScenarioError as exc:
        spec, problem = None, str(exc)
    return SavedScenario(row.name, spec, row.created_by, row.created_at, problem)
