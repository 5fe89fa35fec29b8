"""AutoRevOps entry point: routes pages by role, draws the shared filters, seeds on first start.

Run with ``streamlit run app.py`` (``-- --db URL`` or ``AUTOREVOPS_DB_URL`` for another database).

Every page is in the navigation, but a viewer sees in the menu only the pages its role opens
(``config/users.yaml``); a link to any other page resolves to it and is refused with a message.
Before sign-in nothing runs: a link to a page shows the sign-in form and, once signed in, opens
that page (the navigation keeps the page the link named across the sign-in). A share link
(``?share=TOKEN``, ``revops_core.sharing``) opens its one scorecard view read-only as its dealer
group, without sign-in and without any other page; a token that does not hold gets one message.
"""
from __future__ import annotations

import streamlit as st
from sqlalchemy.exc import DBAPIError

from revops_core import access as core_access
from revops_core.access import Viewer
from revops_core.config import Role
from revops_core.db import describe_failure, redact
from revops_core.errors import ConfigError
from revops_core.readiness import readiness
from revops_core.sharing import SHARE_PARAM
from shell import access, charts, data, print_css, scorecard_data
from shell.filters import sidebar_filters

# (section, page file, title, icon); a page's key (``config.Role.PAGES``) is its file name.
PAGE_SPECS = [
    ("Board", "views/board_overview.py", "Board overview", ":material/dashboard:"),
    ("Board", "views/segmentation.py", "Four-buyer segmentation", ":material/groups:"),
    ("Board", "views/quarterly_review.py", "Quarterly review", ":material/slideshow:"),
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
    ("Data", "views/audit_log.py", "Audit log", ":material/policy:"),
    ("Data", "views/share_links.py", "Share links", ":material/share:"),
]
# a viewer without the board lands on the scorecard: what the dealer council shares
ECOSYSTEM_FIRST = ("views/scorecard.py", "views/maturity.py", "views/attribution.py")
# The datasets a page needs (revops_core.readiness.NEEDS); pages not listed run on any data.
PAGE_NEEDS = {
    **dict.fromkeys(("views/board_overview.py", "views/segmentation.py", "views/backlog_awards.py",
                     "views/certifications.py", "views/software.py", "views/cadence.py", "views/forecast.py",
                     "views/scenario.py", "views/quarterly_review.py"), "revenue"),
    "views/scorecard.py": "ecosystem", "views/attribution.py": "attribution"}
SIGN_IN_PATH = "sign-in"


def page_key(path: str) -> str:
    """The page key of a page file (``views/scorecard.py`` -> ``scorecard``)."""
    return path.rsplit("/", 1)[-1].removesuffix(".py")


def _sign_in_page() -> None:
    access.sign_in_form()


def may_open(viewer: Viewer, page: str) -> bool:
    """Whether ``viewer`` opens ``page``: its role's pages, and an admin page (``Role.ADMIN_PAGES``)
    only with ``admin``, also for a role that sees everything without a page list."""
    return viewer.may_open(page) and (page not in Role.ADMIN_PAGES or viewer.admin)


def _ordered(viewer: Viewer) -> list[tuple[str, str, str, str]]:
    """The page specs ``viewer`` opens, in menu order (the scorecard first without the board)."""
    mine = [s for s in PAGE_SPECS if may_open(viewer, page_key(s[1]))]
    if not viewer.may_open("board_overview"):
        mine.sort(key=lambda s: ECOSYSTEM_FIRST.index(s[1]) if s[1] in ECOSYSTEM_FIRST else len(ECOSYSTEM_FIRST))
    return mine


def _start_page() -> st.Page:
    """The default page ("/"): the sign-in form, or for a signed-in viewer a step to its first page.
    Being the default, it leaves every real page its own address, so a link to any page resolves."""
    return st.Page(_sign_in_page, title="Sign in", url_path=SIGN_IN_PATH, default=True, visibility="hidden")


def pages_for(viewer: Viewer) -> dict[str, list[st.Page]]:
    """Navigation sections: the pages ``viewer`` may open, then every other page hidden from the
    menu (so a link to one resolves and is refused) and the start page."""
    mine = _ordered(viewer)
    sections: dict[str, list[st.Page]] = {}
    for section, path, title, icon in mine:
        sections.setdefault(section, []).append(st.Page(path, title=title, icon=icon))
    hidden = [st.Page(path, title=title, icon=icon, visibility="hidden") for _s, path, title, icon in PAGE_SPECS
              if (_s, path, title, icon) not in mine]
    sections[""] = [*hidden, _start_page()]
    return sections


def _signed_out_pages() -> list[st.Page]:
    """Before sign-in: the start page and every page, so a link resolves (none of them runs)."""
    return [_start_page(), *[st.Page(path, title=title, icon=icon) for _s, path, title, icon in PAGE_SPECS]]


