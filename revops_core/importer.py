"""CSV import of the contract datasets (DATA_CONTRACT.md), validated in full, written all or nothing.

Conventions (the same words appear in the README and in every message):

* **Files.** One ``<dataset>.csv`` per dataset, UTF-8 (a leading byte-order mark, as Excel's
  "CSV UTF-8" writes it, is accepted), a header row naming the columns. Any other file in the
  folder is ignored with a warning. An empty (0-byte) file, or one with only a header, holds zero
  rows; in replace mode it empties its dataset, which a warning says, as for a missing file. A
  file whose header is one column holding ``;`` or a tab is refused with a hint about the
  delimiter (European Excel saves "CSV" with semicolons).
* **Rows.** A problem's row is the spreadsheet row number: the header is row 1, so the first data
  row is row 2. Blank lines count as rows (so the numbers match the file) and hold no data.
* **Columns.** Every required column must be in the header; an optional (``?``) column may be
  left out and is then blank on every row. A column the contract does not know is dropped with
  a warning (the schema has no place for it).
* **Values.** Text is kept exactly as written; a cell of only spaces is blank. Other kinds may
  carry surrounding spaces. Booleans are ``true``/``false`` in any letter case; ``1``/``0``,
  ``yes``/``no`` are rejected, because a silent coercion hides a mapping mistake (a count column
  mapped onto a flag). Dates ``YYYY-MM-DD``, months ``YYYY-MM``, quarters ``YYYYQn``, timestamps
  ``YYYY-MM-DDTHH:MM[:SS[.ffffff]]`` (a space instead of ``T`` is accepted; no time zone).
  Numbers use ``.`` as the decimal point and no thousands separators; whole-number columns take
  digits only. Enumerations take the upper-case codes exactly. Money is finite and its absolute
  value at most the ceiling ``max_amount`` (``rules.yaml`` ``import.max_amount``).
* **Rules across columns.** Each dataset's ``rules`` (``contract.RowRule``) are checked on every
  row whose two values were read; a broken one is named by file, row and column, with both
  values and the fix.
* **Keys and links.** A key may appear once per file (a blank optional key column counts as a
  value); a foreign key must name a row of the referenced file in the same import, or, in
  append mode, a row already in the database. In append mode a key already in the database is
  a problem: append adds new rows only.
* **Modes.** ``replace`` replaces ALL datasets with the folder's content: a dataset without a
  file becomes empty (each one is named in a warning). ``append`` adds the folder's rows and
  leaves datasets without a file untouched. A folder holding no contract file at all is refused
  in both modes, so a wrong path can never empty the database.
* **All or nothing.** Every problem in every file is collected (at most ``MAX_LISTED`` per file
  and column, then an "… and N more" line); if there is any, ``ImportRejected`` is raised and
  nothing is written. ``check_folder`` is that whole check as a dry run (an ``ImportPlan``);
  ``import_folder`` runs the same check, then hands the clean folder to
  ``loader.write_datasets``, one transaction.
"""
from __future__ import annotations

import csv
import io
import logging
import math
import re
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from revops_core.contract import (DATASET_BY_NAME, DEFAULT_MAX_AMOUNT, JOURNEYS, AtMost, BlankUnless, Column,
                                  Dataset, NotBefore, RowRule, load_order)
from revops_core.errors import ImportRejected
from revops_core.loader import write_datasets
from revops_core.schema import TABLES, stored_version

log = logging.getLogger(__name__)

MODES = ("replace", "append")
FIRST_DATA_ROW = 2        # the header is row 1
MAX_LISTED = 50           # problems listed per file and column before "… and N more"
TEXT_LIMITS = {"str": 200, "journey": 40, "enum": 40}   # characters, as in schema.py
INT_LIMITS = (-(2**31), 2**31 - 1)                      # a portable SQL INTEGER
_IN_CHUNK = 1_000                                       # values per IN (...) lookup
_LONE_CR = re.compile(r"\r(?!\n)")
_EXCEL_CSV = "save it as CSV with commas (Excel: CSV UTF-8 (Comma delimited))"
_DELIMITERS = {";": "';'", "\t": "tabs"}                 # a delimiter a header may reveal, and its name

Keys = Mapping[str, Collection[tuple[object, ...]]]


class FolderRejected(ImportRejected):
    """``ImportRejected`` that also carries the warnings met on the way (ignored files, dropped columns)."""

    def __init__(self, problems: list[str], warnings: Iterable[str] = ()) -> None:
        super().__init__(problems)
        self.warnings = tuple(warnings)


