"""AppTest: the maturity matrix page shows the matrix itself (dimensions as rows, stages as columns,
each cell's rubric, the assessed, previous and data cells marked), the latest assessment against
the previous one and the data, next steps, and records an assessment by choosing a cell per row
(round trip through the database)."""
from __future__ import annotations

from datetime import date

import pytest

from revops_core import formatting, maturity
from revops_core.config import config_dir
from revops_core.db import make_engine
from revops_core.queries import maturity as q
from shell.maturity_grid import MARKS
from tests.app.conftest import metric_values

PAGE = "views/maturity.py"
DIMS = ("SCOPE", "DATA_COVERAGE", "ATTRIBUTION", "PARTNER_ROLE", "FINANCIAL_VIEW", "GOVERNANCE")


@pytest.fixture(scope="module")
def mcfg() -> maturity.MaturityConfig:
    return maturity.load_maturity_config(config_dir() / "maturity.yaml")


def marks_shown(at) -> list[str]:  # noqa: ANN001
    """The marks of the grid's cells, in reading order (row by row, stage by stage)."""
    return [m.value.removesuffix("&nbsp;") for m in at.markdown if any(mark in m.value for mark in MARKS.values())]


def expected_marks(rows: list[maturity.GridRow]) -> list[str]:
    return [" ".join(MARKS[m] for m in MARKS if getattr(c, m)) for r in rows for c in r.cells
            if c.assessed or c.previous or c.suggested]


def chosen_cells(at, form_key: str) -> dict[str, int]:  # noqa: ANN001
    return {d: s for d in DIMS for s in (1, 2, 3)
            if at.button(key=f"mm_cell_{form_key}_{d}_{s}").proto.type == "primary"}


def choose(at, form_key: str, picks: dict[str, int]) -> None:  # noqa: ANN001
    for dimension, stage in picks.items():
        at.button(key=f"mm_cell_{form_key}_{dimension}_{stage}").click().run()
        assert not at.exception


def test_the_matrix_with_the_latest_assessment_the_previous_and_the_data(open_page, sample_engine, mcfg) -> None:
    at = open_page(PAGE)
    assert at.selectbox(key="mm_org").value == "OEM marketing"
    with sample_engine.connect() as conn:
        previous, current = q.assessments(conn, "OEM marketing")
        suggested = maturity.suggest_stages(q.data_facts(conn, scorecards_shared=False))
    # Sample company: 1,1,1,1,2,1 (Nov 2025) then 2,2,3,2,2,2 (Sep 2026): 7/6 -> 13/6.
    assert (previous.score, current.score) == (pytest.approx(7 / 6), pytest.approx(13 / 6))
    shown = metric_values(at)
    assert shown["Overall stage"] == "Journey-centric"
    assert shown["Assessment score (1–3)"] == "2.17"
    assert shown["Assessed on"] == "25 Sep 2026"
    found = maturity.disagreements(current.stages, suggested, mcfg)
    assert found, "the sample company is built so that the data disagrees somewhere"
    assert shown["Data disagrees on"] == f"{len(found)} of 6"
    warning = " ".join(w.value for w in at.warning)
    for d in found:
        assert d.message in warning
    # the grid: every rubric cell, the marks where the core puts them, the choices start from the latest
    text = " ".join(m.value for m in at.markdown)
    for dim in mcfg.dimensions.values():
        assert all(f":small[{dim.rubric[s]}]" in text for s in (1, 2, 3))
    rows = maturity.grid(mcfg, current.stages, suggested, previous.stages)
    assert marks_shown(at) == expected_marks(rows)
    assert chosen_cells(at, current.assessment_id) == current.stages
    assert [c.value for c in at.markdown if c.value.startswith("**") and c.value.endswith("**")][:4] == [
        "**Dimension**", "**1 Tool-centric**", "**2 Journey-centric**", "**3 Ecosystem-centric**"]
    for action in maturity.next_steps(current.stages, mcfg):  # Scope and Data coverage (ties keep config order)
        assert action.text in text
    assert {a.dimension for a in maturity.next_steps(current.stages, mcfg)} == {"SCOPE", "DATA_COVERAGE"}
    history = at.dataframe[0].value
    assert list(history["Assessed on"]) == [date(2026, 9, 25), date(2025, 11, 14)]


