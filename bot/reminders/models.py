"""Reminder tables — declared in `store.reminders` (the schema's one home); re-exported here for the
modules that import them from `bot.reminders.models`."""
from store.reminders import (CANCELLED, CHANNELS, EXPIRED, FAILED, PENDING, SENDING, SENT, Base,  # noqa: F401
                             Reminder, Subscription, utcnow)
