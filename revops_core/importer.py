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
  mapped onto a flag; a mapping preset, ``mapping.py``, states such spellings explicitly). Dates
  ``YYYY-MM-DD``, months ``YYYY-MM``, quarters ``YYYYQn``, timestamps
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
* **Modes.** ``replace`` (the default everywhere) replaces ALL datasets with the folder's content:
  a dataset without a file becomes empty (each one is named in a warning). ``append`` adds the
  folder's rows and leaves datasets without a file untouched. A folder holding no contract file
  at all is refused in both modes, so a wrong path can never empty the database.
* **Backups.** A folder holding ``manifest.json`` is a backup (``backup.py``): it restores every
  table, contract datasets and the product's own, exactly, in replace mode only; its manifest
  and checksums are checked first, then every row, as below.
* **All or nothing.** Every problem in every file is collected (at most ``MAX_LISTED`` per file
  and column, then an "… and N more" line; the validation report, ``ReportLine``, groups them
  by file, column and kind with the first ``REPORT_ROWS`` rows, the count and the fix); if there
  is any, ``ImportRejected`` is raised and nothing is written. ``check_folder`` is that whole
  check as a dry run (an ``ImportPlan``); ``import_folder`` checks and writes in one pass inside
  one transaction (writing stops at the first problem, checking goes on to list them all) and
  rolls it back when anything is wrong. Into a database without the schema yet, or from a
  folder with an unreadable file, it checks first and writes only after, so a rejected import
  creates nothing.
* **Memory.** Files are read in chunks of ``CHUNK_ROWS`` rows and written chunk by chunk, so a
  file of a million rows never sits in memory whole; only the keys of each dataset are kept
  (for duplicates and links).
"""
from __future__ import annotations

import codecs
import csv
import itertools
import logging
import math
import re
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import NamedTuple, Protocol

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from revops_core import backup
from revops_core.contract import (DATASET_BY_NAME, DATASETS, DEFAULT_MAX_AMOUNT, JOURNEYS, AtMost, BlankUnless,
                                  Column, Dataset, NotBefore, RowRule, load_order)
from revops_core.db import sqlite_path
from revops_core.errors import ImportRejected
from revops_core.loader import (DanglingRows, bulk_transaction, check_mode, clear_tables, data_loaded, finish_load,
                                insert_frame, insert_records, refresh_statistics, reset_sequences, staged,
                                start_load)
from revops_core.schema import TABLES, ensure_schema, stored_version

log = logging.getLogger(__name__)

MODES = ("replace", "append")
FIRST_DATA_ROW = 2        # the header is row 1
MAX_LISTED = 50           # problems listed per file and column before "… and N more"
REPORT_ROWS = 20          # rows named per line of the validation report
CHUNK_ROWS = 50_000       # rows read, checked and written at a time
TEXT_LIMITS = {"str": 200, "journey": 40, "enum": 40}   # characters, as in schema.py
INT_LIMITS = (-(2**31), 2**31 - 1)                      # a portable SQL INTEGER
_IN_CHUNK = 1_000                                       # values per IN (...) lookup
_BLOCK = 1 << 20                                        # bytes read at a time by the first pass
_LONE_CR = re.compile(rb"\r(?!\n)")
_EXCEL_CSV = "save it as CSV with commas (Excel: CSV UTF-8 (Comma delimited))"
_DELIMITERS = {";": "';'", "\t": "tabs"}                 # a delimiter a header may reveal, and its name
_REFERENCED = {c.references.split(".")[0] for ds in DATASETS for c in ds.columns if c.references}

Keys = Mapping[str, Collection[tuple[object, ...]]]
Progress = Callable[[float, str], None]
Writer = Callable[[str, pd.DataFrame], object]   # writes one checked chunk of a dataset


class FolderRejected(ImportRejected):
    """``ImportRejected`` that also carries the warnings met on the way and the validation report."""

    def __init__(self, problems: list[str], warnings: Iterable[str] = (), report: Iterable[ReportLine] = ()) -> None:
        super().__init__(problems)
        self.warnings = tuple(warnings)
        self.report = tuple(report)


@dataclass(frozen=True)
class ImportPlan:
    """What an import of a folder would do, found by checking it in full without writing.

    ``counts`` are the rows per dataset file (per table for a backup); in replace mode
    ``emptied`` names the datasets without a file and ``blank`` those whose file holds no rows
    (0 bytes or only a header): both end up empty, which the page asks the user to confirm.
    ``warnings`` say so in words (with the ignored files and dropped columns). ``backup``: the
    folder is a backup, whose import replaces every table.
    """

    mode: str
    counts: Mapping[str, int]
    emptied: tuple[str, ...] = ()
    blank: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    backup: bool = False

    @property
    def will_empty(self) -> tuple[str, ...]:
        """Every dataset the import leaves empty (``emptied`` and ``blank``), in load order."""
        return tuple(ds.name for ds in load_order() if ds.name in self.emptied or ds.name in self.blank)


@dataclass(frozen=True)
class ImportReport:
    """What an import wrote: rows per dataset file, datasets emptied (replace mode), warnings.

    ``emptied`` and ``blank`` as in ``ImportPlan`` (no file; a file without rows); ``backup``
    when a backup was restored (``counts`` then has every table).
    """

    mode: str
    counts: Mapping[str, int]
    emptied: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    blank: tuple[str, ...] = ()
    backup: bool = False


# ---- problems and the validation report --------------------------------------------------------
@dataclass(frozen=True)
class ReportLine:
    """One line of the validation report: one kind of problem in one file and column.

    ``rows`` are the first ``REPORT_ROWS`` rows (spreadsheet numbers; empty for a problem of
    the whole file or column), ``count`` every row with it, ``examples`` up to three values.
    """

    file: str
    column: str
    problem: str
    rows: tuple[object, ...]
    count: int
    examples: tuple[str, ...]
    fix: str


REPORT_COLUMNS = ("File", "Column", "Problem", f"Rows (first {REPORT_ROWS})", "Count", "Examples", "How to fix")


def report_frame(lines: Iterable[ReportLine]) -> pd.DataFrame:
    """The validation report as a table for people (``REPORT_COLUMNS``), one line per file, column and kind."""
    rows = [(line.file, line.column, line.problem,
             ", ".join(str(r) for r in line.rows) + (", …" if line.count > len(line.rows) else ""),
             line.count, " | ".join(line.examples), line.fix) for line in lines]
    return pd.DataFrame(rows, columns=list(REPORT_COLUMNS))


def plain_report(problems: Iterable[str]) -> tuple[ReportLine, ...]:
    """Report lines for problems known only as messages ("file: what is wrong; fix"), one line each."""
    out = []
    for problem in problems:
        file, _, text = problem.partition(": ")
        issue, _, fix = text.partition("; ")
        out.append(ReportLine(file, "", issue, (), 1, (), fix))
    return tuple(out)


class _Bad(NamedTuple):
    """One bad cell: the message after "column C: ", the problem without the value, the fix, the value."""

    text: str
    issue: str
    fix: str
    value: str = ""


def _example(value: object) -> str:
    """A value as the report shows it: printable, at most 40 characters."""
    text = "".join(ch if ch.isprintable() else "?" for ch in str(value))
    return text if len(text) <= 40 else text[:39] + "…"


@dataclass
class _Group:
    fix: str
    rows: list[object] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)
    count: int = 0

    def add(self, row: object | None, value: str) -> None:
        """Count one more row with this problem (the first rows and values are kept)."""
        self.count += 1
        if row is not None and len(self.rows) < REPORT_ROWS:
            self.rows.append(row)
        shown = _example(value)
        if value != "" and len(self.examples) < 3 and shown not in self.examples:
            self.examples.append(shown)


def _file_rank(file: str) -> int:
    """Files in load order; a folder or manifest first, a product table after every dataset."""
    order = {f"{ds.name}.csv": i for i, ds in enumerate(load_order())}
    return order.get(file, len(order) if file.endswith(".jsonl") else -1)


class _Problems:
    """Every problem of an import: listed per (file, column) up to ``MAX_LISTED``, grouped for the report.

    A message is stored without its file name (``tail``), so a caller may show the file under
    another name (an uploaded workbook, a mapped CRM export).
    """

    def __init__(self) -> None:
        self.listed: dict[tuple[str, str], list[str]] = {}
        self.totals: dict[tuple[str, str], int] = {}
        self.groups: dict[tuple[str, str, str], _Group] = {}

    def __bool__(self) -> bool:
        return bool(self.totals)

    def add(self, file: str, column: str, tail: str, issue: str, fix: str = "", row: object | None = None,
            value: str = "") -> None:
        """Record one problem: ``tail`` follows the file name in the listing; ``issue`` groups the report."""
        where = (file, column)
        listed = self.listed.setdefault(where, [])
        self.totals[where] = self.totals.get(where, 0) + 1
        if len(listed) < MAX_LISTED:
            listed.append(tail)
        self.groups.setdefault((file, column, issue), _Group(fix)).add(row, value)

    def cell(self, file: str, row: object, column: str, bad: _Bad) -> None:
        """Record a bad cell, named by file, row and column."""
        self.add(file, column, f", row {row}, column {column}: {bad.text}", bad.issue, bad.fix, row, bad.value)

    def whole(self, file: str, tail: str, column: str = "") -> None:
        """A problem of a whole file or column; ``tail`` follows the file name (", line 2: …", ": …")."""
        issue, _, fix = tail.split(": ", 1)[-1].partition("; ")
        self.add(file, column, tail, issue, fix)

    def listing(self, labels: Mapping[str, str] | None = None) -> list[str]:
        """Every problem, files in load order, each (file, column) capped at ``MAX_LISTED``."""
        out: list[str] = []
        for (file, column), listed in sorted(self.listed.items(), key=lambda g: _file_rank(g[0][0])):
            label = (labels or {}).get(file, file)
            out += [label + tail for tail in listed]
            more = self.totals[(file, column)] - len(listed)
            if more:
                out.append(f"{label}{f', column {column}' if column else ''}: … and {more} more problem(s) like these")
        return out

    def report(self, labels: Mapping[str, str] | None = None) -> tuple[ReportLine, ...]:
        """The validation report: one line per file, column and kind of problem, files in load order."""
        ordered = sorted(self.groups.items(), key=lambda g: _file_rank(g[0][0]))
        return tuple(ReportLine((labels or {}).get(file, file), column, issue, tuple(g.rows), g.count,
                                tuple(g.examples), g.fix) for (file, column, issue), g in ordered)

    def rejection(self, warnings: Iterable[str], labels: Mapping[str, str] | None = None) -> FolderRejected:
        """The exception listing every problem, with the warnings and the report."""
        return FolderRejected(self.listing(labels), warnings, self.report(labels))


# ---- reading CSV files in chunks ----------------------------------------------------------------
class UnreadableFile(Exception):  # noqa: N818 - a signal, not an error the user sees as such
    """A file that cannot be read as CSV: ``problems`` are (column, message after the file name)."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(tail for _, tail in problems))
        self.problems = problems


