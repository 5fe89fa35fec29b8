"""Engine, config and cached wrappers around ``revops_core`` (caching lives only here).

Cached functions take the database URL, the data version and widget values as arguments, so
a new import or seed invalidates them and two users with the same filters share results.
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import streamlit as st
from sqlalchemy.engine import Engine

from revops_core import board, playbook, risks
from revops_core.backlog import backlog_schedule
from revops_core.config import AppConfig, config_dir, load_config
from revops_core.db import is_default, make_engine, resolve_url
from revops_core.loader import write_datasets
from revops_core.queries.common import EVERYTHING, Scope, latest_activity_date
from revops_core.schema import data_changed_at, data_version, ensure_schema
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


def is_default_database(url: str) -> bool:
    """The embedded default database (seeded with the sample company on first start)."""
    return is_default(url)


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


@st.cache_data(show_spinner=False)
def playbook_tiles(url: str, version: str, as_of: date, scope: Scope = EVERYTHING) -> playbook.PlaybookTiles:
    with engine(url).connect() as conn:
        return playbook.playbook_tiles(conn, as_of, scope)


def playbook_trend(url: str, version: str, as_of: date, quarters: int = 4) -> list[playbook.PlaybookTiles]:
    """The board's playbook tiles at the ends of the previous ``quarters`` quarters, oldest first."""
    return [playbook_tiles(url, version, d) for d in reversed(previous_quarter_ends(as_of, quarters))]


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


# ---- import, export, backups (the Data page) -------------------------------------------------------
def upload_limits():  # noqa: ANN201 - uploads.Limits
    """The Data page's upload limits (``rules.yaml`` ``import``)."""
    from revops_core.uploads import Limits

    rules = config().rules.import_
    return Limits.from_mb(rules.max_upload_mb, rules.max_unzipped_mb)


def presets() -> tuple[dict, list[str]]:
    """Every mapping preset of the config folder in use (read each time: the editor adds presets), and
    the problems of those that cannot be used."""
    from revops_core.mapping import load_presets, mappings_dir

    return load_presets(mappings_dir())


def save_preset(preset, name: str):  # noqa: ANN001, ANN201 - mapping.Preset, Path
    """Save a new preset in the config folder's ``mappings/`` (raises ``MappingError``)."""
    from revops_core.mapping import mappings_dir, save_preset as write

    return write(preset, name, mappings_dir())


@dataclass(frozen=True)
class Prepared:
    """Uploads staged (and CRM exports mapped) into ``folder``, ready for a check or an import."""

    folder: Path
    datasets: tuple[str, ...]
    backup: bool
    warnings: tuple[str, ...]
    problems: tuple[str, ...]
    labels: dict[str, str]


def prepare_uploads(files, tmp: Path, chosen: dict[str, str | None]) -> Prepared:  # noqa: ANN001 - UploadedFiles
    """Stage the uploads into ``tmp`` under contract names only and map each CRM export with its preset.

    ``chosen`` maps an upload's shown name to the preset picked on the page (None: not imported);
    a CRM export found inside a ZIP takes the preset its header fits.
    """
    from revops_core.mapping import detect, map_sources
    from revops_core.uploads import stage

    folder, sources = tmp / "files", tmp / "sources"
    folder.mkdir()
    sources.mkdir()
    for up in files:
        up.seek(0)
    staged = stage(((up.name, up) for up in files), folder, upload_limits(), sources)
    known, _ = presets()

    def preset_of(source) -> tuple | None:  # noqa: ANN001 - uploads.Source
        name = chosen[source.shown] if source.shown in chosen else detect(source.header, known)
        return (name, known[name]) if name in known else None

    mapped = map_sources([(s, preset_of(s)) for s in staged.sources], folder, staged.datasets)
    return Prepared(folder, staged.datasets + mapped.datasets, bool(staged.backup_files),
                    staged.warnings + mapped.warnings, staged.problems + mapped.problems,
                    {**staged.labels, **mapped.labels})


def _import_options(labels: dict[str, str] | None, progress) -> dict:  # noqa: ANN001 - callable
    cfg = config()
    return {"journeys": cfg.rules.ecosystem.journeys, "max_amount": cfg.rules.import_.max_amount,
            "labels": labels, "progress": progress}


