"""``burst-scorecards``: one one-page scorecard PDF per dealer group, each as that group sees it.

``python -m revops_core burst-scorecards --start D1 --end D2 --out DIR [--send] [--dry-run]``
ranks every entity at ``--level`` (dealer by default) once, then shares it with each dealer group
in turn (``scorecard.share_for``: its own dealers by name, every other one an anonymous peer)
and writes ``DIR/<group>.pdf`` (the name made safe: ``scorecard_export.file_names``) with the
renderer of the review deck. ``--send`` mails each group its own PDF, to its addresses in
``config/sharing.yaml`` only; ``--dry-run`` lists who would get what and writes and sends
nothing. Every PDF written and every mail sent is in the audit log.
"""
from __future__ import annotations

import argparse
import getpass
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import Connection, Engine

from revops_core import audit, mailer, sharing
from revops_core import scorecard as sc
from revops_core import scorecard_export as se
from revops_core.commands.common import CommandError, as_of_arg, check_window, open_engine, resolve_as_of
from revops_core.config import AppConfig, load_config
from revops_core.queries import maturity as qm
from revops_core.queries.common import EVERYTHING, Scope, latest_activity_date

CLIENT = "command line"


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("--start", required=True, type=as_of_arg, metavar="YYYY-MM-DD",
                        help="first day of the window (inclusive)")
    parser.add_argument("--end", required=True, type=as_of_arg, metavar="YYYY-MM-DD",
                        help="last day of the window (inclusive)")
    parser.add_argument("--out", required=True, type=Path, metavar="DIR",
                        help="the folder the PDFs go to (created if missing; files of the same names are replaced)")
    parser.add_argument("--level", choices=sharing.LEVELS, default=sharing.LEVELS[0],
                        help="compare each group's dealers (default) or the groups")
    parser.add_argument("--journey", metavar="JOURNEY", help="only leads of this journey, e.g. EV_LAUNCH")
    parser.add_argument("--as-of", type=as_of_arg, metavar="YYYY-MM-DD",
                        help="the as-of date printed on each page (default: the latest date in the data)")
    parser.add_argument("--group", action="append", metavar="G",
                        help="only this dealer group (repeat for several; default: every group in the data)")
    parser.add_argument("--send", action="store_true",
                        help="mail each group its PDF, to its addresses in config/sharing.yaml (recipients)")
    parser.add_argument("--dry-run", action="store_true",
                        help="list the groups, files and addresses only; write and send nothing")


@dataclass(frozen=True)
class Planned:
    """One dealer group's part of the burst: the file its PDF goes to and who would receive it."""

    group: str
    file: str
    recipients: tuple[str, ...]


def plan(groups: list[str], recipients: dict[str, tuple[str, ...]]) -> list[Planned]:
    """Each group with its (safe, distinct) file name and its configured addresses."""
    names = se.file_names(groups, ".pdf")
    return [Planned(g, names[g], tuple(recipients.get(g, ()))) for g in groups]


def run(args: argparse.Namespace) -> int:
    cfg = load_config()
    check_window(args.start, args.end)
    if args.journey is not None and args.journey not in cfg.rules.ecosystem.journeys:
        raise CommandError(f"unknown journey {args.journey!r}; use one of {', '.join(cfg.rules.ecosystem.journeys)}")
    if args.out.exists() and not args.out.is_dir():
        raise CommandError(f"--out {args.out} is a file; give a folder for the PDFs")
    with open_engine(args.db) as engine:
        with engine.connect() as conn:
            view = se.ScorecardView(args.level, args.journey, args.start, args.end,
                                    resolve_as_of(args.as_of, latest_activity_date(conn)))
            planned = plan(_groups(conn, args.group), dict(cfg.sharing.recipients))
        _warn_unknown(cfg, planned)
        if args.dry_run:
            _list(planned, args.out, args.send)
            return 0
        pdfs = _write(engine, cfg, view, planned, args.out)
        return _send(engine, cfg, view, planned, pdfs) if args.send else 0


