"""Property tests of the CSV contract: valid rows round-trip; bad files are always caught.

Rows are generated with hypothesis, written the way ``exporter`` writes them and read back
through ``importer``. Mutated folders (random bytes and cells, broken rules across columns,
huge money, 0-byte and header-only files, semicolon or tab files) never raise anything but
``ImportRejected``, every problem names its file and row or column, and a rejected folder
leaves the database exactly as it was. Example counts are kept modest so the file runs in
seconds.
"""
from __future__ import annotations

import csv
import io
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from revops_core.contract import (DATASET_BY_NAME, DEFAULT_MAX_AMOUNT, FORECAST_CATEGORIES, JOURNEYS, POWERTRAINS,
                                  SEGMENTS, AtMost, BlankUnless, Column, NotBefore, RowRule, load_order)
from revops_core.db import make_engine
from revops_core.errors import ImportRejected
from revops_core.exporter import export_folder, write_csv
from revops_core.importer import TEXT_LIMITS, ImportPlan, check_folder, import_folder, read_folder, validate
from tests.core.test_contract_rules import FULL
from tests.conftest import _pg_engine
from tests.core.test_importer import GOOD, edit, fingerprint, write_folder

FAST = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TAKEN_AT = datetime(2026, 1, 1)

# ---- valid rows -------------------------------------------------------------------------------
_chars = st.characters(exclude_categories=("Cs",), exclude_characters="\x00")
text = st.text(_chars, min_size=1, max_size=25).filter(str.strip)
optional_text = st.none() | text
ident = st.text("ABCdef0123-_", min_size=1, max_size=8)
LAST_DAY, LAST_INSTANT = date(2200, 12, 31), datetime(2200, 12, 31)
days = st.dates(min_value=date(1900, 1, 1), max_value=LAST_DAY)
instants = st.datetimes(min_value=datetime(1900, 1, 1), max_value=LAST_INSTANT)
money = st.floats(min_value=0, max_value=DEFAULT_MAX_AMOUNT, allow_nan=False, allow_infinity=False)


def later(start: datetime) -> st.SearchStrategy[datetime | None]:
    """Blank, or an instant at or after ``start`` (a lead's steps follow its creation)."""
    return st.none() | st.datetimes(min_value=start, max_value=LAST_INSTANT)


@st.composite
def open_opportunities(draw: st.DrawFn, opportunity_id: str, account_ids: list[str]) -> dict[str, Any]:
    """One open opportunity that closes on or after the day it was created."""
    created = draw(days)
    return {"opportunity_id": opportunity_id, "account_id": draw(st.sampled_from(account_ids)), "product_id": None,
            "name": draw(optional_text), "stage": draw(text), "status": "OPEN", "amount": draw(money),
            "created_date": created, "close_date": draw(st.dates(min_value=created, max_value=LAST_DAY)),
            "is_rfq": draw(st.booleans()), "powertrain": draw(st.sampled_from(POWERTRAINS)), "owner": draw(text),
            "esa_owner": None, "forecast_category": draw(st.none() | st.sampled_from(FORECAST_CATEGORIES))}


@st.composite
def leads(draw: st.DrawFn, lead_id: str, dealer_ids: list[str]) -> dict[str, Any]:
    """One lead that keeps the row rules: steps after ``created_at``, revenue only when sold."""
    created = draw(instants)
    sold = draw(later(created))
    return {"lead_id": lead_id, "dealer_id": draw(st.sampled_from(dealer_ids)),
            "journey": draw(st.sampled_from(JOURNEYS)), "source_channel": draw(text), "created_at": created,
            "first_response_at": draw(later(created)), "test_drive_at": None, "quote_at": None, "sold_at": sold,
            "sold_revenue": draw(st.none() | (money if sold else st.just(0.0)))}


