"""Property-based fuzzing of the running server (Hypothesis), loopback only.

The server (web chat + Zalo webhook with a local OA stand-in) runs in a background thread on
127.0.0.1; each property sends generated requests with a plain HTTP client and checks that the
answer is never ≥ 500, always arrives (timeouts fail the test), and that every error is JSON
`{"error": "..."}`. Deterministic (`derandomize`) and bounded: HOCTAP_FUZZ_EXAMPLES examples per
property (default 120), HOCTAP_FUZZ_SECONDS per request at most.
"""

from __future__ import annotations

import http.client
import json
import os
import time
import urllib.parse

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.channels import APP_ID, OA_SECRET, RunningServer as Running

from handlers.zalo import signature

pytestmark = pytest.mark.slow

EXAMPLES = int(os.environ.get("HOCTAP_FUZZ_EXAMPLES", "120"))
REQUEST_TIMEOUT_S = float(os.environ.get("HOCTAP_FUZZ_SECONDS", "30"))

FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
)

STATS = {"requests": 0, "by_status": {}}


@pytest.fixture(scope="module")
def running(assistant):
    r = Running(assistant)
    yield r
    r.close()
    print("fuzz requests:", STATS["requests"], "by status:", dict(sorted(STATS["by_status"].items())))


@pytest.fixture(scope="module")
def cookie(running) -> str:
    status, headers, _ = request(running, "GET", "/")
    return headers["set-cookie"].split(";", 1)[0]


def request(running, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", running.port, timeout=REQUEST_TIMEOUT_S)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        data = r.read()
        out = r.status, {k.lower(): v for k, v in r.getheaders()}, data
    finally:
        conn.close()
    STATS["requests"] += 1
    STATS["by_status"][out[0]] = STATS["by_status"].get(out[0], 0) + 1
    return out


def check(status: int, headers: dict, data: bytes, *, ok_types=("application/json",)) -> dict | None:
    """No 5xx; errors are JSON with a message; successful answers have the expected type."""
    assert status < 500, (status, data[:500])
    ctype = headers.get("content-type", "")
    if status >= 400:
        assert ctype.startswith("application/json"), (status, ctype, data[:200])
        err = json.loads(data)
        assert isinstance(err.get("error"), str) and err["error"], err
        assert "Traceback" not in err["error"]
        return err
    assert any(ctype.startswith(t) for t in ok_types), (status, ctype)
    if ctype.startswith("application/json"):
        return json.loads(data)
    return None


# -- strategies ----------------------------------------------------------------------------------------------
any_char = st.characters(exclude_categories=())  # includes lone surrogates and control characters
wild_text = st.text(any_char, max_size=300)
vi_words = st.sampled_from(
    [
        "hạn",
        "báo cáo",
        "Sở GDĐT",
        "Tiền Giang",
        "Đắk Nông",
        "15/12",
        "ngày",
        "tháng 12",
        "ai",
        "phải",
        "2025",
        "còn",
        "thì sao",
        "UBND",
        "#hanchot",
        "?",
        "xã hội học tập",
        "\u0000",
        "\ud800",
        "🎓",
        "<script>",
        "' OR 1=1 --",
        "%s",
        "\\",
        "\n",
        "0" * 40,
    ]
)
vi_text = st.lists(vi_words, max_size=12).map(" ".join)
question_text = st.one_of(vi_text, wild_text, st.text(max_size=1200))
json_scalar = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70), st.floats(allow_nan=False), wild_text
)
json_value = st.recursive(
    json_scalar,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(wild_text, inner, max_size=4)),
    max_leaves=12,
)
date_like = st.one_of(
    st.dates().map(str),
    st.text(max_size=12),
    st.integers(),
    st.sampled_from(
        ["9999-12-31", "0001-01-01", "2026-02-30", "2026-12-01", "20261201", "2026-W01-1", "", " 2026-12-01"]
    ),
)