@dataclass(frozen=True)
class CsvInfo:
    """What a first pass over a file's bytes found (one block at a time).

    ``problem``: why it cannot be read (not UTF-8, a bad header), as the message after the
    file name; ``empty``: it holds no text; ``lines``: line breaks (for a progress bar);
    ``lone_cr``: a carriage return without a line feed somewhere (then it is read with the
    standard library's ``csv`` module, which keeps one inside quotes); ``size`` in bytes.
    """

    problem: str | None = None
    empty: bool = False
    lines: int = 0
    lone_cr: bool = False
    size: int = 0


@dataclass
class _ByteScan:
    lines: int = 0
    lone_cr: bool = False
    content: bool = False
    bad: str | None = None


def _not_utf8(exc: UnicodeDecodeError, data: bytes, start: int, lines: int) -> str:
    """The message for the first byte that is not UTF-8 (``data`` begins at file offset ``start``)."""
    line = lines + data[:exc.start].count(b"\n") + 1
    return (f", line {line}: the file is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset "
            f"{start + exc.start}); save it as CSV UTF-8")


def _scan_block(scan: _ByteScan, block: bytes, carry_cr: bool) -> bool:
    """Count line breaks and look for a lone CR in ``block``; returns whether it ends with a CR."""
    scan.lines += block.count(b"\n")
    if carry_cr and not block.startswith(b"\n"):
        scan.lone_cr = True
    if _LONE_CR.search(block[:-1] if block.endswith(b"\r") else block):
        scan.lone_cr = True
    return block.endswith(b"\r")


def _scan_bytes(path: Path) -> _ByteScan:
    """One pass over the file's bytes: UTF-8 validity, line breaks, lone CRs, any text at all."""
    scan, decoder = _ByteScan(), codecs.getincrementaldecoder("utf-8")()
    offset, carry_cr = 0, False
    with path.open("rb") as fh:
        while True:
            block = fh.read(_BLOCK)
            pending = decoder.getstate()[0]
            try:
                text = decoder.decode(block, final=not block)
            except UnicodeDecodeError as exc:
                scan.bad = _not_utf8(exc, pending + block, offset - len(pending), scan.lines)
                return scan
            scan.content = scan.content or bool(text.replace("\ufeff", "").strip())
            if not block:
                scan.lone_cr = scan.lone_cr or carry_cr
                return scan
            carry_cr = _scan_block(scan, block, carry_cr)
            offset += len(block)


