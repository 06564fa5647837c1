"""The project's packages import each other in one direction, without cycles (read from the sources with `ast`,
imports inside functions included: a lazy import is still a dependency).

Layers, lowest first; a module may import its own layer and the layers below it, never one above:

0. `vntext` — Vietnamese text utilities (normalisation, folding, segmentation, the e5 tokenizer): nothing of the
   project.
1. `store` — engine, sessions, tables, migrations, `store.recurrence`: vntext and SQLAlchemy only.
2. the core of `bot` that the indexer shares (`BOT_CORE`): configuration, lexicon, search indexes, embedder,
   renderings of facts, occurrences of deadlines, health and the admin register.
3. `indexer` — reading, parsing and indexing documents; uploads announce new deadlines through a hook
   (`indexer.uploads.on_new_deadlines`) that the reminders register at start-up, not by importing them.
4. the rest of `bot` — understanding, answerers, the assistant, reminders.
5. `handlers` — the channels (web, Telegram, Zalo) and `serve`.
6. `bench` — the benchmarks.
7. entry points (`<package>.__main__`): command lines, which may use any layer.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("vntext", "store", "bot", "indexer", "handlers", "bench")
BOT_CORE = {
    "bot",
    "bot.config",
    "bot.lexicon",
    "bot.search_index",
    "bot.index_publish",
    "bot.embedding",
    "bot.formatting",
    "bot.occurrences",
    "bot.health",
    "bot.admin_changes",
    "bot.answer",
    "bot.vector_index",
}
ENTRY_POINTS = 7


def modules() -> dict[str, Path]:
    out = {}
    for pkg in PACKAGES:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if "versions" in parts:  # generated migrations import alembic and SQLAlchemy only
                continue
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            out[name] = path
    return out


def imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The project's modules that `name` imports (a `from package import module` names the module)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_package = path.name == "__init__.py"
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".")
                base = base[: len(base) - node.level + (1 if is_package else 0)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            targets = [f"{mod}.{a.name}" if f"{mod}.{a.name}" in known else mod for a in node.names]
        else:
            continue
        for t in targets:
            while t and t not in known:  # `import a.b.c` of a name inside a module: the module
                t = t.rpartition(".")[0]
            if t and t != name:
                out.add(t)
    return out


def graph() -> dict[str, set[str]]:
    mods = modules()
    return {name: imports(name, path, set(mods)) for name, path in mods.items()}


def layer(module: str) -> int:
    top = module.split(".")[0]
    if module.endswith(".__main__"):
        return ENTRY_POINTS
    if top == "bot":
        return 2 if module in BOT_CORE else 4
    return {"vntext": 0, "store": 1, "indexer": 3, "handlers": 5, "bench": 6}[top]


def cycles(g: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in g.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(g):
        if v not in index:
            visit(v)
    return out


def test_no_import_cycle():
    found = cycles(graph())
    assert not found, "import cycles:\n" + "\n".join(" ↔ ".join(c) for c in found)


def test_no_upward_import():
    upward = sorted(
        f"{a} (layer {layer(a)}) imports {b} (layer {layer(b)})"
        for a, targets in graph().items()
        for b in targets
        if layer(b) > layer(a)
    )
    assert not upward, "imports against the layers:\n" + "\n".join(upward)


def test_the_checker_sees_cycles_and_lazy_imports():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    g = graph()
    assert "bot.reminders.schedule" in g["bot.reminders.sweeper"]  # a module-level import
    assert "indexer.e5convert" in g["indexer.build"]  # an import inside a function


def test_uploads_announce_through_the_reminders_hook():
    from bot.reminders import announce
    from indexer import uploads

    announce.register()
    announce.register()  # once
    assert uploads._NEW_DEADLINE_HOOKS.count(announce.new_deadline_notices) == 1
