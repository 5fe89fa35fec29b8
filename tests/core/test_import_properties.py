"""Property tests of the CSV contract: valid rows round-trip; one bad cell is always caught.

Rows are generated with hypothesis, written the way ``exporter`` writes them and read back
through ``importer``. Example counts are kept modest so the file runs in seconds.
"""
from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from revops_core.contract import (DATASET_BY_NAME, FORECAST_CATEGORIES, JOURNEYS, POWERTRAINS, SEGMENTS,
                                  Column)
from revops_core.db import make_engine
from revops_core.errors import ImportRejected
from revops_core.exporter import export_folder, write_csv
from revops_core.importer import TEXT_LIMITS, import_folder, read_folder, validate
from tests.core.test_importer import GOOD, edit, fingerprint, write_folder

FAST = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TAKEN_AT = datetime(2026, 1, 1)

# ---- valid rows -------------------------------------------------------------------------------
_chars = st.characters(exclude_categories=("Cs",), exclude_characters="\x00")
text = st.text(_chars, min_size=1, max_size=25).filter(str.strip)
optional_text = st.none() | text
ident = st.text("ABCdef0123-_", min_size=1, max_size=8)
days = st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31))
instants = st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2200, 12, 31))
money = st.floats(min_value=0, max_value=1e15, allow_nan=False, allow_infinity=False)


@st.composite
def companies(draw: st.DrawFn) -> dict[str, list[dict[str, Any]]]:
    """Accounts, opportunities, dealers, leads and quotas that satisfy the contract."""
    account_ids = draw(st.lists(ident, min_size=1, max_size=4, unique=True))
    dealer_ids = draw(st.lists(ident, min_size=1, max_size=3, unique=True))
    accounts = [{"account_id": a, "name": draw(text), "segment": draw(st.sampled_from(SEGMENTS)),
                 "region": draw(text), "country": draw(optional_text), "dealer_group": draw(optional_text),
                 "eu_oem": draw(st.booleans())} for a in account_ids]
    opportunities = [{"opportunity_id": o, "account_id": draw(st.sampled_from(account_ids)), "product_id": None,
                      "name": draw(optional_text), "stage": draw(text), "status": "OPEN", "amount": draw(money),
                      "created_date": draw(days), "close_date": draw(days), "is_rfq": draw(st.booleans()),
                      "powertrain": draw(st.sampled_from(POWERTRAINS)), "owner": draw(text), "esa_owner": None,
                      "forecast_category": draw(st.none() | st.sampled_from(FORECAST_CATEGORIES))}
                     for o in draw(st.lists(ident, max_size=4, unique=True))]
    dealers = [{"dealer_id": d, "name": draw(text), "dealer_group": draw(text), "region": draw(text),
                "brand": draw(optional_text), "salespeople": draw(st.integers(0, 2**31 - 1))} for d in dealer_ids]
    leads = [{"lead_id": lead, "dealer_id": draw(st.sampled_from(dealer_ids)),
              "journey": draw(st.sampled_from(JOURNEYS)), "source_channel": draw(text),
              "created_at": draw(instants), "first_response_at": draw(st.none() | instants),
              "test_drive_at": None, "quote_at": None, "sold_at": draw(st.none() | instants),
              "sold_revenue": draw(st.none() | money)} for lead in draw(st.lists(ident, max_size=3, unique=True))]
    periods = draw(st.lists(st.tuples(st.sampled_from(SEGMENTS), st.integers(1990, 2100), st.integers(1, 4)),
                            max_size=3, unique_by=lambda t: (t[0], t[1], t[2])))
    quotas = [{"segment": s, "period": f"{y}Q{q}", "amount": draw(money)} for s, y, q in periods]
    return {"accounts": accounts, "opportunities": opportunities, "dealers": dealers, "leads": leads,
            "quotas": quotas}