def _json_bytes(obj) -> bytes:
    return json.dumps(obj).encode()  # ensure_ascii: lone surrogates become \udXXX escapes, as an attacker sends them


ask_body = st.one_of(
    st.fixed_dictionaries({"question": question_text}, optional={"today": date_like, "extra": json_value}).map(
        _json_bytes
    ),
    json_value.map(_json_bytes),
    st.binary(max_size=2000),
    st.integers(min_value=1, max_value=3000).map(lambda n: b"[" * n + b"]" * n),
    st.integers(min_value=1, max_value=3000).map(
        lambda n: b'{"question": "a", "x": ' + b"{\"a\":" * n + b"1" + b"}" * n + b"}"
    ),
)


# -- properties ----------------------------------------------------------------------------------------------
@FUZZ
@given(body=ask_body, ctype=st.sampled_from(["application/json", "text/plain", "application/x-www-form-urlencoded"]))
def test_fuzz_api_ask(running, cookie, body, ctype):
    status, headers, data = request(running, "POST", "/api/ask", body, {"Content-Type": ctype, "Cookie": cookie})
    out = check(status, headers, data)
    if status == 200:
        assert set(out) >= {"question", "answered", "answer", "sources"}
        assert out["intent"] != "error", out  # an assistant failure hidden behind a 200


@FUZZ
@given(
    payload=st.one_of(
        st.fixed_dictionaries({"query_id": json_value, "rating": json_value}),
        st.fixed_dictionaries(
            {
                "query_id": st.integers(min_value=-(2**80), max_value=2**80),
                "rating": st.one_of(st.integers(-3, 3), st.floats(), st.booleans(), st.text(max_size=3)),
            }
        ),
        json_value,
    ),
    with_cookie=st.booleans(),
)
def test_fuzz_api_feedback(running, cookie, payload, with_cookie):
    headers = {"Content-Type": "application/json"}
    if with_cookie:
        headers["Cookie"] = cookie
    raw = json.dumps(payload).encode()  # NaN / Infinity too: Python's json reads them back as floats
    status, h, data = request(running, "POST", "/api/feedback", raw, headers)
    check(status, h, data)
    assert status in (200, 400, 404)


def _qs(params: dict) -> str:
    return urllib.parse.urlencode({k: v.encode("utf-8", "surrogatepass") for k, v in params.items()})


@FUZZ
@given(
    days=st.one_of(st.none(), st.text(any_char, max_size=20), st.integers(-(10**9), 10**9).map(str)),
    province=st.one_of(st.none(), wild_text, st.sampled_from(["Tiền Giang", "tien giang", "Đắk Nông", "Hà Nội"])),
)
def test_fuzz_api_deadlines(running, days, province):
    params = {k: v for k, v in (("days", days), ("province", province)) if v is not None}
    status, h, data = request(running, "GET", "/api/deadlines?" + _qs(params))
    out = check(status, h, data)
    if status == 200:
        assert 1 <= out["days"] <= 730 and isinstance(out["deadlines"], list)


@FUZZ
@given(chunk=st.one_of(st.text(any_char, min_size=1, max_size=40), st.integers(-(10**30), 10**30).map(str)))
def test_fuzz_api_source(running, chunk):
    path = "/api/source/" + urllib.parse.quote(chunk.encode("utf-8", "surrogatepass"), safe="")
    status, h, data = request(running, "GET", path)
    check(status, h, data)
    assert status in (200, 400, 404)


@FUZZ
@given(
    province=st.one_of(st.none(), wild_text, st.just("Tiền Giang")),
    agency=st.one_of(st.none(), wild_text, st.sampled_from(["Sở GDĐT", "UBND tỉnh", "Hội Khuyến học"])),
)
def test_fuzz_calendar(running, province, agency):
    params = {k: v for k, v in (("province", province), ("agency", agency)) if v is not None}
    status, h, data = request(running, "GET", "/calendar.ics?" + _qs(params))
    check(status, h, data, ok_types=("text/calendar",))
    if status == 200:
        assert data.startswith(b"BEGIN:VCALENDAR")


