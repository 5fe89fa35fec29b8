"""EV scenario planner: up to three 2030 market EV penetrations side by side over the revenue outlook.

Every setting is a widget bound to the URL's query parameters (keys ``sc_*``), so the address
bar is a link that reopens the same comparison. Bad values in a shared link are reported and
replaced by the defaults before any widget draws.
"""
from __future__ import annotations

import streamlit as st

from revops_core import formatting, scenario_share
from revops_core import outlook as outlook_core
from revops_core.errors import ScenarioError
from revops_core.safe_csv import people_csv
from revops_core.scenario import SENSITIVITY_TARGETS, comparison_rows, plan_grid, summary_rows
from revops_core.scenario_share import CURVE_LABELS, FIELD, SLOTS, YEARS_CHOICES
from shell import data, filters, scenario_charts, scenario_data, tables

f = filters.get()
cfg = data.config()
target_mix = cfg.rules.risks.ev_mix_target
exposure_limit = cfg.rules.risks.ice_hev_backlog_limit
DEFAULTS = scenario_share.defaults(cfg.rules.scenario, cfg.rules.scenario.presets)
PLAN_HELP = (f"The EV penetration the OEMs' volume plans behind our awards and pipeline assume for 2030; the plan "
             "path p(y) runs from the baseline to it. The default, "
             f"{formatting.percent(cfg.rules.scenario.plan_2030, 0)}, is `scenario.plan_2030` in config/rules.yaml, "
             "set to the playbook's 40% EV-by-2030 mark; change it here for this view, or in the config for everyone.")
link = scenario_share.read_query(st.query_params.to_dict(), DEFAULTS)  # before the widgets drop bad values

st.title("EV scenario planner")
st.caption(f"As of **{formatting.date(f.as_of)}**. The plan is the revenue outlook to 2035: the booked backlog "
           "schedule, the weighted open OEM and Tier-1 pipeline and recurring revenue. Each scenario re-weights it for "
           "another market "
           "EV penetration in 2030, the share of new vehicles built as BEV or PHEV (BEV/PHEV revenue by s/p, ICE/HEV "
           "by (1 − s)/(1 − p), powertrain-agnostic unchanged); the EV share of *our* revenue is the outcome. "
           "The address bar holds these settings: copy it to share this comparison.")
if link.problems:
    st.warning("Some settings in this link could not be used, so their defaults apply:\n\n"
               + "\n".join(f"- {p}" for p in link.problems), icon=":material/link_off:")


def _set(values: dict) -> None:
    for key, value in values.items():
        st.session_state[key] = value


def _apply_presets() -> None:
    _set({"sc_n": DEFAULTS["sc_n"], **{f"sc_t{i}": DEFAULTS[f"sc_t{i}"] for i in (1, 2, 3)}})


def _open_saved() -> None:
    name = st.session_state.get("sc_saved_pick")
    if not name:
        return
    try:
        values, fitted = scenario_share.values_from_spec(scenario_data.load(f.url, name), DEFAULTS)
    except ScenarioError as exc:
        st.session_state["sc_flash"] = ("error", f"Cannot open “{name}”: {exc}")
        return
    _set(values)
    st.session_state["sc_flash"] = ("success", f"Opened “{name}”." + "".join(f" {p}." for p in fitted))


def _save() -> None:
    name, author = st.session_state.get("sc_save_name", ""), st.session_state.get("sc_save_author", "")
    replacing = name.strip() in {s.name for s in scenario_data.saved(f.url)}
    try:
        saved = scenario_data.save(f.url, name, scenario_share.spec_from_values(st.session_state), author)
    except ScenarioError as exc:
        st.session_state["sc_flash"] = ("error", f"Not saved: {exc}.")
        return
    verb = "Replaced" if replacing else "Saved"
    st.session_state["sc_flash"] = ("success", f"{verb} “{saved}”. Anyone can open it under Saved scenarios.")


def _number(key: str, label: str, step: float, fmt: str, disabled: bool = False, tip: str | None = None) -> float:
    fld = FIELD[key]
    return st.number_input(label, min_value=fld.low, max_value=fld.high, value=float(DEFAULTS[key]), step=step,
                           format=fmt, key=key, bind="query-params", disabled=disabled, help=tip)