def _first_record(path: Path) -> list[str] | None:
    """The first CSV record of the file, or None when the ``csv`` module cannot read it."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            return next(csv.reader(fh))
    except (csv.Error, StopIteration):
        return None   # the parser reports what is wrong with the file


def _header_problem(header: list[str] | None) -> str | None:
    """What is wrong with the first record as a header (blank; one column holding ``;`` or a tab), or None."""
    if header is None:
        return None
    if not any(name.strip() for name in header):
        return "the header is blank; the first line must name the columns"
    if len(header) > 1:
        return None
    found = next((name for mark, name in _DELIMITERS.items() if mark in header[0]), None)
    return f"the file seems to use {found} as the delimiter; {_EXCEL_CSV}" if found else None


def inspect_csv(path: Path) -> CsvInfo:
    """The first pass over a CSV file (see ``CsvInfo``); reads it in blocks, never whole."""
    size, scan = path.stat().st_size, _scan_bytes(path)
    if scan.bad:
        return CsvInfo(scan.bad, size=size)
    if not scan.content:
        return CsvInfo(empty=True, lines=scan.lines, size=size)
    header = _header_problem(_first_record(path))
    return CsvInfo(f", row 1 (the header): {header}" if header else None, False, scan.lines, scan.lone_cr, size)


def _pandas_grids(path: Path, rows: int) -> Iterator[pd.DataFrame]:
    """Records as string frames of ``rows`` records (header included; index = record number from 0)."""
    yield from pd.read_csv(path, header=None, dtype=str, keep_default_na=False, skip_blank_lines=False,
                           index_col=False, encoding="utf-8-sig", chunksize=rows)


def _csv_module_grids(path: Path, rows: int) -> Iterator[pd.DataFrame]:
    """As ``_pandas_grids`` through the ``csv`` module: pandas takes a lone carriage return as a line
    break even inside quotes. Short records are padded with blanks."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader, width, start = csv.reader(fh), 0, 0
        while True:
            try:
                batch = list(itertools.islice(reader, rows))
            except csv.Error as exc:   # e.g. a field over the csv module's size limit
                raise pd.errors.ParserError(str(exc)) from exc
            if not batch:
                return
            width = width or len(batch[0])
            for line, record in enumerate(batch, start=start + 1):
                if len(record) > width:
                    raise pd.errors.ParserError(f"Expected {width} fields in line {line}, saw {len(record)}")
            yield pd.DataFrame([r + [""] * (width - len(r)) for r in batch], index=range(start, start + len(batch)),
                               dtype=str)
            start += len(batch)


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


def _header_of(grid: pd.DataFrame) -> list[str]:
    """The stripped column names of the first record; raises ``UnreadableFile`` for a name given twice."""
    header = [str(h).strip() for h in grid.iloc[0]]
    seen: dict[str, int] = {}
    problems = []
    for pos, name in enumerate(header, start=1):
        if name in seen:
            problems.append((name, f", column {name}: the header names this column twice (columns {seen[name]} "
                                   f"and {pos}); keep one"))
        seen.setdefault(name, pos)
    if problems:
        raise UnreadableFile(problems)
    return header


def _body(grid: pd.DataFrame, header: list[str]) -> pd.DataFrame:
    """Data records under ``header``, numbered as spreadsheet rows, blank lines dropped."""
    body = grid.copy()
    body.columns = header
    body.index = body.index + (FIRST_DATA_ROW - 1)   # record 1 is the first data row
    return body[~(body == "").all(axis=1)]


def read_chunks(path: Path, columns_if_empty: Sequence[str] = (), rows: int = CHUNK_ROWS,
                info: CsvInfo | None = None) -> Iterator[pd.DataFrame]:
    """The data rows of a CSV file as string frames of at most ``rows`` rows (at least one frame).

    Cells are strings exactly as written (no NA guessing); columns are the header's names
    (stripped); the index is the row number (header = row 1). A file without text gives one
    empty frame with ``columns_if_empty``. Raises ``UnreadableFile`` when the file is not
    UTF-8, its header is bad, or it is not valid CSV (met while reading, so earlier chunks may
    have been yielded).
    """
    info = info or inspect_csv(path)
    if info.problem:
        raise UnreadableFile([("", info.problem)])
    if info.empty:
        yield pd.DataFrame(columns=list(columns_if_empty), dtype=str)
        return
    grids = _csv_module_grids(path, rows) if info.lone_cr else _pandas_grids(path, rows)
    header: list[str] | None = None
    try:
        for grid in grids:
            if header is None:
                header, grid = _header_of(grid), grid.iloc[1:]
            yield _body(grid, header)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise UnreadableFile([("", f": not valid CSV ({_parser_message(exc)}); a value holding a comma, quote or "
                                   "line break must be in double quotes")]) from exc


def _unknown_file(filename: str) -> str:
    hint = ""
    if filename.lower().endswith(".csv") and filename[:-4].lower() in DATASET_BY_NAME:
        hint = f" (file names are lower case: {filename.lower()})"
    elif filename in backup.product_file_names() or filename == backup.MANIFEST:
        hint = f" (a backup's file: it is restored only with the backup's {backup.MANIFEST} and every file it lists)"
    return f"{filename}: not a contract file; ignored{hint}"


def folder_files(folder: Path, is_backup: bool = False) -> tuple[dict[str, Path], list[str], list[str]]:
    """(dataset -> its ``<dataset>.csv``, problems, warnings) of a folder; other files are ignored with a warning
    (a backup's own files silently when ``is_backup``)."""
    if not folder.is_dir():
        return {}, [f"{folder}: no such folder"], []
    skip = {backup.MANIFEST, *backup.product_file_names()} if is_backup else set()
    files: dict[str, Path] = {}
    warnings: list[str] = []
    for file in sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")):
        name = file.name[:-4] if file.name.endswith(".csv") else ""
        if name in DATASET_BY_NAME:
            files[name] = file
        elif file.name not in skip:
            warnings.append(_unknown_file(file.name))
    return files, [], warnings


def read_folder(path: str | Path) -> dict[str, pd.DataFrame]:
    """Raw string frames of the folder's contract files, keyed by dataset name (each read whole).

    Cells are strings exactly as written (``dtype=str``, no NA guessing); the index is the row
    number (header = row 1). Files that are not ``<dataset>.csv`` are skipped with a logged
    warning. Raises ``ImportRejected`` naming every file that is not UTF-8 or not valid CSV.
    """
    files, problems, warnings = folder_files(Path(path))
    for warning in warnings:
        log.warning(warning)
    frames: dict[str, pd.DataFrame] = {}
    for name, file in files.items():
        try:
            frames[name] = pd.concat(list(read_chunks(file, DATASET_BY_NAME[name].column_names)))
        except UnreadableFile as exc:
            problems += [f"{file.name}{tail}" for _, tail in exc.problems]
    if problems:
        raise ImportRejected(problems)
    return frames


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


def _hinted(value: object, hint: str) -> _Bad:
    """A bad cell whose message is its value and ``hint`` ("is not a date; use YYYY-MM-DD")."""
    issue, _, fix = hint.partition("; ")
    return _Bad(f"{value!r} {hint}", issue, fix, str(value))


