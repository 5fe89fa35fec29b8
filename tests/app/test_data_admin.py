"""AppTest of the Data page: uploads are checked before anything is written, replace mode asks
before it empties datasets, a rejected import writes nothing, and loading the sample asks first."""
from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from revops_core.exporter import export_folder
from revops_core.queries.common import dataset_counts


def _counts(url: str) -> dict[str, int]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        counts = dataset_counts(conn)
    engine.dispose()
    return counts


def _upload(at: AppTest, files: list[tuple[str, bytes]], mode: str = "replace") -> AppTest:
    at.file_uploader(key="data_uploads").set_value([(name, content, "text/csv") for name, content in files])
    at.radio(key="data_mode").set_value(mode)
    at.run()
    return at.button(key="data_check").click().run()


def test_a_full_export_reimports_after_a_check(private_db: str, open_page, tmp_path: Path) -> None:  # noqa: ANN001
    before = _counts(private_db)
    export_folder(sa.create_engine(private_db), tmp_path)
    at = _upload(open_page("views/data_admin.py"), [(p.name, p.read_bytes()) for p in sorted(tmp_path.glob("*.csv"))])
    assert not at.exception
    assert at.info[0].value.startswith("The files are valid: accounts 40")
    button = at.button(key="data_import")
    assert button.label == f"Import {sum(before.values()):,} rows (replace)" and not button.disabled
    at = button.click().run()
    assert not at.exception and not at.error
    assert at.success[0].value.startswith("Imported: accounts 40")
    assert _counts(private_db) == before


def test_replace_with_one_file_asks_before_emptying(private_db: str, open_page) -> None:  # noqa: ANN001
    before = _counts(private_db)
    accounts = b"account_id,name,segment,region,country,dealer_group,eu_oem\nA1,Acme,OEM,EU,DE,,true\n"
    at = _upload(open_page("views/data_admin.py"), [("accounts.csv", accounts), ("../../evil.csv", b"x")])
    assert any("'../../evil.csv': not a contract file name" in w.value for w in at.warning)
    assert at.button(key="data_import").disabled           # leads, awards, … would be emptied: ask first
    assert "products" in at.checkbox(key="data_ok").label
    assert _counts(private_db) == before                   # checking wrote nothing


def test_a_rejected_file_writes_nothing(private_db: str, open_page) -> None:  # noqa: ANN001
    before = _counts(private_db)
    bad = b"account_id,name,segment,region,country,dealer_group,eu_oem\nA1,Acme,SPACE,EU,DE,,maybe\n"
    at = _upload(open_page("views/data_admin.py"), [("accounts.csv", bad)], mode="append")
    assert not at.exception
    assert at.error[0].value == "Import rejected: 2 problem(s). Nothing was written."
    assert "accounts.csv, row 2, column segment" in at.code[0].value
    assert not [b for b in at.button if b.key == "data_import"]
    assert _counts(private_db) == before


def test_loading_the_sample_asks_first(private_db: str, open_page) -> None:  # noqa: ANN001
    at = open_page("views/data_admin.py")
    assert at.button(key="data_seed").disabled
    at = at.checkbox(key="data_seed_ok").check().run()
    assert not at.button(key="data_seed").disabled
