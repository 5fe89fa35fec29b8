"""CSV import: every kind of problem named by file, row and column; all or nothing.

Rows are counted as a spreadsheet counts them: the header is row 1, the first data row row 2.
Pure validation runs without a database; the write path runs on SQLite and PostgreSQL.
"""
from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from revops_core import importer
from revops_core.contract import DATASETS, JOURNEYS
from revops_core.db import make_engine
from revops_core.errors import ImportRejected
from revops_core.importer import (DEFAULT_MAX_AMOUNT, MAX_LISTED, FolderRejected, ReportLine, check_folder,
                                  import_folder, plain_report, read_folder, report_frame, validate)
from revops_core.schema import TABLES, pipeline_snapshots, schema_meta
from revops_core.uploads import MB, Limits, head, stage

GOOD: dict[str, str] = {
    "accounts": "account_id,name,segment,region,country,dealer_group,eu_oem\n"
                "A1,Acme,OEM,Europe,DE,,true\n"
                "A2,Beta,TIER1,Asia,,,false\n",
    "products": "product_id,name,category,hardware,safety_critical,connected,ota,cloud_service\n"
                "P1,Widget,Hardware,true,false,false,false,false\n",
    "opportunities": "opportunity_id,account_id,product_id,name,stage,status,amount,created_date,close_date,"
                     "is_rfq,powertrain,owner,esa_owner,forecast_category\n"
                     "O1,A1,P1,Deal one,Qualify,OPEN,1000.5,2025-01-02,2025-06-30,false,BEV,Ava,,COMMIT\n"
                     "O2,A2,,,Won,WON,250,2024-11-01,2025-02-15,true,ICE,Ben,Cy,\n",
    "platform_awards": "award_id,account_id,product_id,platform,powertrain,award_date,sop_date,eop_date,"
                       "lifetime_value,status,ppap_status,apqp_phase\n"
                       "AW1,A1,P1,MEB,BEV,2024-01-01,2025-01-01,2030-12-31,5e6,AWARDED,IN_PROGRESS,3\n",
    "quotas": "segment,period,amount\nOEM,2025Q1,1000000\n",
    "dealers": "dealer_id,name,dealer_group,region,brand,salespeople\nD1,North Motors,G1,North,,12\n",
    "dealer_months": "dealer_id,period,service_customers_prior,service_customers_retained,csat,campaigns_offered,"
                     "campaigns_joined,cost_to_serve\nD1,2025-01,100,80,91.5,4,3,1200\n",
    "leads": "lead_id,dealer_id,journey,source_channel,created_at,first_response_at,test_drive_at,quote_at,"
             "sold_at,sold_revenue\n"
             "L1,D1,EV_LAUNCH,Web,2025-01-02T10:00:00,2025-01-02T10:20:00,,,,\n",
    "touchpoints": "lead_id,ts,channel,party,campaign\nL1,2025-01-01T09:00:00,Display,MEDIA,Spring\n",
}