@dataclass(frozen=True)
class ImportPlan:
    """What an import of a folder would do, found by checking it in full without writing.

    ``counts`` are the rows per dataset file; in replace mode ``emptied`` names the datasets
    without a file and ``blank`` those whose file holds no rows (0 bytes or only a header):
    both end up empty, which the page asks the user to confirm. ``warnings`` say so in words
    (with the ignored files and dropped columns).
    """

    mode: str
    counts: Mapping[str, int]
    emptied: tuple[str, ...] = ()
    blank: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def will_empty(self) -> tuple[str, ...]:
        """Every dataset the import leaves empty (``emptied`` and ``blank``), in load order."""
        return tuple(ds.name for ds in load_order() if ds.name in self.emptied or ds.name in self.blank)


@dataclass(frozen=True)
class ImportReport:
    """What an import wrote: rows per dataset file, datasets emptied (replace mode), warnings.

    ``emptied`` and ``blank`` as in ``ImportPlan`` (no file; a file without rows).
    """

    mode: str
    counts: Mapping[str, int]
    emptied: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    blank: tuple[str, ...] = ()


# ---- problems ---------------------------------------------------------------------------------
@dataclass
class _Problems:
    """Problems grouped by (file, column), each group listed up to ``MAX_LISTED`` messages."""

    groups: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    totals: dict[tuple[str, str], int] = field(default_factory=dict)

    def add(self, file: str, column: str, message: str) -> None:
        where = (file, column)
        listed = self.groups.setdefault(where, [])
        self.totals[where] = self.totals.get(where, 0) + 1
        if len(listed) < MAX_LISTED:
            listed.append(message)

    def cell(self, file: str, row: object, column: str, text: str) -> None:
        self.add(file, column, f"{file}, row {row}, column {column}: {text}")

    def listing(self) -> list[str]:
        """Every problem, files in load order, each group capped at ``MAX_LISTED``."""
        order = {f"{ds.name}.csv": i for i, ds in enumerate(load_order())}
        out: list[str] = []
        for (file, column), listed in sorted(self.groups.items(), key=lambda g: order.get(g[0][0], -1)):
            out += listed
            more = self.totals[(file, column)] - len(listed)
            if more:
                out.append(f"{file}, column {column}: … and {more} more problem(s) like these")
        return out


# ---- reading ----------------------------------------------------------------------------------
def read_folder(path: str | Path) -> dict[str, pd.DataFrame]:
    """Raw string frames of the folder's contract files, keyed by dataset name.

    Cells are strings exactly as written (``dtype=str``, no NA guessing); the index is the row
    number (header = row 1). Files that are not ``<dataset>.csv`` are skipped with a logged
    warning. Raises ``ImportRejected`` naming every file that is not UTF-8 or not valid CSV.
    """
    frames, problems, warnings = _scan(Path(path))
    for warning in warnings:
        log.warning(warning)
    if problems:
        raise ImportRejected(problems)
    return frames


def _scan(folder: Path) -> tuple[dict[str, pd.DataFrame], list[str], list[str]]:
    """(frames, problems, warnings) for every file in ``folder``."""
    if not folder.is_dir():
        return {}, [f"{folder}: no such folder"], []
    frames: dict[str, pd.DataFrame] = {}
    problems: list[str] = []
    warnings: list[str] = []
    for file in sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")):
        name = file.name[:-4] if file.name.endswith(".csv") else ""
        if name not in DATASET_BY_NAME:
            warnings.append(_unknown_file(file.name))
            continue
        frame, errors = _read_csv(file)
        problems += errors
        if frame is not None:
            frames[name] = frame
    return frames, problems, warnings


def _unknown_file(filename: str) -> str:
    hint = ""
    if filename.lower().endswith(".csv") and filename[:-4].lower() in DATASET_BY_NAME:
        hint = f" (file names are lower case: {filename.lower()})"
    return f"{filename}: not a contract file; ignored{hint}"


def _read_csv(file: Path) -> tuple[pd.DataFrame | None, list[str]]:
    """The raw frame of one CSV file (index = row number), or None and the reason."""
    data = file.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        return None, [f"{file.name}, line {line}: the file is not UTF-8 text (byte 0x{data[exc.start]:02x} "
                      f"at offset {exc.start}); save it as CSV UTF-8"]
    if not text.strip():
        return pd.DataFrame(columns=list(DATASET_BY_NAME[file.name[:-4]].column_names), dtype=str), []
    header = _header_problem(text)
    if header:
        return None, [f"{file.name}, row 1 (the header): {header}"]
    try:
        grid = _grid(text)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        return None, [f"{file.name}: not valid CSV ({_parser_message(exc)}); "
                      "a value holding a comma, quote or line break must be in double quotes"]
    return _with_header(file.name, grid)


