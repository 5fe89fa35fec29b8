"""``python -m revops_core seed`` and ``metrics --json``.

``metrics`` is checked against ``board.board_metrics`` and ``playbook.playbook_metrics`` computed
directly on the same database (the session's small sample company, seed 42); ``seed`` is checked
for determinism: the same seed gives the same row counts and money sums, another seed gives other data.
"""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from revops_core.board import board_metrics
from revops_core.cli import main
from revops_core.config import AppConfig
from revops_core.contract import DATASETS, SEGMENTS
from revops_core.db import make_engine
from revops_core.playbook import playbook_metrics
from revops_core.queries.common import T
from revops_core.schema import ensure_schema

ROOT = Path(__file__).resolve().parents[2]
AS_OF = "2026-06-30"

# Every key of BoardMetrics.to_json (the METRICS.md board metrics plus the detail it adds).
JSON_KEYS = {
    "as_of", "revenue_ttm", "program_revenue_ttm", "awards_won_ttm", "backlog", "backlog_replenishment_rate",
    "win_rate", "oem_rfq_win_rate", "pipeline_coverage", "sales_cycle_days", "eco_count_ttm",
    "eco_approved_revenue_ttm", "eco_approval_rate", "software_attach_rate", "subscription_arr",
    "arr_per_subscribed_vehicle", "subscription_revenue_share", "ev_revenue_mix_ttm", "esa_ratio",
    "certifications", "pipeline_at_risk_cert", "pipeline_coverage_detail", "open_pipeline",
}
# The playbook metrics printed beside them (METRICS.md "Playbook metrics beyond the board table").
PLAYBOOK_KEYS = {"revenue_run_rate", "esa_lift", "award_to_sop_months", "eco_margin_ttm", "oem_mix",
                 "ev_mix_sustained"}
