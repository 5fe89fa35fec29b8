"""Cached wrappers and writes for the forecast page (caching lives only in the shell).

Roll-ups and pipeline change are cached by (url, data version, widget values). The forecast
submissions and locks tables are written from this page, so their reads are not cached; the
snapshot list is keyed on the latest snapshot id, which changes when one is taken.
"""
from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import streamlit as st

from revops_core import forecast, pipeline_change
from revops_core.forecast import ForecastLock, ForecastRollup, Submission
from revops_core.pipeline_change import PipelineChange, SnapshotInfo
from revops_core.queries.pipeline_change import latest_snapshot_id
from shell.data import engine


def today() -> date:
    """Today's date: the shell reads the clock, the core never does."""
    return date.today()


@st.cache_data(show_spinner="Rolling up the forecast…")
def rollup(url: str, version: str, as_of: date, quarter: str, segments: tuple[str, ...]) -> ForecastRollup:
    with engine(url).connect() as conn:
        return forecast.forecast_rollup(conn, as_of, quarter, segments)


def history(url: str, quarter: str, segments: tuple[str, ...]) -> list[Submission]:
    with engine(url).connect() as conn:
        return forecast.history(conn, quarter, segments)


def locks(url: str) -> list[ForecastLock]:
    with engine(url).connect() as conn:
        return forecast.locks(conn)


def submit(url: str, submission: Submission) -> Submission:
    """Append a submission (raises ForecastRejected / ForecastLocked; nothing written then)."""
    with engine(url).begin() as conn:
        return forecast.submit_call(conn, submission)


def lock(url: str, month: str, locked_by: str, locked_on: date) -> ForecastLock:
    with engine(url).begin() as conn:
        return forecast.lock_month(conn, month, locked_by, locked_on)


def latest_snapshot(url: str) -> int | None:
    with engine(url).connect() as conn:
        return latest_snapshot_id(conn)


@st.cache_data(show_spinner=False)
def snapshots(url: str, latest_id: int | None) -> list[SnapshotInfo]:
    with engine(url).connect() as conn:
        return pipeline_change.snapshots(conn)


def take_snapshot_now(url: str) -> int:
    return pipeline_change.record_snapshot(engine(url), datetime.now(), source="refresh")


@st.cache_data(show_spinner="Comparing with the snapshot…")
def change(url: str, version: str, baseline: SnapshotInfo, segments: tuple[str, ...]) -> PipelineChange:
    with engine(url).connect() as conn:
        return pipeline_change.pipeline_change(conn, baseline, segments)


@st.cache_data(show_spinner=False)
def change_rows(url: str, version: str, baseline: SnapshotInfo, category: str,
                segments: tuple[str, ...]) -> pd.DataFrame:
    with engine(url).connect() as conn:
        return pipeline_change.change_rows(conn, baseline, category, segments)
