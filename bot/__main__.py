"""`python -m bot` — the assistant's command line.

ask [--json] [--today YYYY-MM-DD] (QUESTION | -)   answer questions (one per line with -)
chat                                               an interactive console conversation
serve                                              web chat + Telegram/Zalo when configured
subscribe / unsubscribe / remind tick / calendar   reminders (see bot/reminders)
report units|mark|undo|status|export|history       who has reported (see bot/reports)
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
    # imported unguarded: a missing dependency must be named (main), not turn into "invalid choice"
    from bot import cli_ask
    from bot.reminders import cli as reminders_cli
    from bot.reports import cli as reports_cli
    from handlers import serve as serve_cli

    cli_ask.add_commands(sub)
    reminders_cli.add_commands(sub)
    reports_cli.add_commands(sub)
    serve_cli.add_commands(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    try:
        parser = build_parser()
    except ModuleNotFoundError as e:
        if (e.name or "").split(".")[0] in ("bot", "handlers", "indexer", "store"):
            raise  # the project itself is broken: the traceback says where
        print(
            f"Thiếu gói Python '{e.name}' (missing dependency): cài lại bằng `make install` "
            f"hoặc `.venv/bin/pip install -e .`",
            file=sys.stderr,
        )
        return 1
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
