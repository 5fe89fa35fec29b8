"""Rules across columns (DATA_CONTRACT.md): declared on the datasets, checked by the importer.

Each rule is driven by hand-made rows: one that holds, one that breaks it (named by file, row
and column, with both values and the fix), and the blank or optional cases that it leaves
alone. The write path is checked on SQLite and PostgreSQL: a broken rule changes nothing.
"""
from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy.engine import Engine

from revops_core.contract import (DATASET_BY_NAME, DATASETS, AtMost, BlankUnless, Column, Dataset, NotBefore,
                                  RowRule)
from revops_core.db import make_engine
from revops_core.errors import ImportRejected
from revops_core.exporter import export_folder
from revops_core.importer import check_folder, import_folder, read_folder, validate
from revops_core.loader import write_datasets
from sample_data.generator import generate
from tests.core.test_importer import GOOD, edit, fingerprint, write_folder

TAKEN_AT = datetime(2026, 1, 1)

# GOOD plus one row of every other dataset: every contract file, every rule holding.
FULL: dict[str, str] = {
    **GOOD,
    "revenue": "account_id,award_id,period,revenue_type,amount\nA1,AW1,2025-01,HARDWARE,1200.5\n",
    "ecos": "eco_id,award_id,requested_date,decided_date,status,revenue_delta,cost_delta\n"
            "E1,AW1,2025-02-01,2025-03-01,APPROVED,5000,-1200\n",
    "certifications": "certification,status,scope,issued_date,expiry_date,next_audit_date\n"
                      "IATF_16949,CERTIFIED,Plant 1,2024-01-01,2027-01-01,2025-07-01\n",
    "shipments": "product_id,period,units_shipped,units_attached,active_subscriptions,subscription_arr\n"
                 "P1,2025-01,100,40,35,4200\n",
    "headcount": "person_id,role,segment,start_date,end_date\nH1,AE,OEM,2020-01-01,\n",
    "martech_tools": "tool_id,name,category,annual_cost,owner,licensed_users,active_users,journeys\n"
                     "T1,CRM,Sales,12000,Ops,50,40,EV_LAUNCH;FLEET\n",
    "maturity_assessments": "assessment_id,org_unit,assessed_on,dimension,stage,evidence\n"
                            "M1,Group,2025-01-15,SCOPE,2,\n",
}

# Every rule of DATA_CONTRACT.md "Rules across columns" (active_subscriptions >= 0 is a column minimum).
CONTRACT_RULES = {
    ("opportunities", "NotBefore", "close_date", "created_date"),
    ("platform_awards", "NotBefore", "sop_date", "award_date"),
    ("platform_awards", "NotBefore", "eop_date", "sop_date"),
    ("ecos", "NotBefore", "decided_date", "requested_date"),
    ("certifications", "NotBefore", "expiry_date", "issued_date"),
    ("shipments", "AtMost", "units_attached", "units_shipped"),
    ("leads", "NotBefore", "first_response_at", "created_at"),
    ("leads", "NotBefore", "test_drive_at", "created_at"),
    ("leads", "NotBefore", "quote_at", "created_at"),
    ("leads", "NotBefore", "sold_at", "created_at"),
    ("leads", "BlankUnless", "sold_revenue", "sold_at"),
    ("dealer_months", "AtMost", "service_customers_retained", "service_customers_prior"),
    ("dealer_months", "AtMost", "campaigns_joined", "campaigns_offered"),
    ("martech_tools", "AtMost", "active_users", "licensed_users"),
}


def problems_of(files: dict[str, str], tmp_path: Path) -> list[str]:
    return validate(read_folder(write_folder(tmp_path / "in", files)))[1]


def edits(name: str, cells: dict[str, str], files: dict[str, str] = FULL) -> dict[str, str]:
    """``files`` with the cells of row 2 of ``name`` replaced."""
    for column, value in cells.items():
        files = edit(files, name, 2, column, value)
    return files


# ---- the declaration --------------------------------------------------------------------------
def test_every_contract_rule_is_declared() -> None:
    declared = {(ds.name, type(r).__name__, r.column, r.other) for ds in DATASETS for r in ds.rules}
    assert declared == CONTRACT_RULES


def _kinds(ds: Dataset, rule: RowRule) -> tuple[str, str]:
    return ds.column(rule.column).kind, ds.column(rule.other).kind


@pytest.mark.parametrize("ds", [ds for ds in DATASETS if ds.rules], ids=lambda ds: ds.name)
def test_rules_compare_columns_of_one_kind(ds: Dataset) -> None:
    for rule in ds.rules:
        column, other = _kinds(ds, rule)
        if isinstance(rule, NotBefore):
            assert column == other and column in ("date", "timestamp"), rule
        elif isinstance(rule, AtMost):
            assert column == other and column in ("int", "float"), rule
        else:
            assert isinstance(rule, BlankUnless) and column in ("int", "float"), rule
        assert rule.fix and "{value}" in rule.message and "{other}" in rule.message, rule