with st.container(border=True):
    left, right = st.columns(2, gap="large")
    with left:
        st.markdown("**Market EV penetration in 2030** (share of new vehicles built as BEV or PHEV)")
        top = st.columns([4, 5], vertical_alignment="bottom")
        n_text = top[0].radio("Scenarios side by side", ["1", "2", "3"], index=int(DEFAULTS["sc_n"]) - 1,
                              horizontal=True, key="sc_n", bind="query-params")
        presets = "/".join(f"{round(p * 100)}" for p in cfg.rules.scenario.presets[:3]) + "%"
        top[1].button(f"Presets {presets}", key="sc_presets", on_click=_apply_presets,
                      help="Set the scenarios to the configured presets.")
        n = int(n_text or DEFAULTS["sc_n"])
        sliders = st.columns(3)
        for i, slot in enumerate(SLOTS, start=1):
            sliders[i - 1].slider(f"Scenario {slot}", 0, 100, int(DEFAULTS[f"sc_t{i}"]), step=1, format="%d%%",
                                  key=f"sc_t{i}", bind="query-params", disabled=i > n,
                                  help="The share of new vehicles built in 2030 that are BEV or PHEV. The EV share "
                                       "of our revenue follows from it and shows under each chart below.")
    with right:
        st.markdown("**Plan and path**")
        row = st.columns(3)
        with row[0]:
            st.selectbox("Baseline year", YEARS_CHOICES, index=YEARS_CHOICES.index(DEFAULTS["sc_base_year"]),
                         key="sc_base_year", bind="query-params")
        with row[1]:
            _number("sc_base_share", "Baseline penetration (%)", 0.5, "%.1f",
                    tip="Market EV penetration in the baseline year; every path starts there.")
        with row[2]:
            _number("sc_plan", "Plan's 2030 penetration (%)", 0.5, "%.1f", tip=PLAN_HELP)
        curve_labels = list(CURVE_LABELS.values())
        row = st.columns(3)
        with row[0]:
            curve = st.radio("Share path", curve_labels, index=curve_labels.index(DEFAULTS["sc_curve"]),
                             key="sc_curve", bind="query-params", help="Linear as in the metric definition, or a "
                             "logistic S-curve through the same two anchors.")
        with row[1]:
            _number("sc_mid", "S-curve midpoint", 0.5, "%.1f", disabled=curve != "S-curve")
        with row[2]:
            _number("sc_steep", "S-curve steepness", 0.1, "%.2f", disabled=curve != "S-curve")

flash = st.session_state.pop("sc_flash", None)
with st.expander("Saved scenarios", icon=":material/bookmark:", expanded=flash is not None):
    if flash:
        (st.success if flash[0] == "success" else st.error)(flash[1])
    saved = scenario_data.saved(f.url)
    load_col, save_col = st.columns(2, gap="large")
    with load_col:
        labels = {s.name: f"{s.name} — {s.created_by}, {s.created_at:%d %b %Y %H:%M}" for s in saved}
        st.selectbox("Open a saved scenario", list(labels), index=None, format_func=labels.get,
                     placeholder="No saved scenarios yet" if not saved else "Choose a scenario",
                     key="sc_saved_pick")
        st.button("Open", key="sc_open", on_click=_open_saved, disabled=not saved)
    with save_col:
        st.text_input("Name", key="sc_save_name", max_chars=80,
                      help="Saving under an existing name replaces that scenario.")
        st.text_input("Your name", key="sc_save_author", max_chars=120)
        st.button("Save this comparison", key="sc_save", on_click=_save)

spec = scenario_share.spec_from_values(st.session_state)
names = [f"{slot} · {formatting.percent(t, 0)} market EV in 2030" for slot, t in zip(SLOTS, spec.targets)]
short = [f"{slot} ({formatting.percent(t, 0)})" for slot, t in zip(SLOTS, spec.targets)]
outlook = scenario_data.outlook(f.url, f.version, f.as_of)
schedule = outlook.total()   # what every scenario re-weights: booked + pipeline + recurring
try:
    results = [scenario_data.run(f.url, f.version, f.as_of, t, spec.params, target_mix) for t in spec.targets]
except ScenarioError as exc:
    st.error(f"These settings cannot be computed: {exc}. The plan path continues after 2030 at the same "
             "yearly step, so a plan 2030 share far from the baseline share reaches 100% (or 0%) EV before "
             "2035 while the backlog still holds revenue of the other powertrains; choose a plan 2030 share "
             "closer to the baseline share.",
             icon=":material/error:")
    st.stop()

summary = summary_rows(schedule, results, target_mix, exposure_limit)
if not summary[0]["revenue"]:
    st.info(f"The outlook holds no revenue for 2025–2035 as of {formatting.date(f.as_of)} (no backlog, open OEM or Tier-1 "
            "pipeline, or recurring revenue), so there is nothing to re-weight. Pick another as-of date or import "
            "data on the Data page.")
    st.stop()

plan_label = f"Plan ({formatting.percent(spec.params.plan_2030, 0)} market EV in 2030)"
rows = comparison_rows(schedule, results)
plan_totals = {r["year"]: r["plan_revenue"] for r in rows}
y_max = scenario_charts.shared_max(results, plan_totals)

