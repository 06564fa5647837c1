"""Closing the reporting loop: registered units, who has reported each occurrence, who is late, exports,
the audit trail, and e-mail reminders.

- `bot.reports.units` — registering units (CSV), finding one by name, alias or a 2025 former name, and
  which units a deadline concerns;
- `bot.reports.status` — marking an occurrence sent (or exempt) for a unit, undoing it, the status table;
- `bot.reports.export` — the status table as .xlsx / .csv, a unit's history;
- `bot.reports.wording` — the reminder's short line (who, what, to whom, when — the fact's own fields);
- `bot.reports.tokens`, `bot.reports.mail` — signed one-time links and the e-mail channel;
- `bot.reports.cli` — `python -m bot report …`.
"""
