"""Cached wrappers around ``revops_core.scorecard`` for the ecosystem scorecard page, keyed by
(url, version, widget values), the scorecard as the viewer may see it (anonymous peers), the
table the page shows (every value formatted by the core), its audited exports (one-page PDF, CSV
and Excel of raw numbers: ``revops_core.scorecard_export``), the admin's share links, and the
read-only view a share link opens (``show_shared``)."""
from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date, datetime

import pandas as pd
import streamlit as st

from revops_core import formatting, sharing
from revops_core import scorecard as sc
from revops_core import scorecard_export as se
from revops_core.access import Viewer
from revops_core.chart_theme import STATUS_COLORS
from revops_core.config import AppConfig
from revops_core.queries import maturity as qm
from revops_core.queries import scorecard as q
from revops_core.queries.common import EVERYTHING, Scope
from shell import access, data, tables


@st.cache_data(show_spinner=False)
def lead_range(url: str, version: str, scope: Scope = EVERYTHING) -> tuple[date, date] | None:
    with data.engine(url).connect() as conn:
        return q.lead_date_range(conn, scope)


@st.cache_data(show_spinner="Computing the scorecard…")
def scorecard(url: str, version: str, start: date, end: date, level: str, journey: str | None,
              scope: Scope = EVERYTHING) -> sc.Scorecard:
    with data.engine(url).connect() as conn:
        return sc.scorecard(conn, start, end, level, data.config(), journey, scope)


@st.cache_data(show_spinner=False)
def funnel(url: str, version: str, start: date, end: date, journey: str | None, level: str | None,
           entity: str | None, scope: Scope = EVERYTHING) -> list[sc.FunnelStep]:
    with data.engine(url).connect() as conn:
        return sc.funnel(conn, start, end, data.config(), journey, scope, level, entity)


@st.cache_data(show_spinner=False)
def own_entities(url: str, version: str, level: str, scope: Scope) -> frozenset[str]:
    """The entities at ``level`` inside ``scope`` (a dealer group's own dealers, or the group)."""
    with data.engine(url).connect() as conn:
        return sc.own_entities(conn, level, scope)


def shared_scorecard(url: str, version: str, start: date, end: date, level: str, journey: str | None,
                     scope: Scope) -> sc.SharedScorecard:
    """The scorecard as ``scope`` may see it (``sc.share_for``): ranked among every entity (the
    cached ``scorecard``), other groups' entities as anonymous peers, or none when too few."""
    card = scorecard(url, version, start, end, level, journey)  # every peer: scores are relative to them
    own = own_entities(url, version, level, scope) if not scope.every_dealer else frozenset()
    return sc.share_for(card, scope, own, data.config().users.min_peers)


@st.cache_data(show_spinner=False)
def heatmap(url: str, version: str, start: date, end: date, segment_level: str,
            scope: Scope = EVERYTHING) -> list[sc.HeatmapCell]:
    with data.engine(url).connect() as conn:
        return sc.heatmap(conn, start, end, segment_level, scope, data.config().rules.ecosystem.marketing_parties)


TABLE_KPIS = ("composite_score", "quartile", *sc.KPIS)
MONEY_KPIS = tuple(k for k in sc.KPIS if sc.KPI_LABELS[k][1] == "money")
TREND = "Trend vs previous window"
FIRST_COLUMNS = (sc.KPI_LABELS["composite_score"][0], sc.KPI_LABELS["quartile"][0], TREND,
                 *(sc.KPI_LABELS[k][0] for k in ("leads", "response_sla_rate", "conversion_rate", "revenue")))
"""What a reader needs first, after rank and name; the other columns are picked on the page."""