def _header_problem(text: str) -> str | None:
    """What is wrong with the first record as a header (blank; one column holding ``;`` or a tab), or None."""
    try:
        header = next(csv.reader(io.StringIO(text, newline="")))
    except (csv.Error, StopIteration):
        return None   # the parser reports what is wrong with the file
    if not any(name.strip() for name in header):
        return "the header is blank; the first line must name the columns"
    if len(header) > 1:
        return None
    found = next((name for mark, name in _DELIMITERS.items() if mark in header[0]), None)
    return f"the file seems to use {found} as the delimiter; {_EXCEL_CSV}" if found else None


def _grid(text: str) -> pd.DataFrame:
    """Every record of ``text`` (header included) as strings, short records padded with blanks.

    pandas' fast parser takes a lone carriage return as a line break even inside quotes, so a
    file holding one is read with the standard library's ``csv`` module instead.
    """
    if _LONE_CR.search(text) is None:
        return pd.read_csv(io.StringIO(text), header=None, dtype=str, keep_default_na=False,
                           skip_blank_lines=False, index_col=False)
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:   # e.g. a field over the csv module's size limit
        raise pd.errors.ParserError(str(exc)) from exc
    width = len(records[0])
    for line, record in enumerate(records, start=1):
        if len(record) > width:
            raise pd.errors.ParserError(f"Expected {width} fields in line {line}, saw {len(record)}")
    return pd.DataFrame([r + [""] * (width - len(r)) for r in records], dtype=str)


def _parser_message(exc: Exception) -> str:
    """The parser's complaint in the file's own numbering (pandas counts records from 0)."""
    unclosed = re.search(r"EOF inside string starting at row ([0-9]+)", str(exc))
    if unclosed:
        return f"the double quote opened on row {int(unclosed.group(1)) + 1} is never closed"
    found = re.search(r"Expected ([0-9]+) fields in line ([0-9]+), saw ([0-9]+)", str(exc))
    if not found:
        return str(exc).strip()
    expected, line, saw = found.groups()
    return f"line {line} has {saw} fields but the header has {expected}"


def _with_header(filename: str, grid: pd.DataFrame) -> tuple[pd.DataFrame | None, list[str]]:
    """Split the header row off ``grid``; number rows from 2 and drop blank lines."""
    header = [str(h).strip() for h in grid.iloc[0]]
    seen: dict[str, int] = {}
    problems = []
    for pos, name in enumerate(header, start=1):
        if name in seen:
            problems.append(f"{filename}, column {name}: the header names this column twice "
                            f"(columns {seen[name]} and {pos}); keep one")
        seen.setdefault(name, pos)
    if problems:
        return None, problems
    body = grid.iloc[1:].copy()
    body.columns = header
    body.index = body.index + (FIRST_DATA_ROW - 1)   # grid index 1 is the first data row
    blank = (body == "").all(axis=1)
    return body[~blank], []


# ---- parsing values ---------------------------------------------------------------------------
_PATTERNS = {
    "int": r"[+-]?[0-9]+",
    "float": r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?",
    "date": r"[0-9]{4}-[0-9]{2}-[0-9]{2}",
    "month": r"[0-9]{4}-(0[1-9]|1[0-2])",
    "quarter": r"[0-9]{4}Q[1-4]",
    "timestamp": r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?",
    "bool": r"(?i)true|false",
}
_CONVERT: dict[str, Callable[[str], object]] = {
    "int": int, "float": float, "date": date.fromisoformat, "timestamp": datetime.fromisoformat,
    "month": str, "quarter": str, "bool": lambda text: text.lower() == "true",
}
_HINTS = {
    "int": "is not a whole number; use digits only, e.g. 12",
    "float": "is not a number; use digits with a decimal point, e.g. 1234.5 "
             "(no thousands separators or currency signs)",
    "bool": "is not a boolean; use true or false",
    "date": "is not a date; use YYYY-MM-DD",
    "month": "is not a month; use YYYY-MM",
    "quarter": "is not a quarter; use YYYYQn, e.g. 2025Q3",
    "timestamp": "is not a timestamp; use YYYY-MM-DDTHH:MM:SS (no time zone)",
}
_BAD = object()   # a cell that matched the pattern but is still no value (2025-02-30, 1e999)


def _convert(kind: str, text: str) -> object:
    """``text`` converted for ``kind``, or ``_BAD``."""
    try:
        value = _CONVERT[kind](text)
    except ValueError:
        return _BAD
    return _BAD if isinstance(value, float) and not math.isfinite(value) else value


