"""`python -m indexer [--data-dir D] build [SOURCE ...]` and `python -m indexer [--data-dir D] show [--json]`."""

from __future__ import annotations

import argparse
import logging
import sys

from bot.config import KNOWLEDGE_DIR, load_settings


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m indexer", description="Đọc văn bản → dữ kiện và chỉ mục tìm kiếm")
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("-v", "--verbose", action="store_true")
    sub = ap.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="index documents (files or folders; default knowledge/)")
    b.add_argument("sources", nargs="*")
    b.add_argument("--force", action="store_true", help="re-index even unchanged documents")
    b.add_argument("--no-progress", action="store_true")
    sh = sub.add_parser("show", help="print documents and their extracted facts")
    sh.add_argument("--json", action="store_true")
    sh.add_argument("--doc", default=None, help="only this document id")
    args = ap.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    settings = load_settings(args.data_dir)
    if args.command == "build":
        from bot.health import clean_stale_index_dirs
        from indexer.build import build

        clean_stale_index_dirs(settings.data_dir)  # index folders a killed build left behind
        uploads = settings.data_dir / "documents"  # documents added through the admin page or Telegram
        sources = args.sources or [str(KNOWLEDGE_DIR)] + ([str(uploads)] if uploads.is_dir() else [])
        rep = build(settings, sources, progress=not args.no_progress and sys.stderr.isatty(), force=args.force)
        for e in rep.errors:
            print(f"LỖI {e}", file=sys.stderr)
        if rep.repaired:
            print(f"Chỉ mục cũ không dùng được ({rep.repaired}): đã lập lại.")
        print(
            f"Đã lập chỉ mục {len(rep.indexed)} văn bản, {len(rep.unchanged)} không đổi, "
            f"{len(rep.removed)} đã gỡ; {rep.chunks} đoạn; tìm kiếm ngữ nghĩa: "
            f"{'có' if rep.dense else 'không'}; {rep.seconds:.1f}s",
            file=sys.stderr,
        )
        return 1 if rep.errors else 0
    from indexer.show import show

    return show(settings, as_json=args.json, doc_id=args.doc)


if __name__ == "__main__":
    sys.exit(main())