def table(card: sc.Scorecard) -> pd.DataFrame:
    """One row per entity, best composite score first: name, score, quartile, trend, every KPI
    as text but money (numbers, shown in one unit per column by ``show_table``)."""
    name_col = sc.LEVEL_LABELS[card.level]
    rows = []
    for rank, r in enumerate(card.rows, start=1):
        row: dict[str, object] = {"Rank": rank, name_col: r.name}
        if card.level == "dealer":
            row["Dealer ID"] = r.entity
        row[sc.KPI_LABELS["composite_score"][0]] = card.peer_note or sc.kpi_text("composite_score", r.composite_score)
        row[sc.KPI_LABELS["quartile"][0]] = HIDDEN if card.peer_note else sc.kpi_text("quartile", r.quartile)
        row[TREND] = HIDDEN if card.peer_note else sc.trend_text(r.trend)
        row.update({sc.KPI_LABELS[k][0]: _cell(k, r.kpis) for k in sc.KPIS})
        rows.append(row)
    return pd.DataFrame(rows)


HIDDEN = "—"  # a peer's count or money, never shown (and a score relative to too few peers)


def _cell(key: str, kpis: dict[str, float | None]) -> object:
    """A KPI cell: money stays a number (one unit per column, sortable), the rest is text; a KPI a
    peer's row does not carry (counts, money) is blank money or "—"."""
    if key not in kpis:
        return None if key in MONEY_KPIS else HIDDEN
    return kpis[key] if key in MONEY_KPIS else sc.kpi_text(key, kpis[key])


@st.cache_data(show_spinner=False)
def export_file(url: str, version: str, view: se.ScorecardView, scope: Scope, audience: str, fmt: str) -> bytes:
    """The view as ``scope`` sees it, as one file: ``pdf`` (one page), ``csv`` or ``xlsx`` (raw numbers).

    Made when the viewer clicks its button (``downloads``), not on every render: the workbook
    alone takes ~1.5 s at the contract's large size."""
    shared = shared_scorecard(url, version, view.start, view.end, view.level, view.journey, scope)
    cfg = data.config()
    title = f"Ecosystem scorecard: {audience}"
    if fmt == "pdf":
        return se.scorecard_pdf(se.one_page(shared, view, cfg, scope, audience), title)
    frame = se.export_frame(shared, view, cfg, scope)
    if fmt == "csv":
        return se.export_csv(frame)
    if fmt == "xlsx":
        return se.export_xlsx(frame, f"{title} · {view.describe(cfg)}")
    raise ValueError(f"no scorecard export as {fmt!r}")


def audience(viewer: Viewer) -> str:
    """Whom an export is for, in its title: the viewer's dealer group or region, else all dealers."""
    return viewer.dealer_group or (f"{viewer.region} region" if viewer.region else "all dealers")


FORMATS = {"pdf": ("PDF", "application/pdf", ":material/picture_as_pdf:",
                   "One page: your totals, your rows ranked, peers as their median and top quartile."),
           "csv": ("CSV", "text/csv", ":material/download:",
                   "Every row of the table in raw numbers, with the window, level, journey and as-of date."),
           "xlsx": ("Excel", se.XLSX_MIME, ":material/table_view:",
                    "The CSV's rows as a workbook (percents and dollars formatted) and an About sheet.")}


def downloads(url: str, version: str, view: se.ScorecardView, viewer: Viewer, key: str = "eco") -> None:
    """The view as the viewer sees it as a one-page PDF, a CSV and an Excel workbook of raw numbers
    (window, level, journey, as-of date and scope in every row), each download logged as an
    ``export`` in the audit log for a dealer-group, region, marketing or share-link viewer."""
    stem = view.file_stem() if viewer.sees_everything else f"{se.slug(audience(viewer))}_{view.file_stem()}"
    makers = file_makers(url, version, view, viewer)
    columns = st.columns(len(FORMATS))
    for column, (fmt, (label, mime, icon, tip)) in zip(columns, FORMATS.items()):
        column.download_button(f"Download the scorecard ({label})", makers[fmt], file_name=f"{stem}.{fmt}",
                               mime=mime, key=f"{key}_download" if fmt == "csv" else f"{key}_download_{fmt}",
                               icon=icon, help=tip, on_click="ignore")


def file_makers(url: str, version: str, view: se.ScorecardView, viewer: Viewer) -> dict[str, Callable[[], bytes]]:
    """Per format, what a click on its button calls: the file as the viewer sees it, the export logged."""
    who = audience(viewer)
    detail = f"scorecard by {view.level} {view.start}..{view.end}" + (f" ({view.journey})" if view.journey else "")
    return {fmt: functools.partial(_exported, access.export_recorder(viewer, f"{detail} ({fmt.upper()})"),
                                   url, version, view, viewer.scope, who, fmt) for fmt in FORMATS}


