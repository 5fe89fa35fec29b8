"""Print styles for every page: what the browser's print dialog (or "Save as PDF") lays out.

Injected once per run from ``app.py``: no sidebar, header, toolbar or buttons on paper; the
main column uses the whole page width; a bordered container (a tile, a slide), a chart or a
table is never cut across two pages; a heading stays with what follows it. A page marks more
with container keys: ``st.container(key="noprint_...")`` stays off paper, and
``st.container(key="pagebreak_...")`` starts a new page (a section, a slide).
"""
from __future__ import annotations

import streamlit as st

PRINT_CSS = """<style>
@media print {
  @page { size: landscape; margin: 12mm; }
  [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stSidebarNav"],
  header[data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"],
  [data-testid="stStatusWidget"], [data-testid="stHeaderActionElements"], [data-testid="stElementToolbar"],
  [data-testid="stBaseButton-headerNoPadding"], .stButton, .stDownloadButton,
  [class*="st-key-noprint"], [data-testid="stToast"], iframe[title="streamlit_analytics"] { display: none !important; }
  [data-testid="stAppViewContainer"], [data-testid="stMain"], [data-testid="stMainBlockContainer"],
  .block-container { padding: 0 !important; margin: 0 !important; max-width: 100% !important;
    width: 100% !important; overflow: visible !important; }
  [data-testid="stVerticalBlockBorderWrapper"], [data-testid="stMetric"], [data-testid="stVegaLiteChart"],
  [data-testid="stTable"], [data-testid="stDataFrame"], [data-testid="stHorizontalBlock"], table, figure {
    break-inside: avoid !important; page-break-inside: avoid !important; }
  h1, h2, h3 { break-after: avoid !important; page-break-after: avoid !important; }
  [class*="st-key-pagebreak"] { break-before: page !important; page-break-before: always !important; }
  * { -webkit-print-color-adjust: exact !important; print-color-adjust: exact !important; }
}
</style>"""


def inject() -> None:
    """Add the print styles to this run's page (an invisible element)."""
    st.html(PRINT_CSS)
