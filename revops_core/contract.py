"""The data contract (DATA_CONTRACT.md) as data: datasets, columns, kinds, keys, links, rules.

One declaration drives the database schema (``schema.py``), CSV import validation
(``importer.py``) and export (``exporter.py``), so the three can never disagree.
"""
from __future__ import annotations

from dataclasses import dataclass

SEGMENTS = ("OEM", "TIER1", "DEALER_AFTERMARKET", "FLEET")
OPP_STATUSES = ("OPEN", "WON", "LOST")
POWERTRAINS = ("ICE", "BEV", "PHEV", "HEV", "AGNOSTIC")
FORECAST_CATEGORIES = ("COMMIT", "BEST_CASE", "PIPELINE", "OMITTED")
AWARD_STATUSES = ("AWARDED", "IN_PRODUCTION", "COMPLETED", "CANCELLED")
PPAP_STATUSES = ("NOT_STARTED", "IN_PROGRESS", "APPROVED", "FAILED")
REVENUE_TYPES = ("HARDWARE", "SOFTWARE_SUBSCRIPTION", "SERVICES", "ECO")
ECO_STATUSES = ("REQUESTED", "NEGOTIATING", "APPROVED", "REJECTED")
CERT_STATUSES = ("CERTIFIED", "IN_PROGRESS", "EXPIRED", "NOT_STARTED")
CERTIFICATIONS = ("IATF_16949", "ISO_26262", "ISO_SAE_21434", "UN_R155", "UN_R156", "TISAX",
                  "SOC2_TYPE2")
ROLES = ("AE", "ESA", "PM", "CHANNEL")
PARTIES = ("OEM", "DEALER", "FINANCE", "MEDIA")
JOURNEYS = ("EV_LAUNCH", "SERVICE_RETENTION", "FLEET", "CONQUEST", "ACCESSORIES")
MATURITY_DIMENSIONS = ("SCOPE", "DATA_COVERAGE", "ATTRIBUTION", "PARTNER_ROLE", "FINANCIAL_VIEW",
                       "GOVERNANCE")

# Column kinds. ``str`` text; ``int``/``float`` numbers; ``bool`` true/false; ``date`` YYYY-MM-DD;
# ``month`` YYYY-MM; ``quarter`` YYYYQn; ``timestamp`` ISO date-time; ``enum`` one of ``values``;
# ``journey`` an enum whose codes come from config (the contract allows more than the defaults).
KINDS = ("str", "int", "float", "bool", "date", "month", "quarter", "timestamp", "enum", "journey")

# The default ceiling on money (DATA_CONTRACT.md "Money is finite and below a ceiling in config"):
# ``rules.yaml`` ``import.max_amount``; a money cell whose absolute value exceeds it is refused.
DEFAULT_MAX_AMOUNT = 1.0e12


@dataclass(frozen=True)
class Column:
    """One contract column; ``required`` False for the ``?`` columns of DATA_CONTRACT.md."""

    name: str
    kind: str = "str"
    required: bool = True
    values: tuple[str, ...] = ()
    references: str | None = None  # "dataset.column" for a foreign key
    min_value: float | None = None
    max_value: float | None = None
    money: bool = False  # an amount of money: finite and within the import ceiling (absolute value)


# ---- rules across columns (DATA_CONTRACT.md "Rules across columns") ----------------------------
@dataclass(frozen=True)
class RowRule:
    """A rule between two columns of one row.

    ``column`` is the column a problem names, ``other`` the column it is checked against.
    ``message`` says what is wrong (``{value}``, ``{other}`` and ``{other_value}`` are filled in)
    and ``fix`` what to do. A rule compares only values that were read: a blank cell, or a bad
    one (reported on its own), breaks no comparison.
    """

    column: str
    other: str
    fix: str
    message: str = ""


@dataclass(frozen=True)
class NotBefore(RowRule):
    """``column`` is on or after ``other`` where both are set (dates or timestamps)."""

    message: str = "{value} is before {other} {other_value}"


@dataclass(frozen=True)
class AtMost(RowRule):
    """``column`` is at most ``other`` where both are set (numbers)."""

    message: str = "{value} is more than {other} {other_value}"


@dataclass(frozen=True)
class BlankUnless(RowRule):
    """``column`` is blank or 0 unless ``other`` is set (``other`` blank: ``column`` must be too)."""

    message: str = "{value} although {other} is blank"