def _exported(record: Callable[[], None], url: str, version: str, view: se.ScorecardView, scope: Scope,
              audience_name: str, fmt: str) -> bytes:
    """A download's file, made when the viewer clicks (Streamlit calls this outside the page's run, so
    the page does not rerun), and the export logged as it is handed over."""
    made = export_file(url, version, view, scope, audience_name, fmt)
    record()
    return made


# ---- share links (admins) ------------------------------------------------------------------------

@st.cache_data(show_spinner=False)
def dealer_groups(url: str, version: str) -> list[str]:
    """Every dealer group in the data, for an admin choosing whom to share with."""
    with data.engine(url).connect() as conn:
        return qm.dealer_groups(conn)


def share_url(token: str) -> str:
    """The address that opens ``token``: the app's own address (``st.context.url``) with ``?share=``."""
    try:
        here = st.context.url
    except Exception:  # noqa: BLE001 - no browser context (AppTest)
        here = None
    root = (here or "").rsplit("/scorecard", 1)[0].rstrip("/")
    return f"{root}/?{sharing.SHARE_PARAM}={token}"


def share_form(url: str, version: str, view: se.ScorecardView, viewer: Viewer) -> None:
    """An admin shares the view on screen with one dealer group: a signed link that opens it read-only,
    without sign-in, until it expires (``sharing.yaml`` ``link_days``) or is revoked."""
    settings = data.config().sharing
    with st.expander("Share this view with a dealer group", icon=":material/share:"):
        if view.level not in sharing.LEVELS:
            st.caption("A dealer group compares at the dealer or dealer-group level: choose one of them above "
                       "to share this view.")
            return
        groups = dealer_groups(url, version)
        c1, c2 = st.columns([2, 1])
        group = c1.selectbox("Dealer group", groups, key="eco_share_group", index=None,
                             placeholder="Choose the dealer group…")
        days = c2.number_input("Valid for (days)", 1, settings.max_link_days, settings.link_days, key="eco_share_days")
        st.caption(f"The link opens exactly this view ({view.describe(data.config())}) as that dealer group sees it: "
                   "its dealers by name, every other one as an anonymous peer. Revoke it on the Share links page.")
        if st.button("Create the share link", key="eco_share_create", icon=":material/add_link:",
                     disabled=group is None):
            try:
                st.session_state["eco_share_made"] = _create_link(view, viewer, str(group), int(days), url)
            except sharing.ShareError as exc:
                st.error(f"No link was made: {exc}.")
        made = st.session_state.get("eco_share_made")
        if made:
            st.success(f"Share link for **{made[0]}**, valid until {made[1]}:", icon=":material/link:")
            st.code(made[2], language=None, wrap_lines=True)


def _create_link(view: se.ScorecardView, viewer: Viewer, group: str, days: int, url: str) -> tuple[str, str, str]:
    cfg = data.config()
    sharing.validate(view, group, frozenset(dealer_groups(url, data.current_version(url))), cfg.rules.ecosystem.journeys)
    link = sharing.create(data.engine(url), group, view, viewer.username or "admin", datetime.now(), days,
                          access.client())
    return group, formatting.date(link.expires_at), share_url(sharing.token_for(link, access.secret()))


# ---- what a share link opens -------------------------------------------------------------------

