"""Mapping presets: CRM exports (hand-written Salesforce reports, a dealer CRM lead export) as contract
datasets, through the canonical import; a broken report is refused and writes nothing."""
from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from revops_core import mapping
from revops_core.errors import ImportRejected
from revops_core.importer import FolderRejected, check_folder, import_folder
from revops_core.mapping import Formats, MappingError, Preset, Rule
from revops_core.schema import TABLES
from revops_core.uploads import Source
from tests.core.test_importer import fingerprint

CRM = Path(__file__).resolve().parents[1] / "fixtures" / "crm"
PRESETS = mapping.mappings_dir()
TAKEN_AT = datetime(2026, 7, 1)


def preset(name: str) -> Preset:
    return mapping.load_preset(name, PRESETS)[1]


def header(file: str) -> list[str]:
    with (CRM / file).open(encoding="utf-8", newline="") as fh:
        return next(csv.reader(fh))


def mapped_rows(file: str, name: str, tmp_path: Path) -> list[dict[str, str]]:
    done = mapping.map_csv(CRM / file, preset(name), name, tmp_path / "out.csv", file)
    assert done.problems == ()
    with (tmp_path / "out.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def stage_crm(folder: Path, files: dict[str, str]) -> dict[str, str]:
    """Map ``{file: preset}`` from the fixtures into ``folder``; returns the labels for the import."""
    folder.mkdir(parents=True, exist_ok=True)
    sources = [(Source(f, CRM / f, tuple(header(f))), (name, preset(name))) for f, name in files.items()]
    done = mapping.map_sources(sources, folder)
    assert done.problems == ()
    return dict(done.labels)


# ---- the shipped presets against hand-written reports --------------------------------------------------
def test_the_shipped_presets_are_valid_and_fit_their_reports() -> None:
    presets, problems = mapping.load_presets(PRESETS)
    assert problems == [] and {"salesforce_opportunities", "salesforce_accounts", "dealer_crm_leads"} <= set(presets)
    for file, name in [("salesforce_opportunities.csv", "salesforce_opportunities"),
                       ("salesforce_accounts.csv", "salesforce_accounts"), ("dealer_crm_leads.csv", "dealer_crm_leads"),
                       ("salesforce_opportunities_broken.csv", "salesforce_opportunities")]:
        assert mapping.detect(header(file), presets) == name, file
    assert mapping.detect(["Name", "Email"], presets) is None


def test_salesforce_opportunity_report(tmp_path: Path) -> None:
    rows = mapped_rows("salesforce_opportunities.csv", "salesforce_opportunities", tmp_path)
    assert len(rows) == 5                                        # the footer lines are skipped
    first = rows[0]
    assert first == {"opportunity_id": "0065g00000AbCdEAA1", "account_id": "0015g00000XyZaBAA1", "product_id": "",
                     "name": 'MEB platform, ADAS "Gen 3" domain controller', "stage": "Negotiation/Review",
                     "status": "OPEN", "amount": "1234500.00", "created_date": "2026-01-15",
                     "close_date": "2026-09-30", "is_rfq": "true", "powertrain": "AGNOSTIC", "owner": "Jürgen Groß",
                     "esa_owner": "", "forecast_category": "COMMIT"}
    assert [(r["status"], r["amount"], r["forecast_category"]) for r in rows] == [
        ("OPEN", "1234500.00", "COMMIT"), ("WON", "1234.50", ""), ("LOST", "250000", "OMITTED"),
        ("OPEN", "0", "PIPELINE"), ("OPEN", "48000", "BEST_CASE")]   # Won/Closed 1/0; a blank amount is 0
    assert rows[1]["owner"] == "Zoë Martín" and rows[1]["created_date"] == "2026-02-03"
    assert rows[3]["name"] == "Brake-by-wire ECU, Tier-1 resale"


def test_salesforce_account_report(tmp_path: Path) -> None:
    rows = mapped_rows("salesforce_accounts.csv", "salesforce_accounts", tmp_path)
    assert [(r["name"], r["segment"], r["region"], r["country"], r["dealer_group"], r["eu_oem"]) for r in rows] == [
        ("Volkswagen AG", "OEM", "Europe", "DE", "", "true"),
        ("Škoda Auto, a.s.", "OEM", "Europe", "CZ", "Volkswagen AG", "true"),
        ("比亚迪 BYD Auto", "OEM", "Asia", "CN", "", "false"),
        ('Bosch "Mobility" Solutions', "TIER1", "Europe", "DE", "", "false"),
        ("Penske Automotive Group", "DEALER_AFTERMARKET", "North America", "US", "", "false"),
        ("Ryder Fleet Services", "FLEET", "North America", "US", "", "false")]


def test_dealer_crm_lead_export(tmp_path: Path) -> None:
    rows = mapped_rows("dealer_crm_leads.csv", "dealer_crm_leads", tmp_path)
    assert rows[0] == {"lead_id": "L-1001", "dealer_id": "D-001", "journey": "EV_LAUNCH", "source_channel": "Website",
                       "created_at": "2026-06-01T09:15:00", "first_response_at": "2026-06-01T09:32:00",
                       "test_drive_at": "2026-06-03T14:00:00", "quote_at": "2026-06-05T11:00:00",
                       "sold_at": "2026-06-10T16:30:00", "sold_revenue": "48250.00"}
    assert [(r["journey"], r["source_channel"], r["sold_at"]) for r in rows[1:]] == [
        ("SERVICE_RETENTION", "Phone", ""), ("CONQUEST", "Facebook, Instagram", ""), ("FLEET", "Walk-in", "")]


def test_salesforce_reports_import_all_or_nothing(engine: Engine, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    labels = stage_crm(folder, {"salesforce_accounts.csv": "salesforce_accounts",
                                "salesforce_opportunities.csv": "salesforce_opportunities",
                                "dealer_crm_leads.csv": "dealer_crm_leads"})
    (folder / "dealers.csv").write_bytes((CRM / "dealers.csv").read_bytes())
    report = import_folder(engine, folder, taken_at=TAKEN_AT, labels=labels)
    assert {k: v for k, v in report.counts.items() if v} == {"accounts": 6, "opportunities": 5, "dealers": 2,
                                                              "leads": 4}
    opp = TABLES["opportunities"]
    with engine.connect() as conn:
        won = conn.execute(sa.select(opp.c.name, opp.c.amount, opp.c.close_date, opp.c.owner)
                           .where(opp.c.status == "WON")).one()
        names = set(conn.execute(sa.select(TABLES["accounts"].c.name)).scalars())
    assert tuple(won) == ("Octavia facelift – telematics unit", 1234.5, date(2026, 6, 30), "Zoë Martín")
    assert {"比亚迪 BYD Auto", "Škoda Auto, a.s.", 'Bosch "Mobility" Solutions'} <= names


def test_a_broken_report_is_refused_with_its_rows_and_writes_nothing(engine: Engine, tmp_path: Path) -> None:
    good = tmp_path / "good"
    stage_crm(good, {"salesforce_accounts.csv": "salesforce_accounts"})
    import_folder(engine, good, taken_at=TAKEN_AT)
    before = fingerprint(engine)
    folder = tmp_path / "bad"
    labels = stage_crm(folder, {"salesforce_opportunities_broken.csv": "salesforce_opportunities"})
    shown = "salesforce_opportunities_broken.csv (as opportunities.csv)"
    for run in (check_folder, import_folder):
        with pytest.raises(FolderRejected) as info:
            run(engine, folder, mode="append", labels=labels)
        assert info.value.problems == [           # columns in contract order, then the links
            f"{shown}, row 3, column amount: '1.234,50' is not a number; use digits with a decimal point, e.g. "
            "1234.5 (no thousands separators or currency signs)",
            f"{shown}, row 2, column close_date: '30/09/2026' is not a date; use YYYY-MM-DD",
            f"{shown}, row 4, column forecast_category: 'Maybe' is not an allowed value; use one of COMMIT, "
            "BEST_CASE, PIPELINE, OMITTED",
            f"{shown}, row 4, column account_id: '0015g00000NoSuchAA1' matches no account_id in accounts.csv or in "
            "the database"]
        assert {(line.file, line.column, line.count) for line in info.value.report} == {
            (shown, "close_date", 1), (shown, "amount", 1), (shown, "forecast_category", 1), (shown, "account_id", 1)}
    assert fingerprint(engine) == before


def test_a_report_without_a_needed_column_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    text = (CRM / "salesforce_opportunities.csv").read_text(encoding="utf-8").replace('"Close Date"', '"Closing"')
    (tmp_path / "report.csv").write_text(text, encoding="utf-8")
    done = mapping.map_csv(tmp_path / "report.csv", preset("salesforce_opportunities"), "salesforce_opportunities",
                           tmp_path / "opportunities.csv", "report.csv")
    assert done.problems == ("report.csv: column 'Close Date' is not in the header; preset salesforce_opportunities "
                             "reads it for a required column: export the report with that column, or choose or edit "
                             "another preset",)
    assert not (tmp_path / "opportunities.csv").exists()


def test_an_unreadable_report_is_named(tmp_path: Path) -> None:
    (tmp_path / "report.csv").write_bytes("Opportunity ID;Stage\n1;Nörth\n".encode("latin-1"))
    done = mapping.map_csv(tmp_path / "report.csv", preset("salesforce_opportunities"), "salesforce_opportunities",
                           tmp_path / "opportunities.csv", "report.csv")
    assert done.problems == ("report.csv, line 2: the file is not UTF-8 text (byte 0xf6 at offset 24); save it as CSV "
                             "UTF-8",)


def test_row_numbers_are_the_source_rows(tmp_path: Path) -> None:
    text = (CRM / "dealer_crm_leads.csv").read_text(encoding="utf-8")
    lines = text.splitlines()
    lines.insert(2, "")                                          # a blank line: L-1002 is now row 4
    lines[4] = lines[4].replace("Conquest", "Moon")              # L-1003, row 5
    (tmp_path / "leads.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "in").mkdir()
    mapping.map_csv(tmp_path / "leads.csv", preset("dealer_crm_leads"), "dealer_crm_leads",
                    tmp_path / "in" / "leads.csv", "leads.csv")
    (tmp_path / "in" / "dealers.csv").write_bytes((CRM / "dealers.csv").read_bytes())
    with pytest.raises(ImportRejected) as info:
        check_folder(sa.create_engine("sqlite://"), tmp_path / "in")
    assert info.value.problems[0].startswith("leads.csv, row 5, column journey: 'Moon' is not an allowed value")


# ---- formats, values and cases, one at a time ----------------------------------------------------------
US = Formats(date=("%m/%d/%Y",), timestamp=("%m/%d/%Y %I:%M %p",), thousands=",", currency=("$",),
             true_values=("1", "Yes"), false_values=("0", "No"))
EU = Formats(date=("%d.%m.%Y",), thousands=".", decimal=",", currency=("€",))


@pytest.mark.parametrize(("column", "formats", "value", "expected"), [
    ("created_date", US, "6/30/2026", "2026-06-30"),
    ("created_date", US, "06/30/2026", "2026-06-30"),
    ("created_date", US, "2026-06-30", "2026-06-30"),                  # ISO is always read
    ("created_date", US, "6/30/2026 3:15 PM", "2026-06-30"),           # a report's timestamp in a date column
    ("created_date", US, "2026-06-30T15:15:00", "2026-06-30"),
    ("created_date", US, "30/06/2026", "30/06/2026"),                  # not US: kept, so the import names it
    ("created_date", EU, "30.06.2026", "2026-06-30"),
    ("amount", US, "1,234.50", "1234.50"),
    ("amount", US, "$1,234,567", "1234567"),
    ("amount", US, "-12", "-12"),
    ("amount", US, "1,5", "1,5"),                                      # not a group of three: kept
    ("amount", US, "1234.5", "1234.5"),
    ("amount", EU, "1.234,50 €", "1234.50"),
    ("amount", EU, "1234", "1234"),
    ("is_rfq", US, "1", "true"),
    ("is_rfq", US, "yes", "true"),
    ("is_rfq", US, "0", "false"),
    ("is_rfq", US, "TRUE", "true"),
    ("is_rfq", US, "maybe", "maybe"),
    ("stage", US, "  Closed Won ", "  Closed Won "),                   # text is kept exactly
])
def test_values_are_rewritten_for_their_contract_kind(column: str, formats: Formats, value: str,
                                                      expected: str) -> None:
    rules = {"opportunity_id": "ID", "account_id": "ID", "stage": "X", "status": {"value": "OPEN"},
             "amount": "X", "created_date": "X", "close_date": "X", "is_rfq": "X", "owner": "X"}
    chosen = Preset(title="t", dataset="opportunities", formats=formats, columns=rules, defaults={"powertrain": "ICE"})
    raw = pd.DataFrame({"ID": ["O1"], "X": [value]}, index=[2])
    assert mapping.map_frame(raw, chosen).loc[2, column] == expected


def test_timestamps_in_the_preset_format() -> None:
    rules = {"lead_id": "ID", "dealer_id": "ID", "journey": {"value": "FLEET"}, "source_channel": "ID",
             "created_at": "T"}
    chosen = Preset(title="t", dataset="leads", formats=US, columns=rules)
    raw = pd.DataFrame({"ID": ["L1", "L2", "L3"], "T": ["6/30/2026 3:15 PM", "6/30/2026", "2026-06-30 15:15"]},
                       index=[2, 3, 4])
    assert mapping.map_frame(raw, chosen)["created_at"].tolist() == [
        "2026-06-30T15:15:00", "2026-06-30T00:00:00", "2026-06-30 15:15"]   # ISO kept as written (the import reads it)


@pytest.mark.parametrize(("rule", "cells", "expected"), [
    ({"source": "S", "values": {"Closed Won": "WON", "Closed Lost": "LOST"}}, ["closed won ", "Prospecting"],
     ["WON", "Prospecting"]),
    ({"source": "S", "values": {"Closed Won": "WON"}, "otherwise": "OPEN"}, ["Closed Won", "", "x"],
     ["WON", "OPEN", "OPEN"]),
    ({"cases": [{"when": {"Won": "1"}, "then": "WON"}, {"when": {"Closed": ["1", "Yes"]}, "then": "LOST"}],
      "otherwise": "OPEN"}, None, ["WON", "LOST", "OPEN", "LOST"]),
    ({"value": "OPEN"}, ["a", "b"], ["OPEN", "OPEN"]),
])
def test_value_maps_and_cases(rule: dict, cells: list[str] | None, expected: list[str]) -> None:
    rules = {"opportunity_id": "S", "account_id": "S", "stage": "S", "status": rule, "amount": {"value": "1"},
             "created_date": {"value": "2026-01-01"}, "close_date": {"value": "2026-01-01"}, "owner": "S"}
    chosen = Preset(title="t", dataset="opportunities", columns=rules, defaults={"is_rfq": "false",
                                                                                 "powertrain": "ICE"})
    checkboxes = {"S": ["a"] * 4, "Won": ["1", "0", "0", "0"], "Closed": ["1", "yes", "0", "1"]}
    raw = pd.DataFrame({"S": cells} if cells is not None else checkboxes)
    assert mapping.map_frame(raw, chosen)["status"].tolist() == expected


def test_defaults_fill_what_the_source_lacks_or_leaves_blank() -> None:
    chosen = preset("salesforce_opportunities")
    raw = pd.DataFrame({"Opportunity ID": ["O1", "O2"], "Powertrain": ["", "EV"], "Type": ["", "RFQ"]}, index=[2, 3])
    mapped = mapping.map_frame(raw, chosen)
    assert mapped["powertrain"].tolist() == ["AGNOSTIC", "BEV"] and mapped["is_rfq"].tolist() == ["false", "true"]


# ---- presets: validation, saving, loading ----------------------------------------------------------------
@pytest.mark.parametrize(("text", "problem"), [
    ("title: t\ndataset: planets\n", "dataset 'planets' is not a contract dataset"),
    ("title: t\ndataset: dealers\ncolumns: {dealer_id: A, colour: B}\n", "not columns of dealers: colour"),
    ("title: t\ndataset: dealers\ncolumns: {dealer_id: A}\n",
     "required columns without a rule or a default: name, dealer_group, region, salespeople"),
    ("title: t\ndataset: dealers\ncolumns: {dealer_id: {source: A, value: B}}\n",
     "columns.dealer_id: Value error, give exactly one of source, value or cases"),
    ("title: t\ndataset: dealers\nformats: {delimiter: ';'}\n", "formats.delimiter: Extra inputs are not permitted"),
    ("title: [unclosed\n", "not valid YAML"),
])
def test_a_bad_preset_is_named_with_its_file_and_key(tmp_path: Path, text: str, problem: str) -> None:
    (tmp_path / "mine.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(MappingError) as info:
        mapping.load_preset("mine", tmp_path)
    assert any(p.startswith(f"{tmp_path / 'mine.yaml'}: ") and problem in p for p in info.value.problems), \
        info.value.problems


def test_a_saved_preset_loads_back_equal(tmp_path: Path) -> None:
    original = preset("salesforce_opportunities")
    path = mapping.save_preset(original, "my_sf", tmp_path)
    assert mapping.load_preset("my_sf", tmp_path) == ("my_sf", original)
    assert mapping.load_preset(str(path), tmp_path)[1] == original           # a path works too
    assert "opportunity_id: Opportunity ID\n" in path.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", ["../evil", "My Preset", "a/b", "", "x" * 61, "salesforce_opportunities"])
def test_a_preset_name_is_never_a_path_and_never_overwrites(name: str) -> None:
    with pytest.raises(MappingError):
        mapping.save_preset(preset("dealer_crm_leads"), name, PRESETS)


def test_an_unknown_preset_names_the_known_ones() -> None:
    with pytest.raises(MappingError) as info:
        mapping.load_preset("hubspot", PRESETS)
    assert "mapping preset 'hubspot' not found" in info.value.problems[0]
    assert "salesforce_accounts" in info.value.problems[0]


def test_the_editor_helpers(tmp_path: Path) -> None:
    sample = pd.DataFrame({"Dealer Code": ["D1", "D2"], "Lead Type": ["EV", "EV"], "Name": ["a", "b"]}, index=[2, 3])
    assert mapping.suggest("dealers", list(sample.columns)) == {"name": "Name"}
    assert mapping.suggest("leads", ["Dealer ID", "lead_id"]) == {"lead_id": "lead_id", "dealer_id": "Dealer ID"}
    assert mapping.sample_values(sample, "Lead Type") == ["EV"]
    body = {"title": "t", "dataset": "dealers", "columns": {"dealer_id": {"source": "Dealer Code"}, "name": {
        "source": "Name"}, "dealer_group": {"value": "G"}, "region": {"value": "North"}, "salespeople": {"value": "x"}}}
    mapped, problems = mapping.preview(sample, mapping.build_preset(body))
    assert mapped["dealer_group"].tolist() == ["G", "G"]
    assert problems == ["dealers.csv, row 2, column salespeople: 'x' is not a whole number; use digits only, e.g. 12",
                        "dealers.csv, row 3, column salespeople: 'x' is not a whole number; use digits only, e.g. 12"]
    with pytest.raises(MappingError, match="required columns without a rule"):
        mapping.build_preset({"title": "t", "dataset": "dealers", "columns": {}})


def test_a_source_without_a_preset_is_ignored_by_name(tmp_path: Path) -> None:
    source = Source("notes.csv", CRM / "dealers.csv", ("dealer_id",))
    done = mapping.map_sources([(source, None)], tmp_path)
    assert done.datasets == () and done.warnings == (
        "'notes.csv': not a contract file name (<dataset>.csv or <dataset>.xlsx, e.g. accounts.csv) and no mapping "
        "preset was chosen for it; ignored",)


def test_two_sources_for_one_dataset_keep_the_first(tmp_path: Path) -> None:
    name = "salesforce_accounts"
    pairs = [(Source(f"{i}.csv", CRM / "salesforce_accounts.csv", ()), (name, preset(name))) for i in (1, 2)]
    done = mapping.map_sources(pairs, tmp_path, taken=())
    assert done.datasets == ("accounts",) and "'2.csv': accounts has a file already; ignored" in done.warnings
    assert mapping.map_sources(pairs[:1], tmp_path, taken=("accounts",)).datasets == ()


def test_rule_sources() -> None:
    assert Rule(source="A").sources() == ("A",)
    rule = Rule(cases=({"when": {"Won": "1", "Stage": "x"}, "then": "WON"}, {"when": {"Won": "0"}, "then": "LOST"}))
    assert rule.sources() == ("Won", "Stage")
    assert preset("salesforce_opportunities").required_sources() == (
        "Opportunity ID", "Account ID", "Stage", "Created Date", "Close Date", "Opportunity Owner")
