"""No function of the project is longer than 60 lines (decorators and docstring included), generated Alembic
migrations aside: a long function is split into short ones or driven by a table of rules.

LONG_FUNCTIONS lists the ones that are still longer, with their length when the rule was set: each may only get
shorter, and leaves the list when split (the test says so). A new long function fails the test.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("vntext", "store", "bot", "indexer", "handlers", "bench")
MAX_LINES = 60
# "module path:qualified name" → its length in lines when the rule was set (issue 18): to be split
LONG_FUNCTIONS = {
    "bench/ocr_accuracy.py:render_pages": 173,
    "bench/run.py:report": 112,
    "bench/run.py:main": 94,
    "indexer/e5convert.py:export_onnx": 86,
    "bench/run.py:warm": 81,
    "indexer/e5convert.py:read_bin": 73,
    "bench/ocr_accuracy.py:main": 72,
    "bench/corpus.py:report": 71,
    "bench/bench_reminders.py:main": 65,
}


def function_lengths() -> dict[str, int]:
    out = {}
    for pkg in PACKAGES:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if rel.startswith("store/migrations/versions/"):
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=rel)

            def visit(node, prefix: str) -> None:
                for child in ast.iter_child_nodes(node):
                    if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                        name = f"{prefix}{child.name}"
                        if not isinstance(child, ast.ClassDef):
                            start = min([child.lineno] + [d.lineno for d in child.decorator_list])
                            out[f"{rel}:{name}"] = child.end_lineno - start + 1
                        visit(child, name + ".")
                    else:
                        visit(child, prefix)

            visit(tree, "")
    return out


def test_no_function_over_60_lines():
    lengths = function_lengths()
    too_long = sorted(
        f"{name}: {n} lines" for name, n in lengths.items() if n > MAX_LINES and n > LONG_FUNCTIONS.get(name, 0)
    )
    assert not too_long, f"functions over {MAX_LINES} lines (split them, or shorten them):\n" + "\n".join(too_long)


def test_the_allow_list_holds_only_long_functions():
    lengths = function_lengths()
    stale = sorted(name for name in LONG_FUNCTIONS if lengths.get(name, 0) <= MAX_LINES)
    assert not stale, "split or gone, remove from LONG_FUNCTIONS:\n" + "\n".join(stale)