def write_rows(folder: Path, data: dict[str, list[dict[str, Any]]]) -> Path:
    """Write generated rows as contract CSV files the way the exporter writes them."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in data.items():
        columns = DATASET_BY_NAME[name].column_names
        write_csv(folder / f"{name}.csv", columns, iter([[row[c] for c in columns] for row in rows]))
    return folder


def as_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [dict(row) for row in frame.to_dict("records")]


@contextmanager
def scratch() -> Iterator[Path]:
    """A temporary folder (hypothesis examples cannot share pytest's ``tmp_path``)."""
    with tempfile.TemporaryDirectory() as name:
        yield Path(name)


def by_key(name: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    key = DATASET_BY_NAME[name].key
    return sorted(rows, key=lambda row: tuple(row[k] for k in key))


@FAST
@given(companies())
def test_valid_rows_round_trip_through_csv(data: dict[str, list[dict[str, Any]]]) -> None:
    with scratch() as folder:
        frames, problems, warnings = validate(read_folder(write_rows(folder, data)), JOURNEYS)
    assert (problems, warnings) == ([], [])
    assert {name: as_rows(frames[name]) for name in data} == data


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(companies())
def test_valid_rows_round_trip_through_the_database(data: dict[str, list[dict[str, Any]]]) -> None:
    engine = make_engine("sqlite://")
    try:
        with scratch() as folder:
            report = import_folder(engine, write_rows(folder / "in", data), taken_at=TAKEN_AT)
            export_folder(engine, folder / "out")
            frames, problems, _ = validate(read_folder(folder / "out"), JOURNEYS)
    finally:
        engine.dispose()
    assert report.counts == {name: len(rows) for name, rows in data.items()} and problems == []
    assert {name: as_rows(frames[name]) for name in data} == {name: by_key(name, rows) for name, rows in data.items()}


# ---- one corrupted cell -----------------------------------------------------------------------
_BAD_SPELLINGS = {
    "int": ["x", "1.5", "1e3", "12abc", "1 000", "0x10"],
    "float": ["abc", "1,5", "inf", "nan", "--1", "1.2.3", "€5", "1e999"],
    "bool": ["yes", "no", "1", "0", "t", "TRUE!"],
    "date": ["2025-13-01", "2025-02-30", "01/02/2025", "2025-1-1", "2025"],
    "month": ["2025-00", "2025-13", "2025-1", "202501", "2025-01-01"],
    "quarter": ["2025Q0", "2025Q5", "2025-Q1", "Q1 2025"],
    "timestamp": ["2025-01-01T24:00:00", "2025-01-01T10:00:00Z", "yesterday", "2025-01-01"],
    "str": ["x" * (TEXT_LIMITS["str"] + 1), "a\x00b"],
}


def _out_of_range(col: Column) -> list[str]:
    out = [] if col.min_value is None else [str(int(col.min_value) - 1)]
    return out + ([] if col.max_value is None else [str(int(col.max_value) + 1)])


def bad_values(name: str, col: Column, column_cells: list[str], row: int) -> st.SearchStrategy[str]:
    """Values that make the cell (``name``, ``row``, ``col``) wrong, whatever else holds."""
    options: list[st.SearchStrategy[str]] = [st.sampled_from(_out_of_range(col) + _BAD_SPELLINGS.get(col.kind, ["x"]))]
    if col.kind in ("enum", "journey"):
        allowed = set(JOURNEYS if col.kind == "journey" else col.values)
        options = [text.filter(lambda v: v.strip() not in allowed)]
    if col.required:
        options.append(st.sampled_from(["", "   "]))
    if col.references:
        options.append(ident.map(lambda v: f"ZZ{v}"))
    others = [v for i, v in enumerate(column_cells, start=2) if i != row]
    if DATASET_BY_NAME[name].key == (col.name,) and others:
        options.append(st.sampled_from(others))
    return st.one_of(options)


@st.composite
def corruptions(draw: st.DrawFn) -> tuple[str, int, str, str]:
    """(dataset, row, column, bad value) for one cell of the ``GOOD`` folder."""
    name = draw(st.sampled_from(sorted(GOOD)))
    lines = GOOD[name].splitlines()
    header = lines[0].split(",")
    row = draw(st.integers(2, len(lines)))
    column = draw(st.sampled_from(header))
    cells = [line.split(",")[header.index(column)] for line in lines[1:]]
    value = draw(bad_values(name, DATASET_BY_NAME[name].column(column), cells, row))
    return name, row, column, value


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Engine, tuple[object, ...]]]:
    """A SQLite database holding the GOOD folder, and its fingerprint, which no rejection may change."""
    folder = tmp_path_factory.mktemp("guarded")
    engine = make_engine(f"sqlite:///{folder / 'guarded.db'}")
    import_folder(engine, write_folder(folder / "good", GOOD), taken_at=TAKEN_AT)
    yield engine, fingerprint(engine)
    engine.dispose()


@FAST
@given(corruptions())
def test_one_corrupted_cell_is_named_and_nothing_is_written(guarded: tuple[Engine, tuple[object, ...]],
                                                            case: tuple[str, int, str, str]) -> None:
    (engine, before), (name, row, column, value) = guarded, case
    with scratch() as folder, pytest.raises(ImportRejected) as info:
        import_folder(engine, write_folder(folder, edit(GOOD, name, row, column, value)), taken_at=TAKEN_AT)
    prefix = f"{name}.csv, row {row}, column {column}:"
    # a duplicate key is named on the later row, which points back at the earlier one
    duplicate = (f"{name}.csv, row ", f"column {column}: duplicate key", f"also on row {row};")
    assert any(p.startswith(prefix) or all(part in p for part in duplicate) for p in info.value.problems), \
        (prefix, info.value.problems)
    assert fingerprint(engine) == before
