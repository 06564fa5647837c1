"""Issue 20, finding 1: half-open connections held the server's file handles (1,100 of them on a 1,024 limit made
genuine requests time out, and the log grew by ~84 MB of tracebacks). Now: a header timeout, an idle timeout,
connection caps per client and in total, and repeated errors logged once a minute (handlers.edge).

The first test runs the real `serve` in a process whose open-file limit is 1,024, as in the finding."""

from __future__ import annotations

import asyncio
import errno
import io
import json
import logging
import resource
import socket
import time
import urllib.request

import pytest

from tests.support.serve import ServeProcess
from tests.support.uploads import make_store

from bot.config import ChannelConfig, channels_from
from handlers.edge import RepeatFilter, loop_exception_handler
from handlers.serve import Server

pytestmark = pytest.mark.slow

HALF = b"GET /api/info HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Ag"  # a request head that never ends


def _limit_files():
    resource.setrlimit(resource.RLIMIT_NOFILE, (1024, 1024))


def _half_open(port: int, n: int, source: str = "127.0.0.2") -> list[socket.socket]:
    socks = []
    for _ in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(10)
        s.bind((source, 0))
        s.connect(("127.0.0.1", port))
        try:
            s.sendall(HALF)
        except OSError:  # already refused and closed by the server
            pass
        socks.append(s)
    return socks


def _closed_by_server(s: socket.socket) -> bytes | None:
    """What the server sent before closing (b"" for nothing), or None while it keeps the connection open."""
    s.settimeout(0.05)
    got = b""
    try:
        while True:
            chunk = s.recv(4096)
            if not chunk:
                return got
            got += chunk
    except socket.timeout:
        return None
    except ConnectionResetError:
        return got


HEADER_TIMEOUT_S = 20  # the server's header timeout in this test
# how long the server may take to close the connections over the cap: alone it takes under 0.5 s, even beside eight
# busy processes; in CI, under xdist beside the heaviest tests, it took more than 6 s twice (1,003 handles after
# 3 s, 977 after 6 s). Well under the header timeout, so a server that left them to the timeout still fails
CATCH_UP_S = 14.0


