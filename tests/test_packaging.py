"""Packaging and safety: a built wheel holds every package; `make clean` never deletes the database.

- `pip wheel .` (no dependencies, no build isolation: offline) contains every package and subpackage of the
  project, its static files and its Alembic migrations (`[tool.setuptools.packages.find]` in pyproject.toml).
- `make -n clean` names the caches and indexes but not the SQLite database, the data folder as a whole or the
  virtualenv; deleting data is `make clean-data`, which asks first.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "handlers", "indexer", "store", "vntext")


def _expected_packages() -> set[str]:
    """Every folder of the project's packages that holds a module or a data file (not caches)."""
    out = set()
    for pkg in PACKAGES:
        for path in (ROOT / pkg).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                out.add(path.parent.relative_to(ROOT).as_posix())
    return out


@pytest.mark.slow
def test_wheel_holds_every_package(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    for pkg in PACKAGES:
        shutil.copytree(ROOT / pkg, src / pkg, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}  # its own "byte-compiling" note
    r = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", ".", "--no-deps", "--no-build-isolation", "-v", "-w", str(tmp_path)],
        cwd=src,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert r.returncode == 0, r.stderr[-3000:]
    # no setuptools warning (a package "would be ignored", a deprecated setting): `make run` prints none either
    warnings = [ln for ln in (r.stdout + r.stderr).splitlines() if re.search(r"(?i)warn", ln)]
    assert not warnings, "\n".join(warnings[:20])
    (wheel,) = tmp_path.glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    folders = {n.rsplit("/", 1)[0] for n in names if "/" in n}
    missing = _expected_packages() - folders
    assert not missing, f"the wheel lacks {sorted(missing)}"
    for must in (
        "bot/answerers/deadlines.py",
        "bot/reminders/sweeper.py",
        "store/migrations/env.py",
        "store/migrations/script.py.mako",
        "handlers/static/index.html",
    ):
        assert must in names, must
    assert any(n.startswith("store/migrations/versions/0001_") for n in names)


def test_make_clean_keeps_the_database():
    if not shutil.which("make"):
        pytest.skip("make is not installed")
    r = subprocess.run(["make", "-n", "clean", "DATA=var"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    words = r.stdout.split()
    assert "var/index" in words and ".pytest_cache" in words  # caches and indexes go
    assert "sqlite3" not in r.stdout and "hoctap.sqlite3" not in r.stdout
    assert "var" not in words and "var/" not in words and "var/*" not in words, r.stdout  # not the whole folder
    assert ".venv" not in [w.rstrip("/") for w in words if not w.startswith("./")], r.stdout


def test_make_clean_data_asks_first(tmp_path):
    if not shutil.which("make"):
        pytest.skip("make is not installed")
    data = tmp_path / "data"
    data.mkdir()
    (data / "hoctap.sqlite3").write_bytes(b"")
    r = subprocess.run(
        ["make", "-s", "clean-data", f"DATA={data}"], cwd=ROOT, input="no\n", capture_output=True, text=True, timeout=60
    )
    assert r.returncode != 0 and (data / "hoctap.sqlite3").exists(), r.stdout + r.stderr