def _rows_where(index: pd.Index, mask: np.ndarray) -> list[object]:
    """The row numbers (index labels) where ``mask`` holds, as Python values."""
    return index.to_numpy()[mask].tolist()


def _parse_typed(col: Column, text: pd.Series, cells: np.ndarray, todo: np.ndarray, values: np.ndarray,
                 max_amount: float) -> dict[object, str]:
    """Fill ``values`` for the non-text cells in ``todo``; a message per bad row."""
    matched = text.str.fullmatch(_PATTERNS[col.kind]).to_numpy(dtype=bool, na_value=False) & todo
    values[matched] = np.array([_convert(col.kind, t) for t in cells[matched]], dtype=object)
    unconverted = (values == _BAD) if matched.any() else np.zeros(len(cells), dtype=bool)
    bad_mask = (todo & ~matched) | unconverted
    values[unconverted] = None
    bad = {row: f"{cell!r} {_HINTS[col.kind]}" for row, cell in zip(_rows_where(text.index, bad_mask), cells[bad_mask])}
    if col.kind in ("int", "float"):
        bad.update(_out_of_range(col, text.index, values, todo & ~bad_mask))
    if col.money:
        for row, message in _beyond_ceiling(text.index, values, todo & ~bad_mask, max_amount).items():
            bad.setdefault(row, message)
    return bad


def _allowed(col: Column, journeys: Collection[str]) -> tuple[str, ...]:
    return tuple(journeys) if col.kind == "journey" else col.values


def _text_problem(value: str, limit: int) -> str:
    if "\x00" in value:
        return "the value contains a NUL character; remove it"
    return f"the value is {len(value)} characters long; the limit is {limit}"


def _parse_text(col: Column, text: pd.Series, cells: np.ndarray, todo: np.ndarray,
                journeys: Collection[str], values: np.ndarray) -> dict[object, str]:
    """Fill ``values`` for the text cells (str, enum, journey) in ``todo``; a message per bad row."""
    allowed, limit = _allowed(col, journeys), TEXT_LIMITS[col.kind]
    fits = ~((text.str.len() > limit) | text.str.contains("\x00", regex=False)).to_numpy(dtype=bool, na_value=False)
    unknown = ~text.isin(allowed).to_numpy(dtype=bool) & todo if allowed else np.zeros(len(cells), dtype=bool)
    listed = ", ".join(allowed)
    bad: dict[object, str] = {row: f"{v!r} is not an allowed value; use one of {listed}"
                              for row, v in zip(_rows_where(text.index, unknown), cells[unknown])}
    misfit = ~fits & todo & ~unknown
    bad.update((row, _text_problem(v, limit)) for row, v in zip(_rows_where(text.index, misfit), cells[misfit]))
    values[todo] = cells[todo]
    return bad


