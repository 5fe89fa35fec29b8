"""Configuration: YAML files in ``config/`` parsed into typed, validated objects.

Every problem in every file is collected and reported at once with its file and key
(``ConfigError.problems``) instead of stopping at the first.
"""
from __future__ import annotations

import math
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

import yaml
from pydantic import (BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator,
                      model_validator)

from revops_core.contract import (CERTIFICATIONS, DEFAULT_MAX_AMOUNT, FORECAST_CATEGORIES, REVENUE_TYPES,
                                  SEGMENTS)
from revops_core.errors import ConfigError

CONFIG_DIR = Path(__file__).resolve().parent.parent / "config"
CONFIG_ENV_VAR = "AUTOREVOPS_CONFIG_DIR"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Band(_Model):
    """One benchmark band: a value in [min, max) gets this status and words."""

    status: Literal["green", "amber", "red"]
    min: float | None = None
    max: float | None = None
    label: str

    def contains(self, value: float) -> bool:
        return (self.min is None or value >= self.min) and (self.max is None or value < self.max)


class MetricBenchmark(_Model):
    text: str
    bands: tuple[Band, ...] = ()
    by_segment: dict[str, tuple[Band, ...]] = Field(default_factory=dict)
    # the benchmark range charts draw (low, high; null = open), when it differs from the green bands
    target: tuple[float | None, float | None] | None = None

    @model_validator(mode="after")
    def _has_bands(self) -> MetricBenchmark:
        if not self.bands and not self.by_segment:
            raise ValueError("needs 'bands' or 'by_segment'")
        unknown = set(self.by_segment) - set(SEGMENTS)
        if unknown:
            raise ValueError(f"unknown segment(s) in by_segment: {sorted(unknown)}")
        return self


class Benchmarks(_Model):
    metrics: dict[str, MetricBenchmark]


