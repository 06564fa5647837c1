"""No function of the project is longer than 60 lines (decorators and docstring included), generated Alembic
migrations aside: a long function is split into short ones or driven by a table of rules."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("vntext", "store", "bot", "indexer", "handlers", "bench")
MAX_LINES = 60


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
    too_long = sorted(f"{name}: {n} lines" for name, n in function_lengths().items() if n > MAX_LINES)
    assert not too_long, f"functions over {MAX_LINES} lines (split them):\n" + "\n".join(too_long)
