"""``python -m revops_core burst-scorecards``: one PDF per dealer group under its own scope, named safely
after it; ``--dry-run`` lists who would get what; ``--send`` mails each group its own PDF through an
SMTP server this test starts (aiosmtpd on 127.0.0.1), and nothing of another group goes with it."""
from __future__ import annotations

import shutil
import socket
from collections.abc import Iterator
from datetime import date, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
import yaml
from aiosmtpd.controller import Controller
from sqlalchemy.engine import Engine

from revops_core import audit, sharing
from revops_core.cli import main
from revops_core.config import CONFIG_DIR, load_config
from revops_core.db import make_engine
from revops_core.queries import maturity as qm
from revops_core.scorecard_export import ScorecardView, file_names
from tests.core.test_scorecard_export import forbidden, leaks, pdf_text
from tests.factories import write

WINDOW = ("--start", "2026-04-01", "--end", "2026-06-30", "--as-of", "2026-06-30")
VIEW = ScorecardView("dealer", None, date(2026, 4, 1), date(2026, 6, 30), date(2026, 6, 30))


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def db(sample_db_url: str, tmp_path: Path) -> str:
    """A private copy of the sample company (the burst writes to its audit log)."""
    import sqlite3

    target = tmp_path / "burst.db"
    src, dst = sqlite3.connect(make_engine(sample_db_url).url.database), sqlite3.connect(target)
    src.backup(dst)
    src.close()
    dst.close()
    return f"sqlite:///{target}"


@pytest.fixture
def groups(sample_engine: Engine) -> list[str]:
    with sample_engine.connect() as conn:
        return qm.dealer_groups(conn)