def test_a_rule_on_an_unknown_column_is_a_contract_error() -> None:
    with pytest.raises(ValueError, match=r"dataset x: unknown column\(s\) \['b'\]"):
        Dataset("x", (Column("a"),), ("a",), "revenue", (AtMost("a", "b", "fix"),))


def test_full_folder_breaks_no_rule(tmp_path: Path) -> None:
    assert problems_of(FULL, tmp_path) == []


@pytest.mark.parametrize("seed", [42, 7])
def test_sample_company_breaks_no_rule(tmp_path: Path, seed: int) -> None:
    """The generator's output, exported as CSV, passes every check of the importer."""
    engine = make_engine("sqlite://")
    write_datasets(engine, generate(seed=seed, scale="small"), source="seed", taken_at=TAKEN_AT)
    export_folder(engine, tmp_path / "sample")
    engine.dispose()
    frames, found, warnings = validate(read_folder(tmp_path / "sample"))
    assert (found, warnings) == ([], []) and all(len(frame) for frame in frames.values())


# ---- each rule on hand-made rows --------------------------------------------------------------
# (dataset, cells of row 2, the problem's column or None when the row is fine, text after "column C: ")
CASES: list[tuple[str, dict[str, str], str | None, str]] = [
    ("opportunities", {"close_date": "2025-06-30"}, None, "later"),
    ("opportunities", {"close_date": "2025-01-02"}, None, "same day"),
    ("opportunities", {"close_date": "2025-01-01"}, "close_date",
     "2025-01-01 is before created_date 2025-01-02; an opportunity closes (or is expected to close) on or after "
     "the day it was created; correct one of the two dates"),
    ("opportunities", {"created_date": "2025-13-01", "close_date": "2020-01-01"}, "created_date",
     "'2025-13-01' is not a date; use YYYY-MM-DD"),                      # a bad date is not compared
    ("platform_awards", {"sop_date": "2024-01-01"}, None, "sop on the award day"),
    ("platform_awards", {"sop_date": "2023-12-31"}, "sop_date",
     "2023-12-31 is before award_date 2024-01-01; production starts on or after the award; correct award_date "
     "or sop_date"),
    ("platform_awards", {"eop_date": "2025-01-01"}, None, "eop on the sop day"),
    ("platform_awards", {"eop_date": "2024-12-31"}, "eop_date",
     "2024-12-31 is before sop_date 2025-01-01; production ends on or after it starts; correct sop_date or "
     "eop_date"),
    ("ecos", {"decided_date": ""}, None, "undecided"),
    ("ecos", {"decided_date": "2025-02-01"}, None, "decided the same day"),
    ("ecos", {"decided_date": "2025-01-31"}, "decided_date",
     "2025-01-31 is before requested_date 2025-02-01; an ECO is decided on or after it was requested; correct "
     "one of the two dates, or leave decided_date blank while it is open"),
    ("certifications", {"issued_date": "", "expiry_date": "2020-01-01"}, None, "no issue date"),
    ("certifications", {"expiry_date": ""}, None, "no expiry date"),
    ("certifications", {"expiry_date": "2023-12-31"}, "expiry_date",
     "2023-12-31 is before issued_date 2024-01-01; a certificate expires on or after the day it was issued; "
     "correct issued_date or expiry_date"),
    ("shipments", {"units_attached": "100"}, None, "all attached"),
    ("shipments", {"units_attached": "101"}, "units_attached",
     "101 is more than units_shipped 100; attached units are shipped units that activated a subscription, so "
     "at most units_shipped; check that the two columns are not swapped"),
    ("shipments", {"units_shipped": "x", "units_attached": "101"}, "units_shipped", "'x' is not a whole number"),
    ("leads", {"first_response_at": "2025-01-02T10:00:00"}, None, "answered at once"),
    ("leads", {"first_response_at": "2025-01-02T09:59:59"}, "first_response_at",
     "2025-01-02T09:59:59 is before created_at 2025-01-02T10:00:00; each step of a lead happens at or after "
     "created_at; correct either timestamp (both in the same time zone)"),
    ("leads", {"test_drive_at": "2025-01-01T10:00"}, "test_drive_at",
     "2025-01-01T10:00:00 is before created_at 2025-01-02T10:00:00"),
    ("leads", {"quote_at": "2024-12-31 23:00"}, "quote_at", "2024-12-31T23:00:00 is before created_at"),
    ("leads", {"sold_at": "2025-01-01T00:00", "sold_revenue": "900"}, "sold_at",
     "2025-01-01T00:00:00 is before created_at 2025-01-02T10:00:00"),
    ("leads", {"sold_at": "2025-01-05T12:00", "sold_revenue": "30000"}, None, "sold"),
    ("leads", {"sold_at": "2025-01-05T12:00", "sold_revenue": ""}, None, "sold, revenue unknown"),
    ("leads", {"sold_at": "", "sold_revenue": ""}, None, "not sold"),
    ("leads", {"sold_at": "", "sold_revenue": "0"}, None, "not sold, 0"),
    ("leads", {"sold_at": "  ", "sold_revenue": "0.0"}, None, "not sold, spaces, 0.0"),
    ("leads", {"sold_at": "", "sold_revenue": "1200"}, "sold_revenue",
     "1200.0 although sold_at is blank; leave sold_revenue blank (or 0) for a lead that was not sold, or fill in "
     "sold_at"),
    ("leads", {"sold_at": "yesterday", "sold_revenue": "1200"}, "sold_at", "'yesterday' is not a timestamp"),
    ("dealer_months", {"service_customers_retained": "100"}, None, "all retained"),
    ("dealer_months", {"service_customers_retained": "101"}, "service_customers_retained",
     "101 is more than service_customers_prior 100; retained customers are among the prior period's service "
     "customers, so at most service_customers_prior; check that the two columns are not swapped"),
    ("dealer_months", {"campaigns_joined": "4"}, None, "joined every campaign"),
    ("dealer_months", {"campaigns_joined": "5"}, "campaigns_joined",
     "5 is more than campaigns_offered 4; a dealer joins only campaigns it was offered, so at most "
     "campaigns_offered; check that the two columns are not swapped"),
    ("martech_tools", {"active_users": "50"}, None, "every licence used"),
    ("martech_tools", {"active_users": "51"}, "active_users",
     "51 is more than licensed_users 50; active users hold a licence, so at most licensed_users; check that the "
     "two columns are not swapped"),
]