@st.composite
def companies(draw: st.DrawFn) -> dict[str, list[dict[str, Any]]]:
    """Accounts, opportunities, dealers, leads and quotas that satisfy the contract."""
    account_ids = draw(st.lists(ident, min_size=1, max_size=4, unique=True))
    dealer_ids = draw(st.lists(ident, min_size=1, max_size=3, unique=True))
    accounts = [{"account_id": a, "name": draw(text), "segment": draw(st.sampled_from(SEGMENTS)),
                 "region": draw(text), "country": draw(optional_text), "dealer_group": draw(optional_text),
                 "eu_oem": draw(st.booleans())} for a in account_ids]
    opportunities = [draw(open_opportunities(o, account_ids)) for o in draw(st.lists(ident, max_size=4, unique=True))]
    dealers = [{"dealer_id": d, "name": draw(text), "dealer_group": draw(text), "region": draw(text),
                "brand": draw(optional_text), "salespeople": draw(st.integers(0, 2**31 - 1))} for d in dealer_ids]
    lead_rows = [draw(leads(lead, dealer_ids)) for lead in draw(st.lists(ident, max_size=3, unique=True))]
    periods = draw(st.lists(st.tuples(st.sampled_from(SEGMENTS), st.integers(1990, 2100), st.integers(1, 4)),
                            max_size=3, unique_by=lambda t: (t[0], t[1], t[2])))
    quotas = [{"segment": s, "period": f"{y}Q{q}", "amount": draw(money)} for s, y, q in periods]
    return {"accounts": accounts, "opportunities": opportunities, "dealers": dealers, "leads": lead_rows,
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


@pytest.fixture(scope="module", params=["sqlite", "postgresql", "duckdb"])
def any_engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """One database per engine for every example (each import replaces the last one's rows).

    PostgreSQL loads through COPY of CSV text written by Arrow, DuckDB through Arrow tables, SQLite
    through executemany: each path must keep quotes, line breaks, blanks and empty text as they are."""
    if request.param == "postgresql":
        yield from _pg_engine()
        return
    url = "sqlite://" if request.param == "sqlite" else f"duckdb:///{tmp_path_factory.mktemp('props') / 'p.duckdb'}"
    engine = make_engine(url)
    yield engine
    engine.dispose()


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(data=companies())
def test_valid_rows_round_trip_through_the_database(any_engine: Engine, data: dict[str, list[dict[str, Any]]]) -> None:
    with scratch() as folder:
        report = import_folder(any_engine, write_rows(folder / "in", data), taken_at=TAKEN_AT)
        export_folder(any_engine, folder / "out")
        frames, problems, _ = validate(read_folder(folder / "out"), JOURNEYS)
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


# ---- mutated folders: only ImportRejected, every problem located, nothing written ----------------
Files = dict[str, bytes]
MODES = st.sampled_from(["replace", "append"])
_WHERE = re.compile(r"[a-z_]+\.csv(?P<where>(, (row|line) [0-9]+( \(the header\))?)?(, column )?)")
_PARSER_LINE = re.compile(r"\bnot valid CSV \(.*\b(row|line) [0-9]+")
_NASTY_BYTES = [b'"', b",", b";", b"\t", b"\n", b"\r", b"\r\n", b"\x00", b"\xff", b"\xef\xbb\xbf", b"\xc3",
                b"9" * 400, b"-", b" ", b"e", b"1e999", b"\\", b'""', b"\n\n"]
_NASTY_CELLS = ["", " ", '"', "a\rb", "a\nb", "x;y", "\t", "1e308", "-1e308", "NaN", "inf", "0x10", "١٢",
                "2025-02-29", "9999-12-31", "0001-01-01", "2025-01-01T10:00:00+01:00", "TRUE", "null", "\x00"]
FULL_BYTES: Files = {name: text.encode() for name, text in FULL.items()}


def family(name: str) -> Files:
    """The FULL files of ``name`` and of every dataset it points at: the least folder that imports."""
    wanted, todo = set(), [name]
    while todo:
        ds = DATASET_BY_NAME[todo.pop()]
        wanted.add(ds.name)
        parents = (c.references.split(".")[0] for c in ds.columns if c.references)
        todo += [parent for parent in parents if parent not in wanted]
    return {n: FULL_BYTES[n] for n in wanted}


def located(problem: str) -> bool:
    """The problem starts with its file and names a row, line or column (a parser error: in its text)."""
    found = _WHERE.match(problem)
    return found is not None and (bool(found.group("where")) or _PARSER_LINE.search(problem) is not None)


def write_bytes(folder: Path, files: Files) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / f"{name}.csv").write_bytes(data)
    return folder


