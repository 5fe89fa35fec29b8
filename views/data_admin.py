"""Data: what the database holds; import of CSV, Excel, ZIP and CRM exports (mapping presets), checked
first with a validation report, then all or nothing; the mapping editor; a complete backup; the sample."""
from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from revops_core import formatting, mapping
from revops_core import uploads as staging
from revops_core.contract import DATASET_BY_NAME, Column
from revops_core.db import redact
from revops_core.importer import report_frame
from revops_core.safe_csv import people_csv
from shell import data, tables

MODES = {"replace": "Replace: every dataset becomes these files' content (default)",
         "append": "Append: add these files' rows to what is there"}
GROUPS = {"revenue": "Revenue architecture", "ecosystem": "Ecosystem"}
NOT_IMPORTED, NOTHING, THE_PRESETS = "(not imported)", "(nothing)", "(the preset's)"
BLANK, CONSTANT, PRESET_RULE, AS_WRITTEN = "(blank)", "(constant)", "(the preset's rule)", "(as written)"
RESTORE_OK = ("I understand that restoring the backup replaces every table: the datasets, saved scenarios, "
              "forecast calls and locks, snapshots, reviews, users and the audit log")
TIMES = ("%H:%M:%S", "%H:%M", "%I:%M:%S %p", "%I:%M %p")


# ---- what the database holds ------------------------------------------------------------------------
def _show_done() -> None:
    done = st.session_state.pop("data_done", None)
    if done:
        st.success(done[0])
        for warning in done[1]:
            st.warning(warning)


def _datasets(url: str) -> None:
    version = data.current_version(url)
    rows = [{"Dataset": s.name, "Group": GROUPS[s.group], "Rows": s.rows, "Latest date": s.latest or "—",
             "Latest of": s.freshness_column or "—"} for s in data.inventory(url, version)]
    tables.show(pd.DataFrame(rows), hide_index=True, width="stretch",
                column_config={"Rows": st.column_config.NumberColumn(format="localized")})
    with st.expander("The product's own tables (kept in a backup too)"):
        counts = data.product_counts(url, version)
        tables.show(pd.DataFrame({"Table": list(counts), "Rows": list(counts.values())}), hide_index=True)


SUMMARY_TEXT = {"sold_lead_facts": "Each sold lead's touches up to the sale (scorecard, attribution)",
                "markov_transition_months": "Markov transition counts per month, dealer group and region",
                "credit_months": "Heuristic attribution credits per month, dealer group, region and channel"}


def _summaries(url: str) -> None:
    """The summary tables every import rebuilds, and a rebuild for data written another way."""
    version = data.current_version(url)
    infos = data.summary_tables(url, version)
    with st.expander("Summary tables (rebuilt by every import)"):
        st.write("The ecosystem pages read these instead of every touchpoint. Each import, restore and "
                 "sample load rebuilds them in the same transaction; a table that is not current is "
                 "ignored and the pages read the datasets directly (same figures, slower).")
        if infos:
            # The long description last, so the short columns stay in view on a narrow screen.
            rows = [{"Table": i.name, "Current": "yes" if i.current else "no", "Rows": i.rows,
                     "Rebuilt": formatting.moment(i.refreshed_at), "Rebuild took (s)": round(i.seconds, 2),
                     "Holds": SUMMARY_TEXT.get(i.name, "—")} for i in infos]
            tables.show(pd.DataFrame(rows), hide_index=True, width="stretch",
                        column_config={"Rows": st.column_config.NumberColumn(format="localized"),
                                       "Holds": st.column_config.TextColumn(width="large")})
        else:
            st.info("No summary tables yet: the next import builds them, or rebuild them now.")
        if st.button("Rebuild the summary tables", key="data_summaries"):
            with st.spinner("Rebuilding the summary tables…"):
                data.rebuild_summaries(url)
            st.session_state["data_done"] = ("Summary tables rebuilt.", [])
            st.rerun()


# ---- import -----------------------------------------------------------------------------------------
def _sample(up) -> tuple[pd.DataFrame | None, str | None]:  # noqa: ANN001 - UploadedFile
    """The first rows of an upload (kept per file for this session)."""
    samples = st.session_state.setdefault("data_samples", {})
    if up.file_id not in samples:
        samples[up.file_id] = staging.head(up.name, up)
    return samples[up.file_id]