def _parse_typed(col: Column, text: pd.Series, cells: np.ndarray, todo: np.ndarray, values: np.ndarray,
                 max_amount: float) -> dict[object, _Bad]:
    """Fill ``values`` for the non-text cells in ``todo``; a bad cell per bad row."""
    matched = text.str.fullmatch(_PATTERNS[col.kind]).to_numpy(dtype=bool, na_value=False) & todo
    values[matched] = np.array([_convert(col.kind, t) for t in cells[matched]], dtype=object)
    unconverted = (values == _BAD) if matched.any() else np.zeros(len(cells), dtype=bool)
    bad_mask = (todo & ~matched) | unconverted
    values[unconverted] = None
    bad = {row: _hinted(cell, _HINTS[col.kind])
           for row, cell in zip(_rows_where(text.index, bad_mask), cells[bad_mask])}
    if col.kind in ("int", "float"):
        bad.update(_out_of_range(col, text.index, values, todo & ~bad_mask))
    if col.money:
        for row, problem in _beyond_ceiling(text.index, values, todo & ~bad_mask, max_amount).items():
            bad.setdefault(row, problem)
    return bad


def _allowed(col: Column, journeys: Collection[str]) -> tuple[str, ...]:
    return tuple(journeys) if col.kind == "journey" else col.values


def _text_problem(value: str, limit: int) -> _Bad:
    if "\x00" in value:
        return _Bad("the value contains a NUL character; remove it", "contains a NUL character", "remove it", value)
    return _Bad(f"the value is {len(value)} characters long; the limit is {limit}",
                f"is longer than {limit} characters", f"shorten it to at most {limit} characters", value)


def _parse_text(col: Column, text: pd.Series, cells: np.ndarray, todo: np.ndarray,
                journeys: Collection[str], values: np.ndarray) -> dict[object, _Bad]:
    """Fill ``values`` for the text cells (str, enum, journey) in ``todo``; a bad cell per bad row."""
    allowed, limit = _allowed(col, journeys), TEXT_LIMITS[col.kind]
    fits = ~((text.str.len() > limit) | text.str.contains("\x00", regex=False)).to_numpy(dtype=bool, na_value=False)
    unknown = ~text.isin(allowed).to_numpy(dtype=bool) & todo if allowed else np.zeros(len(cells), dtype=bool)
    listed = ", ".join(allowed)
    bad: dict[object, _Bad] = {
        row: _Bad(f"{v!r} is not an allowed value; use one of {listed}", "is not an allowed value",
                  f"use one of {listed}", v) for row, v in zip(_rows_where(text.index, unknown), cells[unknown])}
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


def _out_of_range(col: Column, index: pd.Index, values: np.ndarray, parsed: np.ndarray) -> dict[object, _Bad]:
    """A bad cell per parsed row whose number lies outside the column's (and the type's) range."""
    low, high = _bounds(col)
    outside = np.zeros(len(values), dtype=bool)
    if low is not None:
        outside[parsed] |= (values[parsed] < low).astype(bool)
    if high is not None:
        outside[parsed] |= (values[parsed] > high).astype(bool)
    if not outside.any():
        return {}
    rows, fix = _rows_where(index, outside), _range_text(low, high)
    return {row: _Bad(f"{v!r} is out of range; {fix}", "is out of range", fix, repr(v))
            for row, v in zip(rows, values[outside])}


def _amount_text(amount: float) -> str:
    """``amount`` with thousands separators (1,000,000,000,000), fractions only when it has one."""
    return f"{amount:,.0f}" if float(amount).is_integer() else f"{amount:,}"


def _beyond_ceiling(index: pd.Index, values: np.ndarray, parsed: np.ndarray, max_amount: float) -> dict[object, _Bad]:
    """A bad cell per parsed money cell whose absolute value exceeds ``max_amount``."""
    beyond = np.zeros(len(values), dtype=bool)
    beyond[parsed] = np.abs(values[parsed].astype(float)) > max_amount
    issue = f"is beyond the ceiling of {_amount_text(max_amount)} (rules.yaml import.max_amount)"
    fix = "check the unit (cents?) or raise the ceiling"
    return {row: _Bad(f"{v!r} {issue}; {fix}", issue, fix, repr(v))
            for row, v in zip(_rows_where(index, beyond), values[beyond])}


def parse_column(col: Column, raw: pd.Series, journeys: Collection[str],
                 max_amount: float = DEFAULT_MAX_AMOUNT) -> tuple[pd.Series, dict[object, _Bad]]:
    """One raw string column as Python values (None for blank) and a bad cell per bad row.

    Blank cells of a required column are problems; of an optional column they become None.
    Text (``str``) keeps its exact spelling; every other kind is read without surrounding spaces.
    A money column's absolute values may not exceed ``max_amount``.
    """
    stripped = raw.str.strip()
    blank = (stripped == "").to_numpy(dtype=bool, na_value=True)
    text = raw if col.kind == "str" else stripped
    cells = text.to_numpy(dtype=object)
    values = np.full(len(raw), None, dtype=object)   # numpy keeps Python objects as they are
    required = _Bad(f"blank, but {col.name} is required", "blank, but required", "fill in a value on every row")
    bad = {row: required for row in _rows_where(raw.index, blank)} if col.required else {}
    if col.kind in TEXT_LIMITS:
        bad.update(_parse_text(col, text, cells, ~blank, journeys, values))
    else:
        bad.update(_parse_typed(col, text, cells, ~blank, values, max_amount))
    values[raw.index.get_indexer(list(bad))] = None
    return pd.Series(values, index=raw.index, dtype=object), dict(sorted(bad.items(), key=lambda item: item[0]))


def _extra_columns(ds: Dataset, raw: pd.DataFrame) -> list[str]:
    """A warning per column of the header the contract does not know (it is dropped)."""
    return [f"{ds.name}.csv, column {extra}: not a contract column; dropped"
            for extra in raw.columns if extra not in ds.column_names]


def _parse_frame(ds: Dataset, raw: pd.DataFrame, journeys: Collection[str], max_amount: float,
                 problems: _Problems, first: bool) -> pd.DataFrame:
    """The typed frame of one chunk (contract columns, index = row numbers); the header is judged on the first."""
    file = f"{ds.name}.csv"
    columns: dict[str, pd.Series] = {}
    for col in ds.columns:
        if col.name not in raw.columns:
            if col.required and first:
                problems.add(file, col.name, f", column {col.name}: required column is missing from the header",
                             "required column is missing from the header",
                             "add the column to the header (DATA_CONTRACT.md lists every column)")
            columns[col.name] = pd.Series([None] * len(raw), index=raw.index, dtype=object)
            continue
        columns[col.name], bad = parse_column(col, raw[col.name], journeys, max_amount)
        for row, problem in bad.items():
            problems.cell(file, row, col.name, problem)
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


def _rule_bad(rule: RowRule, value: object, other_value: object) -> _Bad:
    """What is wrong with the row, both values named, then the fix."""
    what = rule.message.format(value=_cell_text(value), other=rule.other, other_value=_cell_text(other_value))
    issue = " ".join(rule.message.format(value="", other=rule.other, other_value="").split())
    return _Bad(f"{what}; {rule.fix}", issue, rule.fix, _cell_text(value))