def test_a_score_that_did_not_move_reads_no_change(open_page, private_db: str) -> None:
    with make_engine(private_db).begin() as conn:
        [latest] = q.assessments(conn, "OEM marketing")[-1:]
        q.save_assessment(conn, "OEM marketing", date(2026, 10, 1), dict(latest.stages), {})
    at = open_page(PAGE)
    tile = next(m for m in at.metric if m.label == "Assessment score (1–3)")
    assert tile.delta == "no change"


def test_record_a_new_org_unit_by_choosing_a_cell_per_row(open_page, private_db: str) -> None:
    at = open_page(PAGE)
    at.selectbox(key="mm_org").select("➕ New org unit…").run()
    assert not at.exception
    assert any("No assessment for this org unit yet" in i.value for i in at.info)
    assert not any(MARKS["assessed"] in m for m in marks_shown(at))  # nothing assessed yet: only the data's cells
    at.text_input(key="mm_unit_new").input("Region West")
    choose(at, "new", dict(zip(DIMS[:4], (1, 2, 2, 1), strict=True)))
    choose(at, "new", {"SCOPE": 2, "DATA_COVERAGE": 2})  # a second click on a row moves its choice
    choose(at, "new", {"SCOPE": 1})
    assert chosen_cells(at, "new") == dict(zip(DIMS[:4], (1, 2, 2, 1), strict=True))
    at = at.button(key="mm_save").click().run()
    assert not at.exception
    assert any("not chosen yet: Financial view, Governance" in e.value for e in at.error), [e.value for e in at.error]
    with make_engine(private_db).connect() as conn:
        assert q.org_units(conn) == ["OEM marketing"]  # nothing written
    choose(at, "new", {"FINANCIAL_VIEW": 2, "GOVERNANCE": 3})
    at.text_input(key="mm_note_new_GOVERNANCE").input("Joint council since June")
    at = at.button(key="mm_save").click().run()
    assert not at.exception
    assert any(f"Saved the assessment of Region West on {formatting.date(date.today())}" in s.value
               for s in at.success)
    assert at.selectbox(key="mm_org").value == "Region West"
    with make_engine(private_db).connect() as conn:
        [saved] = q.assessments(conn, "Region West")
    assert saved.stages == dict(zip(DIMS, (1, 2, 2, 1, 2, 3), strict=True))
    assert saved.evidence == {"GOVERNANCE": "Joint council since June"}
    shown = metric_values(at)
    assert shown["Assessment score (1–3)"] == "1.83"  # 11 / 6
    assert shown["Overall stage"] == "Journey-centric"  # 1.83 is not below 1.67
    assert chosen_cells(at, saved.assessment_id) == saved.stages  # the grid now starts from it


def test_a_dealer_group_is_compared_with_its_own_data(open_page, private_db: str, mcfg) -> None:
    from revops_core.queries.common import Scope

    with make_engine(private_db).connect() as conn:
        group = q.dealer_groups(conn)[0]
        suggested = maturity.suggest_stages(q.data_facts(conn, scorecards_shared=False,
                                                         scope=Scope(frozenset({group}))))
    at = open_page(PAGE)
    at.selectbox(key="mm_org").select("➕ New org unit…").run()
    at.text_input(key="mm_unit_new").input(group)
    choose(at, "new", dict.fromkeys(DIMS, 1))
    at = at.button(key="mm_save").click().run()
    assert not at.exception
    assert at.selectbox(key="mm_org").value == group
    assert any(f"{group}'s own dealers" in c.value for c in at.caption)
    with make_engine(private_db).connect() as conn:
        [saved] = q.assessments(conn, group)
    assert marks_shown(at) == expected_marks(maturity.grid(mcfg, saved.stages, suggested))
