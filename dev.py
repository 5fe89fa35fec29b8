#!/usr/bin/env python3
"""Newcomer entry point: ``python3 dev.py run`` starts the app, ``python3 dev.py test`` runs the suite.

Both create ``.venv`` with the pinned requirements on first use (again only when the
requirements change), so a fresh clone needs nothing but Python 3.11+.
"""
from __future__ import annotations

import hashlib
import os
import signal
import socket
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")


def ensure_venv(requirements: str) -> None:
    """Create the virtual environment and install ``requirements`` when they changed."""
    if sys.version_info < (3, 11):
        sys.exit(f"AutoRevOps needs Python 3.11 or newer; this is {sys.version.split()[0]}.")
    if not PY.exists():
        print("Creating .venv …", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    req = ROOT / requirements
    digest = hashlib.sha256(b"".join((ROOT / f).read_bytes() for f in ("requirements.txt", requirements))).hexdigest()
    stamp = VENV / f".installed-{req.stem}"
    if stamp.exists() and stamp.read_text() == digest:
        return
    print(f"Installing {requirements} into .venv …", flush=True)
    subprocess.run([str(PY), "-m", "pip", "install", "--disable-pip-version-check", "-q", "-r", str(req)],
                   check=True, cwd=ROOT)
    stamp.write_text(digest)


def _option(args: list[str], name: str) -> str | None:
    """The value of ``--name value`` or ``--name=value`` in ``args``, else None."""
    for i, arg in enumerate(args):
        if arg == name and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return None


def _free_port(address: str, first: int = 8501, tries: int = 50) -> int:
    """The first port from ``first`` that nothing listens on at ``address``."""
    for port in range(first, first + tries):
        with socket.socket() as sock:
            try:
                sock.bind((address if address not in ("", "0.0.0.0") else "", port))
            except OSError:
                continue
            return port
    sys.exit(f"No free port between {first} and {first + tries - 1}; pass --server.port N")


def run(args: list[str]) -> int:
    """Start Streamlit on 127.0.0.1 (unless ``--server.address`` says otherwise) and wait for it.

    Ctrl+C and SIGTERM stop Streamlit too; the URL printed carries the port actually used.
    """
    ensure_venv("requirements.txt")
    address = _option(args, "--server.address") or "127.0.0.1"
    port = _option(args, "--server.port") or str(_free_port(address))
    extra: list[str] = []
    for flag, value in (("--server.address", address), ("--server.port", port)):
        if _option(args, flag) is None:
            extra += [flag, value]
    cmd = [str(PY), "-m", "streamlit", "run", str(ROOT / "app.py"), *extra, *args]
    shown = "localhost" if address in ("127.0.0.1", "localhost") else address
    print(f"Starting AutoRevOps: open http://{shown}:{port} (Ctrl+C stops it)", flush=True)
    if address not in ("127.0.0.1", "localhost", "::1"):
        print(f"Listening on {address}: anyone who can reach this machine can open the app. "
              "Configure users in config/users.yaml so that they must sign in.", flush=True)
    child = subprocess.Popen(cmd, cwd=ROOT)
    signal.signal(signal.SIGTERM, lambda *_: child.terminate())
    try:
        return child.wait()
    except KeyboardInterrupt:
        child.terminate()
        return child.wait()


def test(args: list[str]) -> int:
    """Run pytest; on two or more cores in parallel processes (pytest-xdist) unless told otherwise."""
    ensure_venv("requirements-dev.txt")
    told = any(a == "-n" or a.startswith(("-n", "--numprocesses")) or "xdist" in a for a in args)
    workers = min(2, os.cpu_count() or 1)
    parallel = [] if told or workers < 2 else ["-n", str(workers)]
    return subprocess.call([str(PY), "-m", "pytest", *parallel, *args], cwd=ROOT)


def main() -> int:
    commands = {"run": run, "test": test}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        print(__doc__.strip())
        print("\nusage: python3 dev.py run [streamlit args]  |  python3 dev.py test [pytest args]")
        return 2
    return commands[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
