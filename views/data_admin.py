"""Data: what the database holds, CSV import (checked first, then all or nothing), export, the sample company."""
from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from revops_core import uploads as staging
from revops_core.contract import DATASETS
from revops_core.db import redact
from revops_core.errors import ImportRejected
from shell import data, tables

MODES = {"replace": "Replace: every dataset becomes these files' content (default)",
         "append": "Append: add these files' rows to what is there"}

url = data.db_url()
st.title("Data")
st.caption(f"Database: `{redact(url)}`")

done = st.session_state.pop("data_done", None)
if done:
    st.success(done[0])
    for warning in done[1]:
        st.warning(warning)
counts = data.dataset_counts(url, data.current_version(url))
st.subheader("Datasets")
tables.show(pd.DataFrame([{"Dataset": ds.name,
                             "Group": "Revenue architecture" if ds.group == "revenue" else "Ecosystem",
                             "Rows": counts.get(ds.name, 0)} for ds in DATASETS]),
             hide_index=True, width="stretch",
             column_config={"Rows": st.column_config.NumberColumn(format="localized")})


def _staged(folder: Path) -> staging.StagedUploads:
    """The uploads written into ``folder`` under their contract names (never the browser's names)."""
    files = st.session_state.get("data_uploads") or []
    return staging.stage(((up.name, up.getvalue()) for up in files), folder)


def _show_rejection(exc: ImportRejected) -> None:
    st.error(f"Import rejected: {len(exc.problems)} problem(s). Nothing was written.")
    st.code("\n".join(exc.problems), language=None)


def _check(mode: str) -> None:
    """Stage and check the uploads; keep the plan (or the problems) for this selection of files."""
    with tempfile.TemporaryDirectory() as tmp:
        staged = _staged(Path(tmp))
        for warning in staged.warnings:
            st.warning(warning)
        if not staged.datasets:
            st.error("None of the files is named like a contract dataset (accounts.csv, leads.csv, …). "
                     "Nothing was written.")
            return
        try:
            plan = data.check_folder(url, Path(tmp), mode)
        except ImportRejected as exc:
            _show_rejection(exc)
            return
    st.session_state["data_plan"] = (_selection(mode), plan)


def _selection(mode: str) -> tuple[object, ...]:
    """What a check was made for: the uploaded files and the mode (a new choice needs a new check)."""
    files = st.session_state.get("data_uploads") or []
    return (mode, *((up.file_id, up.name, up.size) for up in files))


def _import(mode: str) -> None:
    with tempfile.TemporaryDirectory() as tmp, st.spinner("Importing…"):
        _staged(Path(tmp))
        try:
            report = data.import_folder(url, Path(tmp), mode)
        except ImportRejected as exc:
            _show_rejection(exc)
            return
    st.session_state.pop("data_plan", None)
    st.session_state["data_done"] = ("Imported: " + ", ".join(f"{k} {v:,}" for k, v in report.counts.items()),
                                     report.warnings)
    st.rerun()   # the counts above show the new data


st.subheader("Import CSV files")
st.write("Upload one `<dataset>.csv` per dataset in the contract format (UTF-8, header row, ISO dates). "
         "Check the files first: every file is checked before anything is written, and one problem anywhere "
         "rejects the whole import.")
uploads = st.file_uploader("Contract CSV files", type=["csv"], accept_multiple_files=True, key="data_uploads")
mode = st.radio("Mode", list(MODES), format_func=MODES.get, key="data_mode")
if st.button("Check the files", type="primary", disabled=not uploads, key="data_check"):
    _check(mode)
checked = st.session_state.get("data_plan")
if uploads and checked and checked[0] == _selection(mode):
    plan = checked[1]
    total = sum(plan.counts.values())
    st.info("The files are valid: " + ", ".join(f"{k} {v:,}" for k, v in plan.counts.items()) + ".")
    for warning in plan.warnings:
        st.warning(warning)
    confirmed = True
    if plan.will_empty:
        confirmed = st.checkbox(f"I understand that {', '.join(plan.will_empty)} will be emptied", key="data_ok")
    if st.button(f"Import {total:,} rows ({mode})", disabled=not confirmed, key="data_import"):
        _import(mode)

st.subheader("Export")
if st.button("Prepare a ZIP of every dataset", key="data_export"):
    st.session_state["data_zip"] = data.export_zip(url)
if st.session_state.get("data_zip"):
    st.download_button("Download autorevops-export.zip", st.session_state["data_zip"],
                       file_name="autorevops-export.zip", mime="application/zip", key="data_download")

st.subheader("Sample company")
st.write("Replace **all data** with the deterministic sample company (seed 42).")
sure = st.checkbox("I understand this replaces every dataset", key="data_seed_ok")
if st.button("Load the sample company", key="data_seed", disabled=not sure):
    with st.spinner("Loading…"):
        data.seed_sample(url)
    st.success("Sample company loaded.")
    st.rerun()
