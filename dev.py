#!/usr/bin/env python3
"""Newcomer entry point: ``python3 dev.py run`` starts the app, ``python3 dev.py test`` runs the suite.

Both create ``.venv`` with the pinned requirements on first use (again only when the
requirements change), so a fresh clone needs nothing but Python 3.11+.
"""
from __future__ import annotations

import hashlib
import os
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


def run(args: list[str]) -> int:
    ensure_venv("requirements.txt")
    cmd = [str(PY), "-m", "streamlit", "run", str(ROOT / "app.py"), *args]
    print("Starting AutoRevOps: open http://localhost:8501 (Ctrl+C stops it)", flush=True)
    return subprocess.call(cmd, cwd=ROOT)


def test(args: list[str]) -> int:
    ensure_venv("requirements-dev.txt")
    return subprocess.call([str(PY), "-m", "pytest", *args], cwd=ROOT)


def main() -> int:
    commands = {"run": run, "test": test}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        print(__doc__.strip())
        print("\nusage: python3 dev.py run [streamlit args]  |  python3 dev.py test [pytest args]")
        return 2
    return commands[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