class CertificationRule(_Model):
    certification: str
    account_segment: tuple[str, ...] = ()
    account: tuple[Literal["eu_oem"], ...] = ()
    product: tuple[Literal["hardware", "safety_critical", "connected", "ota", "cloud_service"], ...] = ()

    @field_validator("certification")
    @classmethod
    def _known_cert(cls, v: str) -> str:
        if v not in CERTIFICATIONS:
            raise ValueError(f"unknown certification {v!r}; use one of {', '.join(CERTIFICATIONS)}")
        return v

    @field_validator("account_segment")
    @classmethod
    def _known_segments(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        bad = [s for s in v if s not in SEGMENTS]
        if bad:
            raise ValueError(f"unknown segment(s) {bad}; use {', '.join(SEGMENTS)}")
        return v


class Risks(_Model):
    brr_target: float = 1.2
    ev_mix_target: float = 0.40
    ice_hev_backlog_limit: float = 0.60
    sop_window_days: int = 365


class ScenarioDefaults(_Model):
    baseline_year: int = Field(2025, ge=2015, le=2029)
    baseline_share: float = Field(0.2, ge=0, le=1)
    plan_2030: float = Field(0.4, ge=0, le=1)
    presets: tuple[float, ...] = (0.3, 0.5, 0.7)
    s_midpoint: float = 2030
    s_steepness: float = Field(0.6, gt=0)


class Outlook(_Model):
    """METRICS.md "Revenue outlook": pipeline weights by forecast category, SOP lag, program life, growth.

    ``forecast_weights`` covers every forecast category (a blank category counts as ``PIPELINE``);
    ``growth`` is a yearly rate per revenue type without an award (types left out grow at 0).
    """

    forecast_weights: dict[str, Annotated[float, Field(ge=0, le=1)]] = {
        "COMMIT": 0.9, "BEST_CASE": 0.5, "PIPELINE": 0.25, "OMITTED": 0.0}
    sop_lag_months: int = Field(36, ge=0, le=120)
    program_years: int = Field(6, ge=1, le=30)
    growth: dict[str, Annotated[float, Field(ge=-0.5, le=1.0)]] = {}

    @model_validator(mode="after")
    def _known_codes(self) -> Outlook:
        problems = []
        if set(self.forecast_weights) != set(FORECAST_CATEGORIES):
            problems.append(f"forecast_weights: give a weight for each of {', '.join(FORECAST_CATEGORIES)} "
                            f"(got {', '.join(self.forecast_weights) or 'none'})")
        unknown = sorted(set(self.growth) - set(REVENUE_TYPES))
        if unknown:
            problems.append(f"growth: unknown revenue type(s) {', '.join(unknown)}; use {', '.join(REVENUE_TYPES)}")
        if problems:
            raise ValueError("; ".join(problems))
        return self


class Ecosystem(_Model):
    response_sla_minutes: float = Field(30, gt=0)
    marketing_parties: tuple[str, ...] = ("OEM", "MEDIA")
    time_decay_half_life_days: float = Field(7, gt=0)
    gross_margin: float = Field(0.18, ge=0, le=1)
    # attribution: the models disagree on a channel when the range of its credit across them
    # (highest - lowest) exceeds this share of its mean credit
    disagreement_share: float = Field(0.3, gt=0, allow_inf_nan=False)
    journeys: tuple[str, ...]
    weights: dict[str, float]
    lower_is_better: tuple[str, ...] = ()


class ImportRules(_Model):
    """Import limits (DATA_CONTRACT.md: money is finite and below a ceiling in config).

    ``max_upload_mb``: the largest file the Data page takes (each file, and each file inside a
    ZIP once unpacked); keep ``server.maxUploadSize`` in ``.streamlit/config.toml`` at least as
    large. ``max_unzipped_mb``: the most a ZIP upload may unpack to in all.
    """

    max_amount: float = Field(DEFAULT_MAX_AMOUNT, gt=0, allow_inf_nan=False)
    max_upload_mb: int = Field(200, gt=0, le=100_000)
    max_unzipped_mb: int = Field(1_000, gt=0, le=1_000_000)


QUARTER_PATTERN = r"^\d{4}Q[1-4]$"
DEFAULT_STAGE_ORDER = ("Qualify", "RFQ / Proposal", "Technical evaluation", "Negotiation", "Nomination pending",
                       "Closed won", "Closed lost")


class MetricPlan(_Model):
    """The board's plan for one metric: a value per quarter end (``by_quarter``, keys ``YYYYQn``, in
    the metric's own terms: TTM revenue, backlog at the quarter's end), or one ``target`` for every
    date, with ``by_segment`` targets where a segment's differs."""

    by_quarter: dict[Annotated[str, StringConstraints(pattern=QUARTER_PATTERN)],
                     Annotated[float, Field(allow_inf_nan=False)]] = {}
    target: Annotated[float, Field(allow_inf_nan=False)] | None = None
    by_segment: dict[str, Annotated[float, Field(allow_inf_nan=False)]] = {}

    @model_validator(mode="after")
    def _has_values(self) -> MetricPlan:
        if not self.by_quarter and self.target is None and not self.by_segment:
            raise ValueError("needs 'by_quarter', 'target' or 'by_segment'")
        unknown = sorted(set(self.by_segment) - set(SEGMENTS))
        if unknown:
            raise ValueError(f"unknown segment(s) in by_segment: {unknown}; use {', '.join(SEGMENTS)}")
        return self


class Plan(_Model):
    """``rules.yaml`` ``plan``: what a board tile compares with when no benchmark band exists.

    A value at or above the plan is on plan; one short of it by at most ``watch_within`` (a share
    of the plan) is to watch; further short is behind plan.
    """

    watch_within: float = Field(0.05, ge=0, lt=1)
    metrics: dict[str, MetricPlan] = {}


class Rules(_Model):
    certification_rules: tuple[CertificationRule, ...]
    # one threshold for "expiring soon" everywhere: pages, board metrics and the certification alert
    expiring_soon_days: int = Field(90, ge=0)
    # the funnel order of opportunity stages (free text in the CRM); stages not listed sort after them
    stage_order: tuple[str, ...] = DEFAULT_STAGE_ORDER
    plan: Plan = Plan()
    risks: Risks = Risks()
    scenario: ScenarioDefaults = ScenarioDefaults()
    outlook: Outlook = Outlook()
    ecosystem: Ecosystem
    import_: ImportRules = Field(ImportRules(), alias="import")  # ``import`` in rules.yaml

    def stage_key(self, stage: object) -> tuple[int, str]:
        """Sort key putting stages in funnel order (``stage_order``), unknown ones after, alphabetically."""
        text = "" if stage is None else str(stage)
        order = {s.casefold(): i for i, s in enumerate(self.stage_order)}
        return order.get(text.casefold(), len(order)), text.casefold()

    def ordered_stages(self, stages: Iterable[object]) -> list[str]:
        """The distinct stages of ``stages`` (names) in funnel order."""
        return sorted({str(s) for s in stages if s is not None}, key=self.stage_key)


class MetricLabel(_Model):
    label: str
    format: Literal["money", "money_precise", "percent", "ratio", "ratio_plain", "days", "count"]


class Labels(_Model):
    """``labels.yaml``: the friendly label of every code the UI shows, per group of codes."""

    segments: dict[str, str]
    powertrains: dict[str, str]
    certifications: dict[str, str]
    journeys: dict[str, str]
    forecast_categories: dict[str, str]
    metrics: dict[str, MetricLabel]
    opportunity_statuses: dict[str, str] = {}
    award_statuses: dict[str, str] = {}
    ppap_statuses: dict[str, str] = {}
    eco_statuses: dict[str, str] = {}
    certification_statuses: dict[str, str] = {}
    revenue_types: dict[str, str] = {}
    roles: dict[str, str] = {}
    parties: dict[str, str] = {}
    owners: dict[str, str] = {}


class Alert(_Model):
    id: str
    message: str
    kind: Literal["metric", "cert_expiring"] = "metric"
    metric: str | None = None
    segment: str | None = None
    op: Literal["<", "<=", ">", ">="] | None = None
    threshold: float | None = None
    days: int | None = None

    @model_validator(mode="after")
    def _complete(self) -> Alert:
        if self.kind == "metric" and (self.metric is None or self.op is None or self.threshold is None):
            raise ValueError("a metric alert needs 'metric', 'op' and 'threshold'")
        if self.kind == "cert_expiring" and self.days is not None:
            raise ValueError("a cert_expiring alert takes no 'days': it fires for the certifications expiring "
                             "within rules.yaml expiring_soon_days, the threshold every page uses; remove 'days'")
        return self


class Alerts(_Model):
    alerts: tuple[Alert, ...]


class Role(_Model):
    """What a role sees (its scope) and which pages it opens.

    ``sees``: ``everything`` (the whole book and every dealer), ``every_dealer`` (the dealer
    ecosystem by name, none of the supplier's own book: ``marketing_ops``), ``own_dealer_group``
    or ``own_region`` (its own dealers by name, every other one only as an anonymous peer).
    ``pages``: the page keys it opens (``PAGES``), within what its ``sees`` allows; left out:
    every page that ``sees`` allows. ``admin``: it also opens the audit log and the share links.
    """

    PAGES: ClassVar[tuple[str, ...]] = (
        "board_overview", "quarterly_review", "segmentation", "backlog_awards", "certifications", "software", "cadence",
        "forecast", "scenario", "maturity", "scorecard", "attribution", "data_admin", "audit_log", "share_links")
    ADMIN_PAGES: ClassVar[tuple[str, ...]] = ("audit_log", "share_links")  # an admin role's alone
    # the pages each kind of scope may open: a page narrowed to a dealer group or region must
    # apply the viewer's scope, and only the ecosystem pages do (the maturity matrix assesses one
    # org unit named like the dealer group)
    ALLOWED: ClassVar[dict[str, tuple[str, ...]]] = {
        "everything": PAGES,
        "every_dealer": ("scorecard", "maturity", "attribution"),
        "own_dealer_group": ("scorecard", "maturity"),
        "own_region": ("scorecard",),
    }

    sees: Literal["everything", "every_dealer", "own_dealer_group", "own_region"]
    pages: tuple[str, ...] | None = None
    admin: bool = False

    @model_validator(mode="after")
    def _pages_allowed(self) -> Role:
        problems = [] if self.pages is None or self.pages else ["pages: list at least one page (or leave pages out)"]
        unknown = [p for p in self.pages or () if p not in self.PAGES]
        if unknown:
            problems.append(f"pages: unknown page(s) {', '.join(unknown)}; use {', '.join(self.PAGES)}")
        beyond = [p for p in self.pages or () if p in self.PAGES and p not in self.ALLOWED[self.sees]]
        if beyond:
            problems.append(f"pages: a role that sees {self.sees} cannot open {', '.join(beyond)} "
                            f"(it may open {', '.join(self.ALLOWED[self.sees])})")
        if self.admin and self.sees != "everything":
            problems.append("admin: only a role that sees everything can administer")
        for page in (p for p in self.ADMIN_PAGES if p in (self.pages or ()) and not self.admin):
            problems.append(f"pages: {page} is for an admin role (admin: true)")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def page_keys(self) -> tuple[str, ...]:
        """The pages this role opens, in ``PAGES`` order."""
        wanted = self.pages if self.pages is not None else self.ALLOWED[self.sees]
        return tuple(p for p in self.PAGES if p in wanted and (p not in self.ADMIN_PAGES or self.admin))

    @property
    def needs(self) -> str | None:
        """The ``users.yaml`` field a user of this role must name: ``dealer_group``, ``region`` or none."""
        return {"own_dealer_group": "dealer_group", "own_region": "region"}.get(self.sees)


class User(_Model):
    """A person who signs in; ``password_hash`` from ``python -m revops_core hash-password``."""

    username: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, pattern=r"^[A-Za-z0-9._@-]+$")]
    display_name: str
    role: str
    password_hash: Annotated[str, StringConstraints(pattern=r"^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$")]
    dealer_group: str | None = None
    region: str | None = None


