"""Signed, expiring, one-time links: e-mail confirmation (double opt-in), "Đã nộp" and unsubscribe.

A token is the payload signed with the server's key (HOCTAP_SESSION_SECRET, else the key kept once in the
database — the one the web session cookie uses) and a salt per purpose, and carries its time. Using
one records its SHA-256 in `report_used_tokens`, so it works once (records older than the longest lifetime are
dropped: such a token fails as expired anyway). `check` raises TokenError with a message for
the user (Vietnamese) when a token is forged, of another purpose, expired or already used.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import secrets
from pathlib import Path
from typing import Callable, TypeVar

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from store.db import session_scope
from store.reports import UsedToken, utcnow

T = TypeVar("T")
CONFIRM, DONE, UNSUBSCRIBE = "confirm", "done", "unsub"
MAX_AGE_S = {CONFIRM: 2 * 86400, DONE: 60 * 86400, UNSUBSCRIBE: 90 * 86400}


class TokenError(ValueError):
    """A link that cannot be used (forged, expired, reused); the message is for the user."""


def signing_key(data_dir) -> str:
    """HOCTAP_SESSION_SECRET, else the key kept once in the database of this data folder (the one web session
    cookies are signed with: a link made by one replica is good at every other), else DATA/session-secret."""
    key = os.environ.get("HOCTAP_SESSION_SECRET", "").strip()
    if key:
        return key
    from store.engine import database_url_from
    from store.shared_state import StateUnavailable, server_secret

    try:
        from bot.health import sqlite_unwritable

        return server_secret(database_url_from(os.environ, Path(data_dir)), data_dir, sqlite_unwritable)
    except StateUnavailable:  # the database does not answer: the data folder's key
        pass
    path = Path(data_dir) / "session-secret"
    try:
        return _read_or_create(path)
    except OSError:  # a read-only data folder: links work until the next restart
        return _PROCESS_KEY


_PROCESS_KEY = secrets.token_urlsafe(48)


def _read_or_create(path: Path) -> str:
    try:
        key = path.read_text(encoding="ascii").strip()
        if len(key) >= 32:
            return key
    except FileNotFoundError:
        pass
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process wrote it meanwhile
        return path.read_text(encoding="ascii").strip()
    key = secrets.token_urlsafe(48)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(key)
    return key


def _serializer(data_dir, purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(signing_key(data_dir), salt=f"hoctap-{purpose}")


def make(data_dir, purpose: str, payload: dict) -> str:
    return _serializer(data_dir, purpose).dumps(payload)


def read(data_dir, purpose: str, token: str, max_age_s: int | None = None) -> dict:
    """The payload of a valid token (not yet marked used). TokenError otherwise."""
    if not token or len(token) > 2000:
        raise TokenError("Liên kết không hợp lệ.")
    try:
        data = _serializer(data_dir, purpose).loads(token, max_age=max_age_s or MAX_AGE_S[purpose])
    except SignatureExpired as e:
        raise TokenError("Liên kết đã hết hạn. Vui lòng yêu cầu lại.") from e
    except BadSignature as e:
        raise TokenError("Liên kết không hợp lệ (sai chữ ký).") from e
    if not isinstance(data, dict):
        raise TokenError("Liên kết không hợp lệ.")
    return data


def use(db_url: str, data_dir, purpose: str, token: str, action: Callable[[dict], T]) -> T:
    """Check a token, run `action(payload)`, then record the token used: a second use gets TokenError. A failing
    action leaves the token usable. (The actions are idempotent, so two clicks at once do no harm.)"""
    data = read(data_dir, purpose, token)
    digest = hashlib.sha256(token.encode()).hexdigest()
    with session_scope(db_url) as s:
        if s.get(UsedToken, digest) is not None:
            raise TokenError("Liên kết này đã được dùng.")
    result = action(data)
    try:
        with session_scope(db_url) as s:
            s.add(UsedToken(token_hash=digest, purpose=purpose))
    except IntegrityError:  # the other click of a double click recorded it
        pass
    with session_scope(db_url) as s:  # a token older than the longest lifetime fails as expired: forget it
        s.execute(delete(UsedToken).where(UsedToken.used_at < utcnow() - dt.timedelta(seconds=max(MAX_AGE_S.values()))))
    return result
