"""``users add|list|remove`` (password from standard input only, the file's comments kept) and
``--as-user NAME`` on the reading commands: exactly that user's scope, or refused (exit 2).

Runs on the two-group fixture of test_scope_enforced (G1 Alpha, G2 Bravo, OEM Zeta), SQLite and
PostgreSQL; the peers rule is lowered to 1 so G1 has a peer to compare with at every level.
"""
from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
import yaml
from sqlalchemy.engine import Engine

from revops_core import audit
from revops_core.cli import main
from revops_core.config import CONFIG_DIR, load_config
from tests.core.test_scope_enforced import two_groups

WINDOW = ["--start", "2025-04-01", "--end", "2025-06-30"]


@pytest.fixture
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, folder)
    text = (folder / "users.yaml").read_text(encoding="utf-8").replace("min_peers: 5", "min_peers: 1")
    (folder / "users.yaml").write_text(text, encoding="utf-8")
    monkeypatch.setenv("AUTOREVOPS_CONFIG_DIR", str(folder))
    return folder


def run_cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *argv: str,
            stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def users(config_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Path:
    """One user per role, added with the command (bcrypt at its lowest cost, for speed)."""
    import bcrypt

    salt = bcrypt.gensalt
    monkeypatch.setattr("revops_core.access.bcrypt.gensalt", lambda: salt(rounds=4))
    for argv, password in ((["cro", "--role", "executive"], "board-room-2026\n"),
                           (["mops", "--role", "marketing_ops"], "marketing-ops-77\n"),
                           (["alpha", "--role", "dealer_group", "--dealer-group", "G1"], "dealer-council-7\n")):
        assert run_cli(capsys, monkeypatch, "users", "add", *argv, stdin=password)[0] == 0
    return config_dir / "users.yaml"


def test_users_are_added_listed_and_removed(users: Path, capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    text = users.read_text(encoding="utf-8")
    assert text.startswith("# Users and roles.") and "board-room-2026" not in text  # comments kept, hash only
    assert load_config(users.parent).users.users[2].dealer_group == "G1"
    code, out, _ = run_cli(capsys, monkeypatch, "users", "list")
    assert code == 0 and out.splitlines() == ["cro\texecutive\teverything\tcro", "mops\tmarketing_ops\tevery dealer\tmops",
                                              "alpha\tdealer_group\tG1\tG1"]
    assert "$2b$" not in out
    assert run_cli(capsys, monkeypatch, "users", "remove", "MOPS")[0] == 0
    assert [u.username for u in load_config(users.parent).users.users] == ["cro", "alpha"]


@pytest.mark.parametrize(("argv", "stdin", "message"), [
    (["add", "cro", "--role", "executive"], "another-password\n", "exists already"),
    (["add", "x", "--role", "owner"], "a-long-password\n", "unknown role 'owner'"),
    (["add", "x", "--role", "dealer_group"], "a-long-password\n", "give --dealer-group"),
    (["add", "x", "--role", "executive", "--region", "West"], "a-long-password\n", "leave out --region"),
    (["add", "x y", "--role", "executive"], "a-long-password\n", "user name 'x y'"),
    (["add", "x", "--role", "executive"], "short\n", "at least 10 characters"),
    (["add", "x", "--role", "executive"], "", "give the password on standard input"),
    (["remove", "nobody"], "", "no user 'nobody'"),
])
def test_bad_user_commands_are_refused_and_write_nothing(users: Path, capsys: pytest.CaptureFixture[str],
                                                         monkeypatch: pytest.MonkeyPatch, argv: list[str],
                                                         stdin: str, message: str) -> None:
    before = users.read_text(encoding="utf-8")
    code, _, err = run_cli(capsys, monkeypatch, "users", *argv, stdin=stdin)
    assert code == 2 and message in err and err.count("\n") == 1
    assert users.read_text(encoding="utf-8") == before


def test_the_password_is_never_an_argument(users: Path, capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(SystemExit) as exit_:
        run_cli(capsys, monkeypatch, "users", "add", "x", "--role", "executive", "--password", "p")
    assert exit_.value.code == 2 and "unrecognized arguments: --password" in capsys.readouterr().err


@pytest.fixture
def db_url(engine: Engine) -> str:
    two_groups(engine)
    return engine.url.render_as_string(hide_password=False)


def test_as_user_applies_exactly_that_users_scope(users: Path, db_url: str, capsys: pytest.CaptureFixture[str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    whole = run_cli(capsys, monkeypatch, "metrics", "--db", db_url, "--as-of", "2025-06-30", "--json")
    as_cro = run_cli(capsys, monkeypatch, "metrics", "--db", db_url, "--as-of", "2025-06-30", "--json",
                     "--as-user", "cro")
    assert whole[0] == as_cro[0] == 0 and json.loads(whole[1]) == json.loads(as_cro[1])
    code, out, _ = run_cli(capsys, monkeypatch, "scorecard", "--db", db_url, "--level", "dealer", *WINDOW,
                           "--as-user", "alpha")
    rows = json.loads(out)["rows"]
    assert code == 0 and set(rows) == {"D-ALPHA-1", "D-ALPHA-2", "Peer A", "Peer B"}
    assert rows["Peer A"]["leads"] is None and rows["Peer A"]["revenue"] is None  # rates and scores only
    assert rows["Peer A"]["conversion_rate"] is not None and rows["D-ALPHA-1"]["leads"] == 2
    code, out, _ = run_cli(capsys, monkeypatch, "attribution", "--db", db_url, *WINDOW, "--as-user", "mops")
    assert code == 0 and json.loads(out)["attributed_revenue"] == pytest.approx(300 + 350 + 500 + 550)


def test_a_scorecard_download_by_a_dealer_group_is_audited(users: Path, db_url: str, engine: Engine,
                                                           capsys: pytest.CaptureFixture[str],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    run_cli(capsys, monkeypatch, "scorecard", "--db", db_url, "--level", "dealer_group", *WINDOW, "--as-user", "alpha")
    run_cli(capsys, monkeypatch, "scorecard", "--db", db_url, "--level", "dealer_group", *WINDOW, "--as-user", "cro")
    with engine.connect() as conn:
        exports = audit.entries(conn, action=audit.EXPORT)
    assert [(e["username"], e["detail"], e["client"]) for e in exports] == [
        ("alpha", "scorecard dealer_group 2025-04-01..2025-06-30", "command line")]


@pytest.mark.parametrize(("argv", "message"), [
    (["metrics", "--as-user", "alpha"], "may not read the board metrics"),
    (["alerts", "--as-user", "mops"], "may not read the board metrics behind the alerts"),
    (["scenario", "--as-user", "alpha"], "may not read the EV scenarios"),
    (["attribution", *WINDOW, "--as-user", "alpha"], "may not read attribution"),
    (["scorecard", "--level", "region", *WINDOW, "--as-user", "alpha"], "compares at --level dealer or dealer_group"),
    (["export", "OUT", "--as-user", "mops"], "may not read the contract export"),
    (["metrics", "--as-user", "nobody"], "no such user"),
])
def test_as_user_refuses_what_the_role_does_not_open(users: Path, db_url: str, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str],
                                                     monkeypatch: pytest.MonkeyPatch, argv: list[str],
                                                     message: str) -> None:
    argv = [str(tmp_path / "out") if a == "OUT" else a for a in argv]
    code, out, err = run_cli(capsys, monkeypatch, argv[0], "--db", db_url, *argv[1:])
    assert code == 2 and message in err and out == ""
    assert not (tmp_path / "out").exists()


def test_the_contract_export_runs_for_an_admin_only(users: Path, db_url: str, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """A backup holds every table (password hashes, the audit log): the Data page's role, admin, runs it."""
    code, _, err = run_cli(capsys, monkeypatch, "export", str(tmp_path / "cro"), "--db", db_url, "--as-user", "cro")
    assert code == 2 and "may not read the contract export" in err
    assert not (tmp_path / "cro").exists()
    assert run_cli(capsys, monkeypatch, "users", "add", "root", "--role", "admin", stdin="admin-password-1\n")[0] == 0
    code, _, _ = run_cli(capsys, monkeypatch, "export", str(tmp_path / "out"), "--db", db_url, "--as-user", "root")
    assert code == 0 and (tmp_path / "out" / "accounts.csv").exists()


def test_users_yaml_stays_valid_yaml_with_every_key(users: Path) -> None:
    raw = yaml.safe_load(users.read_text(encoding="utf-8"))
    assert set(raw) == {"sign_in", "min_peers", "roles", "users"}