def _preset_choices(files: list, known: dict[str, mapping.Preset]) -> dict[str, str | None]:
    """A preset picker per CRM export (a CSV or workbook without a contract name), the fitting one first."""
    chosen: dict[str, str | None] = {}
    options = [NOT_IMPORTED, *known]
    for up in (u for u in files if staging.is_source(u.name)):
        sample, _ = _sample(up)
        detected = mapping.detect(tuple(sample.columns) if sample is not None else (), known)
        shown = staging.shown_name(up.name)
        pick = st.selectbox(f"Mapping preset for {shown}", options, index=options.index(detected) if detected else 0,
                            format_func=lambda n: n if n == NOT_IMPORTED else f"{known[n].title} ({n})",
                            key=f"data_preset_{up.file_id}")
        chosen[shown] = None if pick == NOT_IMPORTED else pick
    return chosen


def _selection(files: list, mode: str, chosen: dict[str, str | None]) -> tuple[object, ...]:
    """What a check was made for: the files, the presets and the mode (a new choice needs a new check)."""
    return (mode, tuple(sorted(chosen.items())), *((up.file_id, up.name, up.size) for up in files))


def _progress(bar) -> Callable[[float, str], None]:  # noqa: ANN001 - st.progress
    return lambda fraction, text: bar.progress(fraction, text=text)


def _check(files: list, mode: str, chosen: dict[str, str | None]) -> None:
    bar = st.progress(0.0, text="Checking the files…")
    outcome = data.run_uploads(url, files, mode, chosen, write=False, progress=_progress(bar))
    bar.empty()
    st.session_state["data_checked"] = (_selection(files, mode, chosen), outcome)


def _import(files: list, mode: str, chosen: dict[str, str | None]) -> None:
    bar = st.progress(0.0, text="Importing…")
    outcome = data.run_uploads(url, files, mode, chosen, write=True, progress=_progress(bar))
    bar.empty()
    if outcome.result is None:
        st.session_state["data_checked"] = (_selection(files, mode, chosen), outcome)
    else:
        report = outcome.result
        what = "Restored the backup" if report.backup else "Imported"
        st.session_state.pop("data_checked", None)
        st.session_state["data_done"] = (f"{what}: " + ", ".join(f"{k} {v:,}" for k, v in report.counts.items()),
                                         outcome.warnings + report.warnings)
    st.rerun()   # the counts above show the new data


def _show_rejection(outcome: data.UploadCheck) -> None:
    st.error(f"Import rejected: {len(outcome.problems)} problem(s). Nothing was written.")
    frame = report_frame(outcome.report)
    tables.show(frame, hide_index=True, width="stretch")
    st.download_button("Download the validation report (CSV)", people_csv(frame), file_name="validation-report.csv",
                       mime="text/csv", key="data_report", on_click="ignore")
    with st.expander("Every problem as text"):
        st.code("\n".join(outcome.problems), language=None)


def _show_plan(outcome: data.UploadCheck, files: list, mode: str, chosen: dict[str, str | None]) -> None:
    plan = outcome.result
    total = sum(plan.counts.values())
    st.info("The files are valid: " + ", ".join(f"{k} {v:,}" for k, v in plan.counts.items()) + ".")
    for warning in plan.warnings:
        st.warning(warning)
    confirmed = True
    if plan.backup:
        confirmed = st.checkbox(RESTORE_OK, key="data_ok")
    elif plan.will_empty:
        confirmed = st.checkbox(f"I understand that {', '.join(plan.will_empty)} will be emptied", key="data_ok")
    label = f"Restore the backup: {total:,} rows (replace)" if plan.backup else f"Import {total:,} rows ({mode})"
    if st.button(label, type="primary", disabled=not confirmed, key="data_import"):
        _import(files, mode, chosen)


def _show_checked(files: list, mode: str, chosen: dict[str, str | None]) -> None:
    checked = st.session_state.get("data_checked")
    if not files or not checked or checked[0] != _selection(files, mode, chosen):
        return
    outcome = checked[1]
    for warning in outcome.warnings:
        st.warning(warning)
    if outcome.nothing:
        st.error("None of the files is a contract dataset (accounts.csv, leads.xlsx, …), a backup or a CRM export "
                 "with a mapping preset. Nothing was written.")
    elif outcome.problems:
        _show_rejection(outcome)
    else:
        _show_plan(outcome, files, mode, chosen)