def test_1100_half_open_connections_on_1024_file_handles_do_not_stop_a_genuine_request(tmp_path):
    settings = make_store(tmp_path)
    server = ServeProcess(settings, tmp_path, preexec_fn=_limit_files, HOCTAP_HEADER_TIMEOUT_S=str(HEADER_TIMEOUT_S))
    socks: list[socket.socket] = []
    try:
        url, port = server.url, server.port
        t0 = time.monotonic()
        socks = _half_open(port, 1100)
        opened = time.monotonic() - t0
        # the caps keep file handles free: the connections over the per-client cap are closed as the server reads
        # them (on 2 busy cores it may still be catching up when the last one is opened), well before the header
        # timeout would close them anyway
        deadline = time.monotonic() + CATCH_UP_S
        seen_files = [server.open_files()]
        while seen_files[-1] >= 1024 - 50 and time.monotonic() < deadline:
            time.sleep(0.25)
            seen_files.append(server.open_files())
        assert seen_files[-1] < 1024 - 50, f"open files every 0.25 s after {opened:.1f} s opening: {seen_files}"
        t1 = time.monotonic()
        req = urllib.request.Request(
            url + "api/ask",
            data=json.dumps({"question": "Hạn báo cáo về Sở GDĐT là khi nào?"}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=10) as r:
            assert r.status == 200 and json.loads(r.read())["question"]
        assert time.monotonic() - t1 < 2.0, "a genuine request waited behind the half-open connections"
        # every half-open connection is closed by the server: the ones over the per-client cap at once (429),
        # the others when the header timeout runs out
        time.sleep(max(0.0, HEADER_TIMEOUT_S + 2 - (time.monotonic() - t0)))
        seen = [_closed_by_server(s) for s in socks]
        assert all(x is not None for x in seen), f"{sum(x is None for x in seen)} still open after {opened:.1f} s"
        refused = [x for x in seen if x.startswith(b"HTTP/1.1 429")]
        assert len(refused) >= 1100 - 64 and "Quá nhiều kết nối".encode() in refused[0]
        assert server.proc.poll() is None
    finally:
        for s in socks:
            s.close()
        server.stop()
    log_path = server.log_path
    log_size = log_path.stat().st_size
    assert log_size < 50_000, f"the log grew by {log_size} bytes"
    # no flood of "Too many open files": on a busy machine asyncio may run out once while refused connections wait
    # for their close on the next loop turn (it then pauses accepting for a second); the flood was thousands of lines
    assert log_path.read_text(errors="replace").count("Too many open files") <= 3


@pytest.fixture
async def small_server(assistant):
    cfg = ChannelConfig(
        web_port=0,
        rate_limit_count=1000,
        ip_rate_limit_count=1000,
        max_connections=20,
        max_connections_per_client=1000,
        header_timeout_s=1.5,
        idle_timeout_s=2.0,
    )
    srv = Server(assistant, cfg, sweeper=False)
    await srv.start()
    yield srv
    await srv.stop()


async def _get(port: int, path: str) -> tuple[int, bytes]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
    data = await asyncio.wait_for(reader.read(), 10)
    writer.close()
    return int(data.split(b" ", 2)[1]), data


async def test_the_total_cap_refuses_at_once_and_the_header_timeout_frees_the_slots(small_server):
    port = small_server.port
    conns = [await asyncio.open_connection("127.0.0.1", port) for _ in range(small_server.site.guard.cap)]
    for _, w in conns:
        w.write(HALF)
    await asyncio.sleep(0.2)
    t0 = time.monotonic()
    status, data = await _get(port, "/api/info")
    assert status == 503 and time.monotonic() - t0 < 1 and b"Retry-After: 5" in data
    assert "quá nhiều kết nối".encode() in data
    await asyncio.sleep(2.5)  # header timeout 1.5 s
    for r, _ in conns:
        assert await asyncio.wait_for(r.read(), 2) == b""  # closed by the server
    status, data = await _get(port, "/api/info")
    assert status == 200 and json.loads(data.split(b"\r\n\r\n", 1)[1])["examples"]
    assert not small_server.site.guard.open or len(small_server.site.guard.open) <= 1


async def test_a_body_that_stops_arriving_is_closed_after_the_idle_timeout(small_server):
    reader, writer = await asyncio.open_connection("127.0.0.1", small_server.port)
    writer.write(b"POST /api/ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{")
    t0 = time.monotonic()
    got = await asyncio.wait_for(reader.read(), 10)  # the body timeout (30 s) would wait much longer
    assert time.monotonic() - t0 < 4, "idle timeout is 2 s"
    assert got == b"" or got.startswith(b"HTTP/1.1 408")


def test_edge_settings_are_read_from_the_environment():
    cfg = channels_from(
        {
            "HOCTAP_HEADER_TIMEOUT_S": "7",
            "HOCTAP_IDLE_TIMEOUT_S": "45",
            "HOCTAP_MAX_CONNECTIONS": "300",
            "HOCTAP_MAX_CONNECTIONS_PER_CLIENT": "16",
        }
    )
    assert (cfg.header_timeout_s, cfg.idle_timeout_s, cfg.max_connections, cfg.max_connections_per_client) == (
        7.0,
        45.0,
        300,
        16,
    )
    default = channels_from({})
    assert (default.header_timeout_s, default.idle_timeout_s, default.max_connections_per_client) == (10.0, 60.0, 64)


def test_an_error_repeated_10000_times_is_written_a_few_times_with_the_count():
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(RepeatFilter(burst=5))
    lg = logging.getLogger("hoctap.test.repeat")
    lg.addHandler(handler)
    lg.propagate = False
    try:
        for _ in range(10_000):
            try:
                raise OSError(errno.EMFILE, "Too many open files")
            except OSError:
                lg.exception("accept failed")
        lg.error("another message")
    finally:
        lg.removeHandler(handler)
    text = out.getvalue()
    assert text.count("accept failed") == 5 and "another message" in text
    assert len(text) < 5_000


async def test_the_event_loop_logs_a_repeated_accept_error_once_a_minute(caplog):
    loop = asyncio.get_running_loop()
    caplog.set_level(logging.ERROR, logger="asyncio")
    for _ in range(500):
        loop_exception_handler(
            loop,
            {"message": "socket.accept() out of system resource", "exception": OSError(errno.EMFILE, "Too many")},
        )
    assert len([r for r in caplog.records if "accept" in r.getMessage()]) == 1
