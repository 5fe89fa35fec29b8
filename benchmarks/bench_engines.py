"""The product's commands per engine at one scale: seed (generate + load), `metrics --json`, the
scorecard at each level over 365 days, the attribution report (six models) over 365 days, and the
EV slider (one scenario over the cached outlook), each with the peak memory of its process.

usage: python benchmarks/bench_engines.py [--scale medium] [--engines sqlite,duckdb,postgresql]
           [--pg URL] [--reseed] [--out benchmarks/RESULTS.md]

Each command runs as its own process (`python -m revops_core ...`, as a user would run it), so its
wall time includes the interpreter's start and its peak RSS is that process's alone (GNU time).
The EV slider is timed in this process: the outlook is computed once (as the page caches it),
then `run_scenario` is timed for a slider move. Not measured here (see RESULTS.md): each page's
first render, and the hand-written raw-SQL figure beside each step.
"""
from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PY = str(ROOT / ".venv" / "bin" / "python")
PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/test?options=-csearch_path%3Dbench_{scale}"


def run(argv: list[str]) -> tuple[float, float, str]:
    """(wall seconds, peak RSS MiB, stdout) of ``python -m revops_core ARGV``."""
    start = time.perf_counter()
    proc = subprocess.run(["/usr/bin/time", "-f", "%M", PY, "-m", "revops_core", *argv], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"{argv[0]} failed: {proc.stderr[-2000:]}")
    peak_kib = float(proc.stderr.strip().splitlines()[-1])
    return wall, peak_kib / 1024, proc.stdout


def url_for(engine: str, scale: str, pg: str) -> str:
    if engine == "sqlite":
        return f"sqlite:///{ROOT / 'data' / f'bench_{scale}.db'}"
    if engine == "duckdb":
        return f"duckdb:///{ROOT / 'data' / f'bench_{scale}.duckdb'}"
    return pg.format(scale=scale)


def has_data(url: str) -> bool:
    from revops_core.db import make_engine
    from revops_core.queries.common import dataset_counts
    try:
        engine = make_engine(url, create=False)
        with engine.connect() as conn:
            return dataset_counts(conn).get("leads", 0) > 0
    except Exception:  # noqa: BLE001 - no database yet
        return False


def slider_ms(url: str) -> float:
    """Median wall time of one EV-slider move (``run_scenario`` over the cached outlook), in ms."""
    from revops_core.backlog import backlog_schedule
    from revops_core.config import load_config
    from revops_core.db import make_engine
    from revops_core.outlook import revenue_outlook
    from revops_core.queries.common import EVERYTHING, latest_activity_date
    from revops_core.scenario import YEARS, params_from_defaults, run_scenario

    cfg = load_config()
    engine = make_engine(url, create=False)
    with engine.connect() as conn:
        as_of = latest_activity_date(conn)
        schedule = backlog_schedule(conn, as_of, EVERYTHING, last_year=YEARS[-1])
        outlook = revenue_outlook(conn, as_of, cfg, EVERYTHING, schedule=schedule)
    engine.dispose()
    params = params_from_defaults(cfg.rules.scenario, "linear")
    times = []
    for target in (0.3, 0.45, 0.5, 0.62, 0.7):
        start = time.perf_counter()
        run_scenario(outlook.total(), target, params)
        times.append((time.perf_counter() - start) * 1000)
    return sorted(times)[len(times) // 2]


def window(url: str) -> tuple[date, date]:
    from revops_core.db import make_engine
    from revops_core.queries.common import EVERYTHING
    from revops_core.queries.scorecard import lead_date_range
    engine = make_engine(url, create=False)
    with engine.connect() as conn:
        span = lead_date_range(conn, EVERYTHING)
    engine.dispose()
    assert span is not None
    return span[1] - timedelta(days=364), span[1]


def bench(engine: str, url: str, scale: str, reseed: bool) -> list[tuple[str, float, float]]:
    rows: list[tuple[str, float, float]] = []
    if reseed or not has_data(url):
        wall, mib, _ = run(["seed", "--scale", scale, "--db", url])
        rows.append((f"seed {scale} (generate + load)", wall, mib))
    start, end = window(url)
    steps = [("metrics --json", ["metrics", "--json"])]
    steps += [(f"scorecard --level {lvl} (365 days)",
               ["scorecard", "--level", lvl, "--start", start.isoformat(), "--end", end.isoformat(), "--json"])
              for lvl in ("dealer", "dealer_group", "region")]
    steps += [("attribution, six models (365 days)",
               ["attribution", "--start", start.isoformat(), "--end", end.isoformat(), "--json"])]
    steps += [("scenario --json (outlook + 3 targets)", ["scenario", "--json"])]
    steps += [("--help (start-up)", ["--help"])]
    for label, argv in steps:
        wall, mib, _ = run([*argv, "--db", url] if argv != ["--help"] else argv)
        rows.append((label, wall, mib))
        print(f"{engine:<10} {label:<42} {wall:7.2f} s  {mib:7.0f} MiB", flush=True)
    rows.append(("EV slider move (in process, median of 5)", slider_ms(url) / 1000, float("nan")))
    print(f"{engine:<10} EV slider move {rows[-1][1] * 1000:.2f} ms", flush=True)
    return rows


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem = next((line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal")), "0")
    return (f"{os.cpu_count()} cores ({cpu}), {int(mem) / 2**20:.0f} GiB RAM, {platform.system()} "
            f"{platform.release()}, Python {platform.python_version()}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", default="medium")
    ap.add_argument("--engines", default="sqlite,duckdb,postgresql")
    ap.add_argument("--pg", default=PG_DEFAULT, help="PostgreSQL URL ({scale} is filled in)")
    ap.add_argument("--reseed", action="store_true")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    results = {e: bench(e, url_for(e, args.scale, args.pg), args.scale, args.reseed)
               for e in args.engines.split(",")}
    if args.out:
        write_markdown(args.out, args.scale, results)


def write_markdown(path: Path, scale: str, results: dict[str, list[tuple[str, float, float]]]) -> None:
    engines = list(results)
    labels = list(dict.fromkeys(label for rows in results.values() for label, _, _ in rows))
    lines = [f"| step ({scale}) | " + " | ".join(f"{e} s | {e} peak MiB" for e in engines) + " |",
             "|---|" + "---:|---:|" * len(engines)]
    for label in labels:
        cells = []
        for e in engines:
            hit = next(((w, m) for lbl, w, m in results[e] if lbl == label), None)
            cells += ["—", "—"] if hit is None else [f"{hit[0]:.2f}" if hit[0] >= 0.01 else f"{hit[0]:.4f}",
                                                     "—" if hit[1] != hit[1] else f"{hit[1]:.0f}"]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    path.write_text(f"Machine: {machine()}\n\n" + "\n".join(lines) + "\n")
    print(path.read_text())


if __name__ == "__main__":
    main()
