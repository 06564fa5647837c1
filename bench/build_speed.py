"""`python -m bench.build_speed [--data-dir D]`: how long `indexer build` takes on a library, full and incremental.

The library: knowledge/ (5 seeds), the 15 laws of ../shared/eval/laws/docs and 3 more laws made from three of
them (their title line marked, so that every indexed text differs and nothing comes from another's cache):
23 documents, about 10,000 chunks, as in issue 22. Into a fresh data folder (only the converted e5 model of D is
shared), each build in its own process (`bench.build_child`), in this order:

1. full build (--force, fresh folder: every file parsed, segmented and encoded);
2. unchanged re-run (nothing to do);
3. one new file (a 7-chunk plan from ../shared/eval/bank, or a marked seed copy without it);
4. that file replaced by an edited version (one line added);
5. one file removed (a law copy of ~300 chunks);
6. one new law (a marked copy of a ~200-chunk law: its encoding dominates);
and, in this process, plain folded BM25 (bm25s) built over the same files' lines, the reference the issue
names. Prints a table (build() seconds, the process's wall time, CPU seconds, peak RSS, documents parsed,
the stages) and writes everything to D/bench-build.json. The machine's load average is printed too: other
processes on the cores inflate every wall time (CPU seconds less so).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from bench.common import ROOT, SHARED_EVAL, log, model_dir, run_build, table

LAWS = SHARED_EVAL / "laws" / "docs"
COPIED = ("hien-phap-2013", "luat-dien-anh-2022", "luat-trong-tai-thuong-mai-2010")
NEW_DOC = SHARED_EVAL / "bank" / "docs" / "tuyenquang-2026-kh-xhht-2026-2030.txt"
NEW_LAW = "luat-tiep-can-thong-tin-2016"
MARK = " (BẢN SAO ĐỂ ĐO)"


def marked_copy(src: Path, dest: Path) -> Path:
    """`src` with its first (title) line marked: the same document, other indexed texts."""
    lines = src.read_text(encoding="utf-8").split("\n")
    lines[0] += MARK
    dest.write_text("\n".join(lines), encoding="utf-8")
    return dest


def library(tmp: Path) -> tuple[list[str], Path]:
    """The sources of the 23-document library, and the folder of the incremental steps' files."""
    extra = tmp / "extra"
    extra.mkdir()
    for stem in COPIED:
        marked_copy(LAWS / f"{stem}.txt", extra / f"{stem}-ban-sao.txt")
    inc = tmp / "incremental"
    inc.mkdir()
    return [str(ROOT / "knowledge"), str(LAWS), str(extra)], inc