class SignInLimits(_Model):
    """``users.yaml`` ``sign_in``: repeated failures lock a user name (and a client) for a while;
    a session lasts ``session_hours``.

    ``max_failures`` failed sign-ins of one user name within ``window_minutes`` (counted since
    its last successful sign-in) refuse further attempts until the oldest of them is older
    than the window; ``max_client_failures`` does the same per client address, whatever names
    it tries. ``session_hours``: how long a signed-in browser stays signed in (its signed
    session cookie expires then; signing out ends it earlier).
    """

    max_failures: Annotated[int, Field(ge=1, le=1000)] = 5
    max_client_failures: Annotated[int, Field(ge=1, le=10000)] = 20
    window_minutes: Annotated[int, Field(ge=1, le=24 * 60)] = 15
    session_hours: Annotated[float, Field(gt=0, le=24 * 30)] = 12


class Oidc(_Model):
    """``users.yaml`` ``oidc``: sign-in through an OpenID Connect provider (``st.login``), set up in
    ``.streamlit/secrets.toml`` ``[auth]``; the role, dealer group and region come from claims."""

    provider: str | None = None          # the [auth.<provider>] section; None = the default [auth]
    username_claim: str = "email"
    role_claim: str = "role"
    dealer_group_claim: str = "dealer_group"
    region_claim: str = "region"


