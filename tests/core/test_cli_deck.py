"""``python -m revops_core deck``: the file it writes holds the figures ``metrics --json`` prints for
the quarter's as-of date, formatted as the pages format them; bad input is one line and exit 2."""
from __future__ import annotations

import json
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from pptx import Presentation

from revops_core import formatting
from revops_core.cli import main


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:   # argparse refuses bad arguments itself
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture(scope="module")
def figures(sample_db_url: str) -> dict:
    """``metrics --json`` at 30 Jun 2026, the last day of 2026Q2."""
    import contextlib
    import io

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        assert main(["metrics", "--db", sample_db_url, "--as-of", "2026-06-30", "--json"]) == 0
    return json.loads(buffer.getvalue())


def expected(figures: dict) -> list[str]:
    """Figures of the board, waterfall, certification and software slides, as the formatter writes them."""
    return [formatting.money(figures["backlog"]), formatting.ratio(figures["backlog_replenishment_rate"]),
            formatting.money(figures["awards_won_ttm"]), formatting.money(figures["revenue_ttm"]),
            formatting.money(figures["revenue_run_rate"]["annualized"]), formatting.percent(figures["win_rate"]["ALL"]),
            formatting.percent(figures["oem_rfq_win_rate"]), formatting.ratio(figures["pipeline_coverage"]["OEM"]),
            formatting.percent(figures["software_attach_rate"]), formatting.money(figures["subscription_arr"]),
            formatting.money_precise(figures["arr_per_subscribed_vehicle"]),
            formatting.percent(figures["ev_revenue_mix_ttm"]), formatting.money(figures["pipeline_at_risk_cert"]),
            formatting.ratio_plain(figures["award_to_sop_months"])]


def test_pptx_holds_the_metrics_of_the_as_of_date(capsys, sample_db_url: str, tmp_path: Path, figures: dict) -> None:
    out = tmp_path / "review.pptx"
    code, stdout, err = run_cli(capsys, "deck", "--db", sample_db_url, "--quarter", "2026Q2", "--out", str(out))
    assert (code, stdout) == (0, "")
    assert "2026Q2, as of 2026-06-30" in err
    deck = Presentation(str(out))
    text = "\n".join(shape.text_frame.text for slide in deck.slides for shape in slide.shapes if shape.has_text_frame)
    cells = "\n".join(c.text for slide in deck.slides for s in slide.shapes if s.has_table
                      for row in s.table.rows for c in row.cells)
    for figure in expected(figures):
        assert figure in text or figure in cells, figure
    last = "\n".join(s.text_frame.text for s in deck.slides[-1].shapes if s.has_text_frame)
    assert f"python -m revops_core deck --quarter 2026Q2 --out {out} --db {sample_db_url}" in last


def test_pdf_holds_the_same_figures(capsys, sample_db_url: str, tmp_path: Path, figures: dict) -> None:
    out = tmp_path / "deck.bin"
    code, _, _ = run_cli(capsys, "deck", "--db", sample_db_url, "--quarter", "2026q2", "--out", str(out),
                         "--format", "pdf")
    assert code == 0 and out.read_bytes().startswith(b"%PDF")
    pdf = pdfium.PdfDocument(str(out))
    text = " ".join(" ".join(page.get_textpage().get_text_range().split()) for page in pdf)
    for figure in expected(figures):
        assert figure in text, figure
    assert "--format pdf" in text


@pytest.mark.parametrize(("args", "message"), [
    (["--quarter", "2026Q5", "--out", "x.pptx"], "'2026Q5' is not a quarter"),
    (["--quarter", "2027Q1", "--out", "x.pptx"], "2027Q1 has not started in the data, which runs to 2026-10-31"),
    (["--quarter", "2026Q2", "--out", "x.docx"], "cannot tell the format from 'x.docx'"),
    (["--quarter", "2026Q2"], "--out"),
])
def test_bad_input_is_one_line_and_exit_2(capsys, sample_db_url: str, tmp_path: Path, monkeypatch,
                                          args: list[str], message: str) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli(capsys, "deck", "--db", sample_db_url, *args)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_out_is_a_folder(capsys, sample_db_url: str, tmp_path: Path) -> None:
    code, _, err = run_cli(capsys, "deck", "--db", sample_db_url, "--quarter", "2026Q2", "--out", str(tmp_path),
                           "--format", "pdf")
    assert code == 2 and "is a folder" in err


def test_a_missing_database_is_not_created(capsys, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'none.db'}"
    code, _, err = run_cli(capsys, "deck", "--db", url, "--quarter", "2026Q2", "--out", str(tmp_path / "r.pptx"))
    assert code == 2 and "seed" in err
    assert not (tmp_path / "none.db").exists() and not (tmp_path / "r.pptx").exists()
