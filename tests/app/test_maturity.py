"""AppTest: the maturity matrix page shows the saved assessments, the data's view and next steps,
and records a new assessment from rubric choices (round trip through the database)."""
from __future__ import annotations

from datetime import date

import pytest

from revops_core import maturity
from revops_core.config import config_dir
from revops_core.db import make_engine
from revops_core.queries import maturity as q
from tests.app.conftest import metric_values

PAGE = "views/maturity.py"
DIMS = ("SCOPE", "DATA_COVERAGE", "ATTRIBUTION", "PARTNER_ROLE", "FINANCIAL_VIEW", "GOVERNANCE")


@pytest.fixture(scope="module")
def mcfg() -> maturity.MaturityConfig:
    return maturity.load_maturity_config(config_dir() / "maturity.yaml")


def test_latest_assessment_against_previous_and_the_data(open_page, sample_engine, mcfg) -> None:
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
    table = at.dataframe[0].value
    assert list(table["Dimension"]) == [mcfg.dimension_label(d) for d in DIMS]
    assert table.loc[table["Dimension"] == "Attribution", "Stage"].item() == "3 Ecosystem-centric"
    assert table.loc[table["Dimension"] == "Attribution", "Change"].item() == "+2"
    assert table.loc[table["Dimension"] == "Attribution", "Data supports"].item() == \
        f"{suggested['ATTRIBUTION'].stage} {mcfg.stages[suggested['ATTRIBUTION'].stage]}"
    steps = " ".join(m.value for m in at.markdown)
    for action in maturity.next_steps(current.stages, mcfg):  # Scope and Data coverage (ties keep config order)
        assert action.text in steps
    assert {a.dimension for a in maturity.next_steps(current.stages, mcfg)} == {"SCOPE", "DATA_COVERAGE"}


def test_record_a_new_org_unit_by_choosing_rubric_cells(open_page, private_db: str) -> None:
    at = open_page(PAGE)
    at.selectbox(key="mm_org").select("➕ New org unit…").run()
    assert not at.exception
    assert any("No assessment for this org unit yet" in i.value for i in at.info)
    at.text_input(key="mm_unit_new").input("Region West")
    for dim, stage in zip(DIMS[:4], (1, 2, 2, 1), strict=True):
        at.radio(key=f"mm_stage_new_{dim}").set_value(stage)
    at = at.button(key="mm_save").click().run()
    assert not at.exception
    assert any("not chosen yet: Financial view, Governance" in e.value for e in at.error), [e.value for e in at.error]
    with make_engine(private_db).connect() as conn:
        assert q.org_units(conn) == ["OEM marketing"]  # nothing written
    at.radio(key="mm_stage_new_FINANCIAL_VIEW").set_value(2)
    at.radio(key="mm_stage_new_GOVERNANCE").set_value(3)
    at.text_input(key="mm_note_new_GOVERNANCE").input("Joint council since June")
    at = at.button(key="mm_save").click().run()
    assert not at.exception
    assert any(f"Saved the assessment of Region West on {date.today():%d %b %Y}" in s.value for s in at.success)
    assert at.selectbox(key="mm_org").value == "Region West"
    with make_engine(private_db).connect() as conn:
        [saved] = q.assessments(conn, "Region West")
    assert saved.stages == dict(zip(DIMS, (1, 2, 2, 1, 2, 3), strict=True))
    assert saved.evidence == {"GOVERNANCE": "Joint council since June"}
    shown = metric_values(at)
    assert shown["Assessment score (1–3)"] == "1.83"  # 11 / 6
    assert shown["Overall stage"] == "Journey-centric"  # 1.83 is not below 1.67


def test_a_dealer_group_is_compared_with_its_own_data(open_page, private_db: str, mcfg) -> None:
    from revops_core.queries.common import Scope

    with make_engine(private_db).connect() as conn:
        group = q.dealer_groups(conn)[0]
        suggested = maturity.suggest_stages(q.data_facts(conn, scorecards_shared=False,
                                                         scope=Scope(frozenset({group}))))
    at = open_page(PAGE)
    at.selectbox(key="mm_org").select("➕ New org unit…").run()
    at.text_input(key="mm_unit_new").input(group)
    for dim in DIMS:
        at.radio(key=f"mm_stage_new_{dim}").set_value(1)
    at = at.button(key="mm_save").click().run()
    assert not at.exception
    assert at.selectbox(key="mm_org").value == group
    assert any(f"{group}'s own dealers" in c.value for c in at.caption)
    table = at.dataframe[0].value
    assert list(table["Data supports"]) == [f"{suggested[d].stage} {mcfg.stages[suggested[d].stage]}" for d in DIMS]
    assert list(table["Why (from the data)"]) == [suggested[d].reason for d in DIMS]