def outcome(guarded: tuple[Engine, tuple[object, ...]], files: Files, mode: str,
            max_amount: float = DEFAULT_MAX_AMOUNT) -> ImportPlan | list[str]:
    """The dry run's plan for ``files``, or the problems of a rejection that changed nothing.

    A rejected folder is also imported for real: the same problems, and the database unchanged.
    """
    engine, before = guarded
    with scratch() as folder:
        write_bytes(folder, files)
        try:
            plan = check_folder(engine, folder, mode, JOURNEYS, max_amount)
        except ImportRejected as exc:
            problems = exc.problems
            with pytest.raises(ImportRejected) as again:
                import_folder(engine, folder, mode, JOURNEYS, TAKEN_AT, max_amount)
        else:
            problems = []
    assert fingerprint(engine) == before
    if not problems:
        return plan
    assert again.value.problems == problems
    assert all(located(p) for p in problems), problems
    return problems


def imports_cleanly(files: Files, plan: ImportPlan) -> None:
    """A folder the dry run accepts (replace mode) is written by the database without complaint."""
    engine = make_engine("sqlite://")
    try:
        with scratch() as folder:
            report = import_folder(engine, write_bytes(folder, files), "replace", JOURNEYS, TAKEN_AT)
    finally:
        engine.dispose()
    assert report.counts == plan.counts


@st.composite
def byte_mutations(draw: st.DrawFn) -> Files:
    """FULL with one to three spans of one file replaced by awkward bytes."""
    name = draw(st.sampled_from(sorted(FULL_BYTES)))
    data = bytearray(FULL_BYTES[name])
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(data)))
        data[at:at + draw(st.integers(0, 3))] = draw(st.sampled_from(_NASTY_BYTES) | st.binary(min_size=1, max_size=4))
    return {**FULL_BYTES, name: bytes(data)}


@st.composite
def cell_mutations(draw: st.DrawFn) -> Files:
    """FULL with one to three cells replaced by any text (quoted as CSV needs)."""
    files = dict(FULL)
    for _ in range(draw(st.integers(1, 3))):
        name = draw(st.sampled_from(sorted(files)))
        row = draw(st.integers(2, FULL[name].count("\n")))
        column = draw(st.sampled_from(DATASET_BY_NAME[name].column_names))
        value = draw(st.sampled_from(_NASTY_CELLS) | st.text(st.characters(exclude_categories=("Cs",)), max_size=30))
        files = edit(files, name, row, column, value)
    return {name: text.encode() for name, text in files.items()}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(byte_mutations(), cell_mutations()), MODES)
def test_mutated_folder_is_planned_or_rejected_with_located_problems(
        guarded: tuple[Engine, tuple[object, ...]], files: Files, mode: str) -> None:
    result = outcome(guarded, files, mode)
    if isinstance(result, ImportPlan) and mode == "replace":
        imports_cleanly(files, result)


RULED: list[tuple[str, RowRule]] = [(ds.name, rule) for ds in load_order() for rule in ds.rules]


def _cell(name: str, column: str) -> str:
    grid = list(csv.reader(io.StringIO(FULL[name])))
    return grid[1][grid[0].index(column)]


@st.composite
def broken_rules(draw: st.DrawFn) -> tuple[Files, str, RowRule]:
    """FULL with row 2 of one dataset breaking one of its rules across columns."""
    name, rule = draw(st.sampled_from(RULED))
    files, other = {n: data.decode() for n, data in family(name).items()}, _cell(name, rule.other)
    if isinstance(rule, NotBefore) and DATASET_BY_NAME[name].column(rule.other).kind == "date":
        value = (date.fromisoformat(other) - timedelta(days=draw(st.integers(1, 5000)))).isoformat()
    elif isinstance(rule, NotBefore):
        earlier = datetime.fromisoformat(other) - timedelta(seconds=draw(st.integers(1, 10**8)))
        value = earlier.isoformat(sep=draw(st.sampled_from("T ")))
    elif isinstance(rule, AtMost):
        value = str(int(other) + draw(st.integers(1, 10**6)))
    else:
        assert isinstance(rule, BlankUnless)
        files = edit(files, name, 2, rule.other, draw(st.sampled_from(["", "  "])))
        value = repr(draw(st.floats(min_value=0.01, max_value=DEFAULT_MAX_AMOUNT)))
    files = edit(files, name, 2, rule.column, value)
    return {n: text.encode() for n, text in files.items()}, name, rule


