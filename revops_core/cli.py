"""Command line: ``python -m revops_core COMMAND ...``.

Each command lives in ``revops_core/commands/<name>.py`` with ``add_arguments(parser)`` and
``run(args) -> int`` (the exit code). This file routes, importing only the module of the command
that runs (``--help`` alone imports none, and nothing of SQLAlchemy or pandas), and is the one place that turns a
failure into a message: bad input of any kind (arguments, ``--db``, paths, dates) gets one line
on stderr, ``PROG: error: what is wrong; what to do``, and exit status 2; an unexpected error
gets one line and exit status 1 (the traceback only with ``-v``); a closed output pipe
(``metrics --json | head``) ends quietly with 0. Passwords in URLs are never shown.
"""
from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

log = logging.getLogger(__name__)
PROG = "python -m revops_core"
USAGE_ERROR = 2        # bad input: arguments, --db, paths, dates, data out of range
UNEXPECTED_ERROR = 1   # a bug or an unforeseen failure
INTERRUPTED = 130

# command name -> (module under revops_core.commands, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "seed": ("seed", "fill the database with the deterministic sample company (creates it if needed)"),
    "metrics": ("metrics", "print the board metrics as JSON"),
    "scenario": ("scenario", "print the backlog schedule and EV-transition scenarios as JSON"),
    "scorecard": ("scorecard", "print the ecosystem scorecard per dealer, dealer group or region as JSON"),
    "attribution": ("attribution", "print every attribution model's channel credits over a window as JSON"),
    "alerts": ("alerts", "list the threshold alerts firing at the as-of date; exit 1 when any fires"),
    "import": ("transfer", "import contract CSV files from a folder, all or nothing (creates the database if needed)"),
    "export": ("transfer", "export every dataset as contract CSV files into a folder"),
    "hash-password": ("hash_password", "print a bcrypt hash of a password for config/users.yaml"),
    "deck": ("deck", "write the quarterly architecture review of a quarter as a PowerPoint or PDF file"),
    "users": ("users", "add, list or remove the users of config/users.yaml (passwords from standard input)"),
    "burst-scorecards": ("burst", "write one scorecard PDF per dealer group, each under its scope; --send mails them"),
    "summaries": ("summaries", "show the summary tables the ecosystem pages read as JSON; --rebuild rebuilds them"),
}


class Parser(argparse.ArgumentParser):
    """argparse whose errors are one line (no usage block), naming ``--help``; exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(USAGE_ERROR, f"{self.prog}: error: {one_line(message)}; see `{self.prog} --help`\n")


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser of every command; with ``argv``, only the command ``argv`` names gets its
    arguments (its module is imported), the others only their name and help line, which is all
    argparse reads of a command that does not run. Without ``argv``, every command is complete."""
    parser = Parser(prog=PROG, description="AutoRevOps command line. Exit status 2 means bad input "
                                           "(a one-line message on stderr says what to do).")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress (and any traceback) to stderr")
    sub = parser.add_subparsers(dest="command", required=True)
    chosen = None if argv is None else chosen_command(argv)
    for name, (module, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        if argv is None or name == chosen:
            _add_command(p, name, module)
    return parser


def chosen_command(argv: Sequence[str]) -> str | None:
    """The command ``argv`` names: its first word that is not an option (the top-level options,
    ``-v`` and ``-h``, take no value), if it is a command."""
    word = next((a for a in argv if not a.startswith("-")), None)
    return word if word in COMMANDS else None


def _add_command(p: argparse.ArgumentParser, name: str, module: str) -> None:
    mod = importlib.import_module(f"revops_core.commands.{module}")
    p.add_argument("--db", metavar="URL",
                   help="database URL (default: $AUTOREVOPS_DB_URL, else data/autorevops.duckdb, or "
                        "data/autorevops.db where an older install made one)")
    p.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                   help="log progress (and any traceback) to stderr")
    mod.add_arguments(p, name)
    p.set_defaults(run=mod.run, prog_name=p.prog)


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv``, run the command and return its exit status; never lets a traceback out."""
    given = list(sys.argv[1:] if argv is None else argv)
    args = build_parser(given).parse_args(given)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s")
    try:
        return _run(args)
    except BrokenPipeError:
        _silence_stdout()
        return 0
    except KeyboardInterrupt:
        print(f"{args.prog_name}: interrupted", file=sys.stderr)
        return INTERRUPTED
    except Exception as exc:  # noqa: BLE001 - the one place that turns any failure into a message
        return _fail(args, exc)


def _run(args: argparse.Namespace) -> int:
    code = int(args.run(args))
    sys.stdout.flush()  # inside the try: a closed pipe is met here, not at interpreter exit
    return code


def _fail(args: argparse.Namespace, exc: Exception) -> int:
    try:
        message, code = explain(exc, args.db)
    except Exception:  # noqa: BLE001 - explaining must not fail in turn
        message, code = unexpected(exc), UNEXPECTED_ERROR
    print(f"{args.prog_name}: {message}", file=sys.stderr)
    if args.verbose:
        log.error("details:", exc_info=exc)
    return code


def explain(exc: Exception, db: str | None) -> tuple[str, int]:
    """The message for a failed command (``error: what is wrong; what to do``) and its exit status."""
    import sqlalchemy as sa

    from revops_core.db import describe_failure, resolve_url
    from revops_core.errors import ConfigError, RevOpsError
    from revops_core.windows import supported_range

    if isinstance(exc, ConfigError):
        return f"error: {exc}", USAGE_ERROR  # one line per problem, each with its file and key
    if isinstance(exc, RevOpsError):
        return f"error: {one_line(str(exc))}", USAGE_ERROR
    if isinstance(exc, sa.exc.DBAPIError):
        return f"error: {one_line(describe_failure(exc, resolve_url(db)))}", USAGE_ERROR
    if isinstance(exc, OverflowError):
        return (f"error: a date or number is out of range ({one_line(str(exc))}); use dates {supported_range()} "
                "and check the data for extreme values"), USAGE_ERROR
    if isinstance(exc, OSError):
        return f"error: {os_message(exc)}", USAGE_ERROR
    return unexpected(exc), UNEXPECTED_ERROR


def os_message(exc: OSError) -> str:
    """What went wrong with a file or folder, and what to do."""
    name, reason = exc.filename, (exc.strerror or str(exc))
    if name is None:
        return f"{one_line(reason)}; check the paths given and the free disk space"
    if isinstance(exc, FileExistsError | NotADirectoryError):
        return f"{name}: a file is in the way of a folder ({reason}); check the path"
    if isinstance(exc, PermissionError):
        return f"{name}: permission denied; pick a path you may write to"
    return f"{name}: {one_line(reason)}; check the path"


def unexpected(exc: BaseException) -> str:
    return f"unexpected error ({type(exc).__name__}): {one_line(str(exc))}; run with -v for details"


def one_line(text: str) -> str:
    """``text`` on one line: line breaks shown as ``\\n``."""
    return text.strip().replace("\r", "\\r").replace("\n", "\\n")


def _silence_stdout() -> None:
    """Point stdout at devnull so the final flush cannot fail again (Python docs, "Note on SIGPIPE")."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout without a file descriptor (captured in tests)
        pass


if __name__ == "__main__":
    sys.exit(main())