def _check_rules(ds: Dataset, frame: pd.DataFrame, raw: pd.DataFrame, problems: _Problems) -> None:
    """Every row rule of ``ds`` on every row of the typed ``frame``, named by the rule's column."""
    file = f"{ds.name}.csv"
    for rule in ds.rules:
        values, others = frame[rule.column].to_numpy(dtype=object), frame[rule.other].to_numpy(dtype=object)
        broken = _BROKEN[type(rule)](values, others, partial(_blank_cells, raw, rule.other))
        for row, value, other in zip(_rows_where(frame.index, broken), values[broken], others[broken]):
            problems.cell(file, row, rule.column, _rule_bad(rule, value, other))


# ---- keys and links ---------------------------------------------------------------------------
def _show(values: tuple[object, ...]) -> str:
    shown = [v.isoformat() if isinstance(v, date) else v for v in values]
    return repr(shown[0]) if len(shown) == 1 else "(" + ", ".join(repr(v) for v in shown) + ")"


def _norm(key: tuple[object, ...]) -> object:
    """A key as the checks keep it: the value itself for a one-column key, else the tuple."""
    return key[0] if len(key) == 1 else key


def _as_tuple(key: object, width: int) -> tuple[object, ...]:
    return (key,) if width == 1 else key  # type: ignore[return-value]


def _key_rows(ds: Dataset, frame: pd.DataFrame) -> pd.DataFrame:
    """Rows whose required key columns all parsed (the others are reported already)."""
    required = [k for k in ds.key if ds.column(k).required]
    return frame[pd.notna(frame[required].to_numpy(dtype=object)).all(axis=1)]


def _keys_of(frame: pd.DataFrame, key: Sequence[str]) -> list[object]:
    if len(key) == 1:
        return frame[key[0]].tolist()
    return list(zip(*(frame[k].tolist() for k in key)))


class _Lookup(Protocol):
    """Keys already in the database (append mode)."""

    def keys(self, name: str, firsts: Collection[object]) -> Collection[object]:
        """Keys (as ``_norm`` keeps them) of dataset ``name`` whose first column is among ``firsts``."""


class _KnownKeys:
    """The database's keys, given by the caller (pure validation)."""

    def __init__(self, existing: Keys) -> None:
        self.existing = {name: {_norm(tuple(k)) for k in keys} for name, keys in existing.items()}

    def keys(self, name: str, firsts: Collection[object]) -> Collection[object]:
        """Every key the caller gave for ``name`` (the checks look up only the ones they need)."""
        return self.existing.get(name, set())


class _DatabaseKeys:
    """The database's keys, read with chunked ``IN`` lookups for only the values an import mentions."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def keys(self, name: str, firsts: Collection[object]) -> Collection[object]:
        """The keys of ``name`` in the database whose first column is among ``firsts``."""
        table, key = TABLES[name], DATASET_BY_NAME[name].key
        listed = sorted(v for v in firsts if isinstance(v, str) and v.strip())
        found: set[object] = set()
        for start in range(0, len(listed), _IN_CHUNK):
            query = sa.select(*[table.c[k] for k in key]).where(table.c[key[0]].in_(listed[start:start + _IN_CHUNK]))
            found.update(_norm(tuple(r)) for r in self.conn.execute(query))
        return found


_NO_KEYS = _KnownKeys({})
_HASH_KEYS = ("autorevops-key-1", "autorevops-key-2")   # two independent 64-bit hashes: 128 bits a key


def _key_hashes(frame: pd.DataFrame, columns: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Two independent 64-bit hashes of each row's values in ``columns``. Timestamps are hashed as
    nanoseconds, other values as they are (strings), so equal keys hash alike in every chunk."""
    canonical = pd.DataFrame({c: (frame[c].astype("datetime64[ns]").to_numpy().view("int64")
                                  if pd.api.types.is_datetime64_any_dtype(frame[c]) else frame[c].to_numpy(dtype=object))
                              for c in columns}, index=range(len(frame)))
    return tuple(pd.util.hash_pandas_object(canonical, index=False, hash_key=k).to_numpy()  # type: ignore[return-value]
                 for k in _HASH_KEYS)


