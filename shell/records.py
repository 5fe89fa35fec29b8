"""Record tables (opportunities, awards, products, ECOs) shown the one way on every revenue page:
codes as their labels from config/labels.yaml, missing values as "—", money and dates through
``shell.tables``, readable headers, and wide tables cut to the columns a reader needs first (the
name column pinned) with every column behind an expander."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
import streamlit as st

from revops_core import formatting
from revops_core.config import AppConfig
from shell import tables

HEADERS = {
    "opportunity_id": "Opportunity", "name": "Name", "account": "Account", "segment": "Segment",
    "product": "Product", "product_id": "Product ID", "stage": "Stage", "status": "Status", "amount": "Amount",
    "created_date": "Created", "close_date": "Close date", "cycle_days": "Cycle (days)", "is_rfq": "RFQ",
    "powertrain": "Powertrain", "owner": "Owner", "esa_owner": "E-SA", "forecast_category": "Forecast",
    "blocked_by": "Blocked by", "award_id": "Award", "platform": "Platform", "sop_date": "SOP",
    "ppap_status": "PPAP", "apqp_phase": "APQP phase", "lifetime_value": "Lifetime value",
    "oem_amount": "OEM pipeline + won", "dealer_amount": "Dealer pipeline + won", "oem_deals": "OEM deals",
    "dealer_deals": "Dealer deals", "backlog": "Backlog", "days_to_sop": "Days to SOP",
    "value_at_risk": "Value at risk", "eco_id": "ECO", "requested_date": "Requested", "age_days": "Age (days)",
    "revenue_delta": "Revenue change",
}
MONEY = ("amount", "lifetime_value", "oem_amount", "dealer_amount", "backlog", "value_at_risk", "revenue_delta",
         "remaining_backlog")
DATES = ("created_date", "close_date", "award_date", "sop_date", "eop_date", "requested_date")
# code columns and the labels.yaml group of their codes (``status`` depends on the record: see ``show``)
CODES = {"segment": "segments", "powertrain": "powertrains", "ppap_status": "ppap_statuses",
         "forecast_category": "forecast_categories"}
TEXT = ("account", "product", "owner", "esa_owner", "platform", "blocked_by", "name", "stage")


def labelled(frame: pd.DataFrame, cfg: AppConfig, statuses: str = "opportunity_statuses") -> pd.DataFrame:
    """``frame`` with codes as labels (``status`` from the labels group ``statuses``), missing text as "—"
    and booleans as Yes / No."""
    out = frame.copy()
    for column, group in {**CODES, "status": statuses}.items():
        if column in out:
            out[column] = out[column].map(lambda code, g=group: cfg.label(g, code))
    for column in TEXT:
        if column in out:
            out[column] = out[column].map(formatting.text)
    if "is_rfq" in out:
        out["is_rfq"] = out["is_rfq"].map(lambda v: formatting.DASH if v is None else ("Yes" if v else "No"))
    if "forecast_category" in frame and "status" in frame:   # a blank category counts as Pipeline when open
        blank = frame["forecast_category"].isna() & (frame["status"] == "OPEN")
        out.loc[blank, "forecast_category"] = cfg.label("forecast_categories", "PIPELINE")
    return out


def show(frame: pd.DataFrame, cfg: AppConfig, lead: Sequence[str] = (), statuses: str = "opportunity_statuses",
         headers: Mapping[str, str] | None = None, nested: bool = False) -> None:
    """A record table: the ``lead`` columns first (the first one pinned), every column in an expander
    below when there are more; ``headers`` override ``HEADERS``. ``nested`` (inside an expander,
    which cannot hold another): one table, the lead columns first and the rest after them."""
    shown = labelled(frame, cfg, statuses)
    names = {**HEADERS, **(headers or {})}
    first = [c for c in lead if c in shown.columns] or list(shown.columns)
    rest = [c for c in shown.columns if c not in first]
    _table(shown, names, first + rest if nested else first)
    if rest and not nested:
        with st.expander(f"All {len(shown.columns)} columns: adds {', '.join(names.get(c, c) for c in rest)}"):
            _table(shown, names, list(shown.columns))


def _table(frame: pd.DataFrame, names: Mapping[str, str], order: list[str]) -> None:
    config = {c: st.column_config.Column(names.get(c, c), pinned=i == 0) for i, c in enumerate(order)}
    money = [c for c in order if c in MONEY]
    dates = [c for c in order if c in DATES]
    tables.show(frame[order], money=money, dates=dates, column_config=config, hide_index=True, width="stretch",
                placeholder=formatting.DASH)


# the columns a reader needs first in the records behind each failure mode (revops_core.risks)
FAILURE_LEAD = {
    "cybersecurity": ("opportunity_id", "account", "product", "stage", "amount", "close_date"),
    "sop_ppap": ("award_id", "account", "platform", "sop_date", "ppap_status", "lifetime_value"),
    "ppap_in_production": ("award_id", "account", "platform", "sop_date", "ppap_status", "lifetime_value"),
    "channel_conflict": ("product", "oem_amount", "dealer_amount"),
    "ev_transition": ("powertrain", "backlog"),
}


def show_failure_records(key: str, frame: pd.DataFrame, cfg: AppConfig) -> None:
    """The records behind failure mode ``key`` (shown inside an expander), lead columns first."""
    show(frame, cfg, lead=FAILURE_LEAD.get(key, ()), statuses="award_statuses", nested=True)