def check_folder(url: str, folder, mode: str, labels: dict[str, str] | None = None,  # noqa: ANN001, ANN201
                 progress=None):  # noqa: ANN001 - Path, ImportPlan, callable
    """Check a staged folder without writing (raises ImportRejected): what the import would do."""
    from revops_core.importer import check_folder as run_check

    return run_check(engine(url), folder, mode=mode, **_import_options(labels, progress))


def import_folder(url: str, folder, mode: str, labels: dict[str, str] | None = None,  # noqa: ANN001, ANN201
                  progress=None):  # noqa: ANN001 - Path, ImportReport, callable
    """Import a staged folder, or restore a backup (raises ImportRejected); clears caches on success."""
    from revops_core.importer import import_folder as run_import

    report = run_import(engine(url), folder, mode=mode, **_import_options(labels, progress))
    st.cache_data.clear()
    return report


@dataclass(frozen=True)
class UploadCheck:
    """What checking (or importing) uploads found: the plan (or import report), or the problems with
    their validation report; the warnings either way. ``nothing``: no upload holds anything to import."""

    warnings: tuple[str, ...]
    result: object | None = None         # importer.ImportPlan or importer.ImportReport
    problems: tuple[str, ...] = ()
    report: tuple = ()                   # importer.ReportLine
    nothing: bool = False


def _rejected(warnings: tuple[str, ...], exc: Exception) -> UploadCheck:
    from revops_core.importer import plain_report

    problems = tuple(getattr(exc, "problems", ()))
    report = tuple(getattr(exc, "report", ())) or plain_report(problems)
    return UploadCheck(warnings + tuple(getattr(exc, "warnings", ())), None, problems, report)


def run_uploads(url: str, files, mode: str, chosen: dict[str, str | None], write: bool,  # noqa: ANN001
                progress=None) -> UploadCheck:  # noqa: ANN001 - callable
    """Stage and map the uploads in a temporary folder, then check them (``write`` False) or import them."""
    import tempfile

    from revops_core.errors import ImportRejected
    from revops_core.importer import plain_report

    with tempfile.TemporaryDirectory(prefix="autorevops-upload-") as tmp:
        prepared = prepare_uploads(files, Path(tmp), chosen)
        if prepared.problems:
            return UploadCheck(prepared.warnings, None, prepared.problems, plain_report(prepared.problems))
        if not prepared.datasets and not prepared.backup:
            return UploadCheck(prepared.warnings, nothing=True)
        run = import_folder if write else check_folder
        try:
            return UploadCheck(prepared.warnings, run(url, prepared.folder, mode, prepared.labels, progress))
        except ImportRejected as exc:
            return _rejected(prepared.warnings, exc)


def export_zip(url: str) -> bytes:
    """A complete backup (every table, with its manifest) as one ZIP archive."""
    import io
    from datetime import datetime

    from revops_core.exporter import export_zip as write_zip

    buffer = io.BytesIO()
    write_zip(engine(url), buffer, datetime.now())
    return buffer.getvalue()


@st.cache_data(show_spinner=False)
def inventory(url: str, version: str) -> list:
    """Every contract dataset's row count and latest date (``backup.inventory``)."""
    from revops_core.backup import inventory as read

    with engine(url).connect() as conn:
        return read(conn)


@st.cache_data(show_spinner=False)
def product_counts(url: str, version: str) -> dict[str, int]:
    """Row count of every product table a backup holds."""
    from revops_core.backup import table_counts

    with engine(url).connect() as conn:
        return table_counts(conn)


@st.cache_data(show_spinner=False)
def changed_at(url: str, version: str):  # noqa: ANN201 - datetime | None
    """When the data last changed (shown as "Data refreshed" in the sidebar)."""
    with engine(url).connect() as conn:
        return data_changed_at(conn)


@st.cache_data(show_spinner=False)
def summary_tables(url: str, version: str):  # noqa: ANN201 - list[summaries.SummaryInfo]
    """The summary tables' state (rows, when and how long each rebuild took, current or not)."""
    from revops_core import summaries

    with engine(url).connect() as conn:
        return summaries.summary_info(conn)


def rebuild_summaries(url: str) -> None:
    """Rebuild the summary tables from the datasets (advances the data version)."""
    from revops_core.loader import data_loaded

    with engine(url).begin() as conn:
        data_loaded(conn)
    st.cache_data.clear()