class _KeyIndex:
    """The keys of one dataset file seen so far: their two hashes and the row of each, 24 bytes a key
    where a dict of Python tuples took ~300 (9.6M touchpoint keys: ~3 GiB). Two 64-bit hashes make a
    false match (2^-128 a pair) practically impossible.

    Kept as a few runs sorted by the first hash, merged as they grow (two runs of similar size
    become one), so adding a chunk never moves the whole index and a look-up searches a handful of
    sorted arrays with sorted needles."""

    def __init__(self) -> None:
        self.runs: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []

    def __len__(self) -> int:
        return sum(len(run[0]) for run in self.runs)

    def find(self, first: np.ndarray, second: np.ndarray) -> np.ndarray:
        """The row of each key given by its hashes, or -1 for a key not in the index."""
        found = np.full(len(first), -1, np.int64)
        if not len(first):
            return found
        order = np.argsort(first, kind="stable")
        f, s_ = first[order], second[order]
        for run_first, run_second, run_rows in self.runs:
            pos = np.searchsorted(run_first, f)
            inside = np.flatnonzero(pos < len(run_first))
            hit = inside[run_first[pos[inside]] == f[inside]]
            exact = hit[run_second[pos[hit]] == s_[hit]]
            found[order[exact]] = run_rows[pos[exact]]
            for i in np.setdiff1d(hit, exact, assume_unique=True):  # another key shares the first hash
                j = int(pos[i]) + 1
                while j < len(run_first) and run_first[j] == f[i]:
                    if run_second[j] == s_[i]:
                        found[order[i]] = run_rows[j]
                        break
                    j += 1
        return found

    def add(self, first: np.ndarray, second: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Add a chunk's keys (``rows`` ascending); returns, per key, the row it repeats (an earlier
        chunk's, or an earlier row of this chunk) or -1 for a key seen the first time."""
        earlier = self.find(first, second)
        order = np.lexsort((rows, second, first))          # by key, then by row
        f, s_, r = first[order], second[order], rows[order]
        starts = np.ones(len(f), bool)
        starts[1:] = (f[1:] != f[:-1]) | (s_[1:] != s_[:-1])
        run_first = r[np.maximum.accumulate(np.where(starts, np.arange(len(f)), 0))]
        within = np.full(len(first), -1, np.int64)
        within[order[~starts]] = run_first[~starts]
        new = starts & (earlier[order] < 0)               # first occurrences, absent before (sorted by first)
        if new.any():
            self.runs.append((f[new], s_[new], r[new]))
            while len(self.runs) > 1 and len(self.runs[-2][0]) <= 2 * len(self.runs[-1][0]):
                merged = [np.concatenate(parts) for parts in zip(self.runs.pop(-2), self.runs.pop())]
                by_first = np.argsort(merged[0], kind="stable")
                self.runs.append((merged[0][by_first], merged[1][by_first], merged[2][by_first]))
        return np.where(earlier >= 0, earlier, within)


class _Validator:
    """The checks of one import, fed dataset by dataset in load order, chunk by chunk.

    Keeps only what later chunks need: each dataset's keys (with the row that first held
    them) for duplicates and links, and which datasets cannot be linked to (a file that could
    not be read, or whose header lacks a key column: links to them would only repeat that).
    """

    def __init__(self, journeys: Collection[str], max_amount: float, problems: _Problems, warnings: list[str],
                 lookup: _Lookup | None, present: Collection[str], unreadable: Collection[str] = ()) -> None:
        self.journeys, self.max_amount = tuple(journeys), max_amount
        self.problems, self.warnings, self.lookup = problems, warnings, lookup
        self.present = set(present)
        self.skip = set(unreadable)
        self.keys: dict[str, _KeyIndex] = {}

    def check(self, ds: Dataset, raw: pd.DataFrame, first: bool) -> pd.DataFrame:
        """The typed chunk of ``ds``; every problem of its cells, rows, keys and links is recorded."""
        complete = set(ds.key) <= set(raw.columns)
        if first:
            self.warnings += _extra_columns(ds, raw)
            if not complete:
                self.skip.add(ds.name)
        frame = _parse_frame(ds, raw, self.journeys, self.max_amount, self.problems, first)
        _check_rules(ds, frame, raw, self.problems)
        if complete:
            self._check_duplicates(ds, frame)
        self._check_references(ds, frame)
        return frame

    def done(self, name: str) -> None:
        """The dataset's file is finished: forget its keys unless another dataset links to it."""
        if name not in _REFERENCED:
            self.keys.pop(name, None)

    def _check_duplicates(self, ds: Dataset, frame: pd.DataFrame) -> None:
        """Each key once per file (the later row names the earlier), and in append mode not in the database."""
        file, label = f"{ds.name}.csv", ", ".join(ds.key)
        rows = _key_rows(ds, frame)
        if not len(rows):
            return
        first, second = _key_hashes(rows, ds.key)
        repeats = self.keys.setdefault(ds.name, _KeyIndex()).add(first, second, rows.index.to_numpy(dtype=np.int64))
        dup = np.flatnonzero(repeats >= 0)
        repeated = rows.iloc[dup]
        for row, key, earlier in zip(repeated.index.tolist(), _keys_of(repeated, ds.key), repeats[dup].tolist()):
            shown = _show(_as_tuple(key, len(ds.key)))
            self.problems.cell(file, row, label, _Bad(f"duplicate key {shown}, also on row {earlier}; each key "
                                                      "may appear once", "duplicate key", "each key may appear once",
                                                      shown))
        if self.lookup is not None:
            once = rows.iloc[np.flatnonzero(repeats < 0)]
            fresh = list(zip(once.index.tolist(), _keys_of(once, ds.key)))
            if fresh:
                self._check_in_database(ds, fresh)

    def _check_in_database(self, ds: Dataset, fresh: list[tuple[object, object]]) -> None:
        width, label = len(ds.key), ", ".join(ds.key)
        in_db = self.lookup.keys(ds.name, {_as_tuple(k, width)[0] for _, k in fresh})  # type: ignore[union-attr]
        fix = "append adds new rows only (use replace to reload)"
        for row, key in fresh:
            if key in in_db:
                shown = _show(_as_tuple(key, width))
                self.problems.cell(f"{ds.name}.csv", row, label, _Bad(f"key {shown} is already in the database; {fix}",
                                                                      "key already in the database", fix, shown))

    def _missing_text(self, col: Column) -> tuple[str, str]:
        """Why a reference does not resolve, in the words of the mode, and the fix."""
        target, column = col.references.split(".")  # type: ignore[union-attr]
        fix = f"add the {column} to {target}.csv or correct the value"
        if self.lookup is not None:
            return f"matches no {column} in {target}.csv or in the database", fix
        if target not in self.present:
            return (f"matches no {column}: there is no {target}.csv in the folder, and replace mode leaves {target} "
                    "empty", f"import {target}.csv too, or use append mode")
        return f"matches no {column} in {target}.csv", fix

    def _check_references(self, ds: Dataset, frame: pd.DataFrame) -> None:
        """Every foreign-key value names a row of the referenced dataset (in the import or, appending, the database)."""
        for col in (c for c in ds.columns if c.references):
            target = col.references.split(".")[0]  # type: ignore[union-attr]
            if target in self.skip:
                continue
            values = frame[col.name]
            values = values[pd.notna(values.to_numpy(dtype=object))]
            known = self.keys.get(target, _KeyIndex())
            found = known.find(*_key_hashes(values.to_frame(), [col.name])) if len(values) else np.empty(0, np.int64)
            missing = [(row, v) for row, v, at in zip(values.index.tolist(), values.tolist(), found.tolist()) if at < 0]
            if missing and self.lookup is not None:
                found = self.lookup.keys(target, {v for _, v in missing})
                missing = [(row, v) for row, v in missing if v not in found]
            what, fix = self._missing_text(col)
            for row, value in missing:
                self.problems.cell(f"{ds.name}.csv", row, col.name, _Bad(f"{value!r} {what}", what, fix, str(value)))


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
    warnings += [f"{name}.csv: not a contract file; ignored" for name in raw_frames if name not in DATASET_BY_NAME]
    lookup = None if existing_keys is None else _KnownKeys(existing_keys)
    checker = _Validator(journeys, max_amount, problems, warnings, lookup,
                         set(raw_frames) | set(unreadable), unreadable)
    frames = {ds.name: checker.check(ds, raw_frames[ds.name], True) for ds in load_order() if ds.name in raw_frames}
    return frames, problems.listing(), warnings


# ---- one pass over a folder ---------------------------------------------------------------------
@dataclass(frozen=True)
class _Settings:
    """What an import is asked to do, besides the folder."""

    mode: str
    journeys: tuple[str, ...]
    max_amount: float
    progress: Progress | None = None
    labels: Mapping[str, str] = field(default_factory=dict)


@dataclass
class _Pass:
    """The state of one pass over a folder: problems, warnings and the rows counted per dataset."""

    settings: _Settings
    problems: _Problems = field(default_factory=_Problems)
    warnings: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=dict)
    done_lines: int = 0
    total_lines: int = 1

    def tick(self, text: str, lines: int = 0) -> None:
        """Report progress: ``lines`` more lines done, ``text`` saying where."""
        self.done_lines += lines
        if self.settings.progress is not None:
            self.settings.progress(min(self.done_lines / self.total_lines, 1.0), text)

    def rejection(self) -> FolderRejected:
        """The exception listing this pass's problems (files shown under their labels)."""
        return self.problems.rejection(self.warnings, self.settings.labels)


def _inspect(files: Mapping[str, Path], run: _Pass) -> dict[str, CsvInfo]:
    """The first pass over every file; a problem per file that cannot be read."""
    infos = {name: inspect_csv(path) for name, path in files.items()}
    for name, info in infos.items():
        run.sizes[name] = info.size
        if info.problem:
            run.problems.whole(f"{name}.csv", info.problem)
    run.total_lines = max(sum(i.lines for i in infos.values()), 1)
    return infos