def _groups(conn: Connection, wanted: list[str] | None) -> list[str]:
    every = qm.dealer_groups(conn)
    if not every:
        raise CommandError("the database holds no dealer groups; import dealers.csv first")
    unknown = [g for g in wanted or () if g not in every]
    if unknown:
        raise CommandError(f"--group {', '.join(map(repr, unknown))}: no such dealer group in the data "
                           f"(groups: {', '.join(every)})")
    return [g for g in every if not wanted or g in wanted]


def _warn_unknown(cfg: AppConfig, planned: list[Planned]) -> None:
    known = {p.group for p in planned}
    for group in cfg.sharing.recipients:
        if group not in known:
            print(f"warning: sharing.yaml recipients.{group}: not among the dealer groups burst here; nothing is "
                  "sent to these addresses", file=sys.stderr)


def _list(planned: list[Planned], out: Path, send: bool) -> None:
    """``--dry-run``: one line per group on stdout: group, file, and the addresses (or why none)."""
    for p in planned:
        if not send:
            whom = "not sent (no --send)"
        elif p.recipients:
            whom = "would mail to " + ", ".join(p.recipients)
        else:
            whom = "not sent: no addresses in config/sharing.yaml recipients"
        print(f"{p.group}\t{out / p.file}\t{whom}")
    print(f"dry run: {len(planned)} group(s); nothing written or sent", file=sys.stderr)


def _write(engine: Engine, cfg: AppConfig, view: se.ScorecardView, planned: list[Planned],
           out: Path) -> dict[str, bytes]:
    """Rank once, then each group's own page (its scope), written to ``out``; each logged as an export."""
    with engine.connect() as conn:
        card = sc.scorecard(conn, view.start, view.end, view.level, cfg, view.journey, EVERYTHING)
        pdfs = {p.group: _pdf(conn, cfg, view, card, p.group) for p in planned}
    out.mkdir(parents=True, exist_ok=True)
    who, at = _operator(), datetime.now()
    for p in planned:
        (out / p.file).write_bytes(pdfs[p.group])
        audit.record(engine, at, who, audit.EXPORT, f"burst scorecard PDF for {p.group}: {_window(view)} "
                     f"by {view.level} -> {out / p.file}", CLIENT)
        print(f"Wrote {out / p.file} ({p.group})", file=sys.stderr)
    return pdfs


def _pdf(conn: Connection, cfg: AppConfig, view: se.ScorecardView, card: sc.Scorecard, group: str) -> bytes:
    """``group``'s one page: the ranked ``card`` shared under its scope (METRICS.md: peers anonymous)."""
    scope = Scope(frozenset({group}))
    shared = sc.share_for(card, scope, sc.own_entities(conn, view.level, scope), cfg.users.min_peers)
    return se.scorecard_pdf(se.one_page(shared, view, cfg, scope, group), f"Ecosystem scorecard: {group}")


def _send(engine: Engine, cfg: AppConfig, view: se.ScorecardView, planned: list[Planned],
          pdfs: dict[str, bytes]) -> int:
    """Mail each group with addresses its own PDF; 1 when any group's mail failed."""
    smtp, window = cfg.sharing.smtp, _window(view)
    outgoing = [p for p in planned if p.recipients]
    for p in planned:
        if not p.recipients:
            print(f"not sent: {p.group} has no addresses in config/sharing.yaml recipients", file=sys.stderr)
    messages = [mailer.scorecard_message(smtp.from_, p.recipients, p.group, window,
                                         mailer.Attachment(p.file, pdfs[p.group])) for p in outgoing]
    try:
        results = mailer.send(smtp, messages) if messages else []
    except mailer.MailError as exc:
        print(f"error: nothing was sent: {exc}", file=sys.stderr)
        return 1
    who, at = _operator(), datetime.now()
    for p, problem in zip(outgoing, results):
        if problem is None:
            audit.record(engine, at, who, sharing.SCORECARD_SENT, f"{p.group}: {p.file} to {', '.join(p.recipients)}",
                         CLIENT)
            print(f"Sent {p.file} to {', '.join(p.recipients)} ({p.group})", file=sys.stderr)
        else:
            print(f"error: {p.group} was not sent: {problem}", file=sys.stderr)
    return 0 if all(r is None for r in results) else 1


def _window(view: se.ScorecardView) -> str:
    return view.window_text()


def _operator() -> str:
    """Who ran the command, for the audit log (the operating-system user)."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return CLIENT