@pytest.mark.parametrize(("name", "cells", "column", "text"), CASES,
                         ids=[f"{c[0]}-{c[2] or 'ok'}-{c[3][:20]}" for c in CASES])
def test_rule_on_hand_made_row(tmp_path: Path, name: str, cells: dict[str, str], column: str | None,
                               text: str) -> None:
    found = problems_of(edits(name, cells), tmp_path)
    if column is None:
        assert found == []
    else:
        [problem] = found
        assert problem.startswith(f"{name}.csv, row 2, column {column}: {text}"), problem


def test_blank_unless_with_the_other_column_left_out_of_the_header(tmp_path: Path) -> None:
    frame = pd.read_csv(io.StringIO(FULL["leads"]), dtype=str, keep_default_na=False)
    frame["sold_revenue"] = ["1200"]
    text = frame.drop(columns=["sold_at"]).to_csv(index=False, lineterminator="\n")
    assert problems_of({**FULL, "leads": text}, tmp_path) == [
        "leads.csv, row 2, column sold_revenue: 1200.0 although sold_at is blank; leave sold_revenue blank (or 0) "
        "for a lead that was not sold, or fill in sold_at"]


def test_broken_rules_are_all_listed_with_their_rows(tmp_path: Path) -> None:
    text = FULL["dealer_months"] + "D1,2025-02,10,11,90,2,3,100\nD1,2025-03,10,9,90,2,2,100\n"
    found = problems_of({**FULL, "dealer_months": text}, tmp_path)
    assert [p.split(":")[0] for p in found] == ["dealer_months.csv, row 3, column service_customers_retained",
                                                "dealer_months.csv, row 3, column campaigns_joined"]


# ---- the database: nothing written when a rule breaks -----------------------------------------
BROKEN = [(name, cells, column) for name, cells, column, _ in CASES
          if column in {rule.column for rule in DATASET_BY_NAME[name].rules}]


def test_broken_rule_writes_nothing(tmp_path: Path, engine: Engine) -> None:
    report = import_folder(engine, write_folder(tmp_path / "full", FULL), taken_at=TAKEN_AT)
    assert report.counts == {name: text.count("\n") - 1 for name, text in FULL.items()}
    before = fingerprint(engine)
    for i, (name, cells, column) in enumerate(BROKEN):
        folder = write_folder(tmp_path / f"bad{i}", edits(name, cells))
        for run in (check_folder, import_folder):
            with pytest.raises(ImportRejected) as info:
                run(engine, folder)
            assert any(p.startswith(f"{name}.csv, row 2, column {column}: ") for p in info.value.problems)
        assert fingerprint(engine) == before, name


def test_rows_on_the_boundary_are_written(tmp_path: Path, engine: Engine) -> None:
    files = edits("opportunities", {"close_date": "2025-01-02"})
    files = edits("shipments", {"units_attached": "100"}, files)
    files = edits("leads", {"first_response_at": "2025-01-02T10:00:00", "sold_revenue": "0"}, files)
    report = import_folder(engine, write_folder(tmp_path / "in", files), taken_at=TAKEN_AT)
    assert report.counts["leads"] == 1 and report.counts["shipments"] == 1