def _import_section(known: dict[str, mapping.Preset]) -> list:
    limit = cfg.rules.import_.max_upload_mb
    st.subheader("Import")
    st.write("Upload contract files (`<dataset>.csv` or `<dataset>.xlsx`: UTF-8, header row, ISO dates), a ZIP of "
             "them (this page's backup too), or CRM exports (Salesforce reports, a dealer CRM's leads, …) with a "
             "mapping preset. Check the files first: every file is checked before anything is written, and one "
             "problem anywhere rejects the whole import.")
    files = st.file_uploader(f"Files: CSV, Excel or ZIP, up to {limit} MB each", type=["csv", "xlsx", "zip"],
                             accept_multiple_files=True, key="data_uploads", max_upload_size=limit) or []
    chosen = _preset_choices(files, known)
    mode = st.radio("Mode", list(MODES), format_func=MODES.get, key="data_mode")
    if st.button("Check the files", type="primary", disabled=not files, key="data_check"):
        _check(files, mode, chosen)
    _show_checked(files, mode, chosen)
    return files


# ---- the mapping editor -----------------------------------------------------------------------------
def _formats(base: mapping.Preset | None, key: str) -> dict[str, object]:
    """The source's formats: the starting preset's, or picked here."""
    left, right = st.columns(2)
    dates = left.selectbox("Dates", [*([THE_PRESETS] if base else []), *mapping.DATE_STYLES], key=f"{key}_dates")
    numbers = right.selectbox("Numbers", [*([THE_PRESETS] if base else []), *mapping.NUMBER_STYLES],
                              key=f"{key}_numbers")
    if base is not None and THE_PRESETS in (dates, numbers):
        return base.formats.model_dump()
    patterns = mapping.DATE_STYLES[dates]
    thousands, decimal = mapping.NUMBER_STYLES[numbers]
    yes = left.text_input("Also true", "1, Yes, Y", key=f"{key}_true")
    no = right.text_input("Also false", "0, No, N", key=f"{key}_false")
    return {"date": list(patterns), "timestamp": [f"{d} {t}" for d in patterns for t in TIMES],
            "thousands": thousands, "decimal": decimal, "currency": ["$", "USD", "€", "EUR"],
            "true_values": [v.strip() for v in yes.split(",") if v.strip()],
            "false_values": [v.strip() for v in no.split(",") if v.strip()]}


def _allowed(col: Column) -> tuple[str, ...]:
    if col.kind == "journey":
        return tuple(cfg.rules.ecosystem.journeys)
    return ("true", "false") if col.kind == "bool" else col.values


def _value_map(col: Column, sample: pd.DataFrame, source: str, base: mapping.Rule | None, key: str) -> dict[str, str]:
    """A picker per value of the source column seen in the sample: the contract code it stands for."""
    allowed, given = _allowed(col), (base.values if base else {})
    out: dict[str, str] = {}
    for i, value in enumerate(mapping.sample_values(sample, source, limit=12)):
        default = given.get(value) or (value.upper() if value.upper() in allowed else AS_WRITTEN)
        options = [AS_WRITTEN, *allowed]
        pick = st.selectbox(f"{col.name}: {value!r} means", options, index=options.index(default)
                            if default in options else 0, key=f"{key}_v{i}")
        if pick != AS_WRITTEN:
            out[value] = pick
    return out


def _default_option(col: Column, base: mapping.Rule | None, suggested: str | None, options: list[str]) -> str:
    if base is not None and base.cases:
        return PRESET_RULE
    if base is not None and base.value is not None:
        return CONSTANT
    wanted = base.source if base is not None and base.source in options else suggested
    return wanted if wanted in options else BLANK


def _column_rule(col: Column, sample: pd.DataFrame, base: mapping.Preset | None, suggested: str | None,
                 key: str) -> dict | None:
    """Where one contract column comes from: a source column (values mapped), a constant, or nothing."""
    rule = base.columns.get(col.name) if base else None
    options = [BLANK, CONSTANT, *([PRESET_RULE] if rule and rule.cases else []), *sample.columns]
    default = _default_option(col, rule, suggested, options)
    label = col.name + ("" if col.required else " (optional)")
    choice = st.selectbox(label, options, index=options.index(default), key=f"{key}_{col.name}")
    if choice == CONSTANT:
        return {"value": st.text_input(f"{col.name}: the value", (rule.value or "") if rule else "",
                                       key=f"{key}_{col.name}_c")}
    if choice == PRESET_RULE:
        return rule.model_dump(exclude_defaults=True)  # type: ignore[union-attr]
    if choice == BLANK:
        return None
    values = _value_map(col, sample, choice, rule, f"{key}_{col.name}") if col.kind in ("enum", "journey", "bool") \
        else {}
    return {"source": choice, **({"values": values} if values else {})}


