"""The README's `python -m bot` commands work as written: each is read by the real command-line parser
(bracketed parts are optional and read with their contents; comments are dropped). Prose mentions
("`python -m bot subscribe …`", "the answer of `python -m bot ask --json`") are not commands."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from bot.__main__ import build_parser

ROOT = Path(__file__).resolve().parents[1]
_COMMAND = re.compile(r"(?:\.venv/bin/)?python -m bot\b([^`\n#]*)")


def readme_commands() -> list[str]:
    """The commands of the README's code blocks, and those written inline to be typed (`python -m bot -v serve`)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = "\n".join(re.findall(r"```[a-z]*\n(.*?)```", text, flags=re.S))
    inline = [c for c in re.findall(r"`(python -m bot [^`]*)`", text) if "…" not in c and not c.endswith("--json")]
    return [m.group(1).strip() for m in _COMMAND.finditer(blocks + "\n" + "\n".join(inline))]


def _argv(command: str) -> list[str]:
    command = re.sub(r"\[([^\]]*)\]", r"\1", command)  # an optional part, given
    return [w for w in shlex.split(command) if w not in ("...", "…", "|")]


def test_readme_names_bot_commands():
    assert len(readme_commands()) >= 8


@pytest.mark.parametrize("command", readme_commands())
def test_readme_command_parses(command):
    args = build_parser().parse_args(_argv(command))
    assert args.command


def test_no_command_written_the_way_that_fails():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "`serve -v`" not in text
