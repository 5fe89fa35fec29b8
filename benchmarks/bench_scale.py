"""Issue 15's table: the product against the simplest hand-written SQL, per engine, at one scale.

usage: python benchmarks/bench_scale.py [--scale large] [--engines duckdb,sqlite,postgresql]
           [--pg URL] [--steps import,metrics,queries,pages] [--repeat 3] [--out benchmarks/results_large.json]

Per engine (a database per engine: ``data/bench_<scale>.<engine>`` or a PostgreSQL schema):

- ``import``: the contract CSVs of the scale (exported once from the first engine's database into
  ``data/bench_<scale>_csv/``) imported by ``python -m revops_core import`` in its own process:
  wall time and peak RSS (GNU time). Replaces the engine's data, and rebuilds the summaries.
- ``metrics``: ``python -m revops_core metrics --json`` in its own process (start-up included).
- ``queries``: in this process, medians of ``--repeat`` runs, each beside its raw SQL:
  the scorecard by dealer group and by dealer over 90 and 365 days (with the previous window, as
  the page computes it), and the six attribution models over 90 and 365 days; the EV slider move.
- ``pages``: each page's first render with cold caches (what the first visitor after an import
  waits for), opened directly, in a process of its own (AppTest): in a running app (the app's
  modules imported and its engine open, as a server has them before that visitor) and in a fresh
  process (imports included); and the peak RSS of one process that opens every page in turn (the
  app process while browsing).

"Raw SQL" is what a DBA would write for the same figures against the datasets alone (no summary
tables): ``raw_scorecard`` and ``raw_attribution`` below. Its answers are checked against the product's before timing (lead counts
and attributed revenue equal; the heuristic credits equal to 1e-6). Results go to ``--out`` (JSON)
and are printed as a Markdown table; RESULTS.md holds the reading.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date, datetime, time as dtime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_engines import PG_DEFAULT, url_for  # noqa: E402 - one engine-to-URL rule for both scripts
PY = str(ROOT / ".venv" / "bin" / "python")
PAGES = ["views/board_overview.py", "views/scorecard.py", "views/attribution.py", "views/scenario.py",
         "views/backlog_awards.py", "views/quarterly_review.py"]


def timed_process(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """(wall seconds, peak RSS MiB, stdout) of ``python ARGV`` under GNU time."""
    start = time.perf_counter()
    proc = subprocess.run(["/usr/bin/time", "-f", "%M", PY, *argv], cwd=ROOT, capture_output=True, text=True,
                          check=False, env={**os.environ, **(env or {})})
    wall = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"{argv[:3]} failed: {proc.stderr[-3000:]}")
    return wall, float(proc.stderr.strip().splitlines()[-1]) / 1024, proc.stdout


# ---- raw SQL -------------------------------------------------------------------------------------
def minutes(dialect: str, a: str, b: str) -> str:
    if dialect == "sqlite":
        return f"((julianday({b}) - julianday({a})) * 1440.0)"
    return f"(EXTRACT(EPOCH FROM ({b} - {a})) / 60.0)"


def raw_scorecard(dialect: str, level: str) -> list[str]:
    """Lead counts, median response, sourced / influenced revenue and dealer-month sums per entity."""
    ent = "d.dealer_id" if level == "dealer" else "d.dealer_group"
    mins = minutes(dialect, "l.created_at", "l.first_response_at")
    counts = (f"SELECT {ent}, count(*), sum(CASE WHEN l.first_response_at IS NOT NULL AND {mins} <= 30.00001 "
              "THEN 1 ELSE 0 END), count(l.test_drive_at), count(l.quote_at), count(l.sold_at), "
              "sum(CASE WHEN l.sold_at IS NOT NULL THEN coalesce(l.sold_revenue, 0) ELSE 0 END) "
              "FROM leads l JOIN dealers d ON d.dealer_id = l.dealer_id "
              f"WHERE l.created_at >= :lo AND l.created_at < :hi GROUP BY {ent}")
    if dialect == "sqlite":
        median = (f"SELECT g, avg(m) FROM (SELECT {ent} AS g, {mins} AS m, row_number() OVER (PARTITION BY {ent} "
                  f"ORDER BY {mins}) AS rn, count(*) OVER (PARTITION BY {ent}) AS n FROM leads l JOIN dealers d "
                  "ON d.dealer_id = l.dealer_id WHERE l.created_at >= :lo AND l.created_at < :hi AND "
                  "l.first_response_at IS NOT NULL) WHERE 2 * rn >= n AND 2 * rn <= n + 2 GROUP BY g")
    else:
        median = (f"SELECT {ent}, percentile_cont(0.5) WITHIN GROUP (ORDER BY {mins}) FROM leads l JOIN dealers d "
                  "ON d.dealer_id = l.dealer_id WHERE l.created_at >= :lo AND l.created_at < :hi AND "
                  f"l.first_response_at IS NOT NULL GROUP BY {ent}")
    marketing = (f"SELECT g, sum(CASE WHEN first_party IN ('OEM', 'MEDIA') THEN rev ELSE 0 END), "
                 "sum(CASE WHEN mkt = 1 THEN rev ELSE 0 END) FROM ("
                 f"SELECT {ent} AS g, l.lead_id, max(coalesce(l.sold_revenue, 0)) AS rev, "
                 "max(CASE WHEN t.party IN ('OEM', 'MEDIA') THEN 1 ELSE 0 END) AS mkt, "
                 "(SELECT t2.party FROM touchpoints t2 WHERE t2.lead_id = l.lead_id AND t2.ts <= l.sold_at "
                 "ORDER BY t2.ts, t2.channel LIMIT 1) AS first_party "
                 "FROM leads l JOIN dealers d ON d.dealer_id = l.dealer_id "
                 "LEFT JOIN touchpoints t ON t.lead_id = l.lead_id AND t.ts <= l.sold_at "
                 "WHERE l.created_at >= :lo AND l.created_at < :hi AND l.sold_at IS NOT NULL "
                 f"GROUP BY {ent}, l.lead_id, l.sold_at) x GROUP BY g")
    months = (f"SELECT {ent}, count(*), sum(m.service_customers_prior), sum(m.service_customers_retained), "
              "avg(m.csat), sum(m.campaigns_offered), sum(m.campaigns_joined), sum(m.cost_to_serve) "
              "FROM dealer_months m JOIN dealers d ON d.dealer_id = m.dealer_id "
              f"WHERE m.period >= :mlo AND m.period <= :mhi GROUP BY {ent}")
    return [counts, median, marketing, months]


def raw_attribution(dialect: str, power: bool) -> list[str]:
    """Attributed revenue, the heuristic models' credits and the Markov transition counts."""
    days = ("(julianday(l.sold_at) - julianday(t.ts))" if dialect == "sqlite"
            else "(EXTRACT(EPOCH FROM (l.sold_at - t.ts)) / 86400.0)")
    attributed = ("SELECT sum(coalesce(l.sold_revenue, 0)), count(*) FROM leads l WHERE l.sold_at >= :lo AND "
                  "l.sold_at < :hi AND EXISTS (SELECT 1 FROM touchpoints t WHERE t.lead_id = l.lead_id "
                  "AND t.ts <= l.sold_at)")
    decay = ", sum(rev * power(2.0, (newest - days) / 7.0) / wsum) AS td" if power else ""
    wsum = (", sum(power(2.0, (newest - days) / 7.0)) OVER (PARTITION BY lead_id) AS wsum" if power else "")
    credits = ("SELECT channel, sum(CASE WHEN rn = 1 THEN rev END), sum(CASE WHEN rn = cnt THEN rev END), "
               "sum(rev / cnt), sum(rev * CASE WHEN cnt = 1 THEN 1.0 WHEN cnt = 2 THEN 0.5 WHEN rn = 1 OR rn = cnt "
               f"THEN 0.4 ELSE 0.2 / (cnt - 2) END){decay} FROM (SELECT *{wsum} FROM ("
               f"SELECT l.lead_id, t.channel, coalesce(l.sold_revenue, 0) AS rev, {days} AS days, "
               "row_number() OVER (PARTITION BY l.lead_id ORDER BY t.ts, t.channel) AS rn, "
               "count(*) OVER (PARTITION BY l.lead_id) AS cnt, "
               f"min({days}) OVER (PARTITION BY l.lead_id) AS newest "
               "FROM leads l JOIN touchpoints t ON t.lead_id = l.lead_id AND t.ts <= l.sold_at "
               "WHERE l.sold_at >= :lo AND l.sold_at < :hi) a) b GROUP BY channel")
    transitions = ("SELECT prev, channel, last, conv, count(*) FROM (SELECT t.channel, "
                   "lag(t.channel) OVER (PARTITION BY t.lead_id ORDER BY t.ts, t.channel) AS prev, "
                   "CASE WHEN lead(t.channel) OVER (PARTITION BY t.lead_id ORDER BY t.ts, t.channel) IS NULL "
                   "THEN 1 ELSE 0 END AS last, CASE WHEN l.sold_at IS NULL THEN 0 ELSE 1 END AS conv "
                   "FROM leads l JOIN touchpoints t ON t.lead_id = l.lead_id "
                   "WHERE l.created_at >= :lo AND l.created_at < :hi AND (l.sold_at IS NULL OR t.ts <= l.sold_at)) x "
                   "GROUP BY prev, channel, last, conv")
    return [attributed, credits, transitions]


