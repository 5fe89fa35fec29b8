"""Uploads are staged under contract names only; a hostile file name never becomes a path."""
from __future__ import annotations

from pathlib import Path

import pytest

from revops_core.uploads import dataset_for, stage


@pytest.mark.parametrize("filename, expected", [
    ("accounts.csv", "accounts"),
    ("dealer_months.csv", "dealer_months"),
    ("Accounts.csv", None),
    ("accounts.CSV", None),
    ("../accounts.csv", None),
    ("../../../../x.csv", None),
    ("/some/where/accounts.csv", None),
    ("C:\\temp\\accounts.csv", None),
    ("sub/accounts.csv", None),
    ("accounts.csv\x00.png", None),
    ("accounts", None),
    ("", None),
])
def test_dataset_for_takes_only_exact_contract_names(filename: str, expected: str | None) -> None:
    assert dataset_for(filename) == expected


def test_stage_writes_only_inside_the_folder_under_generated_names(tmp_path: Path) -> None:
    folder = tmp_path / "staging"
    folder.mkdir()
    outside = tmp_path / "x.csv"
    staged = stage([("accounts.csv", b"a"), ("../x.csv", b"evil"), (str(outside), b"evil"),
                    ("accounts.csv", b"second"), ("leads.csv", b"l")], folder)
    assert staged.datasets == ("accounts", "leads")
    assert sorted(p.name for p in folder.iterdir()) == ["accounts.csv", "leads.csv"]
    assert (folder / "accounts.csv").read_bytes() == b"a"
    assert not outside.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["staging"]
    assert len(staged.warnings) == 3
    assert "'../x.csv': not a contract file name" in staged.warnings[0]
    assert staged.warnings[2] == "accounts.csv was uploaded twice; the first one is used"


def test_warning_shows_an_unprintable_name_safely(tmp_path: Path) -> None:
    staged = stage([("\x1b[31m" + "a" * 200, b"")], tmp_path)
    assert staged.datasets == ()
    assert "\x1b" not in staged.warnings[0] and "…" in staged.warnings[0]
