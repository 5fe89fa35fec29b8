"""AppTest of the Data page: uploads are checked before anything is written, replace mode asks
before it empties datasets, a rejected import writes nothing, and loading the sample asks first."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
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


# ---- backups, Excel, CRM exports, the validation report, limits, the mapping editor ----------------
CRM = Path(__file__).resolve().parents[1] / "fixtures" / "crm"


def _files(at: AppTest, files: list[tuple[str, bytes]], mode: str = "replace") -> AppTest:
    """Upload ``files`` and choose the mode, without checking yet (the preset pickers appear)."""
    at.file_uploader(key="data_uploads").set_value([(name, content, "application/octet-stream")
                                                    for name, content in files])
    at.radio(key="data_mode").set_value(mode)
    return at.run()


def _table_rows(url: str, table: str) -> int:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()
    engine.dispose()
    return int(rows)


def test_the_page_shows_the_database_rows_and_freshness(private_db: str, open_page) -> None:  # noqa: ANN001
    at = open_page("views/data_admin.py")
    assert at.caption[0].value.startswith("Database: `sqlite:///")
    datasets = at.dataframe[0].value
    assert list(datasets.columns) == ["Dataset", "Group", "Rows", "Latest date", "Latest of"]
    leads = datasets.set_index("Dataset").loc["leads"]
    assert leads["Rows"] == _counts(private_db)["leads"] and leads["Latest of"] == "created_at"
    assert re.fullmatch(r"\d{1,2} [A-Z][a-z]{2} \d{4}", leads["Latest date"])   # dates the one way
    assert datasets.set_index("Dataset").loc["accounts", "Latest date"] == "—"


def test_the_backup_zip_of_the_page_restores_as_is(private_db: str, open_page) -> None:  # noqa: ANN001
    at = open_page("views/data_admin.py")
    at = at.button(key="data_export").click().run()
    archive = at.session_state["data_zip"]
    before = (_counts(private_db), _table_rows(private_db, "pipeline_snapshots"))
    engine = sa.create_engine(private_db)
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM pipeline_snapshot_rows"))
        conn.execute(sa.text("DELETE FROM pipeline_snapshots"))
    engine.dispose()
    at = _upload(at, [("autorevops-backup.zip", archive)])
    assert not at.exception and not at.error
    assert at.info[0].value.startswith("The files are valid: accounts 40")
    button = at.button(key="data_import")
    assert button.label.startswith("Restore the backup: ") and button.label.endswith(" rows (replace)")
    assert button.disabled                                          # it replaces every table: ask first
    at = at.checkbox(key="data_ok").check().run()
    at = at.button(key="data_import").click().run()
    assert not at.exception and not at.error
    assert at.success[0].value.startswith("Restored the backup: accounts 40")
    assert (_counts(private_db), _table_rows(private_db, "pipeline_snapshots")) == before


def test_a_workbook_and_a_crm_export_with_its_detected_preset(private_db: str, open_page) -> None:  # noqa: ANN001
    import io

    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["dealer_id", "name", "dealer_group", "region", "brand", "salespeople"])
    book.active.append(["D-NEW", "Autohaus Neu", "Nord Gruppe", "North", None, 7])
    workbook = io.BytesIO()
    book.save(workbook)
    before = _counts(private_db)
    at = _files(open_page("views/data_admin.py"), [("dealers.xlsx", workbook.getvalue()),
                                                   ("Accounts report.csv",
                                                    (CRM / "salesforce_accounts.csv").read_bytes())], mode="append")
    picker = at.selectbox(key=[s.key for s in at.selectbox if s.key.startswith("data_preset_")][0])
    assert picker.label == "Mapping preset for Accounts report.csv" and picker.value == "salesforce_accounts"
    at = at.button(key="data_check").click().run()
    assert not at.exception and not at.error
    assert at.info[0].value == "The files are valid: accounts 6, dealers 1."
    at = at.button(key="data_import").click().run()
    assert at.success[0].value == "Imported: accounts 6, dealers 1"
    after = _counts(private_db)
    assert (after["accounts"], after["dealers"]) == (before["accounts"] + 6, before["dealers"] + 1)


def test_a_broken_report_gets_the_validation_report(private_db: str, open_page) -> None:  # noqa: ANN001
    before = _counts(private_db)
    at = _files(open_page("views/data_admin.py"),
                [("broken.csv", (CRM / "salesforce_opportunities_broken.csv").read_bytes())], mode="append")
    at = at.button(key="data_check").click().run()
    assert not at.exception
    assert at.error[0].value == "Import rejected: 6 problem(s). Nothing was written."   # 4 cells, 2 more links
    report = at.dataframe[-1].value
    assert list(report.columns) == ["File", "Column", "Problem", "Rows (first 20)", "Count", "Examples", "How to fix"]
    close = report.set_index("Column").loc["close_date"]
    assert (close["File"], close["Problem"], close["Rows (first 20)"], close["Count"], close["Examples"]) == (
        "broken.csv (as opportunities.csv)", "is not a date", "2", 1, "30/09/2026")
    assert close["How to fix"] == "use YYYY-MM-DD"
    assert [b.label for b in at.get("download_button")] == ["Download the validation report (CSV)"]
    assert not [b for b in at.button if b.key == "data_import"]
    assert _counts(private_db) == before


@pytest.fixture
def own_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the config folder the page uses (so a test may change limits or save presets)."""
    import shutil

    from revops_core.config import CONFIG_DIR

    folder = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, folder)
    monkeypatch.setenv("AUTOREVOPS_CONFIG_DIR", str(folder))
    return folder