st.subheader("Revenue outlook: booked, pipeline, recurring")
weights = ", ".join(f"{cfg.label('forecast_categories', k)} {formatting.percent(v, 0)}"
                    for k, v in cfg.rules.outlook.forecast_weights.items())
st.caption(f"**Booked**: the backlog schedule. **Pipeline**: open OEM and Tier-1 opportunities closing after "
           f"{formatting.date(f.as_of)}, weighted by forecast category ({weights}; blank counts as pipeline) and spread over "
           f"{cfg.rules.outlook.program_years} years from {cfg.rules.outlook.sop_lag_months} months after the close "
           "month. **Recurring**: the last twelve months' revenue without a platform award, continued per month. "
           f"{f.as_of.year} holds only the months after the as-of date. "
           "Weights, lag, program life and growth rates are `outlook` in config/rules.yaml. Scenarios re-weight booked "
           "and pipeline by powertrain; recurring revenue is powertrain-agnostic and stays as it is.")
part_series = {plan_label: outlook.parts}
for name, target in zip(names, spec.targets):
    part_series[name] = scenario_data.parts(f.url, f.version, f.as_of, target, spec.params)
chart_titles = [f"Plan ({formatting.percent(spec.params.plan_2030, 0)})", *short]
part_max = scenario_charts.parts_max(part_series, outlook.years)
st.html(scenario_charts.parts_legend())
for col, title, parts in zip(st.columns(len(part_series)), chart_titles, part_series.values()):
    with col:
        st.altair_chart(scenario_charts.parts_bars(parts, outlook.years, part_max, title), width="stretch")

st.subheader("Revenue by powertrain")
st.html(scenario_charts.powertrain_legend(cfg))
columns = st.columns(len(results))
for col, name, result, row in zip(columns, names, results, summary[1:]):
    with col:
        color, word = scenario_charts.EV_STATUS[row["ev_status"]]
        st.badge(f"{word}: our EV revenue share in 2030 {formatting.percent(row['ev_mix_2030'])}", color=color)
        color, word = scenario_charts.EXPOSURE_STATUS[row["exposure_status"]]
        st.badge(f"{word}: ICE + HEV {formatting.percent(row['ice_hev_2030'])}", color=color)
        st.altair_chart(scenario_charts.revenue_area(result, plan_totals, cfg, y_max, name), width="stretch")
st.caption(f"Badges: EV mix in 2030 against the {formatting.percent(target_mix, 0)} target, and the ICE + HEV share "
           f"of 2030 revenue against the {formatting.percent(exposure_limit, 0)} exposure limit. "
           "Every chart uses the same scale.")

series = [(plan_label, {r["year"]: r["plan_ev_mix"] for r in rows}),
          *((name, result.ev_mix) for name, result in zip(names, results))]
st.altair_chart(scenario_charts.ev_mix_lines(series, target_mix), width="stretch")

st.subheader("Summary")
tables.show(scenario_charts.summary_frame(summary, [plan_label, *names], target_mix), hide_index=True,
             width="stretch")

st.subheader("Revenue by year")
revenue_table, mix_table, raw = scenario_charts.comparison_frames(rows, short, SLOTS[: len(results)])
tables.show(revenue_table, hide_index=True, width="stretch", height="content")
st.markdown("**EV mix and ICE + HEV share by year** (A, B and C as above)")
tables.show(mix_table, hide_index=True, width="stretch", height="content")
st.download_button("Download the comparison (CSV)", people_csv(raw),
                   file_name=f"ev-scenarios-{f.as_of.isoformat()}.csv", mime="text/csv", key="sc_csv",
                   icon=":material/download:")
st.markdown("**Outlook by part and powertrain** (plan and each scenario, US$)")
parts_table = scenario_charts.parts_frame(outlook_core.long_rows(part_series, outlook.years), cfg)
tables.show(parts_table, hide_index=True, width="stretch", height=320,
             column_config=scenario_charts.money_columns(parts_table))
st.download_button("Download the outlook by part and powertrain (CSV)", people_csv(parts_table),
                   file_name=f"ev-outlook-{f.as_of.isoformat()}.csv", mime="text/csv", key="sc_outlook_csv",
                   icon=":material/download:")

st.subheader("Sensitivity: where the business breaks")
st.caption("Outlook revenue in 2030 and 2033 for a market EV penetration in 2030 from 20% to 80% (columns) when "
           "the plan itself assumed another 2030 penetration (rows); colour shows the change against that plan, red "
           "where revenue is lost. Uses the baseline and path set above.")
plans = plan_grid(spec.params.plan_2030)
grid = scenario_data.sensitivity(f.url, f.version, f.as_of, spec.params, SENSITIVITY_TARGETS, plans)
for year in (2030, 2033):
    st.altair_chart(scenario_charts.sensitivity_heatmap(grid, year), width="stretch")
