"""Martech maturity matrix: assess an org unit by choosing rubric cells, compare with the previous
assessment and with the stage the data supports, and read the next steps of the ROI playbook."""
from __future__ import annotations

from datetime import date

import altair as alt
import pandas as pd
import streamlit as st

from revops_core import formatting, maturity
from revops_core.contract import MATURITY_DIMENSIONS
from revops_core.errors import ConfigError
from revops_core.queries.common import change
from shell import access, filters, tables
from shell import maturity_data as md
from shell import maturity_grid as mgrid

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
    return formatting.DASH if stage is None else f"{stage} {cfg.stages[stage]}"


# --- the latest assessment against the previous one and the data ---------------------------------
found = [] if current is None else maturity.disagreements(current.stages, suggested, cfg)
if current is None:
    st.info("No assessment for this org unit yet: choose a cell in each row of the matrix below to record the "
            "first one.")
else:
    score_change = None if previous is None else change(current.score, previous.score)
    c1, c2, c3, c4 = st.columns([1.5, 0.9, 1.2, 0.9])
    c1.metric("Overall stage", maturity.stage_label(current.score, cfg), help="Mean stage over the six dimensions: "
              f"Tool-centric below {cfg.thresholds.tool_centric_below:g}, Journey-centric below "
              f"{cfg.thresholds.journey_centric_below:g}, else Ecosystem-centric.")
    c2.metric("Assessment score (1–3)", f"{current.score:.2f}", **md.score_delta(score_change),
              delta_description=None if previous is None else f"vs {formatting.date(previous.assessed_on)}")
    c3.metric("Assessed on", formatting.date(current.assessed_on),
              help=f"{len(history)} assessment{'s' if len(history) != 1 else ''} of {current.org_unit} on record.")
    c4.metric("Data disagrees on", f"{len(found)} of {len(MATURITY_DIMENSIONS)}",
              help="Dimensions whose self-assessed stage differs from the stage the data supports.")

# --- the matrix: read it, and assess by choosing a cell per row -------------------------------------
st.subheader("The matrix")
st.caption(("**Assessed** marks the latest assessment"
            + (f" ({formatting.date(current.assessed_on)})" if current else "")
            + (f", **Previous** the one before ({formatting.date(previous.assessed_on)})" if previous else "")
            + ", **Data supports** the stage the data in this database supports. To assess, choose a cell in "
            "each row" + (" (the choices start from the latest assessment)" if current else "")
            + " and save. ")
           + (f"The data is read from **{org}'s own dealers** (leads, touchpoints and dealer months of that "
              "dealer group)." if own_data else "The data is read from the whole database (an org unit named "
              "like a dealer group is compared with that group's data only)."))
form_key = "new" if current is None else current.assessment_id  # fresh choices per org unit and assessment
mgrid.seed(form_key, cfg.dimensions, None if current is None else current.stages)
mgrid.draw(maturity.grid(cfg, None if current is None else current.stages, suggested,
                         None if previous is None else previous.stages),
           cfg, form_key, {} if current is None else current.evidence)
with st.container(border=True):
    a1, a2 = st.columns([2, 1])
    unit = a1.text_input("Org unit", value=org if not viewer.sees_everything else
                         ("" if current is None else current.org_unit), key=f"mm_unit_{form_key}",
                         disabled=not viewer.sees_everything,
                         placeholder="e.g. OEM marketing, Region West, Dealer group Northline")
    when = a2.date_input("Assessed on", value=date.today(), format="YYYY-MM-DD", key="mm_date")
    with st.expander("Evidence per dimension (optional)"):
        notes = {d: st.text_input(f"Evidence for {dim.label}", key=f"mm_note_{form_key}_{d}",
                                  value="" if current is None else current.evidence.get(d, ""),
                                  placeholder="What shows this: a report, a dataset, a decision…")
                 for d, dim in cfg.dimensions.items()}
    submitted = st.button("Save assessment", type="primary", key="mm_save",
                          help="Saving the same org unit on the same day again replaces that day's assessment.")

if submitted:
    chosen = mgrid.chosen(form_key, cfg.dimensions)
    missing = [cfg.dimension_label(d) for d, s in chosen.items() if s is None]
    if missing:
        st.error("Choose a cell in every row before saving; not chosen yet: " + ", ".join(missing) + ".")
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
            st.session_state[SAVED] = (f"Saved the assessment of {saved.org_unit} on "
                                       f"{formatting.date(saved.assessed_on)}.")
            st.rerun()

if current is not None:
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
        x=alt.X("Assessed on:T", title="Assessed on", axis=alt.Axis(format="%b %Y", tickCount="month")),
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
                 hide_index=True, width="stretch", dates=["Assessed on"])
