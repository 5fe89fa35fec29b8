"""Martech maturity matrix: assess an org unit by choosing rubric cells, compare with the previous
assessment and with the stage the data supports, and read the next steps of the ROI playbook."""
from __future__ import annotations

from datetime import date

import altair as alt
import pandas as pd
import streamlit as st

from revops_core import maturity
from revops_core.contract import MATURITY_DIMENSIONS
from revops_core.errors import ConfigError
from revops_core.queries.common import change
from shell import access, filters, tables
from shell import maturity_data as md

f = filters.get()
viewer = access.viewer()
st.title("Martech maturity matrix")
st.caption("Six dimensions, three stages: Tool-centric → Journey-centric → Ecosystem-centric. A team assesses "
           "itself by choosing, per dimension, the rubric cell that describes it; beside that the product shows "
           "the stage the data in this database supports. Assessments are listed by date and are not narrowed "
           "by the as-of date.")
try:
    cfg = md.config()
except ConfigError as exc:
    st.error("`config/maturity.yaml` is invalid:\n\n" + "\n".join(f"- {p}" for p in exc.problems))
    st.stop()

PENDING, SAVED = "_mm_select_after_save", "_mm_saved_message"
if PENDING in st.session_state:  # select the org unit just saved, before its widget draws
    st.session_state["mm_org"] = st.session_state.pop(PENDING)
if SAVED in st.session_state:
    st.success(st.session_state.pop(SAVED), icon=":material/task_alt:")

# a dealer group assesses itself only
units = md.org_units(f.url, f.version) if viewer.sees_everything else [str(viewer.dealer_group)]
NEW = "➕ New org unit…"
org = st.selectbox("Org unit", [*units, NEW] if viewer.sees_everything else units, key="mm_org",
                   bind="query-params",
                   help="OEM marketing, a region or a dealer group: each keeps its own history.")
history = [] if org == NEW else md.history(f.url, f.version, org, viewer.scope)
current = history[-1] if history else None
previous = history[-2] if len(history) > 1 else None
suggested, own_data = md.suggestions(f.url, f.version, None if org == NEW else org)


def stage_name(stage: int | None) -> str:
    return "–" if stage is None else f"{stage} {cfg.stages[stage]}"


# --- the latest assessment against the previous one and the data ---------------------------------
if current is None:
    st.info("No assessment for this org unit yet: fill in the form below to record the first one.")
