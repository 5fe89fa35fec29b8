"""Uploaded files, treated as hostile: a client-supplied file name is never used as a path.

What an upload holds is decided by its name alone, and only these names are taken:

* ``<dataset>.csv`` (exactly a contract name): staged as ``<dataset>.csv``;
* ``<dataset>.xlsx``: its first worksheet converted to ``<dataset>.csv`` (dates, booleans and
  numbers written as the contract reads them; a date column gets the date, a timestamp column
  date and time);
* ``manifest.json`` and ``<table>.jsonl`` of a product table: a backup's files, staged as such;
* ``….zip``: every member at the top of the archive is read from the archive in memory (never
  extracted by its name) and taken as above; a member inside a folder, an archive inside the
  archive or an unknown name is ignored with a warning; an encrypted member, a member larger
  than the file limit, more than the unzipped limit in all, or a member compressed better than
  ``max_ratio`` to 1 (a ZIP bomb) rejects the whole upload;
* any other ``.csv`` or ``.xlsx`` file, when the caller passes a ``sources`` folder: staged there
  under a generated name for a mapping preset (``mapping.py``); otherwise ignored with a warning.

Every staged path is built from the contract's (or the schema's) own names or a counter,
inside a folder the caller created. Files are copied in blocks and refused beyond the limits.
"""
from __future__ import annotations

import codecs
import csv
import io
import itertools
import zipfile
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import BinaryIO

import pandas as pd

from revops_core.backup import MANIFEST, product_file_names
from revops_core.contract import DATASET_BY_NAME, DATASETS
from revops_core.exporter import csv_line

MB = 1024 * 1024
HEAD_BYTES = 4 * MB       # what ``head`` reads of a CSV upload at most
_BLOCK = 1 << 20
_BY_FILENAME = {f"{ds.name}.csv": ds.name for ds in DATASETS}
_WORKBOOKS = {f"{ds.name}.xlsx": ds.name for ds in DATASETS}
_BOMB_FLOOR = MB          # members smaller than this are never called a bomb, however well compressed
_MAX_MEMBERS = 1_000


@dataclass(frozen=True)
class Limits:
    """Upload limits: bytes per file (also per ZIP member, unpacked), bytes unpacked per archive, compression."""

    max_file_bytes: int = 200 * MB
    max_unzipped_bytes: int = 1_000 * MB
    max_ratio: int = 200

    @classmethod
    def from_mb(cls, max_file_mb: int, max_unzipped_mb: int) -> Limits:
        """The limits of ``rules.yaml`` ``import.max_upload_mb`` and ``import.max_unzipped_mb``."""
        return cls(max_file_mb * MB, max_unzipped_mb * MB)


@dataclass(frozen=True)
class Source:
    """A CSV export (or workbook) that is no contract file, staged for a mapping preset.

    ``shown`` is the upload's name as it may be shown; ``path`` the staged CSV (a generated
    name); ``header`` its column names (empty when unreadable: mapping reports why).
    """

    shown: str
    path: Path
    header: tuple[str, ...]


@dataclass(frozen=True)
class StagedUploads:
    """What was staged: dataset names written, a warning per upload ignored, a problem per upload refused.

    ``sources`` are the files left for a mapping preset; ``labels`` name a staged file after its
    upload where they differ (``{"leads.csv": "leads.xlsx"}``); ``backup_files`` the backup's own.
    """

    datasets: tuple[str, ...]
    warnings: tuple[str, ...]
    problems: tuple[str, ...] = ()
    sources: tuple[Source, ...] = ()
    labels: Mapping[str, str] = field(default_factory=dict)
    backup_files: tuple[str, ...] = ()


class _Refused(Exception):  # noqa: N818 - a signal carrying the message
    """An upload that breaks a limit or cannot be read; the message says why and what to do."""


def dataset_for(filename: str) -> str | None:
    """The contract dataset an upload named ``filename`` holds, or None (never a path)."""
    return _BY_FILENAME.get(filename)


def shown_name(filename: str) -> str:
    """The name as it may be shown: printable, at most 80 characters."""
    clean = "".join(ch if ch.isprintable() else "?" for ch in filename)
    return clean if len(clean) <= 80 else clean[:77] + "…"


def _mb(size: int) -> str:
    """``size`` in megabytes as people read it (200 MB, 0.3 MB)."""
    mb = size / MB
    return f"{mb:,.0f} MB" if mb >= 10 or mb.is_integer() else f"{mb:,.1f} MB"


