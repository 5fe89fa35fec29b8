"""CSV for people neutralizes spreadsheet formulas; numbers and ordinary text stay as they are."""
from __future__ import annotations

import io

import pandas as pd
import pytest

from revops_core.safe_csv import neutralize, people_csv


@pytest.mark.parametrize("value, expected", [
    ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
    ("+1+1", "'+1+1"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("\rx", "'\rx"),
    ("Northline Auto", "Northline Auto"), ("a=b", "a=b"), ("", ""), (-5.0, -5.0), (None, None), (3, 3),
])
def test_neutralize(value: object, expected: object) -> None:
    assert neutralize(value) == expected


def test_people_csv_keeps_numbers_and_neutralizes_text() -> None:
    frame = pd.DataFrame({"name": ["=1+1", "Ok"], "amount": [-1.5, 2.0], "=col": ["x", "-y"]})
    data = people_csv(frame)
    assert data.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert list(back.columns) == ["name", "amount", "'=col"]
    assert back["name"].tolist() == ["'=1+1", "Ok"]
    assert back["amount"].tolist() == [-1.5, 2.0]
    assert back["'=col"].tolist() == ["x", "'-y"]
    assert frame["name"].tolist() == ["=1+1", "Ok"]   # the caller's frame is not changed


@pytest.mark.parametrize("figure", ["-$1.2M", "+$326.3M", "-12%", "+4.5 pts", "-0.5", "+1,234", "+1.37x"])
def test_signed_figures_from_the_formatter_stay_as_they_are(figure: str) -> None:
    assert neutralize(figure) == figure


def test_a_styler_keeps_its_styles() -> None:
    from revops_core.safe_csv import neutralize_frame

    styled = pd.DataFrame({"name": ["=cmd|' /C calc'!A0", "Ok"]}).style.map(lambda v: "color: red")
    out = neutralize_frame(styled)
    assert out.data["name"].tolist() == ["'=cmd|' /C calc'!A0", "Ok"]
    assert "color: red" in out.to_html()
