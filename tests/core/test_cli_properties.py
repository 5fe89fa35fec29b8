"""Property-based tests over the command line's arguments (issue 9).

For any arguments: no traceback, and either success or a non-zero exit with one line on stderr;
the database and the working folder are left exactly as they were (no file created). Dates
outside 1990-01-01..2035-12-31 are always refused naming the range, dates inside are always
accepted and give strict JSON (no NaN or Infinity). ``cli.main`` runs in-process.
"""
from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.core.test_cli_errors import Snapshot, assert_one_line_error, make_tiny_db, run_main, snapshot

from revops_core.windows import EARLIEST, LATEST

RANGE = "from 1990-01-01 to 2035-12-31"
PROPERTY = settings(max_examples=30, deadline=None)

AS_OF_COMMANDS = (["metrics", "--json"], ["alerts", "--json"], ["scenario", "--json"])
WINDOW_COMMANDS = (["attribution", "--json"], ["scorecard", "--level", "dealer", "--json"],
                   ["scorecard", "--level", "region", "--json"])


class World:
    """The tiny database's URL, its folder, an empty working folder, and how both looked at the start."""

    def __init__(self, root: Path) -> None:
        self.db_folder, self.cwd = root / "db", root / "cwd"
        self.db_folder.mkdir()
        self.cwd.mkdir()
        self.url = make_tiny_db(self.db_folder / "tiny.db")
        self.before: Snapshot = snapshot(root)
        self.root = root

    def assert_untouched(self) -> None:
        assert snapshot(self.root) == self.before


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """The tiny database, also the default (``AUTOREVOPS_DB_URL``); the tests run in an empty folder."""
    w = World(tmp_path_factory.mktemp("cli_properties"))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AUTOREVOPS_DB_URL", w.url)
        mp.chdir(w.cwd)
        yield w
    w.assert_untouched()


def out_of_range() -> st.SearchStrategy[date]:
    return st.dates(max_value=EARLIEST - timedelta(days=1)) | st.dates(min_value=LATEST + timedelta(days=1))


def in_range() -> st.SearchStrategy[date]:
    return st.dates(min_value=EARLIEST, max_value=LATEST)


def strict_json(text: str) -> object:
    def refuse(name: str) -> None:
        raise AssertionError(f"{name} is not JSON")
    return json.loads(text, parse_constant=refuse)


# --- dates ----------------------------------------------------------------------------------

@PROPERTY
@given(command=st.sampled_from(AS_OF_COMMANDS), day=out_of_range())
def test_as_of_outside_the_range_is_refused(world: World, command: list[str], day: date) -> None:
    code, out, err = run_main([*command, "--as-of", day.isoformat()])
    assert_one_line_error(code, out, err)
    assert f"use a date {RANGE}" in err
    world.assert_untouched()


@PROPERTY
@given(command=st.sampled_from(WINDOW_COMMANDS), days=st.tuples(out_of_range(), in_range()).flatmap(st.permutations))
def test_window_outside_the_range_is_refused(world: World, command: list[str], days: list[date]) -> None:
    start, end = days
    code, out, err = run_main([*command, "--start", start.isoformat(), "--end", end.isoformat()])
    assert_one_line_error(code, out, err)
    assert f"use a date {RANGE}" in err
    world.assert_untouched()


@PROPERTY
@given(command=st.sampled_from(AS_OF_COMMANDS), day=in_range())
def test_as_of_inside_the_range_gives_strict_json(world: World, command: list[str], day: date) -> None:
    code, out, err = run_main([*command, "--as-of", day.isoformat()])
    assert code in ((0, 1) if command[0] == "alerts" else (0,)), err  # alerts: 1 = an alert fires
    assert "Traceback" not in err and "error" not in err
    strict_json(out)
    world.assert_untouched()


@PROPERTY
@given(command=st.sampled_from(WINDOW_COMMANDS), start=in_range(), end=in_range())
def test_window_inside_the_range_gives_json_or_one_line(world: World, command: list[str], start: date,
                                                        end: date) -> None:
    code, out, err = run_main([*command, "--start", start.isoformat(), "--end", end.isoformat()])
    if end < start:
        assert_one_line_error(code, out, err)
        assert "is before --start" in err
    else:
        assert code == 0, err
        strict_json(out)
    world.assert_untouched()


@PROPERTY
@given(command=st.sampled_from(AS_OF_COMMANDS), text=st.text(max_size=20))
def test_any_text_as_a_date_is_a_date_in_range_or_one_line(world: World, command: list[str], text: str) -> None:
    code, out, err = run_main([*command, f"--as-of={text}"])
    if code != 0 and not (command[0] == "alerts" and code == 1 and out):
        assert_one_line_error(code, out, err)
    assert "Traceback" not in err
    world.assert_untouched()


# --- --db -----------------------------------------------------------------------------------

NAME = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789_-.", min_size=1, max_size=12)
BAD_URLS = st.one_of(
    st.text(max_size=30).filter(lambda t: t.strip() != ""),                               # anything at all
    st.builds(lambda scheme, rest: f"{scheme}://{rest}",
              st.sampled_from(["mysql", "oracle", "mssql", "foo", "sqlite", "postgresql", "http"]), NAME),
    st.builds(lambda name, pw: f"postgresql://user:{pw}@127.0.0.1:1/{name}", NAME, NAME),   # refused
    st.builds(lambda a, b: f"sqlite:///{a}/{b}.db", NAME, NAME),                           # relative, missing
    st.builds(lambda a: f"sqlite:////nonexistent-autorevops/{a}/x.db", NAME),              # absolute, missing
)


@PROPERTY
@given(command=st.sampled_from([["metrics"], ["alerts"], ["scenario"], ["export", "out"],
                                ["attribution", "--start", "2025-01-01", "--end", "2025-12-31"]]),
       db=BAD_URLS)
def test_bad_database_urls_get_one_line_and_create_nothing(world: World, command: list[str], db: str) -> None:
    code, out, err = run_main([*command, f"--db={db}"])
    assert_one_line_error(code, out, err)
    assert err.startswith(f"python -m revops_core {command[0]}: error: ")
    if ":" in db and "@" in db:
        password = db.split("//", 1)[-1].split("@", 1)[0].partition(":")[2]
        assert not password or f":{password}@" not in err
    world.assert_untouched()
    assert not os.path.exists("/nonexistent-autorevops")


# --- any arguments at all -------------------------------------------------------------------

TOKENS = st.one_of(
    st.sampled_from(["--as-of", "--start", "--end", "--json", "--level", "dealer", "region", "--journey",
                     "FLEET", "--target", "30", "--curve", "s", "--s-steepness", "--s-midpoint", "--baseline-year",
                     "--baseline-share", "--plan-2030", "-v", "2026-06-30", "1990-01-01", "2035-12-31",
                     "9999-12-31", "0001-01-01", "nan", "inf", "-1", "1e308", "--db"]),
    st.text(max_size=12),
)


@settings(max_examples=40, deadline=None)
@given(command=st.sampled_from(["metrics", "alerts", "scenario", "scorecard", "attribution"]),
       tokens=st.lists(TOKENS, max_size=8))
def test_any_arguments_never_give_a_traceback(world: World, command: str, tokens: list[str]) -> None:
    code, out, err = run_main([command, *tokens])
    assert "Traceback" not in err and "unexpected error" not in err
    if code == 0 or (command == "alerts" and code == 1 and err == ""):
        assert out == "" or "usage:" in out or out.startswith(("{", "FIRING", "No alerts"))
    else:
        assert_one_line_error(code, out, err)
    world.assert_untouched()
