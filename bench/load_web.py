"""Load check of the web API: `python -m bench.load_web [--data-dir D] [--concurrency 20] [--requests 600]`.

Starts `python -m bot serve` on 127.0.0.1 (any free port, no sweeper, rate limits raised for the run),
then POSTs /api/ask from `concurrency` clients at once over `sessions` distinct browser sessions (each
its own signed cookie, so many distinct chats), and reports requests/s, p50/p95/p99 latency, status counts and the
server's RSS before and after. Loopback only. Results are printed and written to D/load-web.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = [
    "Hạn báo cáo về Sở GDĐT Tiền Giang là khi nào?",
    "Báo cáo định kỳ 6 tháng ở Đắk Nông nộp trước ngày nào?",
    "Ai phải gửi báo cáo về Bộ GDĐT trước ngày 20/12?",
    "Sở Văn hóa, Thể thao và Du lịch Tiền Giang có nhiệm vụ gì?",
    "Đến 2030 bao nhiêu phần trăm cơ sở giáo dục triển khai học tập trên môi trường số?",
    "han bao cao ve so gddt tien giang",
    "Hội Khuyến học Hải Phòng được đề nghị làm gì?",
    "còn Đắk Nông thì sao?",
    "Giá xăng hôm nay bao nhiêu?",
    "Sắp tới có hạn báo cáo nào?",
]


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return float("nan")


def start_server(data_dir: str | None) -> tuple[subprocess.Popen, str]:
    env = dict(
        os.environ,
        HOCTAP_RATE_LIMIT="1000000",
        HOCTAP_IP_RATE_LIMIT="1000000",
        PYTHONUNBUFFERED="1",
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
    )
    for k in ("TELEGRAM_BOT_TOKEN", "ZALO_APP_ID"):
        env.pop(k, None)
    cmd = (
        [sys.executable, "-m", "bot"]
        + (["--data-dir", data_dir] if data_dir else [])
        + ["serve", "--host", "127.0.0.1", "--port", "0", "--no-sweeper"]
    )
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 300
    lines = []
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        if "http://" in line and "đang chạy" in line:
            url = line.split("http://", 1)[1].split()[0]
            return proc, "http://" + url.rstrip("/") + "/"
    proc.kill()
    raise SystemExit("serve did not start:\n" + "".join(lines[-30:]))


async def client(url: str, n: int, offset: int, n_sessions: int, latencies: list[float], statuses: dict) -> None:
    """`n` questions over `n_sessions` browser sessions of its own (each its signed cookie), in turn."""
    jars = [aiohttp.CookieJar(unsafe=True) for _ in range(max(1, n_sessions))]
    async with aiohttp.ClientSession() as http:
        for jar in jars:  # a session each (GET / sets the signed cookie)
            async with http.get(url) as r:
                await r.read()
                jar.update_cookies(r.cookies)
        for i in range(n):
            q = QUESTIONS[(offset + i) % len(QUESTIONS)]
            jar = jars[i % len(jars)]
            t0 = time.perf_counter()
            async with http.post(url + "api/ask", json={"question": q}, cookies={c.key: c.value for c in jar}) as r:
                await r.read()
                statuses[r.status] = statuses.get(r.status, 0) + 1
                if "hoctap_sid" in r.cookies:  # the server did not recognise the session
                    statuses["new-session"] = statuses.get("new-session", 0) + 1
            latencies.append((time.perf_counter() - t0) * 1000)


async def run_load(url: str, concurrency: int, total: int, sessions: int) -> dict:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    per = max(1, total // concurrency)
    per_client = max(1, sessions // concurrency)
    t0 = time.perf_counter()
    await asyncio.gather(*(client(url, per, k * 3, per_client, latencies, statuses) for k in range(concurrency)))
    wall = time.perf_counter() - t0
    latencies.sort()

    def pct(p: float) -> float:
        return round(latencies[min(len(latencies) - 1, int(len(latencies) * p))], 1)

    return {
        "requests": len(latencies),
        "concurrency": concurrency,
        "sessions": per_client * concurrency,
        "seconds": round(wall, 2),
        "requests_per_s": round(len(latencies) / wall, 1),
        "p50_ms": pct(0.50),
        "p95_ms": pct(0.95),
        "p99_ms": pct(0.99),
        "max_ms": round(latencies[-1], 1),
        "mean_ms": round(statistics.fmean(latencies), 1),
        "statuses": {str(k): v for k, v in statuses.items()},
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.load_web", description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--concurrency", type=int, default=20)
    ap.add_argument("--requests", type=int, default=600)
    ap.add_argument("--sessions", type=int, default=200, help="distinct chats (browser sessions) in all")
    ap.add_argument("--warmup", type=int, default=20)
    args = ap.parse_args(argv)
    proc, url = start_server(args.data_dir)
    try:
        asyncio.run(run_load(url, 2, args.warmup, 2))
        before = rss_mb(proc.pid)
        res = asyncio.run(run_load(url, args.concurrency, args.requests, args.sessions))
        after = rss_mb(proc.pid)
        res.update(rss_before_mb=before, rss_after_mb=after, cpus=os.cpu_count())
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
    print(json.dumps(res, ensure_ascii=False, indent=1))
    from bot.config import load_settings

    out = load_settings(args.data_dir).data_dir / "load-web.json"
    out.write_text(json.dumps(res, indent=1), encoding="utf-8")
    bad = sum(v for k, v in res["statuses"].items() if k.isdigit() and int(k) >= 500)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
