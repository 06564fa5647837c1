"""Subscriptions by e-mail (double opt-in from the web, direct from the command line) and subscriptions that
are a unit's: a chat or address that is a registered unit's contact (its e-mail, Telegram or Zalo) is linked to
that unit when it subscribes, so its reminders stop once the unit has reported."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select

from bot.config import parse_lead_days
from bot.reminders import UnknownDeadlineError, resolve_scope, subscribe, subscribe_deadline
from bot.reports.units import UnitError, find_unit
from store.db import session_scope
from store.reports import ReportEvent, ReportUnit, UnitSubscription

CONTACT_COLUMN = {"email": ReportUnit.email, "telegram": ReportUnit.telegram, "zalo": ReportUnit.zalo}


class RequestError(ValueError):
    """A subscription request that cannot be accepted (the message is for the user, in Vietnamese)."""


@dataclass
class EmailRequest:
    email: str
    scope: str
    lead_days: tuple[int, ...]
    deadline_id: str | None

    def to_token(self) -> dict:
        return {"e": self.email, "s": self.scope, "l": list(self.lead_days), "d": self.deadline_id}

    @classmethod
    def from_token(cls, data: dict) -> "EmailRequest":
        return cls(str(data["e"]), str(data.get("s") or "all"), tuple(data["l"]), data.get("d"))


def parse_request(data: dict, default_leads: tuple[int, ...]) -> tuple[EmailRequest, str]:
    """(the request, its scope's label) from the JSON of POST /api/subscribe; RequestError when bad."""
    from bot.reports.mail import valid_address

    email = valid_address(data.get("email") if isinstance(data.get("email"), str) else "")
    if not email:
        raise RequestError("Địa chỉ e-mail không hợp lệ.")
    scope = data.get("scope") or "all"
    if not isinstance(scope, str) or len(scope) > 200:
        raise RequestError("Phạm vi (scope) phải là tên tỉnh/cơ quan, ví dụ “Sở GDĐT Lâm Đồng”.")
    leads = _leads(data.get("lead_days"), default_leads)
    deadline_id = data.get("deadline_id")
    if deadline_id is not None and (not isinstance(deadline_id, str) or not deadline_id.strip()):
        raise RequestError("deadline_id phải là mã một hạn, ví dụ “dl-55e28816a755d231”.")
    try:
        label = resolve_scope(scope).label if not deadline_id else f"hạn {deadline_id}"
    except ValueError as e:
        raise RequestError(str(e)) from e
    return EmailRequest(email, scope, leads, deadline_id), label


def _leads(value, default: tuple[int, ...]) -> tuple[int, ...]:
    if value is None or value == "":
        return default
    if isinstance(value, list) and all(type(x) is int for x in value):
        value = ",".join(str(x) for x in value)
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise RequestError("lead_days phải là danh sách số ngày, ví dụ [7, 1].")
    try:
        return parse_lead_days(str(value))
    except ValueError as e:
        raise RequestError(f"lead_days: {e}") from e


def check_deadline(db_url: str, deadline_id: str | None) -> None:
    if not deadline_id:
        return
    from store.knowledge import Deadline

    with session_scope(db_url) as s:
        if s.get(Deadline, deadline_id) is None:
            raise RequestError(f"Không có hạn “{deadline_id}”.")


def confirm(db_url: str, req: EmailRequest, now: dt.datetime | None = None):
    """Create the subscription a confirmed e-mail request asked for (idempotent)."""
    try:
        if req.deadline_id:
            sub = subscribe_deadline(
                db_url,
                channel="email",
                chat_id=req.email,
                deadline_id=req.deadline_id,
                lead_days=req.lead_days,
                now=now,
            )
        else:
            scope = resolve_scope(req.scope)
            sub = subscribe(
                db_url,
                channel="email",
                chat_id=req.email,
                province=scope.province,
                agency=scope.agency,
                lead_days=req.lead_days,
                now=now,
            )
    except (UnknownDeadlineError, ValueError) as e:
        raise RequestError(str(e)) from e
    link_unit(db_url, sub)
    return sub


def link_unit(db_url: str, sub, unit_text: str | None = None) -> str | None:
    """Make a subscription its unit's: the unit named, else the unit whose contact is this chat or address.
    Returns the unit's name (None when there is none); UnitError for a unit named that is not registered."""
    with session_scope(db_url) as s:
        if unit_text:
            unit = find_unit(s, unit_text)
        else:
            col = CONTACT_COLUMN.get(sub.channel)
            unit = (
                s.scalars(select(ReportUnit).where(func.lower(col) == sub.chat_id.lower())).first()
                if col is not None
                else None
            )
        if unit is None:
            return None
        if s.get(UnitSubscription, sub.id) is None:
            s.add(UnitSubscription(subscription_id=sub.id, unit_id=unit.id))
            s.add(
                ReportEvent(
                    unit_id=unit.id,
                    unit_name=unit.name,
                    action="dang_ky_nhac",
                    actor=f"{sub.channel}:{sub.chat_id}"[:200],
                    detail=sub.scope_label,
                )
            )
        return unit.name


__all__ = ["UnitError", "RequestError", "EmailRequest", "parse_request", "confirm", "link_unit", "check_deadline"]
