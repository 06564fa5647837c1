"""The rest of a long answer ("… xem thêm (N)", `Answer.more`) paged on the chat channels: kept per answered
question (bounded, newest kept) and sent a page at a time behind a "Xem thêm" button. With several replicas the
rest is also kept in the shared store (`store.shared_state`, a day), so the button works whichever replica the
press reaches."""

from __future__ import annotations

import asyncio
import threading
from collections import OrderedDict

PAGE_CHARS = 3000  # a page of lines, well within one Telegram (4096) or two Zalo (2000) messages
KEEP = 2000  # answers whose rest is kept


SHARED_TTL_S = 24 * 3600


class MoreCache:
    """In this process (bounded), and in the shared store `state` when given (ChannelServices.shared_state)."""

    def __init__(self, size: int = KEEP, state=None):
        self._items: OrderedDict[tuple[str, int], list[str]] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()
        self.state = state

    async def aput(self, chat_id, query_id: int | None, lines: list[str]) -> None:
        """`put`, and into the shared store (off the event loop; a store that fails is only logged)."""
        self.put(chat_id, query_id, lines)
        if self.state is not None and query_id is not None and lines:
            await asyncio.to_thread(self._shared, "put_json", _key(chat_id, query_id), list(lines), SHARED_TTL_S)

    async def aget(self, chat_id, query_id: int) -> list[str] | None:
        """`get`, else from the shared store (a press reaching another replica than the answer)."""
        lines = self.get(chat_id, query_id)
        if lines is None and self.state is not None:
            got = await asyncio.to_thread(self._shared, "get_json", _key(chat_id, query_id))
            lines = [str(x) for x in got] if isinstance(got, list) else None
        return lines

    def _shared(self, method: str, *args):
        from store.shared_state import StateUnavailable

        try:
            return getattr(self.state, method)(*args)
        except (StateUnavailable, ValueError) as e:
            import logging

            logging.getLogger(__name__).warning("the rest of an answer not shared: %s", e)
            return None

    def put(self, chat_id, query_id: int | None, lines: list[str]) -> None:
        if query_id is None or not lines:
            return
        with self._lock:
            self._items[(str(chat_id), int(query_id))] = list(lines)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def get(self, chat_id, query_id: int) -> list[str] | None:
        """The rest of that chat's answer, None when unknown (another chat's, or no longer kept)."""
        with self._lock:
            return self._items.get((str(chat_id), int(query_id)))


def _key(chat_id, query_id) -> str:
    return f"more:{str(chat_id)[:100]}:{int(query_id)}"


def page(lines: list[str], start: int, limit: int = PAGE_CHARS) -> tuple[list[str], int]:
    """The whole lines from `start` that fit `limit` characters (at least one), and where the next page starts."""
    out, size, i = [], 0, max(0, start)
    while i < len(lines) and (not out or size + len(lines[i]) + 1 <= limit):
        out.append(lines[i])
        size += len(lines[i]) + 1
        i += 1
    return out, i


def more_label(remaining: int) -> str:
    return f"➕ Xem thêm ({remaining})"


GONE = "Phần còn lại của câu trả lời này không còn được lưu. Bạn hỏi lại câu hỏi nhé."