def _size_of(content: BinaryIO) -> int | None:
    """The bytes left in a seekable upload (None when it cannot tell)."""
    try:
        here = content.tell()
        size = content.seek(0, io.SEEK_END) - here
        content.seek(here)
        return size
    except (OSError, AttributeError, ValueError):
        return None


def copy_capped(content: BinaryIO, target: Path, limit: int) -> int:
    """Copy ``content`` to ``target`` in blocks; refuse (and remove the part written) beyond ``limit`` bytes."""
    written = 0
    with target.open("wb") as out:
        while block := content.read(_BLOCK):
            written += len(block)
            if written > limit:
                break
            out.write(block)
    if written > limit:
        target.unlink()
        raise _Refused(f"it is larger than the limit of {_mb(limit)}")
    return written


# ---- ZIP archives ---------------------------------------------------------------------------------
def _bomb(members: list[zipfile.ZipInfo], limits: Limits) -> str | None:
    """Why an archive's members may not be unpacked (encrypted, too large, a ZIP bomb), or None."""
    if len(members) > _MAX_MEMBERS:
        return f"it holds {len(members):,} files, more than {_MAX_MEMBERS:,}"
    total = sum(m.file_size for m in members)
    for m in members:
        if m.flag_bits & 0x1:
            return f"{shown_name(m.filename)} is encrypted; make the ZIP without a password"
        if m.file_size > limits.max_file_bytes:
            return (f"{shown_name(m.filename)} unpacks to {_mb(m.file_size)}, over the limit of "
                    f"{_mb(limits.max_file_bytes)} per file (rules.yaml import.max_upload_mb)")
        if m.file_size > _BOMB_FLOOR and m.file_size > limits.max_ratio * max(m.compress_size, 1):
            return (f"{shown_name(m.filename)} is compressed more than {limits.max_ratio} to 1, as only a ZIP bomb is; "
                    "refused")
    if total > limits.max_unzipped_bytes:
        return (f"it unpacks to {_mb(total)} in all, over the limit of {_mb(limits.max_unzipped_bytes)} "
                "(rules.yaml import.max_unzipped_mb)")
    return None


def _open_zip(content: BinaryIO, limits: Limits) -> zipfile.ZipFile:
    """The archive, its members checked against the limits; raises ``_Refused``."""
    try:
        archive = zipfile.ZipFile(content)
    except (zipfile.BadZipFile, zlib.error, OSError, ValueError, EOFError) as exc:
        raise _Refused(f"it is not a valid ZIP archive ({exc})") from exc
    problem = _bomb([m for m in archive.infolist() if not m.is_dir()], limits)
    if problem:
        archive.close()
        raise _Refused(problem)
    return archive


# ---- workbooks --------------------------------------------------------------------------------------
def _xlsx_text(value: object, kind: str | None) -> str:
    """A worksheet cell as contract text; ``kind`` is the contract column's kind when known."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        if kind == "date" or (kind != "timestamp" and value.time() == time(0)):
            return value.date().isoformat()
        return value.isoformat(timespec="microseconds" if value.microsecond else "seconds")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return str(value)


def _rows(worksheet: object) -> Iterable[tuple[object, ...]]:
    return worksheet.iter_rows(values_only=True)  # type: ignore[attr-defined]


def _trimmed(row: tuple[object, ...], width: int) -> list[object]:
    """A row cut to ``width`` cells (padded), keeping any non-empty cell beyond it (the import names it)."""
    cells = list(row)
    while len(cells) > width and cells[-1] in (None, ""):
        cells.pop()
    return cells + [None] * (width - len(cells))


def xlsx_to_csv(content: BinaryIO, target: Path, dataset: str | None, limits: Limits = Limits()) -> tuple[str, ...]:
    """Write the first worksheet of a workbook as CSV to ``target`` (row by row); returns its header.

    ``dataset`` gives the contract kinds of the columns (None for a CRM export). Raises ``_Refused``
    for a file that is not a workbook or breaks the ZIP limits (a workbook is a ZIP archive).
    """
    import openpyxl

    _open_zip(content, limits).close()
    content.seek(0)
    try:
        book = openpyxl.load_workbook(content, read_only=True, data_only=True)
        try:
            return _write_sheet(book.worksheets[0], target, dataset) if book.worksheets else ()
        finally:
            book.close()
    except _Refused:
        raise
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a broken file
        raise _Refused(f"it is not a readable Excel workbook ({type(exc).__name__}); save it as .xlsx") from exc


def _write_sheet(sheet: object, target: Path, dataset: str | None) -> tuple[str, ...]:
    rows = iter(_rows(sheet))
    header_cells = _trimmed(next(rows, ()), 0)
    header = tuple(_xlsx_text(v, None).strip() for v in header_cells)
    kinds = {c.name: c.kind for c in DATASET_BY_NAME[dataset].columns} if dataset else {}
    column_kinds = [kinds.get(name) for name in header]
    with target.open("w", encoding="utf-8", newline="") as out:
        out.write(csv_line(list(header)) if header else "")
        for row in rows:
            cells = _trimmed(row, len(header))
            out.write(csv_line([_xlsx_text(v, column_kinds[i] if i < len(header) else None)
                                for i, v in enumerate(cells)]))
    return header


def _csv_header(path: Path) -> tuple[str, ...]:
    """The first record of a staged CSV file, stripped (empty when it is not readable UTF-8 CSV)."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            return tuple(name.strip() for name in next(csv.reader(fh), []))
    except (UnicodeDecodeError, csv.Error, OSError):
        return ()