# ---- helpers shared with the other import/export test files ----------------------------------
def write_folder(folder: Path, files: dict[str, str]) -> Path:
    """Write ``{dataset: csv text}`` as ``<dataset>.csv`` files into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / f"{name}.csv").write_text(text, encoding="utf-8", newline="")
    return folder


def edit(files: dict[str, str], name: str, row: int, column: str, value: str) -> dict[str, str]:
    """A copy of ``files`` with one cell replaced (``row`` counts the header as row 1)."""
    grid = list(csv.reader(io.StringIO(files[name], newline="")))
    grid[row - 1][grid[0].index(column)] = value
    out = io.StringIO()
    # Python 3.11's writer leaves a lone carriage return unquoted (its line end here is "\n"), which
    # splits the record when read back: quote every field then.
    lone_cr = any("\r" in cell for record in grid for cell in record)
    csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL if lone_cr else csv.QUOTE_MINIMAL).writerows(grid)
    return {**files, name: out.getvalue()}


def raw(files: dict[str, str], tmp_path: Path) -> dict[str, pd.DataFrame]:
    return read_folder(write_folder(tmp_path / "in", files))


def problems_of(files: dict[str, str], tmp_path: Path) -> list[str]:
    return validate(raw(files, tmp_path), JOURNEYS)[1]


def fingerprint(engine: Engine) -> tuple[object, ...]:
    """Row counts and a checksum of every dataset, plus data version and snapshot count."""
    out: list[object] = []
    with engine.connect() as conn:
        for ds in DATASETS:
            table = TABLES[ds.name]
            rows = sorted(repr(tuple(r)) for r in conn.execute(sa.select(*[table.c[c] for c in ds.column_names])))
            out.append((ds.name, len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest()))
        # the versions; not when the data changed (a clock time, which moves with the data version)
        out.append(tuple(conn.execute(sa.select(schema_meta).where(schema_meta.c.key != "data_changed_at")
                                      .order_by(schema_meta.c.key))))
        out.append(conn.execute(sa.select(sa.func.count()).select_from(pipeline_snapshots)).scalar_one())
    return tuple(out)


# ---- one bad cell, one precise message --------------------------------------------------------
BAD_CELLS = [
    # (file, row, column, bad value, the message after "file, row N, column C: ")
    ("opportunities", 2, "close_date", "2025-13-01", "'2025-13-01' is not a date; use YYYY-MM-DD"),
    ("opportunities", 3, "created_date", "2025-02-30", "'2025-02-30' is not a date; use YYYY-MM-DD"),
    ("opportunities", 2, "created_date", "02/01/2025", "'02/01/2025' is not a date; use YYYY-MM-DD"),
    ("opportunities", 2, "amount", "1,000", "'1,000' is not a number"),
    ("opportunities", 2, "amount", "$5", "'$5' is not a number"),
    ("opportunities", 2, "amount", "nan", "'nan' is not a number"),
    ("opportunities", 2, "amount", "-5", "-5.0 is out of range; use a value of at least 0"),
    ("opportunities", 2, "is_rfq", "yes", "'yes' is not a boolean; use true or false"),
    ("opportunities", 2, "is_rfq", "1", "'1' is not a boolean; use true or false"),
    ("opportunities", 3, "status", "CLOSED", "'CLOSED' is not an allowed value; use one of OPEN, WON, LOST"),
    ("opportunities", 2, "forecast_category", "commit", "'commit' is not an allowed value"),
    ("opportunities", 2, "account_id", "A9", "'A9' matches no account_id in accounts.csv"),
    ("opportunities", 2, "product_id", "P9", "'P9' matches no product_id in products.csv"),
    ("opportunities", 3, "owner", "", "blank, but owner is required"),
    ("opportunities", 3, "stage", "   ", "blank, but stage is required"),
    ("platform_awards", 2, "apqp_phase", "6", "6 is out of range; use a value from 1 to 5"),
    ("platform_awards", 2, "apqp_phase", "2.5", "'2.5' is not a whole number"),
    ("dealers", 2, "salespeople", "99999999999", "99999999999 is out of range"),
    ("quotas", 2, "period", "2025Q5", "'2025Q5' is not a quarter; use YYYYQn"),
    ("dealer_months", 2, "period", "2025-13", "'2025-13' is not a month; use YYYY-MM"),
    ("dealer_months", 2, "csat", "101", "101.0 is out of range; use a value from 0 to 100"),
    ("leads", 2, "created_at", "2025-01-02 25:00", "'2025-01-02 25:00' is not a timestamp"),
    ("leads", 2, "created_at", "2025-01-02T10:00:00+02:00",
     "is not a timestamp; use YYYY-MM-DDTHH:MM:SS (no time zone)"),
    ("leads", 2, "journey", "MOON", "'MOON' is not an allowed value; use one of " + ", ".join(JOURNEYS)),
    ("accounts", 2, "name", "x" * 201, "the value is 201 characters long; the limit is 200"),
    ("accounts", 3, "account_id", "A1", "duplicate key 'A1', also on row 2; each key may appear once"),
    ("touchpoints", 2, "lead_id", "L9", "'L9' matches no lead_id in leads.csv"),
]


@pytest.mark.parametrize(("name", "row", "column", "value", "message"), BAD_CELLS,
                         ids=[f"{c[0]}.{c[2]}={c[3][:12]!r}" for c in BAD_CELLS])
def test_bad_cell_is_named_by_file_row_and_column(tmp_path: Path, name: str, row: int, column: str,
                                                  value: str, message: str) -> None:
    found = problems_of(edit(GOOD, name, row, column, value), tmp_path)
    prefix = f"{name}.csv, row {row}, column {column}: "
    assert any(p.startswith(prefix) and message in p for p in found), found


def test_good_folder_has_no_problems_and_typed_values(tmp_path: Path) -> None:
    frames, found, warnings = validate(raw(GOOD, tmp_path), JOURNEYS)
    assert (found, warnings) == ([], [])
    opp = frames["opportunities"]
    assert opp.loc[2].tolist() == ["O1", "A1", "P1", "Deal one", "Qualify", "OPEN", 1000.5, date(2025, 1, 2),
                                   date(2025, 6, 30), False, "BEV", "Ava", None, "COMMIT"]
    assert opp.loc[3, "product_id"] is None and opp.loc[3, "is_rfq"] is True
    assert frames["leads"].loc[2, "created_at"] == datetime(2025, 1, 2, 10, 0)
    assert frames["platform_awards"].loc[2, "apqp_phase"] == 3


ACCEPTED = [
    ("opportunities", "is_rfq", "TRUE", True),
    ("opportunities", "is_rfq", " False ", False),
    ("opportunities", "amount", " 12 ", 12.0),
    ("opportunities", "amount", "1.25e3", 1250.0),
    ("opportunities", "amount", ".5", 0.5),
    ("opportunities", "name", "  spaced  ", "  spaced  "),       # text is kept exactly
    ("opportunities", "name", 'a, "quoted"\nline', 'a, "quoted"\nline'),
    ("opportunities", "status", " WON ", "WON"),
    ("platform_awards", "apqp_phase", "+5", 5),
    ("leads", "created_at", "2025-01-02 10:00", datetime(2025, 1, 2, 10, 0)),
    ("leads", "created_at", "2025-01-02T10:00:01.5", datetime(2025, 1, 2, 10, 0, 1, 500000)),
]


@pytest.mark.parametrize(("name", "column", "value", "expected"), ACCEPTED)
def test_accepted_spellings(tmp_path: Path, name: str, column: str, value: str, expected: object) -> None:
    frames, found, _ = validate(raw(edit(GOOD, name, 2, column, value), tmp_path), JOURNEYS)
    assert found == []
    assert frames[name].loc[2, column] == expected


def test_journeys_come_from_the_caller(tmp_path: Path) -> None:
    files = edit(GOOD, "leads", 2, "journey", "WINTER_TYRES")
    assert validate(raw(files, tmp_path), JOURNEYS)[1]
    assert validate(raw(files, tmp_path), (*JOURNEYS, "WINTER_TYRES"))[1] == []


# ---- file and header problems -----------------------------------------------------------------
def test_missing_required_column_is_one_problem(tmp_path: Path) -> None:
    text = GOOD["opportunities"].replace(",close_date", ",closing")
    found = problems_of({**GOOD, "opportunities": text}, tmp_path)
    assert [p for p in found if "close_date" in p] == [
        "opportunities.csv, column close_date: required column is missing from the header"]


def test_missing_optional_column_is_blank(tmp_path: Path) -> None:
    lines = GOOD["accounts"].splitlines()
    text = "\n".join(line.rsplit(",", 2)[0] + "," + line.rsplit(",", 1)[1] for line in lines) + "\n"
    assert text.startswith("account_id,name,segment,region,country,eu_oem")
    frames, found, _ = validate(raw({**GOOD, "accounts": text}, tmp_path), JOURNEYS)
    assert found == [] and frames["accounts"]["dealer_group"].tolist() == [None, None]


def test_missing_key_column_does_not_flood_links(tmp_path: Path) -> None:
    text = GOOD["accounts"].replace("account_id,", "id,", 1)
    found = problems_of({**GOOD, "accounts": text}, tmp_path)
    assert found == ["accounts.csv, column account_id: required column is missing from the header"]


def test_extra_column_is_dropped_with_a_warning(tmp_path: Path) -> None:
    text = GOOD["dealers"].replace("salespeople\n", "salespeople,notes\n").replace(",12\n", ",12,call back\n")
    frames, found, warnings = validate(raw({**GOOD, "dealers": text}, tmp_path), JOURNEYS)
    assert found == []
    assert warnings == ["dealers.csv, column notes: not a contract column; dropped"]
    assert "notes" not in frames["dealers"].columns


def test_unknown_files_are_ignored_with_a_warning(tmp_path: Path, engine: Engine) -> None:
    folder = write_folder(tmp_path / "in", GOOD)
    (folder / "notes.txt").write_text("hello")
    (folder / "Leads.CSV").write_text("nonsense")
    report = import_folder(engine, folder, taken_at=datetime(2025, 1, 1))
    assert "notes.txt: not a contract file; ignored" in report.warnings
    assert "Leads.CSV: not a contract file; ignored (file names are lower case: leads.csv)" in report.warnings


def test_non_utf8_file_is_rejected_with_its_line(tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "in", GOOD)
    (folder / "dealers.csv").write_bytes(GOOD["dealers"].replace("North Motors", "Nörth").encode("latin-1"))
    with pytest.raises(ImportRejected) as info:
        read_folder(folder)
    assert info.value.problems == [
        "dealers.csv, line 2: the file is not UTF-8 text (byte 0xf6 at offset 57); save it as CSV UTF-8"]


def test_utf8_with_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "in", GOOD)
    (folder / "dealers.csv").write_bytes(b"\xef\xbb\xbf" + GOOD["dealers"].replace("North", "Nörth").encode())
    frames, found, _ = validate(read_folder(folder), JOURNEYS)
    assert found == [] and frames["dealers"].loc[2, "name"] == "Nörth Motors"


@pytest.mark.parametrize(("text", "problem"), [
    ("dealer_id,name,dealer_group,region,brand,salespeople\nD1,A,G,N,,1,extra\n",
     "dealers.csv: not valid CSV (line 2 has 7 fields but the header has 6)"),
    ("dealer_id,name,name,dealer_group,region,brand,salespeople\n",
     "dealers.csv, column name: the header names this column twice (columns 2 and 3); keep one"),
    ("\n" + GOOD["dealers"], "dealers.csv, row 1 (the header): the header is blank; the first line must name the "
                             "columns"),
    (" , ,\n" + GOOD["dealers"], "dealers.csv, row 1 (the header): the header is blank"),
])
def test_malformed_csv_is_rejected(tmp_path: Path, text: str, problem: str) -> None:
    with pytest.raises(ImportRejected) as info:
        read_folder(write_folder(tmp_path / "in", {**GOOD, "dealers": text}))
    assert any(p.startswith(problem) for p in info.value.problems), info.value.problems


@pytest.mark.parametrize("text", ["", "\n", "touch_header_only"])
def test_empty_or_header_only_file_is_zero_rows(tmp_path: Path, text: str) -> None:
    body = GOOD["touchpoints"].splitlines()[0] + "\n" if text == "touch_header_only" else text
    frames, found, _ = validate(raw({**GOOD, "touchpoints": body}, tmp_path), JOURNEYS)
    assert found == [] and len(frames["touchpoints"]) == 0


def test_blank_lines_keep_row_numbers(tmp_path: Path) -> None:
    text = GOOD["accounts"].replace("\nA2,", "\n\nA2,").replace("TIER1", "TIER9")
    found = problems_of({**GOOD, "accounts": text}, tmp_path)
    assert found[0].startswith("accounts.csv, row 4, column segment: 'TIER9'")


def test_duplicate_composite_key_names_both_rows(tmp_path: Path) -> None:
    text = GOOD["touchpoints"] + "L1,2025-01-01 09:00,Display,OEM,\n"   # same instant, other spelling
    found = problems_of({**GOOD, "touchpoints": text}, tmp_path)
    assert found == ["touchpoints.csv, row 3, column lead_id, ts, channel: duplicate key "
                     "('L1', '2025-01-01T09:00:00', 'Display'), also on row 2; each key may appear once"]


def test_blank_optional_key_column_counts_as_a_value(tmp_path: Path) -> None:
    text = ("account_id,award_id,period,revenue_type,amount\n"
            "A1,,2025-01,SERVICES,10\nA1,,2025-01,SERVICES,20\n")
    found = problems_of({**GOOD, "revenue": text}, tmp_path)
    assert len(found) == 1 and found[0].startswith("revenue.csv, row 3, column account_id, award_id, period")


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    files = edit(GOOD, "opportunities", 2, "close_date", "soon")
    files = edit(files, "opportunities", 3, "amount", "lots")
    files = edit(files, "leads", 2, "journey", "MOON")
    files = edit(files, "accounts", 2, "eu_oem", "maybe")
    files = {**files, "products": "\n".join(line.rsplit(",", 1)[0] for line in files["products"].splitlines())}
    found = problems_of(files, tmp_path)
    assert [p.split(":")[0] for p in found] == [
        "accounts.csv, row 2, column eu_oem", "products.csv, column cloud_service",
        "opportunities.csv, row 3, column amount", "opportunities.csv, row 2, column close_date",
        "leads.csv, row 2, column journey"]


def test_listing_is_capped_per_file_and_column(tmp_path: Path) -> None:
    header = GOOD["quotas"].splitlines()[0]
    text = header + "\n" + "".join(f"OEM,20{i:02d}Q9,1\n" for i in range(MAX_LISTED + 7))
    found = problems_of({**GOOD, "quotas": text}, tmp_path)
    assert len(found) == MAX_LISTED + 1
    assert found[-1] == "quotas.csv, column period: … and 7 more problem(s) like these"


def test_replace_mode_absent_target_explains_why(tmp_path: Path) -> None:
    files = {k: v for k, v in GOOD.items() if k != "products"}
    found = problems_of(files, tmp_path)
    assert found[0] == ("opportunities.csv, row 2, column product_id: 'P1' matches no product_id: there is "
                        "no products.csv in the folder, and replace mode leaves products empty")


def test_existing_keys_satisfy_references_and_block_duplicates(tmp_path: Path) -> None:
    files = {"opportunities": GOOD["opportunities"]}
    existing = {"accounts": {("A1",), ("A2",)}, "products": {("P1",)}, "opportunities": {("O2",)}}
    found = validate(raw(files, tmp_path), JOURNEYS, existing)[1]
    assert found == ["opportunities.csv, row 3, column opportunity_id: key 'O2' is already in the database; "
                     "append adds new rows only (use replace to reload)"]


# ---- the database: all or nothing -------------------------------------------------------------
def test_import_writes_every_row(tmp_path: Path, engine: Engine) -> None:
    report = import_folder(engine, write_folder(tmp_path / "in", GOOD), taken_at=datetime(2025, 1, 1))
    assert report.counts == {name: text.count("\n") - 1 for name, text in GOOD.items()}
    assert set(report.emptied) == {ds.name for ds in DATASETS} - set(GOOD)
    with engine.connect() as conn:
        opp = TABLES["opportunities"]
        row = conn.execute(sa.select(opp).where(opp.c.opportunity_id == "O2")).one()
    assert (row.product_id, row.is_rfq, row.amount, row.close_date) == (None, True, 250.0, date(2025, 2, 15))


@pytest.mark.parametrize("mode", ["replace", "append"])
def test_bad_folder_leaves_database_exactly_as_it_was(tmp_path: Path, engine: Engine, mode: str) -> None:
    import_folder(engine, write_folder(tmp_path / "good", GOOD), taken_at=datetime(2025, 1, 1))
    before = fingerprint(engine)
    files = {**GOOD, "accounts": GOOD["accounts"] + "A3,Gamma,FLEET,US,,,false\n",
             "opportunities": GOOD["opportunities"].replace("O1,", "O3,") + "O4,A3,,,Qualify,OPEN,1,2025-01-01,"
                                                                          "2025-13-01,false,ICE,Ava,,\n"}
    with pytest.raises(ImportRejected) as info:
        import_folder(engine, write_folder(tmp_path / "bad", files), mode=mode)
    assert any("row 4, column close_date" in p for p in info.value.problems)
    assert fingerprint(engine) == before


def test_folder_without_contract_files_is_refused(tmp_path: Path, engine: Engine) -> None:
    import_folder(engine, write_folder(tmp_path / "good", GOOD), taken_at=datetime(2025, 1, 1))
    before = fingerprint(engine)
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "readme.txt").write_text("nothing here")
    with pytest.raises(FolderRejected) as info:
        import_folder(engine, empty)
    assert "holds no contract file" in info.value.problems[0]
    assert info.value.warnings == ("readme.txt: not a contract file; ignored",)
    assert fingerprint(engine) == before


def test_replace_empties_datasets_without_a_file(tmp_path: Path, engine: Engine) -> None:
    import_folder(engine, write_folder(tmp_path / "good", GOOD), taken_at=datetime(2025, 1, 1))
    report = import_folder(engine, write_folder(tmp_path / "dealers", {"dealers": GOOD["dealers"]}),
                           taken_at=datetime(2025, 1, 2))
    assert "no leads.csv in the folder: leads becomes empty (replace mode)" in report.warnings
    with engine.connect() as conn:
        counts = {n: conn.execute(sa.select(sa.func.count()).select_from(TABLES[n])).scalar_one()
                  for n in ("dealers", "leads", "accounts")}
    assert counts == {"dealers": 1, "leads": 0, "accounts": 0}


def test_append_links_to_rows_already_in_the_database(tmp_path: Path, engine: Engine) -> None:
    import_folder(engine, write_folder(tmp_path / "good", GOOD), taken_at=datetime(2025, 1, 1))
    more = {"opportunities": GOOD["opportunities"].splitlines()[0] + "\n"
                             "O9,A2,P1,,Qualify,OPEN,5,2025-03-01,2025-09-30,false,HEV,Ava,,\n",
            "touchpoints": "lead_id,ts,channel,party,campaign\nL1,2025-01-01T09:00:00,Email,OEM,\n"}
    report = import_folder(engine, write_folder(tmp_path / "more", more), mode="append",
                           taken_at=datetime(2025, 1, 2))
    assert report.counts == {"opportunities": 1, "touchpoints": 1} and report.emptied == ()
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(TABLES["opportunities"])).scalar_one() == 3
        assert conn.execute(sa.select(sa.func.count()).select_from(TABLES["accounts"])).scalar_one() == 2


def test_append_rejects_keys_already_in_the_database(tmp_path: Path, engine: Engine) -> None:
    import_folder(engine, write_folder(tmp_path / "good", GOOD), taken_at=datetime(2025, 1, 1))
    before = fingerprint(engine)
    again = {"touchpoints": GOOD["touchpoints"].replace("T09:00:00", " 09:00"),
             "opportunities": GOOD["opportunities"].replace("A2,", "A7,")}
    with pytest.raises(ImportRejected) as info:
        import_folder(engine, write_folder(tmp_path / "again", again), mode="append")
    assert info.value.problems == [
        "opportunities.csv, row 2, column opportunity_id: key 'O1' is already in the database; append adds new "
        "rows only (use replace to reload)",
        "opportunities.csv, row 3, column opportunity_id: key 'O2' is already in the database; append adds new "
        "rows only (use replace to reload)",
        "opportunities.csv, row 3, column account_id: 'A7' matches no account_id in accounts.csv or in the database",
        "touchpoints.csv, row 2, column lead_id, ts, channel: key ('L1', '2025-01-01T09:00:00', 'Display') is "
        "already in the database; append adds new rows only (use replace to reload)",
    ]
    assert fingerprint(engine) == before


def test_unknown_mode_is_a_programming_error(tmp_path: Path, engine: Engine) -> None:
    with pytest.raises(ValueError, match="mode must be"):
        import_folder(engine, tmp_path, mode="merge")


# ---- the money ceiling ------------------------------------------------------------------------
MONEY = {"opportunities": ["amount"], "quotas": ["amount"], "platform_awards": ["lifetime_value"],
         "revenue": ["amount"], "ecos": ["revenue_delta", "cost_delta"], "shipments": ["subscription_arr"],
         "leads": ["sold_revenue"], "dealer_months": ["cost_to_serve"], "martech_tools": ["annual_cost"]}
CEILING = ("is beyond the ceiling of 1,000,000,000,000 (rules.yaml import.max_amount); check the unit (cents?) "
           "or raise the ceiling")


def test_money_columns_are_the_contract_amounts() -> None:
    assert {ds.name: [c.name for c in ds.columns if c.money] for ds in DATASETS if any(c.money for c in ds.columns)} \
        == MONEY
    assert DEFAULT_MAX_AMOUNT == 1.0e12


@pytest.mark.parametrize(("name", "row", "column", "value", "message"), [
    ("opportunities", 2, "amount", "1e308", f"1e+308 {CEILING}"),
    ("opportunities", 3, "amount", "1000000000000.01", f"1000000000000.01 {CEILING}"),
    ("quotas", 2, "amount", "2e12", f"2000000000000.0 {CEILING}"),
    ("platform_awards", 2, "lifetime_value", "9" * 20, f"1e+20 {CEILING}"),
    ("dealer_months", 2, "cost_to_serve", "1.5e15", f"1500000000000000.0 {CEILING}"),
    ("opportunities", 2, "amount", "-1e13", "-10000000000000.0 is out of range; use a value of at least 0"),
])
def test_money_beyond_the_ceiling_is_named(tmp_path: Path, name: str, row: int, column: str, value: str,
                                           message: str) -> None:
    assert problems_of(edit(GOOD, name, row, column, value), tmp_path) == [
        f"{name}.csv, row {row}, column {column}: {message}"]


@pytest.mark.parametrize(("value", "ok"), [("1e12", True), ("-1e12", True), ("-1.000001e12", False),
                                           ("-5", True), ("", False)])
def test_ceiling_is_on_the_absolute_value_and_negatives_keep_their_rules(tmp_path: Path, value: str,
                                                                         ok: bool) -> None:
    text = f"account_id,award_id,period,revenue_type,amount\nA1,,2025-01,ECO,{value}\n"
    found = problems_of({**GOOD, "revenue": text}, tmp_path)
    assert (found == []) is ok, found


def test_ceiling_comes_from_the_caller(tmp_path: Path, engine: Engine) -> None:
    folder = write_folder(tmp_path / "in", GOOD)
    assert validate(read_folder(folder), JOURNEYS, max_amount=5e6)[1] == []
    found = validate(read_folder(folder), JOURNEYS, max_amount=1000)[1]
    assert found == ["opportunities.csv, row 2, column amount: 1000.5 is beyond the ceiling of 1,000 (rules.yaml "
                     "import.max_amount); check the unit (cents?) or raise the ceiling",
                     "quotas.csv, row 2, column amount: 1000000.0 is beyond the ceiling of 1,000 (rules.yaml "
                     "import.max_amount); check the unit (cents?) or raise the ceiling",
                     "platform_awards.csv, row 2, column lifetime_value: 5000000.0 is beyond the ceiling of 1,000 "
                     "(rules.yaml import.max_amount); check the unit (cents?) or raise the ceiling",
                     "dealer_months.csv, row 2, column cost_to_serve: 1200.0 is beyond the ceiling of 1,000 "
                     "(rules.yaml import.max_amount); check the unit (cents?) or raise the ceiling"]
    before = fingerprint(engine)
    with pytest.raises(ImportRejected):
        import_folder(engine, folder, max_amount=1000)
    assert fingerprint(engine) == before
    assert import_folder(engine, folder, max_amount=1e7, taken_at=datetime(2025, 1, 1)).counts["quotas"] == 1


def test_csat_is_no_money(tmp_path: Path) -> None:
    found = validate(raw(GOOD, tmp_path), JOURNEYS, max_amount=50)[1]
    assert [p.split(":")[0] for p in found if p.startswith("dealer_months")] == [
        "dealer_months.csv, row 2, column cost_to_serve"]                  # csat 91.5 is a score, not money


# ---- the delimiter hint -----------------------------------------------------------------------
HINT = "the file seems to use {} as the delimiter; save it as CSV with commas (Excel: CSV UTF-8 (Comma delimited))"


@pytest.mark.parametrize(("text", "name"), [
    (GOOD["dealers"].replace(",", ";"), "';'"),
    (GOOD["dealers"].replace(",", ";").replace("North Motors", '"North, Motors"'), "';'"),   # fields then differ
    ("\ufeff" + GOOD["dealers"].replace(",", ";"), "';'"),
    (GOOD["dealers"].replace(",", "\t"), "tabs"),
    (GOOD["dealers"].splitlines()[0].replace(",", ";") + "\n", "';'"),                       # header only
])
def test_semicolon_or_tab_file_gets_a_delimiter_hint(tmp_path: Path, text: str, name: str) -> None:
    folder = write_folder(tmp_path / "in", {**GOOD, "dealers": text})
    with pytest.raises(ImportRejected) as info:
        read_folder(folder)
    assert info.value.problems == [f"dealers.csv, row 1 (the header): {HINT.format(name)}"]


def test_a_semicolon_inside_a_comma_file_is_just_text(tmp_path: Path) -> None:
    frames, found, _ = validate(raw(edit(GOOD, "dealers", 2, "name", "North; Motors"), tmp_path), JOURNEYS)
    assert found == [] and frames["dealers"].loc[2, "name"] == "North; Motors"


def test_unclosed_quote_is_named_by_its_row(tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "in", {**GOOD, "dealers": GOOD["dealers"] + 'D2,"South,G1,S,,3\n'})
    with pytest.raises(ImportRejected) as info:
        read_folder(folder)
    assert info.value.problems[0].startswith(
        "dealers.csv: not valid CSV (the double quote opened on row 3 is never closed)")


# ---- the dry run and files without rows -------------------------------------------------------
def _header_only(name: str) -> str:
    return GOOD[name].splitlines()[0] + "\n"


def test_check_folder_plans_without_writing(tmp_path: Path, engine: Engine) -> None:
    files = {**GOOD, "touchpoints": "", "quotas": _header_only("quotas")}
    folder = write_folder(tmp_path / "in", files)
    before = fingerprint(engine)
    plan = check_folder(engine, folder)
    assert fingerprint(engine) == before
    assert plan.counts == {name: text.count("\n") - 1 if text else 0 for name, text in files.items()}
    assert plan.emptied == ("revenue", "ecos", "certifications", "shipments", "headcount", "martech_tools",
                            "maturity_assessments")
    assert plan.blank == ("quotas", "touchpoints")
    assert plan.will_empty == ("quotas", "revenue", "ecos", "certifications", "shipments", "headcount",
                               "touchpoints", "martech_tools", "maturity_assessments")
    assert plan.warnings[-2:] == ("quotas.csv holds no rows: quotas becomes empty (replace mode)",
                                  "touchpoints.csv is 0 bytes: touchpoints becomes empty (replace mode)")
    assert "no revenue.csv in the folder: revenue becomes empty (replace mode)" in plan.warnings


def test_zero_byte_file_empties_its_dataset_with_a_warning(tmp_path: Path, engine: Engine) -> None:
    import_folder(engine, write_folder(tmp_path / "good", GOOD), taken_at=datetime(2025, 1, 1))
    folder = write_folder(tmp_path / "zero", {**GOOD, "touchpoints": ""})
    plan = check_folder(engine, folder)
    report = import_folder(engine, folder, taken_at=datetime(2025, 1, 2))
    assert (report.blank, report.warnings, report.counts) == (plan.blank, plan.warnings, plan.counts)
    assert "touchpoints.csv is 0 bytes: touchpoints becomes empty (replace mode)" in report.warnings
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(TABLES["touchpoints"])).scalar_one() == 0


def test_append_of_an_empty_file_empties_nothing(tmp_path: Path, engine: Engine) -> None:
    import_folder(engine, write_folder(tmp_path / "good", GOOD), taken_at=datetime(2025, 1, 1))
    plan = check_folder(engine, write_folder(tmp_path / "zero", {"touchpoints": "", "quotas": _header_only("quotas")}),
                        mode="append")
    assert (plan.emptied, plan.blank, plan.warnings) == ((), (), ())
    assert plan.counts == {"quotas": 0, "touchpoints": 0}


def test_check_folder_rejects_like_import(tmp_path: Path, engine: Engine) -> None:
    folder = write_folder(tmp_path / "bad", edit(GOOD, "opportunities", 2, "close_date", "2024-12-31"))
    (folder / "notes.txt").write_text("ignored")
    with pytest.raises(FolderRejected) as planned:
        check_folder(engine, folder)
    with pytest.raises(FolderRejected) as imported:
        import_folder(engine, folder)
    assert planned.value.problems == imported.value.problems == [
        "opportunities.csv, row 2, column close_date: 2024-12-31 is before created_date 2025-01-02; an opportunity "
        "closes (or is expected to close) on or after the day it was created; correct one of the two dates"]
    assert planned.value.warnings == ("notes.txt: not a contract file; ignored",)


def test_append_check_on_a_new_database_creates_nothing(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'new.db'}")
    plan = check_folder(engine, write_folder(tmp_path / "in", GOOD), mode="append")
    assert plan.counts["opportunities"] == 2
    assert sa.inspect(engine).get_table_names() == []
    engine.dispose()


def test_check_folder_refuses_an_unknown_mode(tmp_path: Path, engine: Engine) -> None:
    with pytest.raises(ValueError, match="mode must be"):
        check_folder(engine, tmp_path, mode="merge")


# ---- the validation report --------------------------------------------------------------------
def test_report_groups_problems_by_file_column_and_kind(tmp_path: Path, engine: Engine) -> None:
    header = GOOD["quotas"].splitlines()[0]
    text = header + "\n" + "".join(f"OEM,20{i:02d}Q9,1\n" for i in range(25)) + "OEM,2030Q1,lots\n"
    folder = write_folder(tmp_path / "in", {**GOOD, "quotas": text})
    with pytest.raises(FolderRejected) as info:
        check_folder(engine, folder)
    period, amount = info.value.report
    assert period == ReportLine("quotas.csv", "period", "is not a quarter", tuple(range(2, 22)), 25,
                                ("2000Q9", "2001Q9", "2002Q9"), "use YYYYQn, e.g. 2025Q3")
    assert (amount.column, amount.rows, amount.count, amount.examples) == ("amount", (27,), 1, ("lots",))
    frame = report_frame(info.value.report)
    assert list(frame.columns) == ["File", "Column", "Problem", "Rows (first 20)", "Count", "Examples", "How to fix"]
    assert frame.loc[0, "Rows (first 20)"] == ", ".join(str(r) for r in range(2, 22)) + ", …"
    assert frame.loc[1, "Rows (first 20)"] == "27"


def test_report_names_rules_links_and_duplicates_without_their_values(tmp_path: Path, engine: Engine) -> None:
    files = edit(GOOD, "opportunities", 2, "close_date", "2024-12-31")
    files = edit(files, "opportunities", 3, "account_id", "A9")
    files = {**files, "dealers": GOOD["dealers"] + "D1,Again,G1,North,,1\n"}
    with pytest.raises(FolderRejected) as info:
        check_folder(engine, write_folder(tmp_path / "in", files))
    assert {(line.file, line.column, line.problem, line.fix) for line in info.value.report} == {
        ("opportunities.csv", "close_date", "is before created_date",
         "an opportunity closes (or is expected to close) on or after the day it was created; correct one of the two "
         "dates"),
        ("opportunities.csv", "account_id", "matches no account_id in accounts.csv",
         "add the account_id to accounts.csv or correct the value"),
        ("dealers.csv", "dealer_id", "duplicate key", "each key may appear once")}


def test_labels_name_a_staged_file_after_its_upload(tmp_path: Path, engine: Engine) -> None:
    folder = write_folder(tmp_path / "in", edit(GOOD, "dealers", 2, "salespeople", "many"))
    with pytest.raises(FolderRejected) as info:
        check_folder(engine, folder, labels={"dealers.csv": "Dealer list.xlsx"})
    assert info.value.problems == ["Dealer list.xlsx, row 2, column salespeople: 'many' is not a whole number; use "
                                   "digits only, e.g. 12"]
    assert info.value.report[0].file == "Dealer list.xlsx"


def test_plain_report_of_messages() -> None:
    assert plain_report(["big.zip: it unpacks to 2 GB; raise the limit"]) == (
        ReportLine("big.zip", "", "it unpacks to 2 GB", (), 1, (), "raise the limit"),)


# ---- chunks: the same answer whatever their size ------------------------------------------------
def _many_leads(count: int, bad_rows: dict[int, str]) -> dict[str, str]:
    header = GOOD["leads"].splitlines()[0]
    lines = [f"L{i},D1,EV_LAUNCH,Web,2025-01-02T10:00:00,,,,," for i in range(count)]
    for row, line in bad_rows.items():
        lines[row - 2] = line
    touch = "lead_id,ts,channel,party,campaign\n" + f"L{count - 1},2025-01-01T09:00:00,Display,MEDIA,\n"
    return {**GOOD, "leads": header + "\n" + "\n".join(lines) + "\n", "touchpoints": touch}


def test_small_chunks_find_the_same_problems(tmp_path: Path, engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    files = _many_leads(40, {5: "L1,D1,EV_LAUNCH,Web,2025-01-02T10:00:00,,,,,", 30: "L28,D9,MOON,Web,x,,,,,"})
    folder = write_folder(tmp_path / "in", files)
    with pytest.raises(FolderRejected) as whole:
        check_folder(engine, folder)
    monkeypatch.setattr(importer, "CHUNK_ROWS", 3)
    with pytest.raises(FolderRejected) as chunked:
        import_folder(engine, folder)
    assert chunked.value.problems == whole.value.problems == [
        "leads.csv, row 30, column journey: 'MOON' is not an allowed value; use one of " + ", ".join(JOURNEYS),
        "leads.csv, row 30, column created_at: 'x' is not a timestamp; use YYYY-MM-DDTHH:MM:SS (no time zone)",
        "leads.csv, row 5, column lead_id: duplicate key 'L1', also on row 3; each key may appear once",
        "leads.csv, row 30, column dealer_id: 'D9' matches no dealer_id in dealers.csv"]
    assert chunked.value.report == whole.value.report


def test_small_chunks_write_every_row_and_report_progress(tmp_path: Path, engine: Engine,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importer, "CHUNK_ROWS", 4)
    seen: list[tuple[float, str]] = []
    report = import_folder(engine, write_folder(tmp_path / "in", _many_leads(30, {})), taken_at=datetime(2025, 1, 1),
                           progress=lambda fraction, text: seen.append((fraction, text)))
    assert report.counts["leads"] == 30
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(TABLES["leads"])).scalar_one() == 30
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and 0 < fractions[-1] <= 1.0
    assert "leads: 30 rows" in [text for _, text in seen]


def test_a_rejected_import_into_a_new_database_creates_no_schema(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'new.db'}")
    with pytest.raises(ImportRejected):
        import_folder(engine, write_folder(tmp_path / "in", edit(GOOD, "leads", 2, "journey", "MOON")))
    assert sa.inspect(engine).get_table_names() == []
    engine.dispose()


def test_a_lone_carriage_return_inside_quotes_stays_text(tmp_path: Path, engine: Engine,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importer, "CHUNK_ROWS", 1)
    text = GOOD["accounts"].replace("Acme", '"Ac\rme"').replace("\n", "\r\n")
    report = import_folder(engine, write_folder(tmp_path / "in", {**GOOD, "accounts": text}),
                           taken_at=datetime(2025, 1, 1))
    with engine.connect() as conn:
        names = set(conn.execute(sa.select(TABLES["accounts"].c.name)).scalars())
    assert report.counts["accounts"] == 2 and names == {"Ac\rme", "Beta"}


# ---- uploads: CSV, Excel and ZIP, staged under contract names only ------------------------------
def _workbook(rows: list[list[object]]) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _zip(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def test_a_workbook_is_staged_as_its_dataset_with_contract_spellings(tmp_path: Path) -> None:
    leads = _workbook([["lead_id", "dealer_id", "journey", "source_channel", "created_at", "sold_at",
                        "sold_revenue"],
                       ["L1", "D1", "EV_LAUNCH", "Web", datetime(2025, 1, 2), datetime(2025, 1, 3, 10, 5), 1234.5],
                       [],
                       ["L2", "D1", "FLEET", "Web, Phone", datetime(2025, 1, 2, 8, 0), None, None]])
    dealers = _workbook([["dealer_id", "name", "dealer_group", "region", "brand", "salespeople"],
                         ["D1", 'Nörth, "Motors"', "G1", "North", None, 12.0]])
    staged = stage([("leads.xlsx", leads), ("dealers.xlsx", dealers)], tmp_path)
    assert staged.datasets == ("leads", "dealers") and staged.labels == {"leads.csv": "leads.xlsx",
                                                                        "dealers.csv": "dealers.xlsx"}
    assert (tmp_path / "leads.csv").read_text(encoding="utf-8").splitlines()[1:] == [
        "L1,D1,EV_LAUNCH,Web,2025-01-02T00:00:00,2025-01-03T10:05:00,1234.5", ",,,,,,",
        'L2,D1,FLEET,"Web, Phone",2025-01-02T08:00:00,,']
    dealers = (tmp_path / "dealers.csv").read_text(encoding="utf-8").splitlines()
    assert dealers[1] == 'D1,"Nörth, ""Motors""",G1,North,,12'
    frames, problems, _ = validate(read_folder(tmp_path), JOURNEYS)
    assert problems == [] and frames["leads"].loc[4, "created_at"] == datetime(2025, 1, 2, 8, 0)   # row 3 blank


