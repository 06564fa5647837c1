"""Characters that must never be shown raw: C0/C1 controls (NUL, ESC, …) and the Unicode format characters that
reorder or hide text (RTL override U+202E, isolates, zero-width joiners, BOM). Stored text is kept as it came;
what admins read (views, exports) shows these as visible escapes, and file names holding them are refused."""

from __future__ import annotations

import re

# Cc (C0, DEL, C1) and the bidirectional/invisible format characters
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]")
_KEPT = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]")


def has_controls(text: str) -> bool:
    """True if `text` holds a control or bidi/invisible format character (line breaks and tabs included)."""
    return bool(_CONTROLS.search(text))


def escape_controls(text: str, *, keep_newlines: bool = False) -> str:
    """`text` with every control and bidi/invisible format character written as a visible escape
    (`\\x00`, `\\x1b`, `\\u202e`); tabs and line breaks too unless `keep_newlines`."""
    pattern = _KEPT if keep_newlines else _CONTROLS

    def visible(m: re.Match) -> str:
        c = ord(m.group())
        return f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"

    return pattern.sub(visible, text)
