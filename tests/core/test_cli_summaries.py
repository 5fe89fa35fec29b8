"""``python -m revops_core summaries [--rebuild]``: the summary tables' state as JSON; a rebuild
advances the data version and leaves the tables current with the same rows."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from revops_core.cli import main
from tests.core.test_attribution_sql import DEALERS, LEADS, TOUCHPOINTS
from tests.factories import write


def test_summaries_lists_each_table_and_rebuild_advances_the_version(
        engine, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: ANN001
    if engine.dialect.name == "postgresql":
        pytest.skip("the command is exercised on the file databases; the rebuild itself on every engine")
    write(engine, dealers=DEALERS, leads=LEADS, touchpoints=TOUCHPOINTS)
    url = engine.url.render_as_string(hide_password=False)
    engine.dispose()
    assert main(["summaries", "--db", url]) == 0
    before = {t["table"]: t for t in json.loads(capsys.readouterr().out)}
    assert sorted(before) == ["credit_months", "lead_months", "markov_transition_months", "sold_lead_facts"]
    assert before["sold_lead_facts"]["rows"] == 6 and all(t["current"] for t in before.values())
    assert main(["summaries", "--rebuild", "--db", url]) == 0
    out = capsys.readouterr()
    after = {t["table"]: t for t in json.loads(out.out)}
    assert "Rebuilt the summary tables at data version" in out.err
    assert {n: t["rows"] for n, t in after.items()} == {n: t["rows"] for n, t in before.items()}
    assert all(int(t["data_version"]) == int(before[n]["data_version"]) + 1 for n, t in after.items())


def test_summaries_on_a_missing_database_is_one_line_and_exit_2(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["summaries", "--db", f"sqlite:///{tmp_path / 'none.db'}"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "no database at" in err
    assert not (tmp_path / "none.db").exists()