def _check_file(ds: Dataset, path: Path, info: CsvInfo, checker: _Validator, run: _Pass,
                write: Writer | None) -> None:
    """Check (and with ``write``, write while nothing is wrong) one dataset file, chunk by chunk."""
    count, first, last = 0, True, 1
    try:
        for raw in read_chunks(path, ds.column_names, info=info):
            typed = checker.check(ds, raw, first)
            first, count = False, count + len(typed)
            if write is not None and not run.problems:
                write(ds.name, typed)
            seen = int(raw.index[-1]) if len(raw) else last
            run.tick(f"{ds.name}: {count:,} rows", seen - last)
            last = seen
    except UnreadableFile as exc:
        checker.skip.add(ds.name)
        for column, tail in exc.problems:
            run.problems.whole(f"{ds.name}.csv", tail, column)
    run.counts[ds.name] = count
    checker.done(ds.name)


def _check_datasets(files: Mapping[str, Path], infos: Mapping[str, CsvInfo], run: _Pass, lookup: _Lookup | None,
                    write: Writer | None) -> None:
    """Every readable dataset file in load order, through one validator."""
    unreadable = {name for name, info in infos.items() if info.problem}
    checker = _Validator(run.settings.journeys, run.settings.max_amount, run.problems, run.warnings, lookup,
                         set(files), unreadable)
    for ds in load_order():
        if ds.name in files and ds.name not in unreadable:
            _check_file(ds, files[ds.name], infos[ds.name], checker, run, write)


def _plain_pass(folder: Path, settings: _Settings, lookup: _Lookup | None, write: Writer | None) -> _Pass:
    """One pass over a folder of contract files (writing each checked chunk through ``write`` when given)."""
    run = _Pass(settings)
    files, problems, warnings = folder_files(folder)
    run.warnings += warnings
    for problem in problems:
        run.problems.whole(str(folder), problem[len(str(folder)):])
    if not files and not problems:
        expected = ", ".join(f"{name}.csv" for name in DATASET_BY_NAME)
        run.problems.whole(str(folder), f": the folder holds no contract file ({expected}); nothing to import")
    _check_datasets(files, _inspect(files, run), run, lookup, write)
    return run


def _emptying(run: _Pass) -> list[str]:
    """Replace mode: a warning per dataset left empty, saying why."""
    out = [f"no {name}.csv in the folder: {name} becomes empty (replace mode)" for name in _emptied(run)]
    for name in _blank(run):
        why = "is 0 bytes" if run.sizes.get(name) == 0 else "holds no rows"
        out.append(f"{name}.csv {why}: {name} becomes empty (replace mode)")
    return out


def _blank(run: _Pass) -> tuple[str, ...]:
    """Replace mode: the datasets whose file holds no rows (0 bytes or only a header), in load order."""
    return tuple(ds.name for ds in load_order() if run.settings.mode == "replace" and run.counts.get(ds.name) == 0)


def _emptied(run: _Pass) -> tuple[str, ...]:
    """Replace mode: the datasets without a file, in load order."""
    present = set(run.sizes)
    return tuple(ds.name for ds in load_order() if run.settings.mode == "replace" and ds.name not in present)


def _counts(run: _Pass) -> dict[str, int]:
    return {ds.name: run.counts[ds.name] for ds in load_order() if ds.name in run.counts}


def _plan(run: _Pass) -> ImportPlan:
    """The plan of a pass without problems (raises ``FolderRejected`` listing them otherwise)."""
    if run.problems:
        raise run.rejection()
    return ImportPlan(run.settings.mode, _counts(run), _emptied(run), _blank(run),
                      tuple(run.warnings + _emptying(run)))


# ---- backups ------------------------------------------------------------------------------------
def is_backup(folder: Path) -> bool:
    """Whether ``folder`` holds a backup (its ``manifest.json``)."""
    return (folder / backup.MANIFEST).is_file()


def _manifest_files(folder: Path, run: _Pass) -> dict[str, Path] | None:
    """The files of a backup to restore (table -> path); None after recording why it cannot be restored."""
    manifest, problems = backup.read_manifest(folder)
    found: dict[str, Path] = {}
    if manifest is not None:
        found, more, warnings = backup.check_files(folder, manifest)
        problems += more
        run.warnings += warnings
        run.total_lines = max(sum(e.rows for e in manifest.files.values()), 1)
    if run.settings.mode != "replace":
        problems.append(f"{backup.MANIFEST}: a backup restores every table and is imported in replace mode only; "
                        "choose replace, or remove manifest.json to append its CSV files")
    for problem in problems:
        name, _, text = problem.partition(":")
        run.problems.whole(name, ":" + text)
    return None if problems else found


def _table_rows(table: sa.Table, path: Path, run: _Pass, unknown: set[str]) -> Iterator[dict[str, object]]:
    """The good rows of a ``.jsonl`` file; a problem per bad line, the unknown columns in ``unknown``."""
    for values, found, extra in backup.read_jsonl(path, table):
        unknown |= extra
        for p in found:
            run.problems.cell(path.name, p.row, p.column or "(line)", _Bad(p.text, p.issue, p.fix))
        if values is not None:
            yield values


def _restore_table(table: sa.Table, path: Path, run: _Pass, conn: Connection | None) -> None:
    """Check (and with ``conn``, write) one product table's ``.jsonl`` file, in batches."""
    batch: list[dict[str, object]] = []
    unknown: set[str] = set()
    count = 0
    try:
        for values in _table_rows(table, path, run, unknown):
            batch.append(values)
            count += 1
            if len(batch) >= backup.CHUNK_ROWS:
                _flush(conn, table, batch, run)
        _flush(conn, table, batch, run)
    except UnicodeDecodeError:
        run.problems.whole(path.name, ": the file is not UTF-8 text; restore the file exactly as exported")
    if unknown:
        run.warnings.append(f"{path.name}: column(s) {', '.join(sorted(unknown))} unknown to this version; dropped")
    run.counts[table.name] = count
    run.tick(f"{table.name}: {count:,} rows", count)


def _flush(conn: Connection | None, table: sa.Table, batch: list[dict[str, object]], run: _Pass) -> None:
    if conn is not None and not run.problems:
        insert_records(conn, table, batch)
    batch.clear()


def _check_counts(folder: Path, run: _Pass) -> None:
    """Every restored table holds as many rows as the manifest says."""
    manifest, _ = backup.read_manifest(folder)
    for name, entry in (manifest.files.items() if manifest else ()):
        held = run.counts.get(entry.table)
        if held is not None and held != entry.rows and not run.problems:
            run.problems.whole(name, f": {backup.MANIFEST} says {entry.rows:,} rows but the file holds {held:,}; "
                                     "restore the backup exactly as exported")


def _backup_pass(folder: Path, settings: _Settings, conn: Connection | None) -> _Pass:
    """One pass over a backup: manifest and checksums, then every contract dataset and product table."""
    run = _Pass(settings)
    found = _manifest_files(folder, run)
    if found is None:
        return run
    files = {name: path for name, path in found.items() if name in DATASET_BY_NAME}
    _check_datasets(files, _inspect(files, run), run, None, None if conn is None else partial(insert_frame, conn))
    for table in backup.product_tables():
        if table.name in found:
            _restore_table(table, found[table.name], run, conn)
    _check_counts(folder, run)
    return run


