"""`python -m bot` — the assistant's command line.

  ask [--json] [--today YYYY-MM-DD] (QUESTION | -)   answer questions (one per line with -)
  chat                                               an interactive console conversation
  serve                                              web chat + Telegram/Zalo when configured
  subscribe / unsubscribe / remind tick / calendar   reminders (see bot/reminders)
"""
from __future__ import annotations

import argparse
import logging
import sys


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bot", description="Trợ lý Xã hội học tập")
    p.add_argument("--data-dir", default=None, help="data folder (default $HOCTAP_DATA_DIR or var/)")
    p.add_argument("-v", "--verbose", action="store_true")
    sub = p.add_subparsers(dest="command", required=True)
    from bot import cli_ask
    cli_ask.add_commands(sub)
    try:
        from bot.reminders import cli as reminders_cli
        reminders_cli.add_commands(sub)
    except ImportError:
        pass
    try:
        from handlers import serve as serve_cli
        serve_cli.add_commands(sub)
    except ImportError:
        pass
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