MONEY_COLUMNS = (("opportunities", "amount"), ("platform_awards", "lifetime_value"), ("revenue", "amount"),
                 ("ecos", "revenue_delta"), ("shipments", "subscription_arr"))


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def fingerprint(url: str) -> tuple[dict[str, int], dict[str, float]]:
    """Row count of every contract dataset and the sum of a few money columns."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            counts = {d.name: conn.execute(sa.select(sa.func.count()).select_from(T[d.name])).scalar_one()
                      for d in DATASETS}
            sums = {f"{t}.{c}": float(conn.execute(sa.select(sa.func.sum(T[t].c[c]))).scalar_one())
                    for t, c in MONEY_COLUMNS}
    finally:
        engine.dispose()
    return counts, sums


def direct_json(url: str, as_of: date, cfg: AppConfig) -> dict[str, Any]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            out = {**board_metrics(conn, as_of, cfg).to_json(), **playbook_metrics(conn, as_of, cfg).to_json()}
            return json.loads(json.dumps(out))
    finally:
        engine.dispose()


# --- metrics --json ------------------------------------------------------------------------

def test_metrics_json_subprocess_equals_board_metrics(sample_db_url: str, cfg: AppConfig) -> None:
    proc = subprocess.run([sys.executable, "-m", "revops_core", "metrics", "--db", sample_db_url,
                           "--as-of", AS_OF, "--json"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    got = json.loads(proc.stdout)
    assert set(got) == JSON_KEYS | PLAYBOOK_KEYS
    assert got["as_of"] == AS_OF
    for key in ("pipeline_coverage", "sales_cycle_days", "pipeline_coverage_detail"):
        assert set(got[key]) == set(SEGMENTS), key
    assert set(got["win_rate"]) == {*SEGMENTS, "ALL"}
    assert got == direct_json(sample_db_url, date(2026, 6, 30), cfg)
    # the sample company is not empty: these figures must be real numbers, not 0 / n/a
    assert got["revenue_ttm"] > 0 and got["backlog"] > 0 and got["win_rate"]["ALL"] is not None
    assert set(got["revenue_run_rate"]) == {"ytd", "annualized"} and got["revenue_run_rate"]["ytd"] > 0
    assert set(got["esa_lift"]) == {"with_esa", "without_esa", "lift"}
    assert got["award_to_sop_months"] > 0
    assert set(got["oem_mix"]) == {"accounts", "top3_share", "hhi"} and got["oem_mix"]["accounts"]
    for account in got["oem_mix"]["accounts"].values():
        assert set(account) == {"name", "backlog_share", "revenue_share", "backlog_share_year_before", "change_pts"}
    quarters = got["ev_mix_sustained"]["quarters"]
    assert list(quarters) == ["2025-09-30", "2025-12-31", "2026-03-31", "2026-06-30"]  # D is a quarter end
    assert isinstance(got["ev_mix_sustained"]["sustained"], bool)


def test_metrics_json_other_date_via_main(sample_db_url: str, cfg: AppConfig,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "metrics", "--db", sample_db_url, "--as-of", "2025-12-31", "--json")
    assert code == 0
    got = json.loads(out)
    assert got["as_of"] == "2025-12-31"
    assert got == direct_json(sample_db_url, date(2025, 12, 31), cfg)
    # a different D gives different figures (TTM moves)
    assert got["revenue_ttm"] != direct_json(sample_db_url, date(2026, 6, 30), cfg)["revenue_ttm"]


@pytest.mark.parametrize("bad", ["2026-13-01", "2026-02-30", "30/06/2026", "yesterday"])
def test_metrics_bad_as_of_exits_non_zero(sample_db_url: str, bad: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["metrics", "--db", sample_db_url, "--as-of", bad, "--json"])
    assert exc.value.code != 0
    err = capsys.readouterr().err
    assert f"{bad!r} is not a date; use YYYY-MM-DD" in err


def test_metrics_bad_as_of_subprocess(sample_db_url: str) -> None:
    proc = subprocess.run([sys.executable, "-m", "revops_core", "metrics", "--db", sample_db_url,
                           "--as-of", "2026-06-31", "--json"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
    assert proc.stdout == ""
    assert "'2026-06-31' is not a date; use YYYY-MM-DD" in proc.stderr


def test_metrics_on_empty_database_explains(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # No --as-of and no dated records: nothing to default D to -> exit 2 with a message, no JSON.
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    ensure_schema(make_engine(url))
    code, out, err = run_cli(capsys, "metrics", "--db", url, "--json")
    assert code == 2 and out == ""
    assert "seed or import data first" in err


def test_metrics_on_missing_database_creates_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "typo" / "empty.db"
    code, out, err = run_cli(capsys, "metrics", "--db", f"sqlite:///{missing}", "--json")
    assert (code, out) == (2, "")
    assert err == (f"python -m revops_core metrics: error: no database at {missing}; "
                   "create one with `python -m revops_core seed` or `import`\n")
    assert list(tmp_path.iterdir()) == []


# --- seed ------------------------------------------------------------------------------------

def test_seed_then_metrics_end_to_end(tmp_path: Path, sample_db_url: str, cfg: AppConfig,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'seeded.db'}"
    code, _, err = run_cli(capsys, "seed", "--db", url, "--scale", "small")
    assert code == 0
    counts, _ = fingerprint(url)
    assert f"Seeded {sum(counts.values()):,} rows (small, seed 42)" in err
    assert counts["opportunities"] == 400 and counts["platform_awards"] == 60  # the small scale
    # seed 42 / small by the CLI = the session's sample company (same generator, same seed)
    assert fingerprint(url) == fingerprint(sample_db_url)
    code, out, _ = run_cli(capsys, "metrics", "--db", url, "--as-of", AS_OF, "--json")
    assert code == 0
    assert json.loads(out) == direct_json(url, date(2026, 6, 30), cfg)


def test_seed_is_deterministic_and_seed_sensitive(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    urls = {name: f"sqlite:///{tmp_path / f'{name}.db'}" for name in ("a", "b", "c")}
    for name, seed in (("a", "7"), ("b", "7"), ("c", "8")):
        code, _, _ = run_cli(capsys, "seed", "--db", urls[name], "--scale", "small", "--seed", seed)
        assert code == 0
    a, b, c = (fingerprint(urls[n]) for n in ("a", "b", "c"))
    assert a == b                                   # same seed: same rows and same money sums
    assert all(v > 0 for v in a[1].values())
    assert a[1] != c[1]                             # another seed: other money
    assert a[1]["opportunities.amount"] != c[1]["opportunities.amount"]


def test_seed_twice_into_same_database_replaces(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # seed replaces all data: seeding the same file twice does not double anything.
    url = f"sqlite:///{tmp_path / 'twice.db'}"
    assert run_cli(capsys, "seed", "--db", url, "--scale", "small", "--seed", "3")[0] == 0
    first = fingerprint(url)
    assert run_cli(capsys, "seed", "--db", url, "--scale", "small", "--seed", "3")[0] == 0
    assert fingerprint(url) == first


def test_seed_rejects_unknown_scale(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["seed", "--db", f"sqlite:///{tmp_path / 'x.db'}", "--scale", "huge"])
    assert exc.value.code != 0
    assert "invalid choice: 'huge'" in capsys.readouterr().err


def test_metrics_on_sqlite_runs_without_importing_pandas(sample_db_url: str) -> None:
    """``metrics`` needs no table library: its start-up stays the CLI's, not pandas' (~0.3 s; issue 15).
    (DuckDB's driver imports pandas itself on its first query with parameters.)"""
    code = ("import sys, runpy; sys.argv = ['revops_core', 'metrics', '--json', '--db', %r, '--as-of', %r]\n"
            "try:\n    runpy.run_module('revops_core', run_name='__main__')\nexcept SystemExit as e:\n"
            "    assert not e.code, e.code\n"
            "print('PANDAS', 'pandas' in sys.modules, file=sys.stderr)") % (sample_db_url, AS_OF)
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["as_of"] == AS_OF
    assert "PANDAS False" in proc.stderr