def show_shared(url: str, link: sharing.ShareLink) -> None:
    """A share link's view, read-only, as its dealer group sees it: the own totals, the table (own
    dealers by name, peers anonymous) and the exports; no control changes the view."""
    cfg, view = data.config(), link.view
    viewer = sharing.viewer_for(link)
    version = data.current_version(url)
    shared = shared_scorecard(url, version, view.start, view.end, view.level, view.journey, viewer.scope)
    st.title("Ecosystem scorecard")
    st.info(f"Shared with **{link.dealer_group}**, read-only, until {formatting.date(link.expires_at)}: its dealers "
            "by name and its own totals; every other dealer or group appears only as an anonymous peer with its "
            "scores, quartile and rates, never its counts or money.", icon=":material/lock:")
    st.caption(view.describe(cfg))
    totals, steps = shared.own.totals(), {s.step: s for s in shared.own.funnel()}
    for column, (label, value) in zip(st.columns(5), (
            ("Leads", formatting.count(totals["leads"])),
            ("Answered within SLA", formatting.percent(steps["answered_in_sla"].share_of_leads)),
            ("Conversion rate", formatting.percent(steps["sold"].share_of_leads)),
            ("Revenue", formatting.money(totals["revenue"])),
            ("Marketing-sourced", formatting.percent(totals["sourced_share"])))):
        column.metric(label, value)
    st.subheader(f"Scorecard by {sc.LEVEL_LABELS[view.level].lower()}")
    show_table(shared.table, [])
    if not shared.peers_shown:
        st.info(f"Not enough peers to compare: fewer than {cfg.users.min_peers} others at this level, so no peer "
                "is shown and your rows carry no score against them.")
    downloads(url, version, view, viewer, key="shared")


TREND_COLOURS = {"▲": STATUS_COLORS["green"], "▼": STATUS_COLORS["red"]}
QUARTILE_COLOURS = {"Q1": STATUS_COLORS["green"], "Q4": STATUS_COLORS["red"]}


def styled(frame: pd.DataFrame) -> pd.io.formats.style.Styler:
    """The scorecard table with trend arrows and top/bottom quartiles in colour (the words stay)."""
    def trend(text: object) -> str:
        colour = TREND_COLOURS.get(str(text)[:1])
        return f"color: {colour}; font-weight: 600" if colour else ""

    def quartile(text: object) -> str:
        colour = QUARTILE_COLOURS.get(str(text)[:2])
        return f"color: {colour}; font-weight: 600" if colour else ""

    return (frame.style.map(trend, subset=[TREND])
            .map(quartile, subset=[sc.KPI_LABELS["quartile"][0]]))


def more_columns(level: str) -> list[str]:
    """The table's columns a reader adds with the column picker (beyond rank, name and ``FIRST_COLUMNS``)."""
    every = [*(["Dealer ID"] if level == "dealer" else []), *(sc.KPI_LABELS[k][0] for k in sc.KPIS)]
    return [c for c in every if c not in FIRST_COLUMNS]


def show_table(card: sc.Scorecard, extra: list[str]) -> None:
    """The scorecard table: rank and name pinned, ``FIRST_COLUMNS`` then the ``extra`` ones picked,
    money in one unit per column, trend and top/bottom quartile in colour."""
    name_col = sc.LEVEL_LABELS[card.level]
    pinned = {"Rank": st.column_config.NumberColumn("Rank", width="small", pinned=True),
              name_col: st.column_config.TextColumn(name_col, pinned=True),
              FIRST_COLUMNS[0]: st.column_config.TextColumn("Score (0–100)", help="Composite score (0–100)"),
              TREND: st.column_config.TextColumn("Trend", help="Composite-score change against the previous "
                                                               "window of the same length")}
    order = ["Rank", name_col, *FIRST_COLUMNS, *(c for c in more_columns(card.level) if c in extra)]
    money = [sc.KPI_LABELS[k][0] for k in MONEY_KPIS if sc.KPI_LABELS[k][0] in order]
    # Only the columns shown are styled and sent: the styler renders every cell it holds (~0.8 s for
    # 3,000 dealers x every KPI).
    frame, config = tables.styled(table(card)[order], money=money, column_config=pinned)
    tables.show(styled(frame), hide_index=True, width="stretch", column_order=order, column_config=config,
                height=min(38 + 35 * len(card.rows), 460), placeholder=HIDDEN)  # a peer's money: "—"


def parties_text(cfg: AppConfig) -> str:
    """The configured marketing parties by their labels (``labels.yaml`` ``parties``): "OEM or Media"."""
    words = [cfg.label("parties", p) for p in cfg.rules.ecosystem.marketing_parties]
    return ", ".join(words[:-1]) + " or " + words[-1] if len(words) > 1 else "".join(words)