# ---- staging ------------------------------------------------------------------------------------------
class _Stager:
    """Stages uploads one by one into ``folder`` (and ``sources``), collecting what it did."""

    def __init__(self, folder: Path, limits: Limits, sources: Path | None) -> None:
        self.folder, self.limits, self.sources_dir = folder, limits, sources
        self.written: list[str] = []
        self.warnings: list[str] = []
        self.problems: list[str] = []
        self.sources: list[Source] = []
        self.labels: dict[str, str] = {}

    def result(self) -> StagedUploads:
        """What was staged so far."""
        datasets = tuple(n[:-4] for n in self.written if n in _BY_FILENAME)
        backups = tuple(n for n in self.written if n not in _BY_FILENAME)
        return StagedUploads(datasets, tuple(self.warnings), tuple(self.problems), tuple(self.sources),
                             dict(self.labels), backups)

    def upload(self, name: str, content: BinaryIO, inside: str | None = None) -> None:
        """Stage one upload (or archive member) by what its name says it is."""
        shown = f"{inside}: {shown_name(name)}" if inside else shown_name(name)
        try:
            self._dispatch(name, content, shown, inside)
        except _Refused as exc:
            self.problems.append(f"{shown}: {exc}; nothing was imported")

    def _dispatch(self, name: str, content: BinaryIO, shown: str, inside: str | None) -> None:
        size = _size_of(content) if inside is None else None   # a member's size was checked in the archive
        if size is not None and size > self.limits.max_file_bytes:
            raise _Refused(f"{_mb(size)} is over the limit of {_mb(self.limits.max_file_bytes)} per file "
                           "(rules.yaml import.max_upload_mb); split the file or raise the limit")
        if name in _BY_FILENAME or name == MANIFEST or name in product_file_names():
            self._stage(name, shown, lambda target: copy_capped(content, target, self.limits.max_file_bytes))
        elif name in _WORKBOOKS:
            staged = f"{_WORKBOOKS[name]}.csv"
            self._stage(staged, shown, lambda target: xlsx_to_csv(content, target, _WORKBOOKS[name], self.limits))
            self.labels.setdefault(staged, shown)
        elif name.lower().endswith(".zip") and inside is None:
            self._archive(content, shown)
        elif self.sources_dir is not None and name.lower().endswith((".csv", ".xlsx")):
            self._source(name, content, shown)
        else:
            self.warnings.append(f"{shown!r}: not a contract file name (<dataset>.csv or <dataset>.xlsx, e.g. "
                                 "accounts.csv); ignored")

    def _stage(self, staged: str, shown: str, write: object) -> None:
        if staged in self.written:
            self.warnings.append(f"{staged} was uploaded twice; the first one is used")
            return
        target = self.folder / staged
        try:
            write(target)  # type: ignore[operator]
        except _Refused:
            target.unlink(missing_ok=True)
            raise
        self.written.append(staged)

    def _archive(self, content: BinaryIO, shown: str) -> None:
        with _open_zip(content, self.limits) as archive:
            for member in (m for m in archive.infolist() if not m.is_dir()):
                self._member(archive, member, shown)

    def _member(self, archive: zipfile.ZipFile, member: zipfile.ZipInfo, shown: str) -> None:
        name = member.filename
        if "/" in name or "\\" in name:
            self.warnings.append(f"{shown}: {shown_name(name)!r} is inside a folder of the archive; ignored (put the "
                                 "files at the top of the ZIP)")
        elif name.lower().endswith(".zip"):
            self.warnings.append(f"{shown}: {shown_name(name)!r} is an archive inside the archive; ignored")
        else:
            self._read_member(archive, member, shown)

    def _read_member(self, archive: zipfile.ZipFile, member: zipfile.ZipInfo, shown: str) -> None:
        try:
            with archive.open(member) as stream:
                data = stream if not member.filename.lower().endswith(".xlsx") else io.BytesIO(stream.read())
                self.upload(member.filename, data, inside=shown)  # type: ignore[arg-type]
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
            self.problems.append(f"{shown}: {shown_name(member.filename)} cannot be unpacked ({exc}); "
                                 "nothing was imported")

    def _source(self, name: str, content: BinaryIO, shown: str) -> None:
        target = self.sources_dir / f"source-{len(self.sources) + 1}.csv"  # type: ignore[operator]
        try:
            if name.lower().endswith(".xlsx"):
                header = xlsx_to_csv(content, target, None, self.limits)
            else:
                copy_capped(content, target, self.limits.max_file_bytes)
                header = _csv_header(target)
        except _Refused:
            target.unlink(missing_ok=True)
            raise
        self.sources.append(Source(shown, target, header))


