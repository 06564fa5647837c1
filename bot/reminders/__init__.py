"""Deadline reminders: subscriptions, planning, a crash-safe sweeper, and calendars.

Public API (used by the channel adapters):
    subscribe, subscribe_deadline, unsubscribe, list_subscriptions, delete_chat_data,
    resolve_scope / ScopeError,
    bot.reminders.delivery (ReminderMessage, Sender, TransientSendError, PermanentSendError),
    bot.reminders.sweeper (tick and run_forever, given the senders of the channels served),
    bot.reminders.calendar_ics (build_calendar).
"""

from bot.reminders.scope import Scope, ScopeError, resolve_scope
from bot.reminders.subscriptions import (
    UnknownDeadlineError,
    delete_chat_data,
    list_subscriptions,
    subscribe,
    subscribe_deadline,
    unsubscribe,
)

__all__ = [
    "subscribe",
    "subscribe_deadline",
    "unsubscribe",
    "list_subscriptions",
    "delete_chat_data",
    "resolve_scope",
    "Scope",
    "ScopeError",
    "UnknownDeadlineError",
]