def test_a_zip_is_read_member_by_member_under_contract_names(tmp_path: Path) -> None:
    archive = _zip({"accounts.csv": GOOD["accounts"].encode(), "products.xlsx": _workbook([["product_id"], ["P1"]]),
                    "sub/leads.csv": b"x", "../../evil.csv": b"x", "/etc/dealers.csv": b"x", "inner.zip": b"x",
                    "notes.txt": b"x"})
    staged = stage([("export.zip", archive)], tmp_path)
    assert staged.datasets == ("accounts", "products") and staged.problems == ()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["accounts.csv", "products.csv"]
    assert staged.warnings == (
        "export.zip: 'sub/leads.csv' is inside a folder of the archive; ignored (put the files at the top of the ZIP)",
        "export.zip: '../../evil.csv' is inside a folder of the archive; ignored (put the files at the top of the ZIP)",
        "export.zip: '/etc/dealers.csv' is inside a folder of the archive; ignored (put the files at the top of the "
        "ZIP)",
        "export.zip: 'inner.zip' is an archive inside the archive; ignored",
        "'export.zip: notes.txt': not a contract file name (<dataset>.csv or <dataset>.xlsx, e.g. accounts.csv); "
        "ignored")


def _lines(size: int) -> bytes:
    """About ``size`` bytes of CSV-like text, compressed some five to one (no bomb)."""
    out = b"".join(f"row {i},{i * 7919 % 10007}\n".encode() for i in range(size // 12))
    return out[:size]


@pytest.mark.parametrize(("archive", "limits", "problem"), [
    (_zip({"leads.csv": b"0" * (3 * MB)}), Limits(),
     "bomb.zip: leads.csv is compressed more than 200 to 1, as only a ZIP bomb is; refused; nothing was imported"),
    (_zip({"leads.csv": _lines(3 * MB)}), Limits(max_file_bytes=2 * MB),
     "bomb.zip: leads.csv unpacks to 3 MB, over the limit of 2 MB per file (rules.yaml import.max_upload_mb); "
     "nothing was imported"),
    (_zip({"leads.csv": _lines(int(1.5 * MB)), "dealers.csv": _lines(int(1.5 * MB))}),
     Limits(max_file_bytes=2 * MB, max_unzipped_bytes=int(2.5 * MB)),
     "bomb.zip: it unpacks to 3 MB in all, over the limit of 2.5 MB (rules.yaml import.max_unzipped_mb); nothing "
     "was imported"),
    (b"PK\x03\x04 not really", Limits(), "bomb.zip: it is not a valid ZIP archive"),
])
def test_a_zip_beyond_the_limits_is_refused_whole(tmp_path: Path, archive: bytes, limits: Limits, problem: str) -> None:
    staged = stage([("bomb.zip", archive)], tmp_path, limits)
    assert staged.datasets == () and staged.problems[0].startswith(problem), staged.problems
    assert list(tmp_path.iterdir()) == []


def test_an_upload_over_the_limit_is_refused_with_the_limit(tmp_path: Path) -> None:
    staged = stage([("leads.csv", io.BytesIO(b"x" * (3 * MB)))], tmp_path, Limits(max_file_bytes=2 * MB))
    assert staged.problems == ("leads.csv: 3 MB is over the limit of 2 MB per file (rules.yaml import.max_upload_mb); "
                               "split the file or raise the limit; nothing was imported",)
    assert list(tmp_path.iterdir()) == []


def test_a_broken_workbook_is_refused(tmp_path: Path) -> None:
    staged = stage([("accounts.xlsx", _zip({"hello.txt": b"hi"}))], tmp_path)
    assert staged.problems == ("accounts.xlsx: it is not a readable Excel workbook (KeyError); save it as .xlsx; "
                               "nothing was imported",)


def test_crm_exports_are_staged_for_a_preset_under_generated_names(tmp_path: Path) -> None:
    (tmp_path / "files").mkdir()
    (tmp_path / "sources").mkdir()
    staged = stage([("../Report (2).csv", b"Opportunity ID,Stage\n1,x\n"),
                    ("Leads.xlsx", _workbook([["Lead ID", "Created"], ["L1", datetime(2026, 6, 30, 9, 0)]]))],
                   tmp_path / "files", sources=tmp_path / "sources")
    assert [(s.shown, s.path.name, s.header) for s in staged.sources] == [
        ("../Report (2).csv", "source-1.csv", ("Opportunity ID", "Stage")),
        ("Leads.xlsx", "source-2.csv", ("Lead ID", "Created"))]
    assert (tmp_path / "sources" / "source-2.csv").read_text(encoding="utf-8") == \
        "Lead ID,Created\nL1,2026-06-30T09:00:00\n"
    assert list((tmp_path / "files").iterdir()) == [] and sorted(p.name for p in tmp_path.iterdir()) == ["files",
                                                                                                          "sources"]


def test_head_reads_the_first_rows_of_an_upload() -> None:
    content = io.BytesIO(("\ufeffA,B\n1,x\n\n2,y\n3,z\n").encode())
    frame, problem = head("r.csv", content, rows=3)
    assert problem is None and content.tell() == 0
    assert frame.to_dict("index") == {2: {"A": "1", "B": "x"}, 4: {"A": "2", "B": "y"}}
    frame, _ = head("r.xlsx", io.BytesIO(_workbook([["A", "A"], [1.0, datetime(2026, 1, 2)]])))
    assert list(frame.columns) == ["A", "A (2)"] and frame.loc[2].tolist() == ["1", "2026-01-02"]
    assert head("r.csv", io.BytesIO(b"\xff\xfe"))[1].startswith("r.csv: not readable as CSV UTF-8")