class Users(_Model):
    """``users.yaml``: roles and users. No users = no sign-in, everyone sees everything.

    ``min_peers``: a dealer group (or region) sees anonymous peers only when at least this many
    other entities exist at the level compared (METRICS.md ecosystem scorecard).
    """

    roles: dict[str, Role]
    users: tuple[User, ...] = ()
    sign_in: SignInLimits = SignInLimits()
    min_peers: Annotated[int, Field(ge=1, le=1000)] = 5
    oidc: Oidc | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Users:
        problems = []
        seen: set[str] = set()
        for i, user in enumerate(self.users):
            problems += _user_problems(i, user, self.roles.get(user.role), self.roles)
            if user.username.lower() in seen:
                problems.append(f"users.{i}.username: {user.username!r} is used twice")
            seen.add(user.username.lower())
        if problems:
            raise ValueError("; ".join(problems))
        return self


def _user_problems(i: int, user: User, role: Role | None, roles: dict[str, Role]) -> list[str]:
    """What is wrong with user ``i`` against its role: unknown role, a missing or extra group or region."""
    if role is None:
        return [f"users.{i}.role: unknown role {user.role!r} (known: {', '.join(roles)})"]
    problems = []
    words = {"dealer_group": "its own dealer group", "region": "its own region"}
    for field in ("dealer_group", "region"):
        given = getattr(user, field)
        if role.needs == field and not given:
            problems.append(f"users.{i}.{field}: role {user.role!r} sees {words[field]}; name it")
        elif role.needs != field and given:
            what = "everything" if role.sees == "everything" else role.sees.replace("_", " ")
            problems.append(f"users.{i}.{field}: role {user.role!r} sees {what}; remove {field}")
    return problems


