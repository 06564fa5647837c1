"""What the channels do, channel-neutral: the upcoming deadlines, subscribing to reminders and unsubscribing,
a reminder's heading and text, and reading a request. Each action returns plain data with the Vietnamese text
every channel shows; the adapters (web, Telegram, Zalo) only render it and send it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass
from typing import Callable

from bot.formatting import deadline_sentence, document_citation
from bot import reminders
from handlers.common import ChannelServices, guard_store

REMINDER_TITLE = "🔔 Nhắc hạn báo cáo"  # above a reminder's text, unless the text heads itself
ALL_PROVINCES = "mọi tỉnh, thành"
ALL_AGENCIES = "mọi cơ quan"
NOT_SUBSCRIBED = "Bạn chưa đăng ký nhắc hạn nào."
NOTHING_TO_CANCEL = "Không có đăng ký nào để hủy."  # the chat has others, not that one (a stale button)


# -- reading what people typed and sent -----------------------------------------------------------------------
def first_province(lex, text: str | None) -> str | None:
    """The first province or city named in free text (a command's argument), if any."""
    found = lex.find_provinces(text[:200]) if text and text.strip() else []
    if not found and text and text.strip():  # other spellings of the register: "TP HCM", "Thành phố Cần Thơ"
        from bot.admin_changes import load_register

        found = [p for p in load_register().find_provinces(text[:200]) if p in lex.provinces]
    return found[0] if found else None


class BodyTooLarge(Exception):
    pass


class BodyTimeout(Exception):
    pass


async def read_body(request, limit: int, timeout_s: float = 30.0) -> bytes:
    """The whole request body (however many TCP segments it arrives in, until EOF), at most `limit`
    bytes: raises BodyTooLarge beyond it (before reading when Content-Length says so) and BodyTimeout
    when the client stops sending. `request.content.read(n)` alone returns only what is buffered."""
    if request.content_length is not None and request.content_length > limit:
        raise BodyTooLarge()
    parts: list[bytes] = []
    size = 0
    try:
        async with asyncio.timeout(timeout_s):
            while True:
                chunk = await request.content.read(limit + 1 - size)
                if not chunk:
                    break
                parts.append(chunk)
                size += len(chunk)
                if size > limit:
                    raise BodyTooLarge()
    except TimeoutError:
        raise BodyTimeout() from None
    return b"".join(parts)


def utf8_clean(obj, depth: int = 0) -> bool:
    """True if every string in a parsed JSON value can be written as UTF-8 (JSON's \\ud800 escapes give
    lone surrogates that fail later, in the reply or the database) and nesting stays under 64 levels."""
    if isinstance(obj, str):
        try:
            obj.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True
    if depth > 64:
        return False
    if isinstance(obj, dict):
        return all(utf8_clean(k, depth + 1) and utf8_clean(v, depth + 1) for k, v in obj.items())
    if isinstance(obj, list):
        return all(utf8_clean(v, depth + 1) for v in obj)
    return True


# -- upcoming deadlines ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DeadlineItem:
    """One upcoming deadline, as every channel shows it."""

    deadline_id: str
    due_date: dt.date
    text: str  # '15/12/2026: <sentence> — <citation>'
    sentence: str  # who reports what to whom
    citation: str  # the document, as people cite it
    document_id: str
    chunk_id: int | None
    section: str | None
    quote: str | None

    @classmethod
    def of(cls, upcoming) -> "DeadlineItem":
        """From a `bot.assistant.UpcomingDeadline`."""
        d, doc = upcoming.deadline, upcoming.document
        return cls(
            deadline_id=d.id,
            due_date=upcoming.due_date,
            text=upcoming.text,
            sentence=deadline_sentence(d),
            citation=document_citation(doc),
            document_id=doc.id,
            chunk_id=d.chunk_id,
            section=d.section_path,
            quote=d.quote,
        )

    def to_json(self) -> dict:
        """An item of GET /api/deadlines."""
        return {
            "id": self.deadline_id,
            "due_date": self.due_date.isoformat(),
            "text": self.text,
            "what": self.sentence,
            "document": self.citation,
            "file": self.document_id,
            "chunk_id": self.chunk_id,
            "section": self.section,
            "quote": self.quote,
        }


@dataclass(frozen=True)
class Upcoming:
    """The deadlines falling due in the next `days` days (of one province, or everywhere), soonest first."""

    province: str | None
    days: int
    items: tuple[DeadlineItem, ...]

    @property
    def _where(self) -> str:
        return f" ở {self.province}" if self.province else ""

    @property
    def heading(self) -> str:
        return f"Hạn báo cáo{self._where} trong {self.days} ngày tới:"

    @property
    def empty_reply(self) -> str:
        return f"Không có hạn báo cáo nào{self._where} trong {self.days} ngày tới."

    def to_json(self) -> dict:
        """The body of GET /api/deadlines."""
        return {"days": self.days, "province": self.province, "deadlines": [i.to_json() for i in self.items]}


# -- subscriptions ---------------------------------------------------------------------------------------------
def lead_days_phrase(lead_days=None) -> str:
    """'7 ngày và 1 ngày' from the lead days reminders use (the configured default when none given)."""
    if not lead_days:
        from bot.config import ReminderConfig

        lead_days = ReminderConfig.from_env().lead_days
    parts = [f"{d} ngày" for d in sorted(lead_days, reverse=True)]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " và " + parts[-1]


def is_action(text: str) -> bool:
    """Text that names an action the suggestions offer ("Đăng ký nhắc hạn", typed with or without accents)."""
    from bot.answerers.deadlines import ACTIONS
    from vntext import fold

    return fold((text or "").strip(" .!?").lower()) in {fold(a.lower()) for a in ACTIONS}


def current_province_names(lex) -> list[str]:
    """The provinces and cities that exist today (the 2025 register), in the gazetteer's order."""
    from bot.admin_changes import current_provinces

    today = set(current_provinces())
    return [p for p in lex.provinces if p in today]


def current_agency_names(lex) -> list[str]:
    """The bodies that exist today: the gazetteer's, less those the 2025 register says are gone (Sở LĐTBXH, Sở
    TTTT, Sở KH&ĐT, UBND cấp huyện, Phòng GDĐT); their old names are still read and mapped where typed."""
    from bot.admin_changes import load_register

    reg = load_register()
    return [a.name for a in lex.agencies if not reg.gone_bodies(a.name, on=dt.date.max)]


def describe_subscription(sub) -> str:
    """'Sở Giáo dục và Đào tạo, Tiền Giang (nhắc trước 7, 1 ngày)'."""
    label = sub.scope_label if sub.scope_label != "tất cả" else f"{ALL_PROVINCES} — {ALL_AGENCIES}"
    lead = ", ".join(str(x) for x in (sub.lead_days or []))
    return f"{label} (nhắc trước {lead} ngày)" if lead else label


def _plain(text: str) -> str:
    return text


@dataclass(frozen=True)
class Subscribed:
    """A subscription made: what it covers and when reminders go out."""

    province: str | None
    agency: str | None
    deadline_id: str | None
    lead_days: tuple[int, ...]

    def headline(self, strong: Callable[[str], str] = _plain) -> str:
        """'Đã đăng ký nhắc hạn báo cáo cho Tiền Giang — mọi cơ quan.'; `strong` renders the scope's names."""
        if self.deadline_id:
            return "Đã đăng ký nhắc hạn này."
        return (
            f"Đã đăng ký nhắc hạn báo cáo cho {strong(self.province or ALL_PROVINCES)} — "
            f"{strong(self.agency or ALL_AGENCIES)}."
        )

    @property
    def lead_sentence(self) -> str:
        return f"Tôi sẽ nhắn trước hạn {lead_days_phrase(self.lead_days)}."

    @property
    def text(self) -> str:
        return f"{self.headline()} {self.lead_sentence}"


@dataclass(frozen=True)
class Unsubscribed:
    """The subscriptions removed, described; `had_any`: the chat had subscriptions before."""

    removed: tuple[str, ...]
    had_any: bool

    @property
    def text(self) -> str:
        if self.removed:
            return f"Đã hủy nhắc hạn: {'; '.join(self.removed)}."
        return NOTHING_TO_CANCEL if self.had_any else NOT_SUBSCRIBED


# -- reminders -------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ReminderView:
    heading: str  # "" when the text heads itself
    text: str

    @property
    def plain(self) -> str:
        """One line of plain text: 'heading: text', or the text alone."""
        return f"{self.heading}: {self.text}" if self.heading else self.text


def reminder_view(message) -> ReminderView:
    """A reminder's heading and text. A reminder's own text starts with 🔔 and says itself when it is late
    ('🔔 (Nhắc muộn) Còn 3 ngày …'): it gets no second heading; any other text gets REMINDER_TITLE."""
    text = message.text
    return ReminderView("" if text.startswith("🔔") else REMINDER_TITLE, text)


# -- the actions -----------------------------------------------------------------------------------------------
class Actions:
    """The channels' actions over the shared services (the assistant, the store, the reminders' configuration).
    Blocking work runs off the event loop; the store is checked first (StoreUnavailable when it cannot be used)."""

    def __init__(self, services: ChannelServices):
        self.svc = services

    @property
    def lead_days(self) -> tuple[int, ...]:
        """The lead times of a new subscription: the reminders' configuration (HOCTAP_REMINDER_LEAD_DAYS)."""
        return tuple(self.svc.reminders.lead_days)

    async def upcoming(self, province: str | None, days: int = 90) -> Upcoming:
        def build() -> Upcoming:
            found = self.svc.assistant.upcoming_deadlines(days=days, province=province)
            return Upcoming(province, days, tuple(DeadlineItem.of(u) for u in found))

        return await self.svc.in_pool(build)

    async def subscribe(
        self,
        channel: str,
        chat_id,
        *,
        province: str | None = None,
        agency: str | None = None,
        deadline_id: str | None = None,
        lead_days: tuple[int, ...] = (),
    ) -> Subscribed:
        """Subscribe a chat to a province and/or agency (None: all), or to one deadline, reminded `lead_days`
        before (default: the configuration's). A deadline that is not in the store raises
        `bot.reminders.UnknownDeadlineError` (a LookupError)."""
        guard_store(self.svc.db_url)
        leads = tuple(lead_days) or self.lead_days
        where = {"channel": channel, "chat_id": str(chat_id), "lead_days": leads}
        if deadline_id:
            await self.svc.db(reminders.subscribe_deadline, self.svc.db_url, deadline_id=deadline_id, **where)
        else:
            await self.svc.db(reminders.subscribe, self.svc.db_url, province=province, agency=agency, **where)
        return Subscribed(province, agency, deadline_id, leads)

    async def subscriptions(self, channel: str, chat_id) -> list:
        guard_store(self.svc.db_url)
        return list(
            await self.svc.db(reminders.list_subscriptions, self.svc.db_url, channel=channel, chat_id=str(chat_id))
        )

    async def unsubscribe(self, channel: str, chat_id, subscription_id: int | None = None) -> Unsubscribed:
        """Remove the chat's subscriptions (or the one with `subscription_id`)."""
        subs = await self.subscriptions(channel, chat_id)
        n = await self.svc.db(
            reminders.unsubscribe,
            self.svc.db_url,
            channel=channel,
            chat_id=str(chat_id),
            subscription_id=subscription_id,
        )
        gone = [s for s in subs if subscription_id is None or s.id == subscription_id] if n else []
        return Unsubscribed(tuple(describe_subscription(s) for s in gone), bool(subs))