def _startup() -> str | None:
    """Open the database (seeding the embedded default on first start); URL or None."""
    url = data.db_url()
    try:
        data.config()
        version = data.current_version(url)
    except ConfigError as exc:
        st.error("The configuration in `config/` is invalid:\n\n" + "\n".join(f"- {p}" for p in exc.problems))
        return None
    except DBAPIError as exc:   # unreachable, refused, a DuckDB file another process holds: one line
        st.error(f"Cannot open the database: {describe_failure(exc, url)}")
        return None
    except Exception as exc:  # noqa: BLE001 - any connection failure is shown, not raised
        st.error(f"Cannot open the database {redact(url)}: {exc}")
        return None
    if data.latest_date(url, version) is None and data.is_default_database(url):
        with st.spinner("First start: loading the sample company…"):
            data.seed_sample(url)
    return url


def _refuse_page(viewer: Viewer, title: str) -> None:
    """A page the viewer's role does not open, reached by a link: say so and offer its own pages."""
    st.title(title)
    st.error(f"Your role (**{viewer.role}**) does not open **{title}**: you see {viewer.describe()}. "
             "Open one of your pages instead.", icon=":material/block:")
    for _section, path, own_title, icon in _ordered(viewer):
        st.page_link(path, label=own_title, icon=icon)


def _refuse_params(viewer: Viewer) -> None:
    """Drop the query parameters of a link that ask for something outside the viewer's scope, saying so."""
    for key, reason in core_access.refused_params(viewer, st.query_params.to_dict()).items():
        del st.query_params[key]
        st.error(f"This link was changed: {reason}. It shows what your role sees instead.", icon=":material/block:")


def _link_params() -> dict[str, list[str]]:
    """The query parameters of this run, every value of a repeated one (``segments=OEM&segments=FLEET``)."""
    return {key: st.query_params.get_all(key) for key in st.query_params}


def _signed_in(viewer: Viewer) -> st.Page | None:
    """Route a signed-in viewer: the page to run, or None when it is refused (or a redirect)."""
    nav = st.navigation(pages_for(viewer), expanded=True)  # every page listed, however many sections grow
    if nav.title == "Sign in":  # the start page, signed in: open the viewer's first page
        st.switch_page(_ordered(viewer)[0][1], query_params=_link_params())  # a link's filters stay
    access.keep_session_cookie()
    access.sidebar_badge(viewer)
    path = _page_path(nav)
    if not may_open(viewer, page_key(path)):
        _refuse_page(viewer, nav.title)
        return None
    _refuse_params(viewer)
    return nav


def main() -> None:
    st.set_page_config(page_title="AutoRevOps", page_icon=":material/directions_car:", layout="wide")
    charts.register()
    print_css.inject()
    url = _startup()
    if url is None:  # the configuration or the database is broken: the error is shown, nothing else
        return
    if SHARE_PARAM in st.query_params:  # a share link: its one view, without sign-in, nothing else
        st.navigation(_signed_out_pages(), position="hidden")  # resolves the linked page; none of them runs
        _shared(url, st.query_params[SHARE_PARAM])
        return
    viewer = access.current()
    if viewer is None:
        st.navigation(_signed_out_pages(), position="hidden")  # resolves the linked page; nothing runs
        access.sign_in_form()
        return
    nav = _signed_in(viewer)
    if nav is not None:
        _run(nav, viewer, url)


def _shared(url: str, token: str) -> None:
    """``?share=TOKEN``: the scorecard view the link is bound to, read-only, as its dealer group sees
    it (no sidebar, no other page); a changed, expired or revoked token gets one message, nothing else."""
    checked = access.open_share(token)
    if checked.link is None:
        st.error(checked.message, icon=":material/link_off:")
        return
    if data.latest_date(url, data.current_version(url)) is None:
        st.info("There is no data to show yet. Ask the person who shared this link.")
        return
    scorecard_data.show_shared(url, checked.link)


def _run(nav: st.Page, viewer: Viewer, url: str) -> None:
    """Filters, data readiness and the audit of the page, then the page itself."""
    version = data.current_version(url)
    latest = data.latest_date(url, version)
    path = _page_path(nav)
    if latest is None:
        if path == "views/data_admin.py":
            nav.run()
        else:
            st.info("The database is empty. Open **Data** to load the sample company or import your CSV files.")
        return
    need = PAGE_NEEDS.get(path)
    ready = readiness(data.dataset_counts(url, version), need) if need else None
    if ready is not None and not ready.ready:
        st.title(nav.title)
        st.info(ready.blocked_message("This page"))
        return
    sidebar_filters(url, latest, segments_shown=viewer.scope.whole_book)
    if ready is not None and ready.empty:
        st.sidebar.caption(ready.partial_message())
    access.record_view(viewer, page_key(path), nav.title)
    nav.run()


def _page_path(page: st.Page) -> str:
    """The page file of ``page`` relative to the app, as listed in ``PAGE_SPECS``."""
    titles = {title: path for _s, path, title, _i in PAGE_SPECS}
    return titles.get(page.title, "")


main()