@dataclass(frozen=True)
class Dataset:
    """One contract dataset: its columns in CSV order, its key columns and its row rules."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    group: str  # "revenue" or "ecosystem"
    rules: tuple[RowRule, ...] = ()

    def __post_init__(self) -> None:
        names = {c.name for c in self.columns}
        unknown = [n for n in (*self.key, *(n for r in self.rules for n in (r.column, r.other))) if n not in names]
        if unknown:
            raise ValueError(f"dataset {self.name}: unknown column(s) {unknown} in its key or rules")

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _c(name: str, kind: str = "str", required: bool = True, **kw: object) -> Column:
    return Column(name, kind, required, **kw)  # type: ignore[arg-type]


def _enum(name: str, values: tuple[str, ...], required: bool = True) -> Column:
    return Column(name, "enum", required, values=values)


def _money(name: str, required: bool = True, min_value: float | None = None) -> Column:
    return Column(name, "float", required, min_value=min_value, money=True)


def _swapped(column: str, other: str, why: str) -> AtMost:
    """``column`` <= ``other``, with the usual fix (the two columns are often swapped)."""
    return AtMost(column, other, f"{why}, so at most {other}; check that the two columns are not swapped")


_LEAD_STEP_FIX = ("each step of a lead happens at or after created_at; correct either timestamp "
                  "(both in the same time zone)")


DATASETS: tuple[Dataset, ...] = (
    Dataset("accounts", (
        _c("account_id"), _c("name"), _enum("segment", SEGMENTS), _c("region"),
        _c("country", required=False), _c("dealer_group", required=False), _c("eu_oem", "bool"),
    ), ("account_id",), "revenue"),
    Dataset("products", (
        _c("product_id"), _c("name"), _c("category"), _c("hardware", "bool"),
        _c("safety_critical", "bool"), _c("connected", "bool"), _c("ota", "bool"),
        _c("cloud_service", "bool"),
    ), ("product_id",), "revenue"),
    Dataset("opportunities", (
        _c("opportunity_id"), _c("account_id", references="accounts.account_id"),
        _c("product_id", required=False, references="products.product_id"),
        _c("name", required=False), _c("stage"), _enum("status", OPP_STATUSES),
        _money("amount", min_value=0), _c("created_date", "date"), _c("close_date", "date"),
        _c("is_rfq", "bool"), _enum("powertrain", POWERTRAINS), _c("owner"),
        _c("esa_owner", required=False),
        _enum("forecast_category", FORECAST_CATEGORIES, required=False),
    ), ("opportunity_id",), "revenue", (
        NotBefore("close_date", "created_date", "an opportunity closes (or is expected to close) on or after the "
                  "day it was created; correct one of the two dates"),
    )),
    Dataset("quotas", (
        _enum("segment", SEGMENTS), _c("period", "quarter"), _money("amount", min_value=0),
    ), ("segment", "period"), "revenue"),
    Dataset("platform_awards", (
        _c("award_id"), _c("account_id", references="accounts.account_id"),
        _c("product_id", references="products.product_id"), _c("platform"),
        _enum("powertrain", POWERTRAINS), _c("award_date", "date"), _c("sop_date", "date"),
        _c("eop_date", "date"), _money("lifetime_value", min_value=0),
        _enum("status", AWARD_STATUSES), _enum("ppap_status", PPAP_STATUSES),
        _c("apqp_phase", "int", min_value=1, max_value=5),
    ), ("award_id",), "revenue", (
        NotBefore("sop_date", "award_date", "production starts on or after the award; correct award_date or "
                  "sop_date"),
        NotBefore("eop_date", "sop_date", "production ends on or after it starts; correct sop_date or eop_date"),
    )),
    Dataset("revenue", (
        _c("account_id", references="accounts.account_id"),
        _c("award_id", required=False, references="platform_awards.award_id"),
        _c("period", "month"), _enum("revenue_type", REVENUE_TYPES), _money("amount"),
    ), ("account_id", "award_id", "period", "revenue_type"), "revenue"),
    Dataset("ecos", (
        _c("eco_id"), _c("award_id", references="platform_awards.award_id"),
        _c("requested_date", "date"), _c("decided_date", "date", required=False),
        _enum("status", ECO_STATUSES), _money("revenue_delta"), _money("cost_delta"),
    ), ("eco_id",), "revenue", (
        NotBefore("decided_date", "requested_date", "an ECO is decided on or after it was requested; correct "
                  "one of the two dates, or leave decided_date blank while it is open"),
    )),
    Dataset("certifications", (
        _enum("certification", CERTIFICATIONS), _enum("status", CERT_STATUSES),
        _c("scope", required=False), _c("issued_date", "date", required=False),
        _c("expiry_date", "date", required=False), _c("next_audit_date", "date", required=False),
    ), ("certification",), "revenue", (
        NotBefore("expiry_date", "issued_date", "a certificate expires on or after the day it was issued; "
                  "correct issued_date or expiry_date"),
    )),
    Dataset("shipments", (
        _c("product_id", references="products.product_id"), _c("period", "month"),
        _c("units_shipped", "int", min_value=0), _c("units_attached", "int", min_value=0),
        _c("active_subscriptions", "int", min_value=0), _money("subscription_arr", min_value=0),
    ), ("product_id", "period"), "revenue", (
        _swapped("units_attached", "units_shipped", "attached units are shipped units that activated a "
                 "subscription"),
    )),
    Dataset("headcount", (
        _c("person_id"), _enum("role", ROLES), _enum("segment", SEGMENTS), _c("start_date", "date"),
        _c("end_date", "date", required=False),
    ), ("person_id",), "revenue"),
    Dataset("dealers", (
        _c("dealer_id"), _c("name"), _c("dealer_group"), _c("region"), _c("brand", required=False),
        _c("salespeople", "int", min_value=0),
    ), ("dealer_id",), "ecosystem"),
    Dataset("leads", (
        _c("lead_id"), _c("dealer_id", references="dealers.dealer_id"), _c("journey", "journey"),
        _c("source_channel"), _c("created_at", "timestamp"),
        _c("first_response_at", "timestamp", required=False),
        _c("test_drive_at", "timestamp", required=False), _c("quote_at", "timestamp", required=False),
        _c("sold_at", "timestamp", required=False),
        _money("sold_revenue", required=False, min_value=0),
    ), ("lead_id",), "ecosystem", (
        *(NotBefore(step, "created_at", _LEAD_STEP_FIX)
          for step in ("first_response_at", "test_drive_at", "quote_at", "sold_at")),
        BlankUnless("sold_revenue", "sold_at", "leave sold_revenue blank (or 0) for a lead that was not sold, "
                    "or fill in sold_at"),
    )),
    Dataset("touchpoints", (
        _c("lead_id", references="leads.lead_id"), _c("ts", "timestamp"), _c("channel"),
        _enum("party", PARTIES), _c("campaign", required=False),
    ), ("lead_id", "ts", "channel"), "ecosystem"),
    Dataset("dealer_months", (
        _c("dealer_id", references="dealers.dealer_id"), _c("period", "month"),
        _c("service_customers_prior", "int", min_value=0),
        _c("service_customers_retained", "int", min_value=0),
        _c("csat", "float", min_value=0, max_value=100), _c("campaigns_offered", "int", min_value=0),
        _c("campaigns_joined", "int", min_value=0), _money("cost_to_serve", min_value=0),
    ), ("dealer_id", "period"), "ecosystem", (
        _swapped("service_customers_retained", "service_customers_prior", "retained customers are among the "
                 "prior period's service customers"),
        _swapped("campaigns_joined", "campaigns_offered", "a dealer joins only campaigns it was offered"),
    )),
    Dataset("martech_tools", (
        _c("tool_id"), _c("name"), _c("category"), _money("annual_cost", min_value=0),
        _c("owner"), _c("licensed_users", "int", min_value=0), _c("active_users", "int", min_value=0),
        _c("journeys", required=False),
    ), ("tool_id",), "ecosystem", (
        _swapped("active_users", "licensed_users", "active users hold a licence"),
    )),
    Dataset("maturity_assessments", (
        _c("assessment_id"), _c("org_unit"), _c("assessed_on", "date"),
        _enum("dimension", MATURITY_DIMENSIONS), _c("stage", "int", min_value=1, max_value=3),
        _c("evidence", required=False),
    ), ("assessment_id", "dimension"), "ecosystem"),
)

DATASET_BY_NAME: dict[str, Dataset] = {d.name: d for d in DATASETS}


def dataset(name: str) -> Dataset:
    """The contract dataset called ``name`` (KeyError names the known datasets)."""
    try:
        return DATASET_BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown dataset {name!r}; known: {', '.join(DATASET_BY_NAME)}") from None


def load_order() -> tuple[Dataset, ...]:
    """Datasets ordered so every referenced dataset comes before the one referencing it."""
    done: list[Dataset] = []
    pending = list(DATASETS)
    while pending:
        for ds in pending:
            deps = {c.references.split(".")[0] for c in ds.columns if c.references}
            if deps <= {d.name for d in done} | {ds.name}:
                done.append(ds)
                pending.remove(ds)
                break
    return tuple(done)
