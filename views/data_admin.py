"""Data: what the database holds, CSV import (all or nothing), CSV export, the sample company."""
from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from revops_core.contract import DATASETS
from revops_core.db import redact
from revops_core.errors import ImportRejected
from shell import data

url = data.db_url()
cfg = data.config()
st.title("Data")
st.caption(f"Database: `{redact(url)}`")

counts = data.dataset_counts(url, data.current_version(url))
st.subheader("Datasets")
st.dataframe(pd.DataFrame([{"Dataset": ds.name,
                             "Group": "Revenue architecture" if ds.group == "revenue" else "Ecosystem",
                             "Rows": counts.get(ds.name, 0)} for ds in DATASETS]),
             hide_index=True, width="stretch",
             column_config={"Rows": st.column_config.NumberColumn(format="localized")})

st.subheader("Import CSV files")
st.write("Upload one `<dataset>.csv` per dataset in the contract format (UTF-8, header row, ISO dates). "
         "Every file is checked before anything is written; one problem anywhere rejects the whole import.")
uploads = st.file_uploader("Contract CSV files", type=["csv"], accept_multiple_files=True, key="data_uploads")
mode = st.radio("Mode", ["append", "replace"], horizontal=True, key="data_mode",
                captions=["add rows to what is there", "replace every dataset with these files"])
if st.button("Import", type="primary", disabled=not uploads, key="data_import"):
    with tempfile.TemporaryDirectory() as tmp:
        for up in uploads or []:
            Path(tmp, up.name).write_bytes(up.getvalue())
        try:
            report = data.import_folder(url, Path(tmp), mode)
        except ImportRejected as exc:
            st.error(f"Import rejected: {len(exc.problems)} problem(s). Nothing was written.")
            st.code("\n".join(exc.problems), language=None)
        else:
            st.success("Imported: " + ", ".join(f"{k} {v:,}" for k, v in report.counts.items()))
            for warning in report.warnings:
                st.warning(warning)

st.subheader("Export")
if st.button("Prepare a ZIP of every dataset", key="data_export"):
    st.session_state["data_zip"] = data.export_zip(url)
if st.session_state.get("data_zip"):
    st.download_button("Download autorevops-export.zip", st.session_state["data_zip"],
                       file_name="autorevops-export.zip", mime="application/zip", key="data_download")

st.subheader("Sample company")
st.write("Replace all data with the deterministic sample company (seed 42).")
if st.button("Load the sample company", key="data_seed"):
    with st.spinner("Loading…"):
        data.seed_sample(url)
    st.success("Sample company loaded.")
    st.rerun()