def run_raw(conn: Any, statements: list[str], start: date, end: date) -> list[list[tuple]]:  # noqa: ANN401
    import sqlalchemy as sa

    from revops_core.queries.scorecard import month_bounds

    lo, hi = datetime.combine(start, dtime.min), datetime.combine(end + timedelta(days=1), dtime.min)
    mlo, mhi = month_bounds(start, end)
    params = {"lo": lo, "hi": hi, "mlo": mlo, "mhi": mhi}
    return [[tuple(r) for r in conn.execute(sa.text(s), {k: v for k, v in params.items() if f":{k}" in s})]
            for s in statements]


# ---- the steps -----------------------------------------------------------------------------------
def median_of(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, out = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


def query_steps(url: str, repeat: int) -> list[dict[str, Any]]:
    from revops_core import scorecard as sc
    from revops_core.attribution_report import attribution_report
    from revops_core.config import load_config
    from revops_core.db import make_engine
    from revops_core.queries.attribution import has_power
    from revops_core.queries.common import EVERYTHING
    from revops_core.queries.scorecard import lead_date_range

    cfg = load_config()
    engine = make_engine(url, create=False)
    rows: list[dict[str, Any]] = []
    with engine.connect() as conn:
        dialect = conn.dialect.name
        power = has_power(conn)
        span = lead_date_range(conn, EVERYTHING)
        assert span is not None
        end = span[1]
        for days in (90, 365):
            start = end - timedelta(days=days - 1)
            prev_start, prev_end = sc.previous_window(start, end)
            for level in ("dealer_group", "dealer"):
                product_s, card = median_of(lambda: sc.scorecard(conn, start, end, level, cfg), repeat)  # noqa: B023
                raw_s, raw = median_of(lambda: [run_raw(conn, raw_scorecard(dialect, level), s, e)  # noqa: B023
                                                for s, e in ((start, end), (prev_start, prev_end))], repeat)
                leads = {str(r[0]): int(r[1]) for r in raw[0][0]}
                assert leads == {r.entity: r.counts.leads for r in card.rows if r.counts.leads}, "scorecard differs"
                rows.append({"step": f"scorecard by {level.replace('_', ' ')}, {days} days (with previous window)",
                             "product": product_s, "raw": raw_s})
            product_s, report = median_of(lambda: attribution_report(conn, start, end, cfg), repeat)  # noqa: B023
            raw_s, raw = median_of(lambda: run_raw(conn, raw_attribution(dialect, power), start, end), repeat)  # noqa: B023
            assert abs(float(raw[0][0][0] or 0) - report.attributed_revenue) < 1e-3, "attributed revenue differs"
            linear = {str(r[0]): float(r[3]) for r in raw[1]}
            assert all(abs(linear.get(c, 0.0) - v) < 1e-3 for c, v in report.credits["linear"].items()), "credits"
            rows.append({"step": f"six attribution models, {days} days", "product": product_s, "raw": raw_s})
    engine.dispose()
    rows.append({"step": "EV slider move (median of 5)", "product": slider_seconds(url), "raw": None})
    return rows


def slider_seconds(url: str) -> float:
    """One EV-slider move over the cached outlook, as ``bench_engines`` times it (median of 5)."""
    from bench_engines import slider_ms

    return slider_ms(url) / 1000


PAGE_SCRIPT = """
import sys, time, json, resource, importlib, pkgutil
root, url, mode, pages = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
sys.path.insert(0, root)
if mode == "warm":   # what a running app has done before its first visitor: imports, its engine
    import altair, pandas, streamlit, sqlalchemy as sa
    for pkg in ("revops_core", "shell"):
        for info in pkgutil.walk_packages(importlib.import_module(pkg).__path__, pkg + "."):
            if not info.name.endswith("__main__"):
                importlib.import_module(info.name)
    from revops_core.db import make_engine
    with make_engine(url).connect() as conn:
        conn.execute(sa.select(sa.literal(1)))
from streamlit.testing.v1 import AppTest
out = {}
for page in pages:
    start = time.perf_counter()
    at = AppTest.from_file(root + "/app.py", default_timeout=600)
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title, "the page drew no title"
    out[page] = time.perf_counter() - start
out["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
"""


def page_steps(url: str) -> list[dict[str, Any]]:
    """Each page's first render with cold caches, as the first visitor after an import meets it in a
    running app (modules imported, engine open) and in a fresh process (imports included), each page
    in a process of its own (AppTest); then one process opening every page in turn (its peak RSS)."""
    env = {"AUTOREVOPS_DB_URL": url}
    rows: list[dict[str, Any]] = []
    for page in PAGES:
        name = page.removeprefix("views/")
        warm = json.loads(timed_process(["-c", PAGE_SCRIPT, str(ROOT), url, "warm", page], env)[2])[page]
        cold = json.loads(timed_process(["-c", PAGE_SCRIPT, str(ROOT), url, "cold", page], env)[2])[page]
        rows.append({"step": f"first render in a running app: {name}", "product": warm, "raw": None})
        rows.append({"step": f"first render in a fresh process: {name}", "product": cold, "raw": None})
    _, peak, out = timed_process(["-c", PAGE_SCRIPT, str(ROOT), url, "cold", *PAGES], env)
    rows.append({"step": "app process while browsing every page above (peak RSS, MiB)", "product": None,
                 "raw": None, "mib": peak})
    return rows


def csv_folder(scale: str, source_url: str) -> Path:
    folder = ROOT / "data" / f"bench_{scale}_csv"
    if not (folder / "leads.csv").exists():
        wall, mib, _ = timed_process(["-m", "revops_core", "export", str(folder), "--db", source_url])
        print(f"exported the {scale} CSVs in {wall:.1f} s ({mib:.0f} MiB)", flush=True)
    return folder


def bench(engine: str, url: str, scale: str, steps: set[str], repeat: int, csv_source: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    if "import" in steps:
        folder = csv_folder(scale, csv_source)
        wall, mib, _ = timed_process(["-m", "revops_core", "import", str(folder), "--db", url])
        rows.append({"step": "import the CSVs (replace; summaries rebuilt)", "product": wall, "raw": None, "mib": mib})
        print(f"{engine:<10} import {wall:8.1f} s {mib:7.0f} MiB", flush=True)
    if "metrics" in steps:
        times = []
        for _ in range(repeat):
            wall, mib, _ = timed_process(["-m", "revops_core", "metrics", "--json", "--db", url])
            times.append(wall)
        rows.append({"step": "metrics --json (whole process)", "product": statistics.median(times), "raw": None,
                     "mib": mib})
    if "queries" in steps:
        rows += query_steps(url, repeat)
    if "pages" in steps:
        rows += page_steps(url)
    for r in rows:
        print(f"{engine:<10} {r['step']:<62} {fmt(r['product'])} {fmt(r['raw'])} {r.get('mib') or ''}", flush=True)
    return rows


def fmt(v: float | None) -> str:
    return "—" if v is None else (f"{v:.2f} s" if v >= 0.01 else f"{v * 1000:.2f} ms")


def markdown(results: dict[str, list[dict[str, Any]]], scale: str) -> str:
    engines = list(results)
    steps = list(dict.fromkeys(r["step"] for rows in results.values() for r in rows))
    head = "| step (" + scale + ") | " + " | ".join(f"{e} product | {e} raw SQL | ratio" for e in engines) + " |"
    lines = [head, "|---|" + "---:|---:|---:|" * len(engines)]
    for step in steps:
        cells = []
        for e in engines:
            r = next((x for x in results[e] if x["step"] == step), None)
            if r is None:
                cells += ["—", "—", "—"]
                continue
            product = f"{r['mib']:.0f} MiB" if r.get("mib") and r["product"] is None else fmt(r["product"])
            if r.get("mib") and r["product"] is not None:
                product += f" ({r['mib']:.0f} MiB)"
            ratio = f"{r['product'] / r['raw']:.2f}" if r.get("raw") and r["product"] else "—"
            cells += [product, fmt(r.get("raw")), ratio]
        lines.append(f"| {step} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", default="large")
    ap.add_argument("--engines", default="duckdb,sqlite,postgresql")
    ap.add_argument("--pg", default=PG_DEFAULT)
    ap.add_argument("--steps", default="import,metrics,queries,pages")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--csv-from", default="duckdb", help="engine whose database the CSVs are exported from")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    steps = set(args.steps.split(","))
    source = url_for(args.csv_from, args.scale, args.pg)
    results: dict[str, list[dict[str, Any]]] = {}
    if args.out and args.out.exists():
        results = json.loads(args.out.read_text())
    for e in args.engines.split(","):
        new = bench(e, url_for(e, args.scale, args.pg), args.scale, steps, args.repeat, source)
        kept = [r for r in results.get(e, []) if r["step"] not in {n["step"] for n in new}]
        results[e] = kept + new
        if args.out:
            args.out.write_text(json.dumps(results, indent=1))
    print(markdown(results, args.scale))


if __name__ == "__main__":
    main()
