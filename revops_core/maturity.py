"""Maturity matrix (METRICS.md "Maturity matrix"): config, scoring, data-backed suggestions.

Pure functions only: no database and no Streamlit. The data layer fills a ``DataFacts`` from
the datasets it holds; this module turns it into a suggested stage per dimension, compares
the suggestion with a self-assessment and picks next steps for the weakest dimensions.
The rubric, stage labels, thresholds and next steps live in ``config/maturity.yaml``.
"""
from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from revops_core.contract import MATURITY_DIMENSIONS, PARTIES
from revops_core.errors import ConfigError

logger = logging.getLogger(__name__)

STAGES = (1, 2, 3)
NEXT_STEP_STAGES = (1, 2)  # stage 3 is the top stage and takes no next steps
PLAYBOOK_STEPS = ("DEFINE", "ALIGN", "INSTRUMENT", "ANALYZE", "COMMUNICATE", "OPTIMIZE")
GOVERNANCE_GROUPS = ("MOPS", "REVOPS", "DEALER_COUNCIL", "FINANCE")

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


# --- config -------------------------------------------------------------------------------

class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class NextStep(_Model):
    """One configured action, tagged with the playbook step it belongs to."""

    step: str
    action: Text

    @field_validator("step")
    @classmethod
    def _known_step(cls, value: str) -> str:
        if value not in PLAYBOOK_STEPS:
            raise ValueError(f"unknown playbook step {value!r}; use one of {', '.join(PLAYBOOK_STEPS)}")
        return value


class Dimension(_Model):
    """A dimension's friendly label and its rubric text per stage."""

    label: Text
    rubric: dict[int, Text]


class Thresholds(_Model):
    """Upper bounds (exclusive) of the Tool-centric and Journey-centric overall labels."""

    tool_centric_below: float
    journey_centric_below: float

    @model_validator(mode="after")
    def _ordered(self) -> Thresholds:
        if not 1 < self.tool_centric_below < self.journey_centric_below <= 3:
            raise ValueError("need 1 < tool_centric_below < journey_centric_below <= 3")
        return self


StepList = Annotated[list[NextStep], Field(min_length=2, max_length=4)]


class MaturityConfig(_Model):
    """``config/maturity.yaml`` parsed and validated (METRICS.md "Maturity matrix")."""

    stages: dict[int, Text]
    thresholds: Thresholds
    dimensions: dict[str, Dimension]
    playbook_steps: dict[str, Text]
    next_steps: dict[str, dict[int, StepList]]

    def dimension_label(self, dimension: str) -> str:
        """Friendly label of a dimension code, e.g. ``ATTRIBUTION`` -> ``Attribution``."""
        return self.dimensions[dimension].label


def load_maturity_config(path: str | Path) -> MaturityConfig:
    """Load and validate the maturity matrix config (METRICS.md "Maturity matrix").

    Raises ``ConfigError`` listing every problem at once, each as ``<file>: <key>: <problem>``.
    """
    raw = _read_yaml(Path(path))
    problems = _key_problems(raw)
    try:
        cfg = MaturityConfig.model_validate(raw)
    except ValidationError as exc:
        problems += [(_loc(err["loc"]), _message(err)) for err in exc.errors()]
    if problems:
        raise ConfigError([f"{path}: {key}: {problem}" for key, problem in sorted(problems)])
    logger.debug("loaded maturity config from %s", path)
    return cfg


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError([f"{path}: cannot read the file ({exc.strerror})"]) from exc
    except yaml.YAMLError as exc:
        raise ConfigError([f"{path}: not valid YAML ({exc})"]) from exc
    if not isinstance(raw, dict):
        raise ConfigError([f"{path}: the top level must be a mapping of keys"])
    return raw


