"""How often a deadline falls due: a type, stored as its string value (`Deadline.recurrence`).

`Recurrence` is a `StrEnum`, so a member equals the string stored in the column ("quarterly" ==
Recurrence.QUARTERLY) and rows written before the type existed read the same. Each member knows its period in
months (None: it does not repeat) and its Vietnamese name; `months_due(due_month)` gives the months of the year in
which it falls due — a quarterly deadline of the first month of the next quarter (due_month 1) in January, April,
July and October; a half-yearly one of the last month (due_month 6) in June and December.
"""

from __future__ import annotations

from enum import StrEnum


class Recurrence(StrEnum):
    ONCE = "once"
    YEARLY = "yearly"
    HALF_YEARLY = "half-yearly"
    QUARTERLY = "quarterly"
    MONTHLY = "monthly"
    RELATIVE = "relative"  # "trong thời hạn 15 ngày kể từ …": due relative to an event, no calendar date

    @classmethod
    def of(cls, value: str | None) -> "Recurrence":
        """The member a stored value names; a missing or unknown value is a one-off deadline."""
        try:
            return cls(value) if value else cls.ONCE
        except ValueError:
            return cls.ONCE

    @property
    def months(self) -> int | None:
        """The period in months; None for a deadline that does not repeat."""
        return _MONTHS[self]

    @property
    def repeats(self) -> bool:
        return self.months is not None

    @property
    def vietnamese(self) -> str:
        """'hằng năm', '6 tháng một lần', 'hằng quý', 'hằng tháng'; '' for a deadline that does not repeat."""
        return _VIETNAMESE[self]

    def months_due(self, due_month: int | None) -> frozenset[int]:
        """The months (1–12) in which a deadline of this recurrence whose `due_month` is given falls due."""
        if not due_month:
            return frozenset()
        step = self.months
        if step is None or step >= 12:
            return frozenset({due_month})
        return frozenset(range((due_month - 1) % step + 1, 13, step))


_MONTHS = {
    Recurrence.ONCE: None,
    Recurrence.YEARLY: 12,
    Recurrence.HALF_YEARLY: 6,
    Recurrence.QUARTERLY: 3,
    Recurrence.MONTHLY: 1,
    Recurrence.RELATIVE: None,
}
_VIETNAMESE = {
    Recurrence.ONCE: "",
    Recurrence.YEARLY: "hằng năm",
    Recurrence.HALF_YEARLY: "6 tháng một lần",
    Recurrence.QUARTERLY: "hằng quý",
    Recurrence.MONTHLY: "hằng tháng",
    Recurrence.RELATIVE: "",
}