EMAIL_PATTERN = r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$"
ENV_NAME_PATTERN = r"^[A-Z_][A-Z0-9_]*$"


class Smtp(_Model):
    """``sharing.yaml`` ``smtp``: the server ``burst-scorecards --send`` mails through.

    The user name and password are never written here: ``username_env`` and ``password_env``
    name the environment variables that hold them (no login when the user name's is unset).
    ``starttls`` upgrades a plain connection, ``ssl`` connects over TLS from the start (port 465).
    """

    host: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)] = "127.0.0.1"
    port: Annotated[int, Field(ge=1, le=65535)] = 25
    from_: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)] = Field(
        "AutoRevOps <autorevops@localhost>", alias="from")
    starttls: bool = False
    ssl: bool = False
    username_env: Annotated[str, StringConstraints(pattern=ENV_NAME_PATTERN)] = "AUTOREVOPS_SMTP_USERNAME"
    password_env: Annotated[str, StringConstraints(pattern=ENV_NAME_PATTERN)] = "AUTOREVOPS_SMTP_PASSWORD"
    timeout_seconds: Annotated[float, Field(gt=0, le=600)] = 30

    @model_validator(mode="before")
    @classmethod
    def _no_secrets(cls, raw: Any) -> Any:
        if isinstance(raw, dict):
            written = [k for k in ("username", "password", "user") if k in raw]
            if written:
                raise ValueError(f"{', '.join(written)}: never write SMTP credentials in the config; put them "
                                 "in the environment variables named by username_env and password_env")
        return raw

    @model_validator(mode="after")
    def _one_tls(self) -> Smtp:
        if self.starttls and self.ssl:
            raise ValueError("starttls and ssl: choose one (ssl for port 465, starttls for 587)")
        return self


class Sharing(_Model):
    """``sharing.yaml`` (optional): dealer-council sharing of the ecosystem scorecard.

    ``link_days``: how long a new share link holds by default (an admin may choose up to
    ``max_link_days``); ``smtp``: the mail server of ``burst-scorecards --send``; ``recipients``:
    each dealer group (exactly as in ``dealers.csv``) and the addresses its scorecard goes to.
    """

    link_days: Annotated[int, Field(ge=1, le=365)] = 14
    max_link_days: Annotated[int, Field(ge=1, le=365)] = 90
    smtp: Smtp = Smtp()
    recipients: dict[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)],
                     tuple[Annotated[str, StringConstraints(strip_whitespace=True, pattern=EMAIL_PATTERN)], ...]] = {}

    @model_validator(mode="after")
    def _consistent(self) -> Sharing:
        problems = [] if self.link_days <= self.max_link_days else [
            f"link_days: {self.link_days} is above max_link_days ({self.max_link_days})"]
        problems += [f"recipients.{group}: list at least one address (or leave the group out)"
                     for group, addresses in self.recipients.items() if not addresses]
        if problems:
            raise ValueError("; ".join(problems))
        return self


