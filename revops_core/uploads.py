"""Uploaded files, treated as hostile: a client-supplied file name is never used as a path.

Only the dataset name is taken from an upload's name, and only when it is exactly one of the
contract's ``<dataset>.csv`` names; the file is then staged under a name built from the
contract's own constant, inside a folder the caller created. Any other name (a path, ``..``,
a drive letter, another extension) is ignored with a warning.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from revops_core.contract import DATASETS

_BY_FILENAME = {f"{ds.name}.csv": ds.name for ds in DATASETS}


@dataclass(frozen=True)
class StagedUploads:
    """What was staged: dataset names written, and a warning per upload that was ignored."""

    datasets: tuple[str, ...]
    warnings: tuple[str, ...]


def dataset_for(filename: str) -> str | None:
    """The contract dataset an upload named ``filename`` holds, or None (never a path)."""
    return _BY_FILENAME.get(filename)


def _shown(filename: str) -> str:
    """The name as it may be shown: printable, at most 80 characters."""
    clean = "".join(ch if ch.isprintable() else "?" for ch in filename)
    return clean if len(clean) <= 80 else clean[:77] + "…"


def stage(uploads: Iterable[tuple[str, bytes]], folder: Path) -> StagedUploads:
    """Write each upload whose name is a contract file name to ``folder/<dataset>.csv``.

    The written path is built from the contract's dataset name, not from the upload's name.
    A second upload for the same dataset is ignored with a warning (the first one counts).
    """
    written: list[str] = []
    warnings: list[str] = []
    for filename, content in uploads:
        name = dataset_for(filename)
        if name is None:
            warnings.append(f"{_shown(filename)!r}: not a contract file name (<dataset>.csv, e.g. "
                            "accounts.csv); ignored")
        elif name in written:
            warnings.append(f"{name}.csv was uploaded twice; the first one is used")
        else:
            (folder / f"{name}.csv").write_bytes(content)
            written.append(name)
    return StagedUploads(tuple(written), tuple(warnings))