def _backup_plan(run: _Pass) -> ImportPlan:
    if run.problems:
        raise run.rejection()
    counts = {t.name: run.counts.get(t.name, 0) for t in backup.backup_tables()}
    return ImportPlan("replace", counts, warnings=tuple(run.warnings), backup=True)


# ---- the database side ------------------------------------------------------------------------
def _has_schema(engine: Engine) -> bool:
    """Whether the database holds the AutoRevOps schema; a SQLite file that does not exist is not created."""
    path = sqlite_path(engine.url.render_as_string(hide_password=False))
    if path is not None and not path.exists():
        return False
    with engine.connect() as conn:
        return stored_version(conn) is not None


@contextmanager
def _lookup(engine: Engine, mode: str) -> Iterator[_Lookup | None]:
    """Append mode: the database keys an import may point at or collide with (None in replace mode).

    Read only: a database without the schema yet holds no keys.
    """
    if mode != "append":
        yield None
    elif not _has_schema(engine):
        yield _NO_KEYS
    else:
        with engine.connect() as conn:
            yield _DatabaseKeys(conn)


def _settings(mode: str, journeys: Iterable[str], max_amount: float, progress: Progress | None,
              labels: Mapping[str, str] | None) -> _Settings:
    check_mode(mode)
    return _Settings(mode, tuple(journeys), max_amount, progress, dict(labels or {}))


def _dry_run(engine: Engine, folder: Path, settings: _Settings) -> ImportPlan:
    """The whole check without writing: the plan, or ``FolderRejected`` listing every problem."""
    if is_backup(folder):
        return _backup_plan(_backup_pass(folder, settings, None))
    with _lookup(engine, settings.mode) as lookup:
        return _plan(_plain_pass(folder, settings, lookup, None))


def check_folder(engine: Engine, path: str | Path, mode: str = "replace", journeys: Iterable[str] = JOURNEYS,
                 max_amount: float = DEFAULT_MAX_AMOUNT, *, progress: Progress | None = None,
                 labels: Mapping[str, str] | None = None) -> ImportPlan:
    """Dry run of ``import_folder``: check everything, write nothing, say what the import would do.

    The same checks as ``import_folder``, so a folder that passes here imports unless the
    database changes in between. The plan's ``will_empty`` names the datasets replace mode
    would leave empty (no file, or a file without rows): the page asks before writing; for a
    backup, ``backup`` is set (it replaces every table). Raises ``ImportRejected`` (a
    ``FolderRejected`` with the warnings and the validation report) listing every problem.
    In append mode the database is only read. ``progress(fraction, text)`` is called after each
    chunk; ``labels`` show a staged file under another name (``{"leads.csv": "crm.xlsx"}``).
    """
    return _dry_run(engine, Path(path), _settings(mode, journeys, max_amount, progress, labels))


def _needs_dry_run(engine: Engine, folder: Path) -> bool:
    """Check first, without a transaction, when the folder is unreadable or the database is new,
    so a rejected import changes nothing (not even creating the schema)."""
    if not _has_schema(engine):
        return True
    files, problems, _ = folder_files(folder, is_backup(folder))
    return bool(problems) or not files or any(inspect_csv(p).problem for p in files.values())


def _rows_about(folder: Path) -> int:
    """The rows a folder's files hold, roughly (100 bytes a row): enough to tell a large load from a
    small one (``loader.DEFER_INDEXES_ROWS``) before reading them."""
    try:
        return sum(p.stat().st_size for p in folder.iterdir() if p.is_file()) // 100
    except OSError:
        return 0


def _write_pass(conn: Connection, folder: Path, settings: _Settings, taken_at: datetime) -> _Pass:
    """Check and write in one pass inside the caller's transaction; raises on the first rejection."""
    if is_backup(folder):
        clear_tables(conn, backup.backup_tables(), _rows_about(folder))
        run = _backup_pass(folder, settings, conn)
        reset_sequences(conn, backup.backup_tables())
        data_loaded(conn)
    else:
        start_load(conn, settings.mode, _rows_about(folder))
        run = _plain_pass(folder, settings, _DatabaseKeys(conn) if settings.mode == "append" else None,
                          partial(insert_frame, conn))
        finish_load(conn, "import", taken_at)
    if run.problems:
        raise run.rejection()
    return run


def _staged_pass(engine: Engine, folder: Path, settings: _Settings, taken_at: datetime) -> _Pass:
    """DuckDB: check and stage every chunk (``loader.Staging``, committed chunk by chunk, so memory
    does not grow with the files), then move the staged rows into the datasets in one transaction
    only when nothing is wrong; raises on the first rejection, leaving the datasets as they were."""
    with staged(engine) as stage:
        run = _plain_pass(folder, settings, _DatabaseKeys(stage.conn) if settings.mode == "append" else None,
                          stage.write)
        if run.problems:
            raise run.rejection()
        stage.load(settings.mode, "import", taken_at)
    return run


def _report(folder: Path, run: _Pass) -> ImportReport:
    if is_backup(folder):
        plan = _backup_plan(run)
        return ImportReport("replace", plan.counts, warnings=plan.warnings, backup=True)
    plan = _plan(run)
    return ImportReport(plan.mode, plan.counts, plan.emptied, plan.warnings, plan.blank)


def import_folder(engine: Engine, path: str | Path, mode: str = "replace", journeys: Iterable[str] = JOURNEYS,
                  taken_at: datetime | None = None, max_amount: float = DEFAULT_MAX_AMOUNT, *,
                  progress: Progress | None = None, labels: Mapping[str, str] | None = None) -> ImportReport:
    """Import a folder of contract CSV files (or restore a backup): check everything while writing, in one transaction.

    ``replace`` replaces every dataset (absent files and files without rows become empty
    datasets, each named in a warning); ``append`` adds rows. ``journeys`` are the allowed
    journey codes (``config.rules.ecosystem.journeys``), ``max_amount`` the money ceiling
    (``config.rules.import_.max_amount``). A backup (``manifest.json``) replaces every table.
    Raises ``ImportRejected`` (a ``FolderRejected`` carrying the warnings and the validation
    report too) listing every problem; the database is then left untouched.
    """
    folder, settings = Path(path), _settings(mode, journeys, max_amount, progress, labels)
    if _needs_dry_run(engine, folder):
        _dry_run(engine, folder, settings)
    ensure_schema(engine)
    try:
        if engine.dialect.name == "duckdb" and not is_backup(folder):
            run = _staged_pass(engine, folder, settings, taken_at or datetime.now())
        else:
            with bulk_transaction(engine) as conn:
                run = _write_pass(conn, folder, settings, taken_at or datetime.now())
    except (sa.exc.DBAPIError, engine.dialect.loaded_dbapi.Error) as exc:   # COPY raises the driver's own
        reason = getattr(exc, "orig", None) or exc
        raise ImportRejected([f"the database refused the import ({reason}); nothing was written"]) from exc
    except DanglingRows as exc:
        raise ImportRejected([f"the database refused the import: {exc}; nothing was written"]) from exc
    refresh_statistics(engine, [name for name, rows in run.counts.items() if rows])
    return _report(folder, run)
