"""Engine, config and cached wrappers around ``revops_core`` (caching lives only here).

Cached functions take the database URL, the data version and widget values as arguments, so
a new import or seed invalidates them and two users with the same filters share results.
"""
from __future__ import annotations

import argparse
import sys
from datetime import date

import streamlit as st
from sqlalchemy.engine import Engine

from revops_core import board, playbook, risks
from revops_core.backlog import backlog_schedule
from revops_core.config import AppConfig, config_dir, load_config
from revops_core.db import DEFAULT_SQLITE_PATH, make_engine, resolve_url
from revops_core.loader import write_datasets
from revops_core.queries.common import EVERYTHING, Scope, latest_activity_date
from revops_core.schema import data_version, ensure_schema
from revops_core.windows import previous_quarter_ends


def db_url() -> str:
    """``streamlit run app.py -- --db URL``, else the environment, else embedded SQLite."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--db")
    args, _ = parser.parse_known_args(sys.argv[1:])
    return resolve_url(args.db)


@st.cache_resource(show_spinner=False)
def engine(url: str) -> Engine:
    eng = make_engine(url)
    ensure_schema(eng)
    return eng


def config() -> AppConfig:
    """The validated config of the config folder in use (``AUTOREVOPS_CONFIG_DIR`` or ``config/``)."""
    return _config(str(config_dir()))


@st.cache_resource(show_spinner=False)
def _config(folder: str) -> AppConfig:
    return load_config(folder)


def is_default_sqlite(url: str) -> bool:
    return url == resolve_url(f"sqlite:///{DEFAULT_SQLITE_PATH}")


def current_version(url: str) -> str:
    with engine(url).connect() as conn:
        return data_version(conn)


def seed_sample(url: str) -> None:
    """Load the sample company (used on first start of the embedded database)."""
    from sample_data.generator import generate

    write_datasets(engine(url), generate(), mode="replace", source="seed")
    st.cache_data.clear()


@st.cache_data(show_spinner=False)
def latest_date(url: str, version: str) -> date | None:
    with engine(url).connect() as conn:
        return latest_activity_date(conn)


@st.cache_data(show_spinner="Computing board metrics…")
def board_metrics(url: str, version: str, as_of: date, scope: Scope = EVERYTHING) -> board.BoardMetrics:
    with engine(url).connect() as conn:
        return board.board_metrics(conn, as_of, config(), scope)


def board_trend(url: str, version: str, as_of: date, quarters: int = 4) -> list[board.BoardMetrics]:
    """Board metrics at the ends of the previous ``quarters`` quarters, oldest first."""
    return [board_metrics(url, version, d) for d in reversed(previous_quarter_ends(as_of, quarters))]


@st.cache_data(show_spinner="Computing playbook metrics…")
def playbook_metrics(url: str, version: str, as_of: date, scope: Scope = EVERYTHING) -> playbook.PlaybookMetrics:
    with engine(url).connect() as conn:
        return playbook.playbook_metrics(conn, as_of, config(), scope)


def playbook_trend(url: str, version: str, as_of: date, quarters: int = 4) -> list[playbook.PlaybookMetrics]:
    """Playbook metrics at the ends of the previous ``quarters`` quarters, oldest first."""
    return [playbook_metrics(url, version, d) for d in reversed(previous_quarter_ends(as_of, quarters))]


@st.cache_data(show_spinner=False)
def schedule(url: str, version: str, as_of: date, scope: Scope = EVERYTHING) -> dict[int, dict[str, float]]:
    with engine(url).connect() as conn:
        return backlog_schedule(conn, as_of, scope)


@st.cache_data(show_spinner=False)
def failure_modes(url: str, version: str, as_of: date, scope: Scope = EVERYTHING) -> list[risks.FailureMode]:
    with engine(url).connect() as conn:
        return risks.failure_modes(conn, as_of, config(), scope)


@st.cache_data(show_spinner=False)
def pipeline_by_stage(url: str, version: str, as_of: date, segments: tuple[str, ...],
                      scope: Scope = EVERYTHING):  # noqa: ANN201 - DataFrame
    from revops_core.queries import pipeline

    with engine(url).connect() as conn:
        return pipeline.pipeline_by_stage(conn, as_of, segments, scope)


@st.cache_data(show_spinner=False)
def drilldown(url: str, version: str, as_of: date, segment: str, figure: str,
              scope: Scope = EVERYTHING):  # noqa: ANN201 - (DataFrame, total)
    from revops_core.queries import pipeline

    with engine(url).connect() as conn:
        return pipeline.drilldown(conn, as_of, segment, figure, scope)


@st.cache_data(show_spinner=False)
def dataset_counts(url: str, version: str) -> dict[str, int]:
    from revops_core.queries.common import dataset_counts as counts

    with engine(url).connect() as conn:
        return counts(conn)


def check_folder(url: str, folder, mode: str):  # noqa: ANN001, ANN201 - Path, ImportPlan
    """Check contract CSVs in ``folder`` without writing (raises ImportRejected): what the import would do."""
    from revops_core.importer import check_folder as run_check

    cfg = config()
    return run_check(engine(url), folder, mode=mode, journeys=cfg.rules.ecosystem.journeys,
                     max_amount=cfg.rules.import_.max_amount)


def import_folder(url: str, folder, mode: str):  # noqa: ANN001, ANN201 - Path, ImportReport
    """Import contract CSVs from ``folder`` (raises ImportRejected); clears caches on success."""
    from revops_core.importer import import_folder as run_import

    cfg = config()
    report = run_import(engine(url), folder, mode=mode, journeys=cfg.rules.ecosystem.journeys,
                        max_amount=cfg.rules.import_.max_amount)
    st.cache_data.clear()
    return report


def export_zip(url: str) -> bytes:
    """Every dataset as contract CSVs in one ZIP archive."""
    import io
    import tempfile
    import zipfile
    from pathlib import Path

    from revops_core.exporter import export_folder

    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory() as tmp:
        export_folder(engine(url), Path(tmp))
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
            for file in sorted(Path(tmp).glob("*.csv")):
                zf.write(file, file.name)
    return buffer.getvalue()
