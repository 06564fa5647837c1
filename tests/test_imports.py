"""Import hygiene: the core does not depend on the channel adapters, and a missing dependency is named.

- Importing every module of bot/ and indexer/ (in a fresh interpreter) loads no module of handlers/.
- No import of the project's own modules is wrapped in `except ImportError` (only optional third-party
  extras may be): a missing package then fails loudly instead of silently removing a feature.
- `python -m bot serve` with a dependency missing names the package (it used to answer "invalid choice: 'serve'").
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
OWN = {"bot", "handlers", "indexer", "store", "bench"}


def _run(code: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def test_core_imports_no_adapter():
    """Every module of bot/ and indexer/, imported in a fresh interpreter, loads no module of handlers/."""
    r = _run("""
        import importlib, pkgutil, sys
        for pkg in ("bot", "indexer", "store"):
            for info in pkgutil.walk_packages(importlib.import_module(pkg).__path__, pkg + "."):
                importlib.import_module(info.name)
                loaded = sorted(m for m in sys.modules if m == "handlers" or m.startswith("handlers."))
                if loaded:
                    sys.exit(f"importing {info.name} loaded {', '.join(loaded)}")
        print("ok")
    """)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr[-3000:]


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    names = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(isinstance(n, ast.Name) and n.id in ("ImportError", "ModuleNotFoundError") for n in names)


def test_own_modules_are_not_imported_under_except_import_error():
    wrapped = []
    for pkg in ("bot", "handlers", "indexer", "store"):
        for path in sorted((ROOT / pkg).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for node in ast.walk(tree):
                if not (isinstance(node, ast.Try) and any(_catches_import_error(h) for h in node.handlers)):
                    continue
                for sub in (n for stmt in node.body for n in ast.walk(stmt)):
                    if isinstance(sub, ast.ImportFrom):
                        mods = [sub.module or ""] if sub.level == 0 else [pkg]
                    elif isinstance(sub, ast.Import):
                        mods = [a.name for a in sub.names]
                    else:
                        continue
                    if any(m.split(".")[0] in OWN for m in mods):
                        wrapped.append(f"{path.relative_to(ROOT)}:{sub.lineno} {', '.join(mods)}")
    assert not wrapped, "the project's own modules imported under `except ImportError`:\n" + "\n".join(wrapped)


@pytest.mark.slow  # starts `serve`
def test_missing_dependency_is_named_by_bot_serve():
    r = _run("""
        import runpy, sys
        sys.modules["aiohttp"] = None  # as if the package were not installed
        sys.argv = ["python -m bot", "serve", "--help"]
        runpy.run_module("bot", run_name="__main__", alter_sys=True)
    """)
    assert r.returncode != 0
    assert "aiohttp" in r.stderr and "invalid choice" not in r.stderr, r.stderr[-2000:]
