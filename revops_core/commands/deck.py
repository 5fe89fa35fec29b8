"""``deck``: the quarterly architecture review of a quarter as a PowerPoint or PDF file.

``python -m revops_core deck --quarter 2026Q2 --out review.pptx`` (``--format pdf``, or an
``.pdf`` file name, for PDF). The quarter's last day is the as-of date; the quarter that holds
the latest date in the data is reviewed to date. The comments and priorities saved on the
Quarterly review page go into the file. The last slide prints the line that made it.
"""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from revops_core.commands.common import CommandError, open_database
from revops_core.config import load_config
from revops_core.db import redact
from revops_core.deck import FORMATS, render
from revops_core.review import build_review, command_line, parse_quarter

log = logging.getLogger(__name__)


def quarter_arg(text: str) -> str:
    """argparse type for ``YYYYQn``."""
    try:
        parse_quarter(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text.strip().upper()


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("--quarter", type=quarter_arg, required=True, metavar="YYYYQn",
                        help="the quarter to review, e.g. 2026Q2 (its last day is the as-of date; the quarter "
                             "holding the latest date in the data is reviewed to date)")
    parser.add_argument("--out", type=Path, required=True, metavar="PATH", help="the file to write")
    parser.add_argument("--format", choices=FORMATS, help="pptx or pdf (default: from the --out extension)")


def output_format(out: Path, given: str | None) -> str:
    """The format asked for, else the one the file name ends in."""
    if given:
        return given
    suffix = out.suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise CommandError(f"cannot tell the format from {out.name!r}; end --out in .pptx or .pdf, "
                           "or pass --format pptx|pdf")
    return suffix


def run(args: argparse.Namespace) -> int:
    fmt = output_format(args.out, args.format)
    if args.out.is_dir():
        raise CommandError(f"--out {args.out} is a folder; give a file name such as {args.out / 'review.pptx'}")
    cfg = load_config()
    command = command_line(args.quarter, fmt, redact(args.db) if args.db else None, str(args.out))
    with open_database(args.db) as (conn, latest):
        if latest is None:
            raise CommandError("the database holds no dated records; seed or import data first")
        review = build_review(conn, args.quarter, cfg, latest=latest, command=command)
    data = render(review, fmt)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(data)
    print(f"Wrote {args.out} ({fmt}, {len(review.slides)} slides): {review.period.name}, as of "
          f"{review.period.as_of.isoformat()}", file=sys.stderr)
    return 0