def _editor_body(sample: pd.DataFrame, base_name: str, base: mapping.Preset | None) -> dict[str, object]:
    names = list(DATASET_BY_NAME)
    dataset = st.selectbox("Dataset it feeds", names, index=names.index(base.dataset) if base else 0,
                           key=f"map_dataset_{base_name}")
    key = f"map_{base_name}_{dataset}"
    base = base if base is not None and base.dataset == dataset else None
    suggested = mapping.suggest(dataset, list(sample.columns))
    body: dict[str, object] = {"dataset": dataset, "formats": _formats(base, key), "columns": {},
                               "defaults": dict(base.defaults) if base else {},
                               "skip_when_blank": list(base.skip_when_blank) if base else []}
    st.caption("Each contract column: a column of the file, a constant, or blank (optional columns only).")
    for col in DATASET_BY_NAME[dataset].columns:
        rule = _column_rule(col, sample, base, suggested.get(col.name), key)
        if rule is not None:
            body["columns"][col.name] = rule  # type: ignore[index]
    return body


def _preview(preset: mapping.Preset, sample: pd.DataFrame) -> None:
    mapped, problems = mapping.preview(sample, preset, cfg.rules.ecosystem.journeys, cfg.rules.import_.max_amount)
    st.write(f"The first {len(mapped)} rows, mapped:")
    tables.show(mapped, width="stretch")
    if problems:
        st.warning(f"{len(problems)} problem(s) in these rows (links to other datasets are checked at import):")
        st.code("\n".join(problems[:20]), language=None)
    else:
        st.success("These rows pass every check (links to other datasets are checked at import).")


def _save(preset: mapping.Preset, name: str) -> None:
    try:
        path = data.save_preset(preset, name)
    except mapping.MappingError as exc:
        st.error("; ".join(exc.problems))
    except OSError as exc:
        st.error(f"The preset could not be written ({exc.strerror or exc}); check the config folder's permissions.")
    else:
        st.success(f"Saved as preset {name} ({path.name}): pick it for the file above.")


def _mapping_editor(files: list, known: dict[str, mapping.Preset]) -> None:
    sources = [u for u in files if staging.is_source(u.name)]
    if not sources:
        st.caption("Upload a CRM export (CSV or Excel) above to map its columns here.")
        return
    up = st.selectbox("File", sources, format_func=lambda u: staging.shown_name(u.name), key="map_file")
    sample, problem = _sample(up)
    if sample is None:
        st.error(problem)
        return
    base_name = st.selectbox("Start from", [NOTHING, *known], key="map_base")
    body = _editor_body(sample, base_name, known.get(base_name))
    name = st.text_input("Name of the new preset (lower-case letters, digits and _)", key="map_name")
    body["title"] = st.text_input("Title", f"{body['dataset']} from {staging.shown_name(up.name)}", key="map_title")
    try:
        preset = mapping.build_preset(body)
    except mapping.MappingError as exc:
        st.warning("Not a usable preset yet: " + "; ".join(exc.problems))
        return
    _preview(preset, sample)
    if st.button("Save as a new preset", disabled=not name, key="map_save"):
        _save(preset, name)


# ---- backup and the sample company --------------------------------------------------------------------
def _export_section() -> None:
    st.subheader("Backup")
    st.write("A ZIP of every table the product keeps: the datasets as contract CSVs (each imports anywhere as it "
             "is), saved scenarios, forecast calls and locks, pipeline snapshots, maturity assessments, reviews, "
             "users and the audit log, with a manifest (schema version, row counts, as-of date, checksums). "
             "Upload it above to restore this database exactly.")
    if st.button("Prepare the backup ZIP", key="data_export"):
        with st.spinner("Writing the backup…"):
            st.session_state["data_zip"] = data.export_zip(url)
    if st.session_state.get("data_zip"):
        st.download_button("Download autorevops-backup.zip", st.session_state["data_zip"],
                           file_name="autorevops-backup.zip", mime="application/zip", key="data_download",
                           on_click="ignore")


def _sample_section() -> None:
    st.subheader("Sample company")
    st.write("Replace **all data** with the deterministic sample company (seed 42).")
    sure = st.checkbox("I understand this replaces every dataset", key="data_seed_ok")
    if st.button("Load the sample company", key="data_seed", disabled=not sure):
        with st.spinner("Loading…"):
            data.seed_sample(url)
        st.success("Sample company loaded.")
        st.rerun()


url = data.db_url()
cfg = data.config()
st.title("Data")
st.caption(f"Database: `{redact(url)}`")
_show_done()
st.subheader("Datasets")
_datasets(url)
_summaries(url)
presets, preset_problems = data.presets()
for preset_problem in preset_problems:
    st.warning(preset_problem)
uploaded = _import_section(presets)
with st.expander("Mapping editor: map a CRM export's columns and values, preview, save as a preset"):
    _mapping_editor(uploaded, presets)
_export_section()
_sample_section()
