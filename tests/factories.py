"""Tiny hand-made datasets: rows with sensible defaults, written through the real loader.

Tests state only the columns that matter for the figure they check; every other contract
column gets a default here, so the expected values stay readable next to the data.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy.engine import Engine

from revops_core.contract import dataset
from revops_core.loader import write_datasets

DEFAULTS: dict[str, dict[str, Any]] = {
    "accounts": {"name": "Acme", "segment": "OEM", "region": "Europe", "country": None,
                 "dealer_group": None, "eu_oem": False},
    "products": {"name": "Widget", "category": "Hardware", "hardware": True, "safety_critical": False,
                 "connected": False, "ota": False, "cloud_service": False},
    "opportunities": {"product_id": None, "name": None, "stage": "Qualify", "status": "OPEN",
                      "amount": 0.0, "created_date": date(2024, 1, 1), "close_date": date(2025, 6, 30),
                      "is_rfq": False, "powertrain": "AGNOSTIC", "owner": "Ava", "esa_owner": None,
                      "forecast_category": None},
    "quotas": {},
    "platform_awards": {"platform": "P1", "powertrain": "ICE", "award_date": date(2024, 1, 1),
                        "sop_date": date(2025, 1, 1), "eop_date": date(2030, 12, 31),
                        "lifetime_value": 0.0, "status": "AWARDED", "ppap_status": "NOT_STARTED",
                        "apqp_phase": 1},
    "revenue": {"award_id": None, "revenue_type": "HARDWARE"},
    "ecos": {"decided_date": None, "status": "REQUESTED", "revenue_delta": 0.0, "cost_delta": 0.0},
    "certifications": {"scope": None, "issued_date": None, "expiry_date": None, "next_audit_date": None},
    "shipments": {"units_shipped": 0, "units_attached": 0, "active_subscriptions": 0, "subscription_arr": 0.0},
    "headcount": {"segment": "OEM", "start_date": date(2020, 1, 1), "end_date": None},
    "dealers": {"name": "Dealer", "dealer_group": "G1", "region": "West", "brand": None, "salespeople": 10},
    "leads": {"journey": "EV_LAUNCH", "source_channel": "Web", "first_response_at": None,
              "test_drive_at": None, "quote_at": None, "sold_at": None, "sold_revenue": None},
    "touchpoints": {"campaign": None, "party": "OEM"},
    "dealer_months": {"service_customers_prior": 0, "service_customers_retained": 0, "csat": 80.0,
                      "campaigns_offered": 0, "campaigns_joined": 0, "cost_to_serve": 0.0},
    "martech_tools": {"category": "CRM", "owner": "MOPS", "licensed_users": 10, "active_users": 5,
                      "journeys": None},
    "maturity_assessments": {"org_unit": "OEM marketing", "evidence": None},
}


def frame(name: str, rows: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """A contract-shaped frame for dataset ``name``: defaults filled, columns in contract order."""
    cols = dataset(name).column_names
    full = [{**DEFAULTS[name], **row} for row in rows]
    return pd.DataFrame(full, columns=list(cols)).astype(object)


def write(engine: Engine, mode: str = "replace", **datasets: Iterable[Mapping[str, Any]]) -> None:
    """Write the given datasets (keyword = dataset name) in one all-or-nothing load."""
    write_datasets(engine, {name: frame(name, rows) for name, rows in datasets.items()}, mode=mode)
