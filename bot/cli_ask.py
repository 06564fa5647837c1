"""`ask` and `chat` commands."""

from __future__ import annotations

import datetime as dt
import json
import secrets
import sys

MAX_LINE_CHARS = 100_000


def add_commands(sub) -> None:
    a = sub.add_parser("ask", help="answer a question (or one per line from standard input with -)")
    a.add_argument("--json", action="store_true", help="one JSON object per answer, one per line")
    a.add_argument("--today", type=dt.date.fromisoformat, default=None, help="the current date (YYYY-MM-DD)")
    a.add_argument(
        "--conversation",
        default=None,
        metavar="ID",
        help="treat the questions as one conversation (follow-ups such as «còn Tiền Giang thì sao?»)",
    )
    a.add_argument("question", help="the question, or - to read one question per line from stdin")
    a.set_defaults(func=run_ask)
    c = sub.add_parser("chat", help="interactive console conversation")
    c.add_argument("--today", type=dt.date.fromisoformat, default=None)
    c.set_defaults(func=run_chat)


def _assistant(args):
    from bot.assistant import Assistant

    return Assistant.from_settings(data_dir=args.data_dir)


def _emit(ans, as_json: bool) -> None:
    if as_json:
        print(json.dumps(ans.to_dict(), ensure_ascii=False), flush=True)
    else:
        print(ans.answer, flush=True)
        if not as_json:
            print(flush=True)


def run_ask(args) -> int:
    assistant = _assistant(args)
    conv = args.conversation  # None: every line is answered on its own
    if conv:  # contexts are kept in the database now: a run starts its conversation afresh, as it always did
        assistant.forget(conv)
    if args.question == "-":
        stream = sys.stdin.buffer
        for raw in stream:
            line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
            _emit(assistant.ask(line, conversation_id=conv, today=args.today), args.json)
    else:
        _emit(assistant.ask(args.question, conversation_id=conv, today=args.today), args.json)
    return 0


def run_chat(args) -> int:
    assistant = _assistant(args)
    print("Trợ lý Xã hội học tập — hỏi về hạn báo cáo, nhiệm vụ, chỉ tiêu... (Ctrl-D để thoát)")
    conv = f"console:{secrets.token_hex(6)}"  # contexts live in the database: each console session has its own
    while True:
        try:
            q = input("› ")
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        ans = assistant.ask(q, conversation_id=conv, today=args.today)
        print(ans.answer)
        print()