@FAST
@given(broken_rules(), MODES)
def test_broken_rule_is_named_by_row_and_both_columns(guarded: tuple[Engine, tuple[object, ...]],
                                                      case: tuple[Files, str, RowRule], mode: str) -> None:
    files, name, rule = case
    problems = outcome(guarded, files, mode)
    assert isinstance(problems, list)
    named = [p for p in problems if p.startswith(f"{name}.csv, row 2, column {rule.column}: ")]
    assert named and rule.other in named[0] and rule.fix in named[0], problems


MONEY_CELLS = [(name, col.name) for name in sorted(FULL) for col in DATASET_BY_NAME[name].columns if col.money]


@st.composite
def huge_money(draw: st.DrawFn) -> tuple[Files, str, str, float]:
    """FULL with one money cell beyond the ceiling (which is drawn too), written several ways."""
    name, column = draw(st.sampled_from(MONEY_CELLS))
    ceiling = draw(st.just(DEFAULT_MAX_AMOUNT) | st.floats(min_value=1.0, max_value=1e15))
    size = draw(st.floats(min_value=ceiling, max_value=1e308, exclude_min=True))
    value = draw(st.sampled_from(["", "-"])) + draw(st.just(repr(size)) | st.integers(16, 400).map(lambda k: "9" * k))
    return {**family(name), name: edit(FULL, name, 2, column, value)[name].encode()}, name, column, ceiling


@FAST
@given(huge_money(), MODES)
def test_huge_money_is_named_by_row_and_column(guarded: tuple[Engine, tuple[object, ...]],
                                               case: tuple[Files, str, str, float], mode: str) -> None:
    files, name, column, ceiling = case
    problems = outcome(guarded, files, mode, ceiling)
    assert isinstance(problems, list)
    assert any(p.startswith(f"{name}.csv, row 2, column {column}: ") for p in problems), problems


@st.composite
def emptied_files(draw: st.DrawFn) -> tuple[Files, dict[str, bool]]:
    """FULL with some files 0 bytes (True) or only a header (False)."""
    names = draw(st.lists(st.sampled_from(sorted(FULL)), min_size=1, max_size=4, unique=True))
    zero = {name: draw(st.booleans()) for name in names}
    files = {name: b"" if zero[name] else FULL_BYTES[name].split(b"\n")[0] + b"\n" for name in names}
    return {**FULL_BYTES, **files}, zero


@FAST
@given(emptied_files())
def test_files_without_rows_are_named_before_they_empty_a_dataset(guarded: tuple[Engine, tuple[object, ...]],
                                                                   case: tuple[Files, dict[str, bool]]) -> None:
    files, zero = case
    result = outcome(guarded, files, "replace")
    if isinstance(result, list):      # a child still points at the emptied rows
        assert all("matches no" in p for p in result), result
        return
    assert result.blank == tuple(ds.name for ds in load_order() if ds.name in zero)
    assert result.emptied == () and result.will_empty == result.blank
    for name, is_zero in zero.items():
        why = "is 0 bytes" if is_zero else "holds no rows"
        assert f"{name}.csv {why}: {name} becomes empty (replace mode)" in result.warnings


@st.composite
def delimited(draw: st.DrawFn) -> tuple[Files, str, str]:
    """FULL with one file written by a spreadsheet that uses ``;`` or tabs between values."""
    name, mark = draw(st.sampled_from(sorted(FULL))), draw(st.sampled_from([";", "\t"]))
    out = io.StringIO()
    csv.writer(out, delimiter=mark, lineterminator=draw(st.sampled_from(["\n", "\r\n"]))).writerows(
        csv.reader(io.StringIO(FULL[name])))
    data = draw(st.sampled_from([b"", b"\xef\xbb\xbf"])) + out.getvalue().encode()
    return {**family(name), name: data}, name, "';'" if mark == ";" else "tabs"


@FAST
@given(delimited(), MODES)
def test_semicolon_or_tab_file_gets_the_delimiter_hint(guarded: tuple[Engine, tuple[object, ...]],
                                                       case: tuple[Files, str, str], mode: str) -> None:
    files, name, shown = case
    problems = outcome(guarded, files, mode)
    hint = (f"{name}.csv, row 1 (the header): the file seems to use {shown} as the delimiter; save it as CSV "
            "with commas (Excel: CSV UTF-8 (Comma delimited))")
    assert isinstance(problems, list) and hint in problems
    assert mode == "append" or problems == [hint]