def _range_text(low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return f"use a value from {low:g} to {high:g}"
    return f"use a value of at least {low:g}" if low is not None else f"use a value of at most {high:g}"


def _bounds(col: Column) -> tuple[float | None, float | None]:
    low, high = col.min_value, col.max_value
    if col.kind == "int":
        low = INT_LIMITS[0] if low is None else max(low, INT_LIMITS[0])
        high = INT_LIMITS[1] if high is None else min(high, INT_LIMITS[1])
    return low, high


def _out_of_range(col: Column, index: pd.Index, values: np.ndarray, parsed: np.ndarray) -> dict[object, str]:
    """A message per parsed row whose number lies outside the column's (and the type's) range."""
    low, high = _bounds(col)
    outside = np.zeros(len(values), dtype=bool)
    if low is not None:
        outside[parsed] |= (values[parsed] < low).astype(bool)
    if high is not None:
        outside[parsed] |= (values[parsed] > high).astype(bool)
    rows = _rows_where(index, outside)
    return {row: f"{v!r} is out of range; {_range_text(low, high)}" for row, v in zip(rows, values[outside])}


def _amount_text(amount: float) -> str:
    """``amount`` with thousands separators (1,000,000,000,000), fractions only when it has one."""
    return f"{amount:,.0f}" if float(amount).is_integer() else f"{amount:,}"


def _beyond_ceiling(index: pd.Index, values: np.ndarray, parsed: np.ndarray, max_amount: float) -> dict[object, str]:
    """A message per parsed money cell whose absolute value exceeds ``max_amount``."""
    beyond = np.zeros(len(values), dtype=bool)
    beyond[parsed] = np.abs(values[parsed].astype(float)) > max_amount
    rule = f"the ceiling of {_amount_text(max_amount)} (rules.yaml import.max_amount)"
    return {row: f"{v!r} is beyond {rule}; check the unit (cents?) or raise the ceiling"
            for row, v in zip(_rows_where(index, beyond), values[beyond])}


def parse_column(col: Column, raw: pd.Series, journeys: Collection[str],
                 max_amount: float = DEFAULT_MAX_AMOUNT) -> tuple[pd.Series, dict[object, str]]:
    """One raw string column as Python values (None for blank) and a message per bad row.

    Blank cells of a required column are problems; of an optional column they become None.
    Text (``str``) keeps its exact spelling; every other kind is read without surrounding spaces.
    A money column's absolute values may not exceed ``max_amount``.
    """
    stripped = raw.str.strip()
    blank = (stripped == "").to_numpy(dtype=bool, na_value=True)
    text = raw if col.kind == "str" else stripped
    cells = text.to_numpy(dtype=object)
    values = np.full(len(raw), None, dtype=object)   # numpy keeps Python objects as they are
    bad = {row: f"blank, but {col.name} is required" for row in _rows_where(raw.index, blank)} \
        if col.required else {}
    if col.kind in TEXT_LIMITS:
        bad.update(_parse_text(col, text, cells, ~blank, journeys, values))
    else:
        bad.update(_parse_typed(col, text, cells, ~blank, values, max_amount))
    values[raw.index.get_indexer(list(bad))] = None
    return pd.Series(values, index=raw.index, dtype=object), dict(sorted(bad.items(), key=lambda item: item[0]))


def _parse_frame(ds: Dataset, raw: pd.DataFrame, journeys: Collection[str], max_amount: float,
                 problems: _Problems, warnings: list[str]) -> pd.DataFrame:
    """The typed frame of one dataset (contract columns, index = row numbers)."""
    file = f"{ds.name}.csv"
    for extra in [c for c in raw.columns if c not in ds.column_names]:
        warnings.append(f"{file}, column {extra}: not a contract column; dropped")
    columns: dict[str, pd.Series] = {}
    for col in ds.columns:
        if col.name not in raw.columns:
            if col.required:
                problems.add(file, col.name, f"{file}, column {col.name}: required column is missing "
                                             "from the header")
            columns[col.name] = pd.Series([None] * len(raw), index=raw.index, dtype=object)
            continue
        columns[col.name], bad = parse_column(col, raw[col.name], journeys, max_amount)
        for row, text in bad.items():
            problems.cell(file, row, col.name, text)
    return pd.DataFrame(columns, index=raw.index, columns=list(ds.column_names), dtype=object)


# ---- rules across columns ---------------------------------------------------------------------
def _compared(values: np.ndarray, others: np.ndarray, broken: np.ufunc) -> np.ndarray:
    """Where both values are set and ``broken(value, other)`` holds."""
    both = pd.notna(values) & pd.notna(others)
    out = np.zeros(len(values), dtype=bool)
    out[both] = broken(values[both], others[both]).astype(bool)
    return out


BlankMask = Callable[[], np.ndarray]   # where the other column is blank in the file, computed on demand


def _before(values: np.ndarray, others: np.ndarray, other_blank: BlankMask) -> np.ndarray:
    return _compared(values, others, np.less)


def _more_than(values: np.ndarray, others: np.ndarray, other_blank: BlankMask) -> np.ndarray:
    return _compared(values, others, np.greater)


def _set_without(values: np.ndarray, others: np.ndarray, other_blank: BlankMask) -> np.ndarray:
    return pd.notna(values) & (values != 0) & other_blank()


# Where each kind of rule is broken: (values, other values, other column blank) -> mask.
_BROKEN: dict[type[RowRule], Callable[[np.ndarray, np.ndarray, BlankMask], np.ndarray]] = {
    NotBefore: _before, AtMost: _more_than, BlankUnless: _set_without,
}


def _blank_cells(raw: pd.DataFrame, name: str) -> np.ndarray:
    """Where column ``name`` is blank in the file (a bad cell is not blank); everywhere if the header lacks it."""
    if name not in raw.columns:
        return np.ones(len(raw), dtype=bool)
    return (raw[name].str.strip() == "").to_numpy(dtype=bool, na_value=True)


def _cell_text(value: object) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def _rule_text(rule: RowRule, value: object, other_value: object) -> str:
    """What is wrong with the row, both values named, then the fix."""
    what = rule.message.format(value=_cell_text(value), other=rule.other, other_value=_cell_text(other_value))
    return f"{what}; {rule.fix}"


def _check_rules(ds: Dataset, frame: pd.DataFrame, raw: pd.DataFrame, problems: _Problems) -> None:
    """Every row rule of ``ds`` on every row of the typed ``frame``, named by the rule's column."""
    file = f"{ds.name}.csv"
    for rule in ds.rules:
        values, others = frame[rule.column].to_numpy(dtype=object), frame[rule.other].to_numpy(dtype=object)
        broken = _BROKEN[type(rule)](values, others, partial(_blank_cells, raw, rule.other))
        for row, value, other in zip(_rows_where(frame.index, broken), values[broken], others[broken]):
            problems.cell(file, row, rule.column, _rule_text(rule, value, other))


# ---- keys and links ---------------------------------------------------------------------------
def _show(values: tuple[object, ...]) -> str:
    shown = [v.isoformat() if isinstance(v, date) else v for v in values]
    return repr(shown[0]) if len(shown) == 1 else "(" + ", ".join(repr(v) for v in shown) + ")"


def _key_rows(ds: Dataset, frame: pd.DataFrame) -> pd.DataFrame:
    """Rows whose required key columns all parsed (the others are reported already)."""
    required = [k for k in ds.key if ds.column(k).required]
    return frame[pd.notna(frame[required].to_numpy(dtype=object)).all(axis=1)]


def _key_tuples(frame: pd.DataFrame, key: list[str]) -> Iterator[tuple[object, tuple[object, ...]]]:
    """(row number, key values) for every row of ``frame``."""
    return zip(frame.index, zip(*(frame[k] for k in key)))


def _check_duplicates(ds: Dataset, frame: pd.DataFrame, existing: Keys | None, problems: _Problems) -> None:
    """Each key once per file (the later row names the earlier), and in append mode not in the database."""
    file, key = f"{ds.name}.csv", list(ds.key)
    rows = _key_rows(ds, frame)
    first: dict[tuple[object, ...], object] = {}
    for row, values in _key_tuples(rows[rows.duplicated(subset=key, keep=False)], key):
        if values in first:
            problems.cell(file, row, ", ".join(key), f"duplicate key {_show(values)}, also on row "
                                                     f"{first[values]}; each key may appear once")
        first.setdefault(values, row)
    in_db = set(existing.get(ds.name, ())) if existing is not None else set()
    for row, values in _key_tuples(rows, key) if in_db else ():
        if values in in_db:
            problems.cell(file, row, ", ".join(key), f"key {_show(values)} is already in the database; "
                                                     "append adds new rows only (use replace to reload)")


def _target_values(target: str, frames: Mapping[str, pd.DataFrame], existing: Keys | None) -> set[object]:
    ds = DATASET_BY_NAME[target]
    values: set[object] = set(frames[target][ds.key[0]].dropna()) if target in frames else set()
    if existing is not None:
        values |= {k[0] for k in existing.get(target, ())}
    return values


def _missing_target_text(col: Column, frames: Mapping[str, pd.DataFrame], existing: Keys | None) -> str:
    """Why a reference does not resolve, in the words of the mode."""
    target, column = col.references.split(".")  # type: ignore[union-attr]
    if existing is not None:
        return f"matches no {column} in {target}.csv or in the database"
    if target not in frames:
        return f"matches no {column}: there is no {target}.csv in the folder, and replace mode leaves {target} empty"
    return f"matches no {column} in {target}.csv"


def _check_references(ds: Dataset, frames: Mapping[str, pd.DataFrame], existing: Keys | None,
                      problems: _Problems, incomplete: Collection[str]) -> None:
    """Every foreign-key value names a row of the referenced dataset."""
    file = f"{ds.name}.csv"
    for col in (c for c in ds.columns if c.references):
        target = col.references.split(".")[0]  # type: ignore[union-attr]
        if target in incomplete:
            continue
        values = frames[ds.name][col.name].dropna()
        dangling = values[~values.isin(_target_values(target, frames, existing))]
        text = _missing_target_text(col, frames, existing)
        for row, value in dangling.items():
            problems.cell(file, row, col.name, f"{value!r} {text}")


def _incomplete(raw_frames: Mapping[str, pd.DataFrame]) -> set[str]:
    """Datasets whose header lacks a key column: their key checks would only repeat that problem."""
    return {name for name, raw in raw_frames.items() if name in DATASET_BY_NAME
            and not set(DATASET_BY_NAME[name].key) <= set(raw.columns)}


def _check_links(frames: Mapping[str, pd.DataFrame], existing: Keys | None, problems: _Problems,
                 incomplete: Collection[str]) -> None:
    """Duplicate keys and dangling references, datasets in load order."""
    for ds in load_order():
        if ds.name not in frames:
            continue
        if ds.name not in incomplete:
            _check_duplicates(ds, frames[ds.name], existing, problems)
        _check_references(ds, frames, existing, problems, incomplete)


# ---- the pure validation ----------------------------------------------------------------------
def validate(raw_frames: Mapping[str, pd.DataFrame], journeys: Collection[str] = JOURNEYS,
             existing_keys: Keys | None = None, unreadable: Collection[str] = (),
             max_amount: float = DEFAULT_MAX_AMOUNT) -> tuple[dict[str, pd.DataFrame], list[str], list[str]]:
    """Parse and check raw string frames: (typed frames, problems, warnings).

    Typed frames hold contract columns in contract order with Python values (None for blank)
    and keep the row numbers (header = row 1, first data row = row 2) as their index. Every
    problem is reported, each naming file, row and column: bad values, money beyond
    ``max_amount``, broken row rules, duplicate keys, dangling links. ``existing_keys`` (append mode)
    maps a dataset to the key tuples already in the database: foreign keys may point at them
    and new rows may not repeat them; None means replace mode (links only within the import).
    ``unreadable`` names datasets whose file could not be read (already reported): references
    to them are not checked, so one bad file does not bury the listing in follow-on problems.
    """
    problems, warnings = _Problems(), []
    frames: dict[str, pd.DataFrame] = {}
    for name, raw in raw_frames.items():
        if name not in DATASET_BY_NAME:
            warnings.append(f"{name}.csv: not a contract file; ignored")
            continue
        ds = DATASET_BY_NAME[name]
        frames[name] = _parse_frame(ds, raw, journeys, max_amount, problems, warnings)
        _check_rules(ds, frames[name], raw, problems)
    _check_links(frames, existing_keys, problems, _incomplete(raw_frames) | set(unreadable))
    return frames, problems.listing(), warnings


# ---- the database side ------------------------------------------------------------------------
def _candidates(raw_frames: Mapping[str, pd.DataFrame]) -> dict[str, set[str]]:
    """Per dataset, the first-key-column values the import mentions (own keys and references)."""
    wanted: dict[str, set[str]] = {}
    for name, raw in raw_frames.items():
        ds = DATASET_BY_NAME.get(name)
        if ds is None:
            continue
        if ds.key[0] in raw.columns:
            wanted.setdefault(name, set()).update(_as_parsed(ds.column(ds.key[0]), raw))
        for col in (c for c in ds.columns if c.references and c.name in raw.columns):
            target = col.references.split(".")[0]  # type: ignore[union-attr]
            wanted.setdefault(target, set()).update(_as_parsed(col, raw))
    return wanted


def _as_parsed(col: Column, raw: pd.DataFrame) -> pd.Series:
    """A text column's cells as ``parse_column`` reads them (only ``str`` keeps its spaces)."""
    return raw[col.name] if col.kind == "str" else raw[col.name].str.strip()


def existing_keys(conn: Connection, raw_frames: Mapping[str, pd.DataFrame]) -> dict[str, set[tuple[object, ...]]]:
    """The database keys an append import could collide with or point at.

    Only rows whose first key column matches a value in the import are fetched (chunked
    ``IN`` lookups), so appending a small file to a large table stays cheap.
    """
    found: dict[str, set[tuple[object, ...]]] = {}
    for name, values in _candidates(raw_frames).items():
        table, key = TABLES[name], DATASET_BY_NAME[name].key
        listed = sorted(v for v in values if v.strip())
        found[name] = set()
        for start in range(0, len(listed), _IN_CHUNK):
            query = sa.select(*[table.c[k] for k in key]).where(
                table.c[key[0]].in_(listed[start:start + _IN_CHUNK]))
            found[name].update(tuple(r) for r in conn.execute(query))
    return found


def _contract_files(folder: Path) -> set[str]:
    """Datasets that have a file in ``folder``, readable or not."""
    return {p.name[:-4] for p in folder.glob("*.csv") if p.name[:-4] in DATASET_BY_NAME} if folder.is_dir() else set()


def _emptied(mode: str, present: Collection[str]) -> tuple[str, ...]:
    """Replace mode: the datasets without a file, in load order."""
    return tuple(ds.name for ds in load_order() if mode == "replace" and ds.name not in present)


def _blank(mode: str, frames: Mapping[str, pd.DataFrame]) -> tuple[str, ...]:
    """Replace mode: the datasets whose file holds no rows (0 bytes or only a header), in load order."""
    return tuple(ds.name for ds in load_order() if mode == "replace" and ds.name in frames and frames[ds.name].empty)


def _emptying(folder: Path, emptied: Iterable[str], blank: Iterable[str]) -> list[str]:
    """One warning per dataset replace mode leaves empty, saying why."""
    out = [f"no {name}.csv in the folder: {name} becomes empty (replace mode)" for name in emptied]
    for name in blank:
        why = "is 0 bytes" if (folder / f"{name}.csv").stat().st_size == 0 else "holds no rows"
        out.append(f"{name}.csv {why}: {name} becomes empty (replace mode)")
    return out


def _write(engine: Engine, frames: Mapping[str, pd.DataFrame], mode: str, taken_at: datetime | None) -> dict[str, int]:
    try:
        return write_datasets(engine, frames, mode=mode, source="import", taken_at=taken_at)
    except sa.exc.DBAPIError as exc:
        raise ImportRejected([f"the database refused the import ({exc.orig}); nothing was written"]) from exc


def _existing(engine: Engine, mode: str, raw: Mapping[str, pd.DataFrame]) -> Keys | None:
    """Append mode: the database keys the import may point at or collide with (None in replace mode).

    Read only: a database without the schema yet holds no keys.
    """
    if mode != "append":
        return None
    with engine.connect() as conn:
        return existing_keys(conn, raw) if stored_version(conn) is not None else {}


def _checked(engine: Engine, folder: Path, mode: str, journeys: Collection[str], max_amount: float
             ) -> tuple[dict[str, pd.DataFrame], list[str], set[str]]:
    """Read and validate the whole folder: (typed frames, warnings, datasets with a file).

    Raises ``FolderRejected`` listing every problem; nothing has been written at that point.
    """
    raw, problems, warnings = _scan(folder)
    if not raw and not problems:
        expected = ", ".join(f"{name}.csv" for name in DATASET_BY_NAME)
        problems.append(f"{folder}: the folder holds no contract file ({expected}); nothing to import")
    present = _contract_files(folder)
    frames, found, more_warnings = validate(raw, journeys, _existing(engine, mode, raw), present - set(raw),
                                            max_amount)
    if problems + found:
        raise FolderRejected(problems + found, warnings + more_warnings)
    return frames, warnings + more_warnings, present


def _plan(engine: Engine, path: str | Path, mode: str, journeys: Iterable[str], max_amount: float
          ) -> tuple[ImportPlan, dict[str, pd.DataFrame]]:
    """The checked folder: its plan and its typed frames (raises as ``check_folder``)."""
    if mode not in MODES:
        raise ValueError(f"mode must be 'replace' or 'append', not {mode!r}")
    folder = Path(path)
    frames, warnings, present = _checked(engine, folder, mode, tuple(journeys), max_amount)
    emptied, blank = _emptied(mode, present), _blank(mode, frames)
    counts = {ds.name: len(frames[ds.name]) for ds in load_order() if ds.name in frames}
    plan = ImportPlan(mode, counts, emptied, blank, tuple(warnings + _emptying(folder, emptied, blank)))
    return plan, frames


def check_folder(engine: Engine, path: str | Path, mode: str = "replace", journeys: Iterable[str] = JOURNEYS,
                 max_amount: float = DEFAULT_MAX_AMOUNT) -> ImportPlan:
    """Dry run of ``import_folder``: check everything, write nothing, say what the import would do.

    The same checks as ``import_folder`` (which runs this one), so a folder that passes here
    imports unless the database changes in between. The plan's ``will_empty`` names the
    datasets replace mode would leave empty (no file, or a file without rows): the page asks
    before writing. Raises ``ImportRejected`` (a ``FolderRejected`` with the warnings) listing
    every problem. In append mode the database is only read.
    """
    return _plan(engine, path, mode, journeys, max_amount)[0]


def import_folder(engine: Engine, path: str | Path, mode: str = "replace", journeys: Iterable[str] = JOURNEYS,
                  taken_at: datetime | None = None, max_amount: float = DEFAULT_MAX_AMOUNT) -> ImportReport:
    """Import a folder of contract CSV files: validate everything, then write in one transaction.

    ``replace`` replaces every dataset (absent files and files without rows become empty
    datasets, each named in a warning); ``append`` adds rows. ``journeys`` are the allowed
    journey codes (``config.rules.ecosystem.journeys``), ``max_amount`` the money ceiling
    (``config.rules.import_.max_amount``). Raises ``ImportRejected`` (a ``FolderRejected``
    carrying the warnings too) listing every problem; the database is then left untouched.
    """
    plan, frames = _plan(engine, path, mode, journeys, max_amount)
    counts = _write(engine, frames, mode, taken_at)
    return ImportReport(mode, counts, plan.emptied, plan.warnings, plan.blank)