def _steps(tmp: Path, store: Path, sources: list[str], inc: Path) -> dict:
    """The six builds, in order, each after its change to the files."""
    srcs = sources + [str(inc)]
    out = {}
    log("full build (force, fresh folder)")
    out["full build"] = run_build(store, srcs, force=True)
    log("unchanged re-run")
    out["unchanged re-run"] = run_build(store, srcs, force=False)
    new = inc / "tai-lieu-moi.txt"
    if NEW_DOC.is_file():
        shutil.copy2(NEW_DOC, new)
    else:
        marked_copy(ROOT / "knowledge" / "tiengiang-2021-ke-hoach-xhht.txt", new)
    log("one new file")
    out["one new file"] = run_build(store, srcs, force=False)
    text = new.read_text(encoding="utf-8").rstrip("\n").split("\n")
    text.insert(len(text) // 2, "Các đơn vị báo cáo kết quả thực hiện về Sở trước ngày 15/12 hằng năm.")
    new.write_text("\n".join(text) + "\n", encoding="utf-8")
    log("one file replaced")
    out["one file replaced"] = run_build(store, srcs, force=False)
    (Path(sources[2]) / f"{COPIED[0]}-ban-sao.txt").unlink()
    log("one file removed")
    out["one file removed"] = run_build(store, srcs, force=False)
    marked_copy(LAWS / f"{NEW_LAW}.txt", inc / f"{NEW_LAW}-ban-sao.txt")
    log("one new law")
    out["one new law"] = run_build(store, srcs, force=False)
    return out


def plain_bm25_build(sources: list[str]) -> dict:
    """Plain folded BM25 over the library's lines (bench/corpus.py's reference), built once: its seconds."""
    from bench.corpus import corpus_files, plain_bm25

    files = corpus_files([Path(s) for s in sources])
    res = plain_bm25(files, [])
    return {"seconds": res["index_s"], "lines": res["lines"]}


def run(data_dir: Path, keep: Path | None = None) -> dict:
    model = model_dir(data_dir)
    tmp = Path(tempfile.mkdtemp(prefix="xhht-build-bench-")) if keep is None else keep
    tmp.mkdir(parents=True, exist_ok=True)
    try:
        store = tmp / "data"
        store.mkdir()
        if model is not None:  # share only the converted model: nothing else is cached
            (store / "models").mkdir()
            os.symlink(model.resolve(), store / "models" / model.name)
        sources, inc = library(tmp)
        res = {"started": time.strftime("%Y-%m-%dT%H:%M:%S"), "cpus": os.cpu_count(), "load_start": os.getloadavg()}
        res["steps"] = _steps(tmp, store, sources, inc)
        log("plain BM25 over lines")
        res["plain_bm25"] = plain_bm25_build(sources)
        res["load_end"] = os.getloadavg()
        return res
    finally:
        if keep is None:
            shutil.rmtree(tmp, ignore_errors=True)


def report(res: dict) -> str:
    rows = []
    for name, r in res["steps"].items():
        stages = ", ".join(f"{k[:-2]} {v:.1f}" for k, v in r["timings"].items() if v >= 0.05)
        rows.append(
            [
                name,
                f"{r['documents']}",
                f"{r['chunks']}",
                f"{r['parsed']}",
                f"{r['seconds']:.1f} s",
                f"{r['wall_s']:.1f} s",
                f"{r['cpu_s']:.1f} s",
                f"{r['peak_rss_mb']:.0f} MB",
                stages,
            ]
        )
    bm = res["plain_bm25"]
    rows.append(["plain BM25 over lines (bm25s)", "", f"{bm['lines']} lines", "", f"{bm['seconds']:.1f} s"] + [""] * 4)
    head = ["step", "docs", "chunks", "parsed", "build()", "process", "CPU", "peak RSS", "stages (s)"]
    la = res["load_start"][0], res["load_end"][0]
    return "\n".join(
        [
            "INDEXER BUILD — knowledge/ + 15 laws + 3 marked law copies (23 documents), fresh data folder",
            table(rows, head),
            f"machine: {res['cpus']} CPUs, load average {la[0]:.1f} at start, {la[1]:.1f} at end "
            "(other processes inflate the wall times; CPU is this build's own user+system time)",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.build_speed", description=__doc__.split("\n")[0])
    ap.add_argument("--data-dir", default=None, help="data folder holding the converted model (default var)")
    ap.add_argument("--json", type=Path, default=None, help="where to write the results (default D/bench-build.json)")
    ap.add_argument("--keep", type=Path, default=None, help="build in this folder and keep it")
    a = ap.parse_args(argv)
    os.chdir(ROOT)
    from bot.config import load_settings

    data_dir = load_settings(a.data_dir).data_dir.resolve()
    if not LAWS.is_dir():
        print(f"{LAWS} is missing: this benchmark needs the laws of ../shared/eval", file=sys.stderr)
        return 2
    res = run(data_dir, a.keep.resolve() if a.keep else None)
    path = a.json or (data_dir / "bench-build.json")
    path.write_text(json.dumps(res, ensure_ascii=False, indent=1), encoding="utf-8")
    print(report(res))
    print(f"results in {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