class AppConfig(_Model):
    benchmarks: Benchmarks
    rules: Rules
    labels: Labels
    alerts: Alerts
    users: Users
    sharing: Sharing = Sharing()

    def label(self, group: str, code: str | None) -> str:
        """Friendly label for an upper-case code from ``labels.yaml`` (the code itself when the group
        lacks it); a missing code (None, blank) reads "—", never "None"."""
        if code is None or (isinstance(code, float) and math.isnan(code)) or str(code).strip() == "":
            return "—"
        return str(getattr(self.labels, group).get(str(code), code))

    def metric_label(self, key: str) -> str:
        entry = self.labels.metrics.get(key)
        return entry.label if entry else key.replace("_", " ").capitalize()


_FILES = {"benchmarks": Benchmarks, "rules": Rules, "labels": Labels, "alerts": Alerts,
          "users": Users}
_OPTIONAL_FILES = {"sharing": Sharing}  # left out: the defaults (no recipients)


_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)   # libyaml's: the config in ~8 ms, not ~70


def _read_yaml(path: Path, problems: list[str]) -> Any:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_SAFE_LOADER) or {}  # noqa: S506 - a safe loader
    except FileNotFoundError:
        problems.append(f"{path}: file is missing")
    except yaml.YAMLError as exc:
        problems.append(f"{path}: not valid YAML ({exc})")
    return None


def _describe(path: Path, exc: ValidationError) -> list[str]:
    out = []
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"]) or "(top level)"
        out.append(f"{path}: {key}: {err['msg']}")
    return out


def config_dir(path: str | Path | None = None) -> Path:
    """The config folder: the argument, else ``AUTOREVOPS_CONFIG_DIR``, else ``config/``."""
    return Path(path or os.environ.get(CONFIG_ENV_VAR) or CONFIG_DIR)


def load_config(path: str | Path | None = None) -> AppConfig:
    """Load and validate every YAML file; raise ``ConfigError`` listing all problems."""
    folder = config_dir(path)
    problems: list[str] = []
    parts: dict[str, Any] = {}
    for name, model in {**_FILES, **_OPTIONAL_FILES}.items():
        file = folder / f"{name}.yaml"
        if name in _OPTIONAL_FILES and not file.exists():
            continue
        raw = _read_yaml(file, problems)
        if raw is None:
            continue
        try:
            parts[name] = model.model_validate(raw)
        except ValidationError as exc:
            problems.extend(_describe(file, exc))
    if problems:
        raise ConfigError(problems)
    problems += _cross_checks(parts, folder)
    if problems:
        raise ConfigError(problems)
    return AppConfig(**parts)


def _cross_checks(parts: dict[str, Any], folder: Path) -> list[str]:
    problems = []
    known = set(parts["labels"].metrics)
    for key in parts["benchmarks"].metrics:
        if key not in known:
            problems.append(f"{folder / 'benchmarks.yaml'}: metrics.{key}: not a board metric "
                            f"(known: {', '.join(sorted(known))})")
    for key in parts["rules"].plan.metrics:
        if key not in known:
            problems.append(f"{folder / 'rules.yaml'}: plan.metrics.{key}: not a board metric "
                            f"(known: {', '.join(sorted(known))})")
    for i, alert in enumerate(parts["alerts"].alerts):
        if alert.metric and alert.metric not in known:
            problems.append(f"{folder / 'alerts.yaml'}: alerts.{i}.metric: unknown metric {alert.metric!r}")
    eco = parts["rules"].ecosystem
    total = sum(eco.weights.values())
    if abs(total - 1.0) > 1e-6:
        problems.append(f"{folder / 'rules.yaml'}: ecosystem.weights: weights sum to {total:g}, not 1")
    return problems
