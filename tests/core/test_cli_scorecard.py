"""``python -m revops_core scorecard``: the scorecard as JSON, on the hand-made ecosystem of test_scorecard.

Expected values are the ones worked out in tests/core/test_scorecard.py's docstring
(window 2026-01-15 .. 2026-03-10).
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from tests.core.test_scorecard import DEALER_MONTHS, DEALERS, LEADS, TOUCHPOINTS
from tests.factories import write

from revops_core.cli import main
from revops_core.db import make_engine
from revops_core.schema import ensure_schema
from revops_core.scorecard import JSON_KEYS

ROOT = Path(__file__).resolve().parents[2]
WINDOW = ["--start", "2026-01-15", "--end", "2026-03-10"]


def url_of(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def eco_url(engine: Engine) -> str:
    write(engine, dealers=DEALERS, leads=LEADS, touchpoints=TOUCHPOINTS, dealer_months=DEALER_MONTHS)
    return url_of(engine)


def test_dealer_level_json(eco_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "scorecard", "--db", eco_url, "--level", "dealer", *WINDOW, "--json")
    assert code == 0
    rows = json.loads(out)["rows"]
    assert list(rows) == ["dA", "dB", "dC", "dD"]
    assert all(tuple(r) == JSON_KEYS for r in rows.values())
    a = rows["dA"]
    assert (a["leads"], a["response_sla_rate"], a["revenue"], a["sourced_revenue"], a["influenced_revenue"]) == (
        4, 0.5, 101_000.0, 1000.0, 101_000.0)
    assert a["cost_to_serve_per_sale"] == pytest.approx(4000.0) and a["dealer_productivity"] == pytest.approx(1 / 3)
    assert a["composite_score"] == pytest.approx(75.0) and a["quartile"] == 2
    assert rows["dD"]["conversion_rate"] is None and rows["dD"]["leads"] == 0  # n/a is null, never 0
    assert {e: r["quartile"] for e, r in rows.items()} == {"dA": 2, "dB": 1, "dC": 4, "dD": 3}


def test_region_level_with_journey(eco_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "scorecard", "--db", eco_url, "--level", "region", *WINDOW,
                           "--journey", "FLEET", "--json")
    assert code == 0
    rows = json.loads(out)["rows"]
    # only a6 (dA, West) is a FLEET lead: sold for 100,000 after a DEALER first touch and an OEM touch
    west, east = rows["West"], rows["East"]
    assert (west["leads"], west["conversion_rate"], west["revenue"], west["sourced_revenue"],
            west["influenced_revenue"]) == (1, 1.0, 100_000.0, 0.0, 100_000.0)
    assert (east["leads"], east["conversion_rate"]) == (0, None)


def test_bad_arguments(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    ensure_schema(make_engine(url))
    assert run_cli(capsys, "scorecard", "--db", url, "--level", "dealer", "--start", "2026-03-01",
                   "--end", "2026-02-01", "--json")[0] == 2
    code, _, err = run_cli(capsys, "scorecard", "--db", url, "--level", "dealer", *WINDOW, "--journey", "NOPE")
    assert code == 2 and "Unknown journey 'NOPE'" in err
    with pytest.raises(SystemExit):
        main(["scorecard", "--db", url, "--level", "country", *WINDOW])
    # an empty database gives an empty scorecard, not an error
    assert run_cli(capsys, "scorecard", "--db", url, "--level", "region", *WINDOW, "--json")[:2] == (
        0, '{\n  "rows": {}\n}\n')


def test_module_entry_point(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'eco.db'}"
    eng = make_engine(url)
    ensure_schema(eng)
    write(eng, dealers=DEALERS, leads=LEADS, touchpoints=TOUCHPOINTS, dealer_months=DEALER_MONTHS)
    done = subprocess.run([sys.executable, "-m", "revops_core", "scorecard", "--db", url, "--level", "dealer_group",
                           *WINDOW, "--json"], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)["rows"]
    assert rows["G1"]["leads"] == 6 and rows["G2"]["leads"] == 1
    assert rows["G1"]["median_response_minutes"] == pytest.approx(30.0, abs=1e-4)
