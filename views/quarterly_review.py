"""Quarterly review: the quarterly architecture review of a quarter, from live data.

The slides are ``revops_core.review``'s model, the same one the PowerPoint and PDF downloads
(and ``python -m revops_core deck``) draw. The quarter and the slide live in the URL. Comments
per slide and next quarter's priorities are saved with the review of that quarter. Presentation
mode shows one slide at a time, full width, in large type, without the sidebar.
"""
from __future__ import annotations

from datetime import timedelta

import pandas as pd
import streamlit as st

from revops_core import formatting, windows
from revops_core.deck import MIME
from revops_core.review import PRIORITIES, ReviewError, Slide, quarter_options, review_period
from shell import access, filters, review_data

f = filters.get()
COLORS = {"green": "green", "amber": "orange", "red": "red", "none": "gray"}
PRESENT_CSS = """<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], header[data-testid="stHeader"] {
  display: none !important; }
[data-testid="stMainBlockContainer"] { max-width: 100% !important; padding: 1.2rem 3rem 2rem !important; }
[data-testid="stMain"] h1 { font-size: 3.1rem !important; }
[data-testid="stMain"] [data-testid="stMarkdownContainer"] p, [data-testid="stMain"] li {
  font-size: 1.45rem !important; }
[data-testid="stMain"] [data-testid="stCaptionContainer"] p { font-size: 1.05rem !important; }
[data-testid="stMain"] [data-testid="stMetricValue"] p { font-size: 2.8rem !important; font-weight: 600; }
[data-testid="stMain"] [data-testid="stMetricLabel"] p { font-size: 1.15rem !important; }
[data-testid="stTable"] td, [data-testid="stTable"] th { font-size: 1.25rem !important; }
</style>"""

options = quarter_options(f.latest, 12)


def default_quarter() -> int:
    """The last quarter complete at the sidebar's as-of date (the one holding it, if it is its last day)."""
    end = windows.quarter_end(f.as_of)
    label = windows.quarter_label(f.as_of if f.as_of == end else windows.quarter_start(f.as_of) - timedelta(days=1))
    return options.index(label) if label in options else min(1, len(options) - 1)


def quarter_words(q: str) -> str:
    return f"{q} (to date)" if review_period(q, f.latest).to_date else q


def step(delta: int, total: int) -> None:
    st.session_state["qr_slide"] = min(total, max(1, int(st.session_state.get("qr_slide") or 1) + delta))


def save(quarter: str, key: str, widget: str) -> None:
    viewer = access.viewer()
    try:
        saved = review_data.save(f.url, quarter, key, st.session_state.get(widget, ""), viewer.display_name)
    except ReviewError as exc:
        st.session_state["qr_flash"] = ("error", f"Not saved: {exc}.")
        return
    st.session_state["qr_flash"] = ("success", "Removed." if saved is None else
                                    f"Saved by {saved.updated_by} at {saved.updated_at:%H:%M}.")


def tiles(slide: Slide) -> None:
    for start in range(0, len(slide.tiles), 4):
        for col, t in zip(st.columns(4), slide.tiles[start:start + 4]):
            with col, st.container(border=True):
                st.metric(t.label, t.value)
                if t.change:
                    st.caption(t.change)
                if t.status != "none" or (t.band and t.band != "no benchmark"):
                    st.caption(f":{COLORS.get(t.status, 'gray')}-badge[{t.status_words}] {t.band}")
                if t.note:
                    st.caption(t.note)


def table(slide: Slide) -> None:
    frame = pd.DataFrame(list(slide.table.rows), columns=list(slide.table.columns))
    st.table(frame, hide_index=True)


def draw(slide: Slide, number: int, total: int, presenting: bool) -> None:
    """One slide with st.*: the same parts, figures and footer as the exported slide."""
    (st.title if presenting else st.header)(slide.title, anchor=f"slide-{number}")
    st.markdown(f"**{slide.headline}**" if presenting else slide.headline)
    if slide.tiles:
        tiles(slide)
    if slide.code:
        st.code(slide.code, language="bash")
    if slide.chart and slide.table and len(slide.table.columns) <= 4:
        left, right = st.columns([3, 2], gap="large")
        with left:
            st.vega_lite_chart(spec=slide.chart.spec, width="stretch")
        with right:
            table(slide)
    else:
        if slide.chart:
            st.vega_lite_chart(spec=slide.chart.spec, width="stretch")
        if slide.table:
            table(slide)
    if slide.bullets:
        st.markdown("\n".join(f"- {b}" for b in slide.bullets))
    if slide.comment:
        st.info(slide.comment, icon=":material/comment:")
    st.caption(f"{slide.footer} · slide {number} of {total}")


