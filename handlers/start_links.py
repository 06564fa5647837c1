"""A subscription carried in a link that opens the Telegram bot: `https://t.me/<bot>?start=<payload>`, handled
by `/start <payload>` (Telegram allows 1–64 characters of A–Z a–z 0–9 _ -).

The payload is tokens joined by "_", each a letter and a value: `d<deadline id>` one deadline, `p<slug>` a
province, `a<slug>` a body, `l<days>` the lead days ("7-1"); a slug is the name folded, words joined by "-"
("lam-dong", "so-giao-duc-va-dao-tao"). Old names of provinces and bodies are accepted and mapped."""

from __future__ import annotations

import re
from dataclasses import dataclass

from vntext import fold

MAX_PAYLOAD = 64
_VALID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_LEAD_DAYS = 60


def slug(name: str) -> str:
    return "-".join(re.findall(r"[a-z0-9]+", fold(name or "").lower()))


@dataclass(frozen=True)
class StartRequest:
    deadline_id: str | None = None
    province: str | None = None
    agency: str | None = None
    lead_days: tuple[int, ...] = ()


def start_payload(
    deadline_id: str | None = None, province: str | None = None, agency: str | None = None, lead_days=()
) -> str | None:
    """The payload of a subscription, or None when it does not fit Telegram's 64 characters."""
    parts = []
    if deadline_id:
        parts.append("d" + deadline_id)
    if province:
        parts.append("p" + slug(province))
    if agency:
        parts.append("a" + slug(agency))
    if lead_days:
        parts.append("l" + "-".join(str(int(x)) for x in lead_days))
    payload = "_".join(parts)
    return payload if payload and _VALID.match(payload) else None


def _lead_days(value: str) -> tuple[int, ...] | None:
    days = [int(x) for x in value.split("-") if x.isdigit()]
    if not days or len(days) != len(value.split("-")) or any(not 0 <= d <= MAX_LEAD_DAYS for d in days):
        return None
    return tuple(sorted(set(days), reverse=True))


def read_start_payload(payload: str, provinces, agencies) -> StartRequest | None:
    """The subscription a payload asks for, with names resolved against `provinces` and `agencies` (names);
    None when anything in it is not understood."""
    if not payload or not _VALID.match(payload):
        return None
    found: dict = {}
    for token in payload.split("_"):
        kind, value = token[:1], token[1:]
        if not value or kind in found:
            return None
        if kind == "d" and re.fullmatch(r"[a-z0-9-]{3,60}", value):
            found[kind] = value
        elif kind in ("p", "a"):
            names = provinces if kind == "p" else agencies
            match = next((n for n in names if slug(n) == value), None)
            if match is None:
                return None
            found[kind] = match
        elif kind == "l" and _lead_days(value):
            found[kind] = _lead_days(value)
        else:
            return None
    return StartRequest(found.get("d"), found.get("p"), found.get("a"), found.get("l", ()))
