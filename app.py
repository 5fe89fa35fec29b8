"""AutoRevOps entry point: routes pages, draws the shared filters, seeds on first start.

Run with ``streamlit run app.py`` (``-- --db URL`` or ``AUTOREVOPS_DB_URL`` for another database).
"""
from __future__ import annotations

import streamlit as st

from revops_core.db import redact
from revops_core.errors import ConfigError
from shell import charts, data
from shell.filters import sidebar_filters

PAGES = {
    "Board": [
        st.Page("views/board_overview.py", title="Board overview", icon=":material/dashboard:", default=True),
        st.Page("views/segmentation.py", title="Four-buyer segmentation", icon=":material/groups:"),
    ],
    "Revenue architecture": [
        st.Page("views/backlog_awards.py", title="Backlog & platform awards", icon=":material/stacked_bar_chart:"),
        st.Page("views/certifications.py", title="Certifications & risks", icon=":material/verified:"),
        st.Page("views/software.py", title="Connected vehicle & software", icon=":material/cell_tower:"),
        st.Page("views/cadence.py", title="Operating cadence", icon=":material/event_repeat:"),
        st.Page("views/forecast.py", title="Forecast & pipeline change", icon=":material/query_stats:"),
    ],
    "Scenarios": [st.Page("views/scenario.py", title="EV scenario planner", icon=":material/electric_car:")],
    "Ecosystem & martech": [
        st.Page("views/maturity.py", title="Martech maturity matrix", icon=":material/grid_view:"),
        st.Page("views/scorecard.py", title="Ecosystem scorecard", icon=":material/leaderboard:"),
        st.Page("views/attribution.py", title="Attribution & martech ROI", icon=":material/account_tree:"),
    ],
    "Data": [
        st.Page("views/data_admin.py", title="Data: import, export, sample", icon=":material/database:"),
    ],
}


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
    nav = st.navigation(PAGES, expanded=True)  # every page listed, however many sections grow
    if url is None:
        st.stop()
    latest = data.latest_date(url, data.current_version(url))
    if latest is None:
        if nav.title.startswith("Data"):
            nav.run()
        else:
            st.info("The database is empty. Open **Data** to load the sample company or import your CSV files.")
        return
    sidebar_filters(url, latest)
    nav.run()


main()