def editor(slide: Slide, quarter: str, saved: dict) -> None:
    """The comment of a slide (or the priorities) as editable text, saved with the review."""
    is_priorities = slide.key == PRIORITIES
    label = "Priorities (one per line)" if is_priorities else "Comment on this slide"
    widget = f"qr_text_{quarter}_{slide.key}"
    current = saved.get(slide.key)
    with st.container(key=f"noprint_edit_{slide.key}"), st.expander(
            "Edit the priorities" if is_priorities else "Comment", icon=":material/edit:", expanded=is_priorities):
        st.text_area(label, value=current.text if current else "", key=widget, height=140 if is_priorities else 80,
                     max_chars=2000 if is_priorities else 600)
        if current:
            st.caption(f"Last saved by {current.updated_by}, {formatting.date(current.updated_at)} "
                       f"{current.updated_at:%H:%M}.")
        st.button("Save", key=f"qr_save_{slide.key}", on_click=save, args=(quarter, slide.key, widget))


heading = st.empty()
top = st.columns([2, 2, 3], vertical_alignment="bottom")
quarter = top[0].selectbox("Quarter", options, index=default_quarter(), format_func=quarter_words, key="qr_quarter",
                           bind="query-params", help="Its last day is the as-of date; the quarter that holds the "
                                                     "latest date in the data is reviewed to date.")
presenting = top[1].toggle("Presentation mode", key="qr_present", bind="query-params",
                           help="One slide at a time, full width, large type, no sidebar.")
saved = review_data.saved(f.url, quarter)
texts = review_data.texts_key(saved)
try:
    review = review_data.review(f.url, f.version, quarter, texts)
except ReviewError as exc:
    heading.title("Quarterly review")
    st.error(str(exc))
    st.stop()
total = len(review.slides)
with top[2], st.container(key="noprint_downloads", horizontal=True):
    for fmt, word in (("pptx", "PowerPoint"), ("pdf", "PDF")):
        st.download_button(f"{word} ({fmt})", lambda fmt=fmt: review_data.export(f.url, f.version, quarter, texts, fmt),
                           file_name=f"review-{quarter}.{fmt}", mime=MIME[fmt], key=f"qr_download_{fmt}",
                           icon=":material/download:", on_click="ignore")

flash = st.session_state.pop("qr_flash", None)
if flash:
    (st.success if flash[0] == "success" else st.error)(flash[1])

if presenting:
    st.html(PRESENT_CSS)
    nav = st.columns([2, 6, 2, 2], vertical_alignment="center")
    with nav[2]:
        number = int(st.number_input("Go to slide", 1, total, key="qr_slide", bind="query-params") or 1)
    nav[1].markdown(f"**Slide {number} of {total}** · {review.slides[number - 1].title}")
    nav[0].button("Previous", key="qr_prev", icon=":material/chevron_left:", on_click=step, args=(-1, total),
                  disabled=number <= 1, shortcut="Left")
    nav[3].button("Next", key="qr_next", icon=":material/chevron_right:", icon_position="right", on_click=step,
                  args=(1, total), disabled=number >= total, shortcut="Right", width="stretch")
    draw(review.slides[number - 1], number, total, presenting=True)
else:
    heading.title("Quarterly review")
    st.caption(f"{review.period.name}, as of **{formatting.date(review.period.as_of)}** (the quarter's last day, or "
               "the latest date in the data; the sidebar's as-of date picks the default quarter) · "
               f"{total} slides with the figures of the downloads and `python -m revops_core deck`. Print this page, "
               "or switch to presentation mode to present it.")
    for number, slide in enumerate(review.slides, start=1):
        with st.container(border=True, key=f"pagebreak_slide_{number}"):
            draw(slide, number, total, presenting=False)
        if slide.key != "reproduce":
            editor(slide, quarter, saved)
