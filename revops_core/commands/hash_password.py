"""``hash-password``: a bcrypt hash to paste as ``password_hash`` into config/users.yaml.

Reads the password twice without echo, or once from standard input with ``--stdin`` (for
scripts); prints only the hash. Exit 1 when the two entries differ or the password is too short.
"""
from __future__ import annotations

import argparse
import getpass
import sys

from revops_core.access import hash_password


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("--stdin", action="store_true", help="read the password from the first line of stdin")


def run(args: argparse.Namespace) -> int:
    if args.stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("Password: ")
        if getpass.getpass("Same password again: ") != password:
            print("The two passwords differ; nothing was hashed.", file=sys.stderr)
            return 1
    try:
        print(hash_password(password))
    except ValueError as exc:
        print(f"Not hashed: {exc}.", file=sys.stderr)
        return 1
    return 0