class Inbox:
    """An aiosmtpd handler that keeps every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201, N802 - aiosmtpd's hook
        self.messages.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[tuple[int, Inbox]]:
    inbox, port = Inbox(), _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, inbox
    finally:
        controller.stop()


def _config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sharing_yaml: dict) -> None:
    folder = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, folder)
    (folder / "sharing.yaml").write_text(yaml.safe_dump(sharing_yaml), encoding="utf-8")
    monkeypatch.setenv("AUTOREVOPS_CONFIG_DIR", str(folder))


def _addresses(group: str) -> list[str]:
    local = "".join(c for c in group.lower() if c.isalnum())
    return [f"gm@{local}.example", f"marketing@{local}.example"]


def test_one_pdf_per_group_named_after_it_holding_nothing_of_another(capsys, db: str, tmp_path: Path,
                                                                       groups: list[str], cfg) -> None:  # noqa: ANN001
    out = tmp_path / "out"
    code, stdout, err = run_cli(capsys, "burst-scorecards", "--db", db, *WINDOW, "--out", str(out))
    assert code == 0, err
    names = file_names(groups, ".pdf")
    assert sorted(p.name for p in out.iterdir()) == sorted(names.values())
    problems = []
    for group in groups:
        pages, text = pdf_text((out / names[group]).read_bytes())
        assert pages == 1 and f"Ecosystem scorecard: {group}" in text and "as of 30 Jun 2026" in text
        problems += [f"{group}: {leak}" for leak in leaks(text, forbidden(make_engine(db), group, VIEW, cfg))]
    assert not problems, problems[:20]
    with make_engine(db).connect() as conn:
        exports = [e["detail"] for e in audit.entries(conn, action=audit.EXPORT)]
    assert len(exports) == len(groups) and all(e.startswith("burst scorecard PDF for ") for e in exports)
    assert stdout == ""


def test_a_dry_run_lists_who_would_get_what_and_writes_nothing(capsys, db: str, tmp_path: Path, groups: list[str],
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    _config(tmp_path, monkeypatch, {"recipients": {groups[0]: _addresses(groups[0]), "Not A Group": ["x@y.example"]}})
    out = tmp_path / "out"
    code, stdout, err = run_cli(capsys, "burst-scorecards", "--db", db, *WINDOW, "--out", str(out), "--send",
                                "--dry-run")
    assert code == 0, err
    lines = [line.split("\t") for line in stdout.splitlines()]
    names = file_names(groups, ".pdf")
    assert [(g, Path(f).name) for g, f, _ in lines] == [(g, names[g]) for g in groups]
    assert lines[0][2] == "would mail to " + ", ".join(_addresses(groups[0]))
    assert all(w == "not sent: no addresses in config/sharing.yaml recipients" for _g, _f, w in lines[1:])
    assert "recipients.Not A Group: not among the dealer groups" in err and "nothing written or sent" in err
    assert not out.exists()


def test_send_mails_each_group_its_own_pdf_only(capsys, db: str, tmp_path: Path, groups: list[str], cfg,  # noqa: ANN001
                                                monkeypatch: pytest.MonkeyPatch,
                                                smtp_server: tuple[int, Inbox]) -> None:
    port, inbox = smtp_server
    mailed = groups[:-1]   # the last group has no addresses: its PDF is written, nothing is sent
    _config(tmp_path, monkeypatch, {"smtp": {"host": "127.0.0.1", "port": port, "from": "RevOps <revops@example.com>"},
                                    "recipients": {g: _addresses(g) for g in mailed}})
    monkeypatch.delenv("AUTOREVOPS_SMTP_USERNAME", raising=False)
    out = tmp_path / "out"
    code, _stdout, err = run_cli(capsys, "burst-scorecards", "--db", db, *WINDOW, "--out", str(out), "--send")
    assert code == 0, err
    assert f"not sent: {groups[-1]} has no addresses" in err
    assert len(inbox.messages) == len(mailed)
    names, problems = file_names(groups, ".pdf"), []
    for (envelope_to, message), group in zip(inbox.messages, mailed):
        assert envelope_to == _addresses(group) and message["To"] == ", ".join(_addresses(group))
        assert message["From"] == "RevOps <revops@example.com>" and group in message["Subject"]
        attachments = list(message.iter_attachments())
        assert [a.get_filename() for a in attachments] == [names[group]]
        data = attachments[0].get_content()
        assert data == (out / names[group]).read_bytes()
        _pages, text = pdf_text(data)
        body = message.get_body(("plain",)).get_content()
        bad = forbidden(make_engine(db), group, VIEW, cfg)
        problems += [f"{group} PDF: {leak}" for leak in leaks(text, bad)]
        problems += [f"{group} mail: {leak}" for leak in leaks(f"{message['Subject']} {message['To']} {body}", bad)]
    assert not problems, problems[:20]
    with make_engine(db).connect() as conn:
        sent = [e["detail"] for e in reversed(audit.entries(conn, action=sharing.SCORECARD_SENT))]
    assert sent == [f"{g}: {names[g]} to {', '.join(_addresses(g))}" for g in mailed]


def test_an_unreachable_mail_server_sends_nothing_and_exits_1(capsys, db: str, tmp_path: Path, groups: list[str],
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    _config(tmp_path, monkeypatch, {"smtp": {"host": "127.0.0.1", "port": _free_port(), "timeout_seconds": 5},
                                    "recipients": {groups[0]: ["a@b.example"]}})
    code, _out, err = run_cli(capsys, "burst-scorecards", "--db", db, *WINDOW, "--out", str(tmp_path / "o"), "--send")
    assert code == 1
    assert "error: nothing was sent: cannot use the mail server 127.0.0.1:" in err
    assert len(list((tmp_path / "o").iterdir())) == len(groups)   # the PDFs are written first


def test_the_password_never_goes_unencrypted_to_another_host() -> None:
    from revops_core import mailer
    from revops_core.config import Smtp

    smtp = Smtp.model_validate({"host": "mail.example.com", "port": 25})
    with pytest.raises(mailer.MailError, match="refusing to send the SMTP password unencrypted"):
        mailer.send(smtp, [], {"AUTOREVOPS_SMTP_USERNAME": "bot", "AUTOREVOPS_SMTP_PASSWORD": "secret"})


def test_group_names_that_look_like_paths_stay_in_the_folder(capsys, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'evil.db'}"
    hostile = ["../../escape", "/abs/olute", "A B", "A-B", "CON", ".."]
    write(make_engine(url), dealers=[{"dealer_id": f"D{i}", "name": f"Dealer {i}", "dealer_group": g}
                                     for i, g in enumerate(hostile)],
          leads=[{"lead_id": "L1", "dealer_id": "D0", "created_at": datetime(2026, 5, 1, 9)}])
    out = tmp_path / "deep" / "out"
    code, _stdout, err = run_cli(capsys, "burst-scorecards", "--db", url, *WINDOW, "--out", str(out))
    assert code == 0, err
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["escape.pdf", "abs-olute.pdf", "A-B.pdf", "A-B-2.pdf", "CON-group.pdf", "group.pdf"])
    written = {p.name for p in tmp_path.iterdir()} - {"evil.db-wal", "evil.db-shm"}   # SQLite's own WAL files
    assert sorted(written) == ["deep", "evil.db"]
    assert not (tmp_path.parent / "escape.pdf").exists() and not Path("/abs/olute.pdf").exists()


@pytest.mark.parametrize(("extra", "message"), [
    (("--group", "Nobody"), "--group 'Nobody': no such dealer group in the data"),
    (("--level", "region"), "invalid choice: 'region'"),
    (("--journey", "SPACE"), "unknown journey 'SPACE'"),
])
def test_bad_input_is_one_line_and_exit_2(capsys, db: str, tmp_path: Path, extra: tuple[str, ...],
                                          message: str) -> None:
    code, _out, err = run_cli(capsys, "burst-scorecards", "--db", db, *WINDOW, "--out", str(tmp_path / "o"), *extra)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1


def test_out_must_be_a_folder(capsys, db: str, tmp_path: Path) -> None:
    target = tmp_path / "file.pdf"
    target.write_text("x")
    code, _out, err = run_cli(capsys, "burst-scorecards", "--db", db, *WINDOW, "--out", str(target))
    assert code == 2 and "is a file; give a folder" in err


def test_one_group_only(capsys, db: str, tmp_path: Path, groups: list[str]) -> None:
    code, _out, err = run_cli(capsys, "burst-scorecards", "--db", db, *WINDOW, "--out", str(tmp_path / "o"),
                              "--group", groups[1], "--level", "dealer_group")
    assert code == 0, err
    assert [p.name for p in (tmp_path / "o").iterdir()] == [file_names([groups[1]], ".pdf")[groups[1]]]
    _pages, text = pdf_text(next((tmp_path / "o").iterdir()).read_bytes())
    assert "Dealer group level" in text and "Peer median" in text


def test_sharing_yaml_is_validated_with_every_problem(tmp_path: Path) -> None:
    from revops_core.errors import ConfigError

    folder = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, folder)
    (folder / "sharing.yaml").write_text(yaml.safe_dump({
        "link_days": 30, "max_link_days": 10, "smtp": {"port": 0, "password": "hunter2"},
        "recipients": {"G": ["not-an-address"], "H": []}}), encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(folder)
    text = "\n".join(err.value.problems)
    assert "sharing.yaml: smtp: Value error, password: never write SMTP credentials in the config" in text
    assert "recipients.G.0" in text
    (folder / "sharing.yaml").write_text(yaml.safe_dump({"link_days": 30, "max_link_days": 10,
                                                         "recipients": {"H": []}}), encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(folder)
    assert "link_days: 30 is above max_link_days (10)" in str(err.value)
    assert "recipients.H: list at least one address" in str(err.value)
    (folder / "sharing.yaml").unlink()
    assert load_config(folder).sharing.link_days == 14   # the file is optional
