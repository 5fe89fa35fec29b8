"""``users add|list|remove``: the users of ``config/users.yaml`` (or ``$AUTOREVOPS_CONFIG_DIR``).

``users add NAME --role ROLE [--dealer-group G | --region R] [--display-name D]`` reads the
password from standard input only (the first line; at a terminal it asks twice without echo),
never from the command line, and writes only its bcrypt hash. ``users list`` prints every user
with role and scope, never a hash. ``users remove NAME`` takes a user out. The file keeps its
comments and every other key: only its ``users:`` block is rewritten, and only after the whole
new file validated (every problem named, nothing written otherwise).
"""
from __future__ import annotations

import argparse
import getpass
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from revops_core.access import MIN_PASSWORD_LENGTH, find_user, hash_password
from revops_core.commands.common import CommandError
from revops_core.config import User, Users, config_dir

_TOP_LEVEL_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\s*:")


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    actions = parser.add_subparsers(dest="action", required=True, metavar="{add,list,remove}")
    add = actions.add_parser("add", help="add a user; the password is read from standard input")
    add.add_argument("name", metavar="NAME", help="user name (letters, digits, . _ @ -)")
    add.add_argument("--role", required=True, help="a role of users.yaml, e.g. executive or dealer_group")
    add.add_argument("--dealer-group", metavar="G", help="the dealer group a dealer_group user sees (as in dealers.csv)")
    add.add_argument("--region", metavar="R", help="the region a region user sees (as in dealers.csv)")
    add.add_argument("--display-name", metavar="TEXT", help="name shown in the app (default: the dealer group or NAME)")
    actions.add_parser("list", help="list the users with role and scope (never a password hash)")
    remove = actions.add_parser("remove", help="remove a user")
    remove.add_argument("name", metavar="NAME")


def run(args: argparse.Namespace) -> int:
    path = config_dir() / "users.yaml"
    return {"add": _add, "list": _list, "remove": _remove}[args.action](args, path)


def _read(path: Path) -> tuple[str, dict[str, Any]]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CommandError(f"{path} is missing; restore config/users.yaml or set AUTOREVOPS_CONFIG_DIR") from None
    return text, yaml.safe_load(text) or {}


def _list(args: argparse.Namespace, path: Path) -> int:
    _text, raw = _read(path)
    users = _validated(raw, path)
    if not users.users:
        print("No users: nobody signs in and everyone sees everything.", file=sys.stderr)
    for user in users.users:
        scope = user.dealer_group or user.region or users.roles[user.role].sees.replace("_", " ")
        print(f"{user.username}\t{user.role}\t{scope}\t{user.display_name}")
    return 0


def _add(args: argparse.Namespace, path: Path) -> int:
    text, raw = _read(path)
    current = _validated(raw, path)
    if find_user(current, args.name) is not None:
        raise CommandError(f"user {args.name!r} exists already; `users remove {args.name}` first to replace it")
    entry = {"username": args.name, "display_name": args.display_name or args.dealer_group or args.region or args.name,
             "role": args.role, "dealer_group": args.dealer_group, "region": args.region}
    _check_entry(entry, current, path)
    entry["password_hash"] = _hash(_password())
    users = [*(raw.get("users") or []), {k: v for k, v in entry.items() if v is not None}]
    _write(path, text, raw, users)
    print(f"Added {args.name} ({args.role}) to {path}.", file=sys.stderr)
    return 0


def _remove(args: argparse.Namespace, path: Path) -> int:
    text, raw = _read(path)
    user = find_user(_validated(raw, path), args.name)
    if user is None:
        raise CommandError(f"no user {args.name!r} in {path}; see `python -m revops_core users list`")
    kept = [u for u in raw.get("users") or [] if str(u.get("username", "")).lower() != user.username.lower()]
    _write(path, text, raw, kept)
    print(f"Removed {user.username} from {path}.", file=sys.stderr)
    return 0


def _validated(raw: dict[str, Any], path: Path) -> Users:
    try:
        return Users.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or '(top level)'}: {e['msg']}" for e in exc.errors())
        raise CommandError(f"{path} is invalid, fix it first: {problems}") from None


def _check_entry(entry: dict[str, Any], users: Users, path: Path) -> None:
    """Refuse a bad name, an unknown role, or a dealer group or region the role does not take or lacks."""
    try:
        User.model_validate({**entry, "password_hash": "$2b$12$" + "." * 53})
    except ValidationError:
        raise CommandError(f"user name {entry['username']!r}: use letters, digits and . _ @ - only") from None
    role = users.roles.get(entry["role"])
    if role is None:
        raise CommandError(f"unknown role {entry['role']!r}; use one of {', '.join(users.roles)} (see {path})")
    for field, flag in (("dealer_group", "--dealer-group"), ("region", "--region")):
        if role.needs == field and not entry[field]:
            raise CommandError(f"role {entry['role']!r} sees its own {field.replace('_', ' ')}: give {flag}")
        if role.needs != field and entry[field]:
            raise CommandError(f"role {entry['role']!r} sees {role.sees.replace('_', ' ')}: leave out {flag}")


def _password() -> str:
    """The password from standard input: its first line, or asked twice without echo at a terminal."""
    if sys.stdin.isatty():
        password = getpass.getpass("Password: ")
        if getpass.getpass("Same password again: ") != password:
            raise CommandError("the two passwords differ; nothing was written")
        return password
    line = sys.stdin.readline()
    if not line:
        raise CommandError(f"give the password on standard input, e.g. `... < file`, at least {MIN_PASSWORD_LENGTH} "
                           "characters; nothing was written")
    return line.rstrip("\r\n")


def _hash(password: str) -> str:
    try:
        return hash_password(password)
    except ValueError as exc:
        raise CommandError(f"{exc}; nothing was written") from None


def _write(path: Path, text: str, raw: dict[str, Any], users: list[dict[str, Any]]) -> None:
    """Replace the file's ``users:`` block (comments and other keys stay), validate, write atomically."""
    new_text = _with_users_block(text, users)
    _validated(yaml.safe_load(new_text) or {}, path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".users-", suffix=".yaml")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(new_text)
    os.chmod(tmp, path.stat().st_mode & 0o777)
    os.replace(tmp, path)


def _with_users_block(text: str, users: list[dict[str, Any]]) -> str:
    """``text`` with its top-level ``users:`` block replaced by ``users`` (appended when absent)."""
    block = yaml.safe_dump({"users": users}, sort_keys=False, allow_unicode=True, default_flow_style=False,
                           width=120)
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.startswith("users:")), None)
    if start is None:
        return text + ("" if text.endswith("\n") or not text else "\n") + block
    end = next((i for i in range(start + 1, len(lines)) if _TOP_LEVEL_KEY.match(lines[i])), len(lines))
    return "".join(lines[:start]) + block + "".join(lines[end:])