def test_an_upload_over_the_limit_is_refused_with_the_limit(private_db: str, open_page, own_config: Path) -> None:  # noqa: ANN001
    rules = (own_config / "rules.yaml").read_text(encoding="utf-8")
    (own_config / "rules.yaml").write_text(rules.replace("max_upload_mb: 200", "max_upload_mb: 1"), encoding="utf-8")
    at = open_page("views/data_admin.py")
    assert at.get("file_uploader")[0].label == "Files: CSV, Excel or ZIP, up to 1 MB each"
    at = _upload(at, [("leads.csv", b"lead_id\n" + b"L1\n" * 700_000)])
    assert not at.exception
    assert at.error[0].value == "Import rejected: 1 problem(s). Nothing was written."
    assert "leads.csv: 2.0 MB is over the limit of 1 MB per file (rules.yaml import.max_upload_mb)" in at.code[0].value


def test_the_mapping_editor_previews_and_saves_a_preset(private_db: str, open_page, own_config: Path) -> None:  # noqa: ANN001
    at = _files(open_page("views/data_admin.py"), [("leads export.csv", (CRM / "dealer_crm_leads.csv").read_bytes())])
    at = at.selectbox(key="map_base").set_value("dealer_crm_leads").run()
    assert at.selectbox(key="map_dataset_dealer_crm_leads").value == "leads"
    assert at.selectbox(key="map_dealer_crm_leads_leads_dealer_id").value == "Dealer Code"
    assert "These rows pass every check (links to other datasets are checked at import)." in [
        s.value for s in at.success]
    preview = at.dataframe[-1].value
    assert preview.loc[2, "created_at"] == "2026-06-01T09:15:00" and preview.loc[3, "journey"] == "SERVICE_RETENTION"
    at = at.selectbox(key="map_dealer_crm_leads_leads_source_channel").set_value("(constant)").run()
    at = at.text_input(key="map_dealer_crm_leads_leads_source_channel_c").input("Dealer CRM").run()
    at = at.text_input(key="map_name").input("my_leads").run()
    at = at.button(key="map_save").click().run()
    assert not at.exception and "Saved as preset my_leads (my_leads.yaml): pick it for the file above." in [
        s.value for s in at.success]
    from revops_core.mapping import load_preset

    saved = load_preset("my_leads", own_config / "mappings")[1]
    assert saved.dataset == "leads" and saved.columns["source_channel"].value == "Dealer CRM"
    assert saved.columns["journey"].values["EV Launch"] == "EV_LAUNCH"


def test_the_summary_tables_are_listed_current_and_rebuild_on_request(private_db: str, open_page) -> None:  # noqa: ANN001
    from revops_core import summaries

    engine = sa.create_engine(private_db)
    with engine.connect() as conn:
        before = {i.name: i for i in summaries.summary_info(conn)}
    at = open_page("views/data_admin.py")
    assert not at.exception
    shown = next(t.value for t in at.dataframe if "Table" in t.value.columns and "Current" in t.value.columns)
    assert sorted(shown["Table"]) == ["credit_months", "lead_months", "markov_transition_months", "sold_lead_facts"]
    assert set(shown["Current"]) == {"yes"}
    assert dict(zip(shown["Table"], shown["Rows"])) == {n: i.rows for n, i in before.items()}
    at = at.button(key="data_summaries").click().run()
    assert not at.exception
    assert at.success[0].value == "Summary tables rebuilt."
    with engine.connect() as conn:
        after = {i.name: i for i in summaries.summary_info(conn)}
    engine.dispose()
    assert {n: i.rows for n, i in after.items()} == {n: i.rows for n, i in before.items()}
    assert all(i.current and int(i.data_version) == int(before[n].data_version) + 1 for n, i in after.items())


def test_the_sidebar_says_when_the_data_was_refreshed(private_db: str, open_page) -> None:  # noqa: ANN001
    from revops_core import formatting
    from revops_core.schema import data_changed_at

    engine = sa.create_engine(private_db)
    with engine.connect() as conn:
        changed = data_changed_at(conn)
    engine.dispose()
    at = open_page("views/data_admin.py")
    assert changed is not None
    assert f"Data refreshed {formatting.moment(changed)}" in [c.value for c in at.sidebar.caption]