else:
    label = maturity.stage_label(current.score, cfg)
    score_change = None if previous is None else change(current.score, previous.score)
    views = maturity.compare(current.stages, None if previous is None else previous.stages, suggested, cfg)
    found = maturity.disagreements(current.stages, suggested, cfg)
    c1, c2, c3, c4 = st.columns([1.5, 0.9, 1.2, 0.9])
    c1.metric("Overall stage", label, help="Mean stage over the six dimensions: Tool-centric below "
              f"{cfg.thresholds.tool_centric_below:g}, Journey-centric below {cfg.thresholds.journey_centric_below:g}, "
              "else Ecosystem-centric.")
    c2.metric("Assessment score (1–3)", f"{current.score:.2f}",
              delta=None if score_change is None else f"{score_change:+.2f}",
              delta_description=None if previous is None else f"vs {previous.assessed_on:%d %b %Y}")
    c3.metric("Assessed on", f"{current.assessed_on:%d %b %Y}",
              help=f"{len(history)} assessment{'s' if len(history) != 1 else ''} of {current.org_unit} on record.")
    c4.metric("Data disagrees on", f"{len(found)} of {len(MATURITY_DIMENSIONS)}",
              help="Dimensions whose self-assessed stage differs from the stage the data supports.")

    series = [(f"This assessment ({current.assessed_on:%d %b %Y})", current.stages)]
    if previous is not None:
        series.insert(0, (f"Previous ({previous.assessed_on:%d %b %Y})", previous.stages))
    series.append(("What the data supports", {d: s.stage for d, s in suggested.items()}))
    order = [cfg.dimension_label(d) for d in cfg.dimensions]
    points = pd.DataFrame([{"Dimension": cfg.dimension_label(d), "Series": name, "Stage": stages[d],
                            "Stage name": cfg.stages[stages[d]]}
                           for name, stages in series for d in cfg.dimensions if d in stages])
    names = [name for name, _ in series]
    chart = alt.Chart(points, title="Stage by dimension: this assessment, the previous one and the data",
                      height=420).mark_point(size=150, filled=True, opacity=0.9).encode(
        x=alt.X("Stage:Q", title="Stage", scale=alt.Scale(domain=[0.6, 3.4]),
                axis=alt.Axis(values=[1, 2, 3], labelExpr="datum.value == 1 ? '1 Tool-centric' : "
                              "datum.value == 2 ? '2 Journey-centric' : '3 Ecosystem-centric'",
                              grid=True, labelLimit=200)),
        y=alt.Y("Dimension:N", sort=order, title=None, axis=alt.Axis(labelLimit=220)),
        yOffset=alt.YOffset("Series:N", sort=names),
        color=alt.Color("Series:N", sort=names, title=None, legend=alt.Legend(labelLimit=320, orient="top"),
                        scale=alt.Scale(domain=names, range=["#9e9e9e", "#1f5aa6", "#f28e2b"][-len(names):])),
        shape=alt.Shape("Series:N", sort=names, title=None,
                        scale=alt.Scale(domain=names, range=["circle", "circle", "diamond"][-len(names):])),
        tooltip=["Dimension", "Series", "Stage", "Stage name"])
    st.altair_chart(chart, width="stretch")
    st.caption(f"What the data supports is read from **{current.org_unit}'s own dealers** (leads, touchpoints and "
               "dealer months of that dealer group)." if own_data else
               "What the data supports is read from the whole database (an org unit named like a dealer group is "
               "compared with that group's data only).")

    table = pd.DataFrame([{
        "Dimension": v.label,
        "Stage": stage_name(v.stage),
        "Change": "–" if v.change is None else ("same" if v.change == 0 else f"{v.change:+d}"),
        "Data supports": stage_name(v.suggested),
        "Why (from the data)": suggested[v.dimension].reason if v.dimension in suggested else "",
        "Rubric chosen": v.rubric,
        "Evidence": current.evidence.get(v.dimension, ""),
    } for v in views])
    tables.show(table, hide_index=True, width="stretch",
                 column_config={"Rubric chosen": st.column_config.TextColumn(width="large"),
                                "Why (from the data)": st.column_config.TextColumn(width="large")})

    st.subheader("Where the self-assessment and the data disagree")
    if found:
        st.warning("\n".join(f"- {d.message}" for d in found), icon=":material/rule:")
    else:
        st.success("The data supports every stage of this assessment.", icon=":material/check_circle:")

    st.subheader("Next steps for the weakest dimensions")
    actions = maturity.next_steps(current.stages, cfg)
    if not actions:
        st.success("Every dimension is Ecosystem-centric: keep the joint KPIs and governance running.")
    for dimension in dict.fromkeys(a.dimension for a in actions):
        mine = [a for a in actions if a.dimension == dimension]
        st.markdown(f"**{cfg.dimension_label(dimension)}**: from {stage_name(mine[0].stage)} to "
                    f"{stage_name(mine[0].stage + 1)}\n\n"
                    + "\n".join(f"- :blue-badge[{cfg.playbook_steps[a.step]}] {a.text}" for a in mine))