zalo_event = st.fixed_dictionaries(
    {
        "event_name": st.one_of(st.just("user_send_text"), json_value),
        "sender": st.one_of(st.fixed_dictionaries({"id": st.one_of(st.text(max_size=80), json_value)}), json_value),
        "message": st.one_of(
            st.fixed_dictionaries(
                {"text": st.one_of(question_text, json_value), "msg_id": st.one_of(st.text(max_size=250), json_value)}
            ),
            json_value,
        ),
    },
    optional={"app_id": json_value, "recipient": json_value, "user_id_by_app": json_value},
)


@FUZZ
@given(event=zalo_event, mac=st.booleans())
def test_fuzz_zalo_signed_events(running, event, mac):
    """Correctly signed events with fuzzed content: accepted (200) or refused with a JSON 400."""
    ts = str(int(time.time() * 1000))
    event = dict(event, timestamp=ts)
    body = json.dumps(event).encode()
    sig = signature(APP_ID, body, ts, OA_SECRET)
    status, h, data = request(
        running,
        "POST",
        "/zalo/webhook",
        body,
        {"X-ZEvent-Signature": ("mac=" if mac else "") + sig, "Content-Type": "application/json"},
    )
    check(status, h, data)
    assert status in (200, 400), (status, data)


@FUZZ
@given(
    body=st.one_of(
        zalo_event.map(lambda e: json.dumps(dict(e, timestamp=str(int(time.time() * 1000)))).encode()),
        st.binary(max_size=500),
    ),
    # any valid header value (visible ASCII, space, obs-text 0x80-0xFF); a header with control characters is
    # not HTTP and aiohttp's parser refuses it (plain 400) before any handler runs
    sig=st.one_of(
        st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"), max_size=80),
        st.text("0123456789abcdef", min_size=64, max_size=64),
        st.text("0123456789abcdef", min_size=64, max_size=64).map(lambda s: "mac=" + s),
    ),
)
def test_fuzz_zalo_forged_signatures(running, body, sig):
    """Anything not signed with the OA secret key: 401, never anything else."""
    headers = {"Content-Type": "application/json"}
    if sig:
        headers["X-ZEvent-Signature"] = sig.strip() or "x"
    status, h, data = request(
        running, "POST", "/zalo/webhook", body, {k: v.encode("latin-1").decode("latin-1") for k, v in headers.items()}
    )
    check(status, h, data)
    assert status == 401


@FUZZ
@given(
    method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]),
    path=st.one_of(
        st.sampled_from(
            [
                "/",
                "/api/ask",
                "/api/feedback",
                "/api/info",
                "/api/deadlines",
                "/calendar.ics",
                "/healthz",
                "/zalo/webhook",
                "/api/source/1",
            ]
        ),
        st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=40).map(
            lambda s: "/" + urllib.parse.quote(s, safe="/")
        ),
    ),
    body=st.one_of(st.none(), st.binary(max_size=300)),
)
def test_fuzz_methods_and_paths(running, method, path, body):
    status, h, data = request(running, method, path, body)
    if path == "/healthz" and status == 503:  # by design when a check fails (the model in a lexical-only set-up)
        assert json.loads(data)["ok"] is False
        return
    if status >= 400 or path.startswith("/api/"):
        check(status, h, data, ok_types=("application/json", "text/html", "text/calendar"))
    assert status < 500, (method, path, status, data[:300])


def test_server_survived_the_fuzzing(running):
    status, h, data = request(running, "GET", "/api/info")
    assert status == 200 and json.loads(data)["documents"]
    status, h, data = request(
        running,
        "POST",
        "/api/ask",
        json.dumps({"question": "Hạn báo cáo về Sở GDĐT Tiền Giang là khi nào?"}).encode(),
        {"Content-Type": "application/json"},
    )
    assert status == 200 and json.loads(data)["answered"]
    assert all(s < 500 for s in STATS["by_status"]), STATS
