"""Channel adapters (Telegram, Zalo OA, web chat) over the channel-independent assistant in `bot/`."""