def _key_problems(raw: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Missing or unknown keys in every keyed section, checked even when other parts fail."""
    checks: list[tuple[str, Any, tuple[Any, ...], str]] = [
        ("stages", raw.get("stages"), STAGES, "stage"),
        ("dimensions", raw.get("dimensions"), MATURITY_DIMENSIONS, "dimension"),
        ("playbook_steps", raw.get("playbook_steps"), PLAYBOOK_STEPS, "playbook step"),
        ("next_steps", raw.get("next_steps"), MATURITY_DIMENSIONS, "dimension"),
    ]
    for code, dim in _items(raw.get("dimensions")):
        rubric = dim.get("rubric") if isinstance(dim, Mapping) else None
        checks.append((f"dimensions.{code}.rubric", rubric, STAGES, "stage"))
    for code, steps in _items(raw.get("next_steps")):
        checks.append((f"next_steps.{code}", steps, NEXT_STEP_STAGES, "stage"))
    return [(key, p) for key, value, want, noun in checks for p in _exact_keys(value, want, noun)]


def _items(value: Any) -> Iterable[tuple[Any, Any]]:
    return value.items() if isinstance(value, Mapping) else ()


def _exact_keys(value: Any, expected: tuple[Any, ...], noun: str) -> list[str]:
    if not isinstance(value, Mapping):
        return []  # a missing section or a wrong type is reported by pydantic
    keys = {_as_key(k, expected) for k in value}
    missing = [f"missing {noun} {k}" for k in expected if k not in keys]
    allowed = ", ".join(str(k) for k in expected)
    unknown = [f"unknown {noun} {k!r} (expected {allowed})" for k in value
               if _as_key(k, expected) not in expected]
    return missing + unknown


def _as_key(key: Any, expected: tuple[Any, ...]) -> Any:
    if isinstance(expected[0], int) and isinstance(key, str) and key.strip().isdigit():
        return int(key)
    return key


def _loc(loc: tuple[str | int, ...]) -> str:
    return ".".join(str(part) for part in loc) or "(top level)"


def _message(err: Mapping[str, Any]) -> str:
    return str(err["msg"]).removeprefix("Value error, ")


# --- score and label ----------------------------------------------------------------------

def assessment_score(stages: Mapping[str, int]) -> float:
    """Mean stage over the six dimensions (METRICS.md "Maturity matrix": assessment score).

    Raises ``ValueError`` naming missing or unknown dimensions and stages outside 1-3.
    """
    _check_stages(stages, require_all=True)
    return sum(stages[d] for d in MATURITY_DIMENSIONS) / len(MATURITY_DIMENSIONS)


def overall_stage(score: float, cfg: MaturityConfig) -> int:
    """Stage (1-3) of an assessment score by the config thresholds (METRICS.md "Maturity matrix").

    The score is compared as given, not rounded: 10/6 = 1.666... is below 1.67.
    """
    if not (math.isfinite(score) and 1 <= score <= 3):
        raise ValueError(f"assessment score must be between 1 and 3, got {score}")
    if score < cfg.thresholds.tool_centric_below:
        return 1
    return 2 if score < cfg.thresholds.journey_centric_below else 3


def stage_label(score: float, cfg: MaturityConfig) -> str:
    """Overall label of a score: Tool-centric below 1.67, Journey-centric below 2.34, else
    Ecosystem-centric (METRICS.md "Maturity matrix"; thresholds and labels from config)."""
    return cfg.stages[overall_stage(score, cfg)]


def _check_stages(stages: Mapping[str, int], *, require_all: bool) -> None:
    problems = []
    missing = [d for d in MATURITY_DIMENSIONS if d not in stages]
    if require_all and missing:
        problems.append(f"missing dimensions: {', '.join(missing)}")
    unknown = [d for d in stages if d not in MATURITY_DIMENSIONS]
    if unknown:
        problems.append(f"unknown dimensions: {', '.join(map(str, unknown))}")
    bad = [f"{d}={s!r}" for d, s in stages.items() if isinstance(s, bool) or s not in STAGES]
    if bad:
        problems.append(f"stages outside 1-3: {', '.join(bad)}")
    if problems:
        raise ValueError("; ".join(problems))


# --- suggestions from the data --------------------------------------------------------------

@dataclass(frozen=True)
class DataFacts:
    """What the data layer knows about the datasets it holds (METRICS.md "Maturity matrix").

    ``datasets_present``: names of non-empty datasets (``leads``, ``dealer_months`` ...);
    ``touch_parties``: parties seen in touchpoints (``OEM``, ``DEALER``, ``FINANCE``, ``MEDIA``);
    ``cost_joined_to_revenue``: martech tool cost present and attributed revenue > 0;
    ``governance_roles``: owners of martech tools (``IT``, ``MOPS``, ``REVOPS`` ...).
    """

    datasets_present: frozenset[str] = frozenset()
    touch_parties: frozenset[str] = frozenset()
    multi_touch_in_use: bool = False
    cost_joined_to_revenue: bool = False
    dealer_scorecards_shared: bool = False
    dealer_months_present: bool = False
    governance_roles: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Suggestion:
    """Stage the data supports for one dimension; ``reason`` is the evidence in plain English."""

    dimension: str
    stage: int
    reason: str


@dataclass(frozen=True)
class Disagreement:
    """A dimension whose self-assessed stage differs from the stage the data supports."""

    dimension: str
    self_stage: int
    suggested_stage: int
    message: str


@dataclass(frozen=True)
class Action:
    """A next step for a dimension at its current stage, tagged with a playbook step."""

    dimension: str
    stage: int
    step: str
    text: str


def suggest_stages(facts: DataFacts) -> dict[str, Suggestion]:
    """Stage the data supports per dimension (METRICS.md "Maturity matrix": suggested stage).

    One rule per dimension, each documented on its ``_suggest_*`` function below.
    """
    return {dimension: rule(facts) for dimension, rule in _RULES}


def _suggest_scope(facts: DataFacts) -> Suggestion:
    """SCOPE: 3 when leads, dealers and dealer_months are loaded and touchpoints include OEM,
    DEALER and FINANCE; 2 when journeys are measured (leads loaded); else 1."""
    present = _datasets(facts)
    if "leads" not in present:
        return Suggestion("SCOPE", 1, "no leads are loaded, so no customer journey is measured")
    gaps = _empty(d for d in ("dealers", "dealer_months") if d not in present)
    gaps += _no_touches(_parties(facts), ("OEM", "DEALER", "FINANCE"))
    if gaps:
        return Suggestion("SCOPE", 2, f"journeys are measured through leads, but {_words(gaps)}")
    return Suggestion("SCOPE", 3, "leads, dealers and dealer months are loaded and touchpoints "
                                  "include OEM, dealer and finance parties")


def _suggest_data_coverage(facts: DataFacts) -> Suggestion:
    """DATA_COVERAGE: 3 when leads, touchpoints, dealer_months and revenue are loaded and
    touchpoints span at least 3 parties; 2 when leads and a dealer dataset (dealers or
    dealer_months) are loaded; else 1."""
    present, parties = _datasets(facts), _parties(facts) & set(PARTIES)
    if "leads" not in present:
        return Suggestion("DATA_COVERAGE", 1, "no leads are loaded")
    if not present & {"dealers", "dealer_months"}:
        return Suggestion("DATA_COVERAGE", 1, "leads are loaded, but no dealer data is")
    gaps = _empty(d for d in ("touchpoints", "dealer_months", "revenue") if d not in present)
    if "touchpoints" in present and len(parties) < 3:
        named = f" ({_words(_party_names(parties))})" if parties else ""
        gaps.append(f"touchpoints span only {_count(len(parties), 'party', 'parties')}{named}, "
                    "fewer than 3")
    if gaps:
        return Suggestion("DATA_COVERAGE", 2, f"leads and dealer data are loaded, but {_words(gaps)}")
    return Suggestion("DATA_COVERAGE", 3, "leads, touchpoints, dealer months and revenue are loaded "
                                          f"and touchpoints span {len(parties)} parties")


def _suggest_attribution(facts: DataFacts) -> Suggestion:
    """ATTRIBUTION: 3 when a multi-touch model is in use and touchpoints include DEALER and
    FINANCE parties; 2 when a multi-touch model is in use; else 1."""
    if not facts.multi_touch_in_use:
        return Suggestion("ATTRIBUTION", 1, "no multi-touch attribution model is in use")
    gaps = _no_touches(_parties(facts), ("DEALER", "FINANCE"))
    if gaps:
        return Suggestion("ATTRIBUTION", 2, f"a multi-touch model is in use, but {_words(gaps)}")
    return Suggestion("ATTRIBUTION", 3, "a multi-touch model is in use and touchpoints include "
                                        "dealer and finance parties")


def _suggest_partner_role(facts: DataFacts) -> Suggestion:
    """PARTNER_ROLE: 3 when dealer scorecards are shared and dealer months are present;
    2 when dealer months are present; else 1."""
    if not facts.dealer_months_present:
        return Suggestion("PARTNER_ROLE", 1, "no monthly dealer data is loaded")
    if not facts.dealer_scorecards_shared:
        return Suggestion("PARTNER_ROLE", 2, "monthly dealer data is loaded, "
                                             "but no dealer scorecards are shared")
    return Suggestion("PARTNER_ROLE", 3, "dealer scorecards are shared and monthly dealer data "
                                         "is loaded")


def _suggest_financial_view(facts: DataFacts) -> Suggestion:
    """FINANCIAL_VIEW: 3 when martech cost is joined to attributed revenue and dealer months
    (cost to serve) are present; 2 when cost is joined to revenue; else 1."""
    if not facts.cost_joined_to_revenue:
        return Suggestion("FINANCIAL_VIEW", 1, "martech cost is not set against any attributed revenue")
    if not facts.dealer_months_present:
        return Suggestion("FINANCIAL_VIEW", 2, "martech cost is set against attributed revenue, "
                                               "but no dealer cost to serve is loaded")
    return Suggestion("FINANCIAL_VIEW", 3, "martech cost is set against attributed revenue and "
                                           "dealer cost to serve is loaded")


def _suggest_governance(facts: DataFacts) -> Suggestion:
    """GOVERNANCE: 3 when tool owners include at least three of MOPS, REVOPS, DEALER_COUNCIL
    and FINANCE; 2 when MOPS or REVOPS own tools; else 1."""
    owners = _upper(facts.governance_roles)
    joint = [_owner_name(g) for g in GOVERNANCE_GROUPS if g in owners]
    if len(joint) >= 3:
        return Suggestion("GOVERNANCE", 3, f"martech tools are owned jointly by {_words(joint)}")
    if owners & {"MOPS", "REVOPS"}:
        return Suggestion("GOVERNANCE", 2, f"martech tools are owned by {_words(joint)}, but joint "
                                           "governance needs at least three of MOPS, RevOps, "
                                           "the dealer council and finance")
    if not owners:
        return Suggestion("GOVERNANCE", 1, "no martech tool owners are recorded")
    others = _words([_owner_name(o) for o in sorted(owners)])
    return Suggestion("GOVERNANCE", 1, f"martech tools are owned by {others}, not by MOPS or RevOps")


_RULES: tuple[tuple[str, Callable[[DataFacts], Suggestion]], ...] = (
    ("SCOPE", _suggest_scope),
    ("DATA_COVERAGE", _suggest_data_coverage),
    ("ATTRIBUTION", _suggest_attribution),
    ("PARTNER_ROLE", _suggest_partner_role),
    ("FINANCIAL_VIEW", _suggest_financial_view),
    ("GOVERNANCE", _suggest_governance),
)

_PARTY_NAMES = {"OEM": "OEM", "DEALER": "dealer", "FINANCE": "finance", "MEDIA": "media"}
_OWNER_NAMES = {"MOPS": "MOPS", "REVOPS": "RevOps", "DEALER_COUNCIL": "the dealer council",
                "FINANCE": "finance"}


def _datasets(facts: DataFacts) -> frozenset[str]:
    return frozenset(d.strip().lower() for d in facts.datasets_present)


def _parties(facts: DataFacts) -> frozenset[str]:
    return _upper(facts.touch_parties)


def _upper(codes: Iterable[str]) -> frozenset[str]:
    return frozenset(c.strip().upper() for c in codes if c.strip())


def _empty(datasets: Iterable[str]) -> list[str]:
    names = [d.replace("_", " ") for d in datasets]
    if not names:
        return []
    noun = "dataset is" if len(names) == 1 else "datasets are"
    return [f"the {_words(names)} {noun} empty"]


def _no_touches(parties: frozenset[str], required: tuple[str, ...]) -> list[str]:
    missing = [_PARTY_NAMES[p] for p in required if p not in parties]
    if not missing:
        return []
    return [f"no {_words(missing, 'or')} touchpoints are recorded"]


def _party_names(parties: Iterable[str]) -> list[str]:
    return [_PARTY_NAMES[p] for p in PARTIES if p in parties]


def _owner_name(code: str) -> str:
    return _OWNER_NAMES.get(code, code)


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _words(items: list[str], conjunction: str = "and") -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


# --- comparison and next steps --------------------------------------------------------------

def disagreements(self_scores: Mapping[str, int], suggestions: Mapping[str, Suggestion],
                  cfg: MaturityConfig) -> list[Disagreement]:
    """Dimensions where the self-assessment and the data disagree (METRICS.md "Maturity
    matrix"), in config order. Dimensions not yet self-assessed are skipped."""
    _check_stages(self_scores, require_all=False)
    found = []
    for dimension in cfg.dimensions:
        mine, data = self_scores.get(dimension), suggestions.get(dimension)
        if mine is None or data is None or mine == data.stage:
            continue
        message = (f"You scored {cfg.dimension_label(dimension)} {mine}; "
                   f"the data supports {data.stage} because {data.reason}.")
        found.append(Disagreement(dimension, mine, data.stage, message))
    return found


def next_steps(stages: Mapping[str, int], cfg: MaturityConfig, weakest: int = 2) -> list[Action]:
    """Configured actions for the ``weakest`` lowest-stage dimensions (METRICS.md "Maturity
    matrix"); ties keep config order and stage-3 dimensions get none."""
    _check_stages(stages, require_all=True)
    if weakest < 0:
        raise ValueError(f"weakest must be 0 or more, got {weakest}")
    open_dims = [d for d in cfg.dimensions if stages[d] < 3]
    chosen = sorted(open_dims, key=lambda d: stages[d])[:weakest]  # stable: ties in config order
    return [Action(d, stages[d], s.step, s.action)
            for d in chosen for s in cfg.next_steps[d][stages[d]]]


@dataclass(frozen=True)
class DimensionView:
    """One dimension of an assessment beside the previous one and the data's suggestion."""

    dimension: str
    label: str
    stage: int
    previous: int | None
    suggested: int | None
    rubric: str
    change: int | None  # stage - previous stage; None without a previous assessment


def compare(current: Mapping[str, int], previous: Mapping[str, int] | None,
            suggestions: Mapping[str, Suggestion], cfg: MaturityConfig) -> list[DimensionView]:
    """Per dimension in config order: current stage and its rubric cell, the previous stage,
    the change and the stage the data suggests (METRICS.md "Maturity matrix")."""
    _check_stages(current, require_all=True)
    out = []
    for dimension, dim in cfg.dimensions.items():
        stage = current[dimension]
        before = None if previous is None else previous.get(dimension)
        data = suggestions.get(dimension)
        out.append(DimensionView(dimension, dim.label, stage, before, None if data is None else data.stage,
                                 dim.rubric[stage], None if before is None else stage - before))
    return out


@dataclass(frozen=True)
class GridCell:
    """One cell of the matrix: a stage of a dimension, its rubric text and what marks it."""

    stage: int
    rubric: str
    assessed: bool   # the stage of the latest assessment
    previous: bool   # the stage of the assessment before it
    suggested: bool  # the stage the data supports


@dataclass(frozen=True)
class GridRow:
    """One dimension of the matrix: its three cells, and why the data supports its marked stage."""

    dimension: str
    label: str
    cells: tuple[GridCell, ...]
    reason: str | None


def grid(cfg: MaturityConfig, assessed: Mapping[str, int] | None, suggestions: Mapping[str, Suggestion],
         previous: Mapping[str, int] | None = None) -> list[GridRow]:
    """The matrix of METRICS.md "Maturity matrix" as a grid: the six dimensions as rows (config
    order), the three stages as columns, each cell with its rubric text and marked where it is the
    assessed stage, the previous assessment's or the stage the data supports."""
    rows = []
    for dimension, dim in cfg.dimensions.items():
        data = suggestions.get(dimension)
        cells = tuple(GridCell(stage, dim.rubric[stage], _is(assessed, dimension, stage),
                               _is(previous, dimension, stage), data is not None and data.stage == stage)
                      for stage in STAGES)
        rows.append(GridRow(dimension, dim.label, cells, None if data is None else data.reason))
    return rows


def _is(stages: Mapping[str, int] | None, dimension: str, stage: int) -> bool:
    return stages is not None and stages.get(dimension) == stage