def _binary(content: bytes | BinaryIO) -> BinaryIO:
    return io.BytesIO(content) if isinstance(content, bytes | bytearray) else content


def stage(uploads: Iterable[tuple[str, bytes | BinaryIO]], folder: Path, limits: Limits = Limits(),
          sources: Path | None = None) -> StagedUploads:
    """Stage each upload by its name (see the module docstring) into ``folder``.

    The written path is built from the contract's dataset name (or the backup's file names,
    or a counter under ``sources``), never from the upload's name. A second upload for the same
    dataset is ignored with a warning (the first one counts). An upload beyond ``limits`` is
    refused with a problem naming the limit; nothing of it is kept.
    """
    stager = _Stager(folder, limits, sources)
    for filename, content in uploads:
        stager.upload(filename, _binary(content))
    return stager.result()


# ---- a look at an upload, for the page ---------------------------------------------------------------
def is_source(filename: str) -> bool:
    """Whether an upload of this name would be staged for a mapping preset (a CSV or workbook, no contract name)."""
    known = filename in _BY_FILENAME or filename in _WORKBOOKS
    return not known and filename.lower().endswith((".csv", ".xlsx"))


def _frame(records: list[list[str]]) -> pd.DataFrame:
    """Records (the first one the header) as a string frame numbered like spreadsheet rows, blank rows left out."""
    header: list[str] = []
    for name in (h.strip() for h in (records[0] if records else [])):
        header.append(name if name not in header else f"{name} ({header.count(name) + 1})")
    body = [(r + [""] * len(header))[:len(header)] for r in records[1:]]
    frame = pd.DataFrame(body, columns=header, index=range(2, len(body) + 2), dtype=object)
    return frame[~(frame == "").all(axis=1)] if len(header) else frame


def _head_csv(content: BinaryIO, rows: int) -> pd.DataFrame:
    data = content.read(HEAD_BYTES)
    text = codecs.getincrementaldecoder("utf-8-sig")().decode(data, final=len(data) < HEAD_BYTES)
    records = list(itertools.islice(csv.reader(io.StringIO(text, newline="")), rows + 2))
    if len(data) == HEAD_BYTES or len(records) > rows + 1:
        records = records[:-1]   # the last record may be cut short
    return _frame(records)


def _head_xlsx(content: BinaryIO, rows: int) -> pd.DataFrame:
    import openpyxl

    _open_zip(content, Limits()).close()
    content.seek(0)
    try:
        book = openpyxl.load_workbook(content, read_only=True, data_only=True)
        try:
            cells = list(itertools.islice(_rows(book.worksheets[0]), rows + 1)) if book.worksheets else []
        finally:
            book.close()
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a broken file
        raise _Refused(f"it is not a readable Excel workbook ({type(exc).__name__}); save it as .xlsx") from exc
    width = len(_trimmed(cells[0], 0)) if cells else 0
    return _frame([[_xlsx_text(v, None) for v in _trimmed(row, width)][:width] for row in cells])


def head(name: str, content: BinaryIO, rows: int = 200) -> tuple[pd.DataFrame | None, str | None]:
    """The first ``rows`` rows of a CSV or workbook upload as strings (columns = its header, index = row
    numbers), or None and why it cannot be read. The upload's read position is left as it was."""
    start = content.tell()
    try:
        reader = _head_xlsx if name.lower().endswith(".xlsx") else _head_csv
        return reader(content, rows), None
    except _Refused as exc:
        return None, f"{shown_name(name)}: {exc}"
    except (UnicodeDecodeError, csv.Error) as exc:
        return None, f"{shown_name(name)}: not readable as CSV UTF-8 ({exc}); save it as CSV UTF-8"
    finally:
        content.seek(start)
