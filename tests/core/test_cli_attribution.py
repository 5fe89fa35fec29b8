"""``python -m revops_core attribution``: every model's channel credits as JSON, on the hand-made
data of tests/core/test_attribution_sql.py (expected values worked out in its docstring)."""
from __future__ import annotations

import json
import math

import pytest
from sqlalchemy.engine import Engine
from tests.core.test_attribution_sql import DEALERS, EXPECTED, LEADS, TOUCHPOINTS
from tests.factories import write

from revops_core.attribution import MODELS
from revops_core.cli import main

WINDOW = ["--start", "2026-03-01", "--end", "2026-03-31"]


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def eco_url(engine: Engine) -> str:
    write(engine, dealers=DEALERS, leads=LEADS, touchpoints=TOUCHPOINTS)
    return engine.url.render_as_string(hide_password=False)


def test_attribution_json(eco_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "attribution", "--db", eco_url, *WINDOW, "--json")
    assert code == 0, err
    data = json.loads(out)
    assert list(data) == ["attributed_revenue", "models"]
    assert data["attributed_revenue"] == 1900.0
    assert list(data["models"]) == list(MODELS) == ["first_touch", "last_touch", "linear", "time_decay",
                                                    "position_based", "markov"]
    for model, credits in data["models"].items():
        assert credits == pytest.approx(EXPECTED[model], rel=1e-9), model
        assert list(credits) == sorted(credits)  # channels in name order
        assert math.isclose(sum(credits.values()), 1900.0, rel_tol=1e-9), model


def test_window_with_no_sale(eco_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "attribution", "--db", eco_url, "--start", "2025-01-01", "--end", "2025-01-31",
                           "--json")
    assert code == 0
    assert json.loads(out) == {"attributed_revenue": 0.0, "models": {m: {} for m in MODELS}}


def test_bad_arguments(eco_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "attribution", "--db", eco_url, "--start", "2026-03-31", "--end", "2026-03-01")
    assert code == 2 and out == "" and "before --start" in err
    with pytest.raises(SystemExit) as exc:
        main(["attribution", "--db", eco_url, "--start", "March", "--end", "2026-03-31"])
    assert exc.value.code == 2
    assert "is not a date" in capsys.readouterr().err
