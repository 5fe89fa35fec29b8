"""AutoRevOps entry point: routes pages, draws the shared filters, seeds on first start.

Run with ``streamlit run app.py`` (``-- --db URL`` or ``AUTOREVOPS_DB_URL`` for another database).
"""
from __future__ import annotations

import streamlit as st

from revops_core.db import redact
from revops_core.errors import ConfigError
from revops_core.access import Viewer
from revops_core.readiness import readiness
from shell import access, charts, data
from shell.filters import sidebar_filters

# (section, page file, title, icon); the first page is the default. ``SHARED`` pages are the
# ones a dealer-group viewer gets, narrowed to its own group with anonymous peers.
PAGE_SPECS = [
    ("Board", "views/board_overview.py", "Board overview", ":material/dashboard:"),
    ("Board", "views/segmentation.py", "Four-buyer segmentation", ":material/groups:"),
    ("Revenue architecture", "views/backlog_awards.py", "Backlog & platform awards", ":material/stacked_bar_chart:"),
    ("Revenue architecture", "views/certifications.py", "Certifications & risks", ":material/verified:"),
    ("Revenue architecture", "views/software.py", "Connected vehicle & software", ":material/cell_tower:"),
    ("Revenue architecture", "views/cadence.py", "Operating cadence", ":material/event_repeat:"),
    ("Revenue architecture", "views/forecast.py", "Forecast & pipeline change", ":material/query_stats:"),
    ("Scenarios", "views/scenario.py", "EV scenario planner", ":material/electric_car:"),
    ("Ecosystem & martech", "views/maturity.py", "Martech maturity matrix", ":material/grid_view:"),
    ("Ecosystem & martech", "views/scorecard.py", "Ecosystem scorecard", ":material/leaderboard:"),
    ("Ecosystem & martech", "views/attribution.py", "Attribution & martech ROI", ":material/account_tree:"),
    ("Data", "views/data_admin.py", "Data: import, export, sample", ":material/database:"),
]
SHARED = ("views/scorecard.py", "views/maturity.py")
# The datasets a page needs (revops_core.readiness.NEEDS); pages not listed run on any data.
PAGE_NEEDS = {
    **dict.fromkeys(("views/board_overview.py", "views/segmentation.py", "views/backlog_awards.py",
                     "views/certifications.py", "views/software.py", "views/cadence.py", "views/forecast.py",
                     "views/scenario.py"), "revenue"),
    "views/scorecard.py": "ecosystem", "views/attribution.py": "attribution"}


def pages_for(viewer: Viewer) -> dict[str, list[st.Page]]:
    """Navigation sections of the pages ``viewer`` may open (a dealer group: the shared ones)."""
    specs = [s for s in PAGE_SPECS if viewer.sees_everything or s[1] in SHARED]
    if not viewer.sees_everything:  # the scorecard first: it is what the dealer council shares
        specs.sort(key=lambda s: SHARED.index(s[1]))
    sections: dict[str, list[st.Page]] = {}
    for i, (section, path, title, icon) in enumerate(specs):
        sections.setdefault(section, []).append(st.Page(path, title=title, icon=icon, default=i == 0))
    return sections


def _startup() -> str | None:
    """Open the database (seeding the embedded default on first start); URL or None."""
    url = data.db_url()
    try:
        data.config()
        version = data.current_version(url)
    except ConfigError as exc:
        st.error("The configuration in `config/` is invalid:\n\n" + "\n".join(f"- {p}" for p in exc.problems))
        return None
    except Exception as exc:  # noqa: BLE001 - any connection failure is shown, not raised
        st.error(f"Cannot open the database {redact(url)}: {exc}")
        return None
    if data.latest_date(url, version) is None and data.is_default_sqlite(url):
        with st.spinner("First start: loading the sample company…"):
            data.seed_sample(url)
    return url


def main() -> None:
    st.set_page_config(page_title="AutoRevOps", page_icon=":material/directions_car:", layout="wide")
    charts.register()
    url = _startup()
    viewer = access.current()
    if viewer is None:
        access.sign_in_form()
        return
    nav = st.navigation(pages_for(viewer), expanded=True)  # every page listed, however many sections grow
    access.sidebar_badge(viewer)
    if url is None:
        st.stop()
    version = data.current_version(url)
    latest = data.latest_date(url, version)
    if latest is None:
        if nav.title.startswith("Data"):
            nav.run()
        else:
            st.info("The database is empty. Open **Data** to load the sample company or import your CSV files.")
        return
    need = PAGE_NEEDS.get(_page_path(nav))
    ready = readiness(data.dataset_counts(url, version), need) if need else None
    if ready is not None and not ready.ready:
        st.title(nav.title)
        st.info(ready.blocked_message("This page"))
        return
    sidebar_filters(url, latest, segments_shown=viewer.sees_everything)
    if ready is not None and ready.empty:
        st.sidebar.caption(ready.partial_message())
    nav.run()


def _page_path(page: st.Page) -> str:
    """The page file of ``page`` relative to the app, as listed in ``PAGE_SPECS``."""
    titles = {title: path for _s, path, title, _i in PAGE_SPECS}
    return titles.get(page.title, "")


main()
