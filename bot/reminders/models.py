"""Reminder tables — declared in `store.reminders` (the schema's one home); re-exported here for the
modules that import them from `bot.reminders.models`."""

# ruff: noqa: F401  (a re-export shim: every name is imported to be imported from here)

from store.reminders import (
    CANCELLED,
    CHANNELS,
    EXPIRED,
    FAILED,
    PENDING,
    SENDING,
    SENT,
    Base,
    Reminder,
    Subscription,
    utcnow,
)