# --- history of every org unit ---------------------------------------------------------------------
every = md.history(f.url, f.version, None, viewer.scope)
if every:
    st.subheader("History")
    scores = pd.DataFrame([{"Org unit": a.org_unit, "Assessed on": pd.Timestamp(a.assessed_on), "Score": a.score,
                            "Overall stage": maturity.stage_label(a.score, cfg)} for a in every])
    bands = pd.DataFrame({"Score": [cfg.thresholds.tool_centric_below, cfg.thresholds.journey_centric_below],
                          "Boundary": [f"Journey-centric from {cfg.thresholds.tool_centric_below:g}",
                                       f"Ecosystem-centric from {cfg.thresholds.journey_centric_below:g}"]})
    score_scale = alt.Scale(domain=[1, 3])
    lines = alt.Chart(scores).mark_line(point=alt.OverlayMarkDef(size=80)).encode(
        x=alt.X("Assessed on:T", title="Assessed on", axis=alt.Axis(format="%b %Y")),
        y=alt.Y("Score:Q", title="Assessment score (1–3)", scale=score_scale),
        color=alt.Color("Org unit:N", legend=alt.Legend(orient="top") if scores["Org unit"].nunique() > 1 else None),
        tooltip=["Org unit", alt.Tooltip("Assessed on:T", format="%d %b %Y"), alt.Tooltip("Score:Q", format=".2f"),
                 "Overall stage"])
    rules = alt.Chart(bands).mark_rule(strokeDash=[4, 4], color="#757575").encode(
        y=alt.Y("Score:Q", scale=score_scale), tooltip=["Boundary"])
    st.altair_chart(alt.layer(rules, lines, title="Assessment score over time (dashed: stage boundaries)",
                              height=320), width="stretch")
    tables.show(pd.DataFrame([{"Org unit": a.org_unit, "Assessed on": a.assessed_on, "Score": round(a.score, 2),
                                "Overall stage": maturity.stage_label(a.score, cfg),
                                **{cfg.dimension_label(d): a.stages[d] for d in cfg.dimensions}}
                               for a in reversed(every)]),
                 hide_index=True, width="stretch",
                 column_config={"Assessed on": st.column_config.DateColumn(format="YYYY-MM-DD")})

# --- a new assessment ------------------------------------------------------------------------------
st.subheader("Record an assessment")
st.caption("Read each row of the rubric and choose the cell that describes the org unit today. "
           + ("The choices start from the latest assessment." if current else "")
           + " Saving the same org unit on the same day again replaces that day's assessment.")
form_key = "new" if current is None else current.assessment_id  # fresh widgets per org unit and assessment
with st.form("mm_form"):
    a1, a2 = st.columns([2, 1])
    unit = a1.text_input("Org unit", value=org if not viewer.sees_everything else
                         ("" if current is None else current.org_unit), key=f"mm_unit_{form_key}",
                         disabled=not viewer.sees_everything,
                         placeholder="e.g. OEM marketing, Region West, Dealer group Northline")
    when = a2.date_input("Assessed on", value=date.today(), format="YYYY-MM-DD", key="mm_date")
    chosen: dict[str, int | None] = {}
    notes: dict[str, str] = {}
    for dimension, dim in cfg.dimensions.items():
        st.markdown(f"**{dim.label}**")
        start = None if current is None else current.stages[dimension]
        chosen[dimension] = st.radio(
            dim.label, [1, 2, 3], index=None if start is None else start - 1, key=f"mm_stage_{form_key}_{dimension}",
            format_func=lambda s, dim=dim: f"**{s} {cfg.stages[s]}**: {dim.rubric[s]}", label_visibility="collapsed")
        notes[dimension] = st.text_input(f"Evidence for {dim.label} (optional)", key=f"mm_note_{form_key}_{dimension}",
                                         value="" if current is None else current.evidence.get(dimension, ""),
                                         placeholder="What shows this: a report, a dataset, a decision…")
    submitted = st.form_submit_button("Save assessment", type="primary", key="mm_save")

if submitted:
    missing = [cfg.dimension_label(d) for d, s in chosen.items() if s is None]
    if missing:
        st.error("Choose a rubric cell for every dimension before saving; not chosen yet: " + ", ".join(missing) + ".")
    elif when is None:
        st.error("Choose the date of the assessment.")
    else:
        try:
            saved = md.save(f.url, unit if viewer.sees_everything else str(viewer.dealer_group), when,
                            {d: int(s) for d, s in chosen.items() if s is not None}, notes)
        except ValueError as exc:
            st.error(f"The assessment was not saved: {exc}.")
        else:
            st.session_state[PENDING] = saved.org_unit
            st.session_state[SAVED] = f"Saved the assessment of {saved.org_unit} on {saved.assessed_on:%d %b %Y}."
            st.rerun()
