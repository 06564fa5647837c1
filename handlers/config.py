"""Channel settings: the channel part of the one configuration (`bot.config.load_config`).

Kept for the adapters and tests that import it from here; the class, its reading of `.env` and the
environment, and its secret-masking repr live in bot/config.py (the core never imports handlers).
"""

from __future__ import annotations

from bot.config import SECRET_FIELDS, ChannelConfig, parse_networks

__all__ = ["ChannelConfig", "SECRET_FIELDS", "parse_networks"]
