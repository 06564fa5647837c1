"""The rest of a long answer ("… xem thêm (N)", `Answer.more`) paged on the chat channels: kept per answered
question (bounded, newest kept) and sent a page at a time behind a "Xem thêm" button."""

from __future__ import annotations

import threading
from collections import OrderedDict

PAGE_CHARS = 3000  # a page of lines, well within one Telegram (4096) or two Zalo (2000) messages
KEEP = 2000  # answers whose rest is kept


class MoreCache:
    def __init__(self, size: int = KEEP):
        self._items: OrderedDict[tuple[str, int], list[str]] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

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
