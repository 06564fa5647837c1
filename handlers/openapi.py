"""OpenAPI 3.0 description of the web chat's JSON API (served at GET /api/openapi.json; the Schemathesis
test in tests/handlers/test_fuzz_openapi.py fuzzes the running server against it)."""

from __future__ import annotations

_ERROR = {"$ref": "#/components/schemas/Error"}


def _errors(*codes: int) -> dict:
    text = {
        400: "bad input",
        404: "not found",
        408: "body not received in time",
        413: "body or question too large",
        429: "too many requests (Retry-After)",
        503: "database or assistant unavailable (Retry-After when busy)",
    }
    return {str(c): {"description": text[c], "content": {"application/json": {"schema": _ERROR}}} for c in codes}


SOURCE = {
    "type": "object",
    "required": ["file", "doc", "section", "quote", "score"],
    "properties": {
        "file": {"type": "string"},
        "doc": {"type": "string"},
        "section": {"type": "string"},
        "quote": {"type": "string"},
        "score": {"type": "number"},
        "chunk_id": {"type": "integer", "nullable": True},
        "page": {"type": "integer", "nullable": True},
        "citation": {"type": "string"},  # document, date, section label, page: what every channel shows
        "url": {"type": "string", "nullable": True},  # a PDF source's page: api/document/ID#page=N
    },
}

ANSWER = {
    "type": "object",
    "required": ["question", "answered", "answer", "intent", "sources", "elapsed_ms", "deadline_ids", "suggestions"],
    "properties": {
        "question": {"type": "string"},
        "answered": {"type": "boolean"},
        "answer": {"type": "string"},
        "intent": {"type": "string"},
        "sources": {"type": "array", "items": SOURCE},
        "elapsed_ms": {"type": "number"},
        "deadline_ids": {"type": "array", "items": {"type": "string"}},
        "suggestions": {"type": "array", "items": {"type": "string"}},
        # the rest of a long list, whole lines; the answer then ends with "… xem thêm (N)"
        "more": {"type": "array", "items": {"type": "string"}},
    },
}

CHECK = {
    "type": "object",
    "required": ["ok", "detail"],
    "properties": {"ok": {"type": "boolean"}, "detail": {"type": "string"}},
}
HEALTH = {
    "type": "object",
    "required": ["ok", "checks"],
    "properties": {"ok": {"type": "boolean"}, "checks": {"type": "object", "additionalProperties": CHECK}},
}


def _json_body(schema: dict) -> dict:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _ok(description: str, schema: dict, media: str = "application/json") -> dict:
    return {"200": {"description": description, "content": {media: {"schema": schema}}}}


def _obj(required: list[str], **props) -> dict:
    return {"type": "object", "required": required, "properties": props}


STR, INT, BOOL = {"type": "string"}, {"type": "integer"}, {"type": "boolean"}
STRINGS = {"type": "array", "items": STR}

PATHS: dict = {}
PATHS["/api/ask"] = {
    "post": {
        "summary": "Ask a question (the `bot ask --json` answer object); header X-Query-Id for feedback",
        "requestBody": _json_body(
            _obj(
                ["question"], question={"type": "string", "maxLength": 1000}, today={"type": "string", "format": "date"}
            )
        ),
        "responses": {**_ok("the answer", ANSWER), **_errors(400, 408, 413, 429, 503)},
    }
}
PATHS["/api/feedback"] = {
    "post": {
        "summary": "👍 (1) or 👎 (-1) on an answer of this session",
        "requestBody": _json_body(
            _obj(
                ["query_id", "rating"],
                query_id={"type": "integer", "minimum": 1, "maximum": 2147483647},
                rating={"type": "integer", "enum": [1, -1]},
            )
        ),
        "responses": {**_ok("stored", _obj(["ok"], ok=BOOL)), **_errors(400, 404, 408, 413, 429, 503)},
    }
}
PATHS["/api/info"] = {
    "get": {
        "summary": "example questions, documents, provinces and agencies",
        "responses": _ok(
            "info",
            _obj(
                ["examples", "documents", "provinces", "agencies"],
                examples=STRINGS,
                documents=STRINGS,
                provinces=STRINGS,
                agencies=STRINGS,
                telegram_bot=STR,
                lead_days={"type": "array", "items": INT},
                actions={"type": "object"},
            ),
        ),
    }
}
PATHS["/api/deadlines"] = {
    "get": {
        "summary": "deadlines falling due in the next `days` days",
        "parameters": [
            {"name": "days", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 730}},
            {"name": "province", "in": "query", "schema": {"type": "string", "maxLength": 200}},
        ],
        "responses": {
            **_ok(
                "deadlines",
                _obj(
                    ["days", "province", "deadlines"],
                    days=INT,
                    province={"type": "string", "nullable": True},
                    deadlines={"type": "array", "items": {"type": "object"}},
                ),
            ),
            **_errors(400, 429, 503),
        },
    }
}
PATHS["/api/source/{chunk_id}"] = {
    "get": {
        "summary": "the full source section behind an answer's source",
        "parameters": [
            {"name": "chunk_id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 0}}
        ],
        "responses": {
            **_ok(
                "the section",
                _obj(
                    ["chunk_id", "file", "doc", "citation", "section", "text"],
                    chunk_id=INT,
                    file=STR,
                    doc=STR,
                    citation=STR,
                    section=STR,
                    text=STR,
                ),
            ),
            **_errors(400, 404, 429, 503),
        },
    }
}
PATHS["/calendar.ics"] = {
    "get": {
        "summary": "the deadlines as an iCalendar file",
        "parameters": [
            {"name": "province", "in": "query", "schema": {"type": "string", "maxLength": 200}},
            {"name": "agency", "in": "query", "schema": {"type": "string", "maxLength": 300}},
            {"name": "deadline", "in": "query", "schema": {"type": "string", "maxLength": 80}},
        ],
        "responses": {**_ok("iCalendar", STR, "text/calendar"), **_errors(400, 404, 429, 503)},
    }
}
PATHS["/api/document/{doc_id}"] = {
    "get": {
        "summary": "an indexed PDF document's file (a source's `url` opens it at its page)",
        "parameters": [{"name": "doc_id", "in": "path", "required": True, "schema": {"type": "string"}}],
        "responses": {
            "200": {"description": "the PDF", "content": {"application/pdf": {"schema": STR}}},
            **_errors(404, 429),
        },
    }
}
PATHS["/api/subscribe"] = {
    "post": {
        "summary": "subscribe an e-mail address to reminders; a confirmation link is e-mailed (double opt-in)",
        "requestBody": _json_body(
            _obj(
                ["email"],
                email={"type": "string", "maxLength": 200},
                scope={"type": "string", "maxLength": 200},
                lead_days={"type": "array", "items": {"type": "integer", "minimum": 0, "maximum": 365}},
                deadline_id={"type": "string", "maxLength": 40},
            )
        ),
        "responses": {
            **_ok(
                "the confirmation e-mail was sent",
                _obj(
                    ["status", "email", "scope", "lead_days", "message"],
                    status={"type": "string", "enum": ["pending_confirmation"]},
                    email=STR,
                    scope=STR,
                    lead_days={"type": "array", "items": INT},
                    deadline_id={"type": "string", "nullable": True},
                    message=STR,
                ),
            ),
            **_errors(400, 408, 413, 429, 503),
        },
    }
}
PATHS["/healthz"] = {
    "get": {
        "summary": "separate checks: database, store, reminders (outbox, refused recipients), lexical, dense, model",
        "responses": {
            "200": {"description": "every check ok", "content": {"application/json": {"schema": HEALTH}}},
            "503": {"description": "a check fails", "content": {"application/json": {"schema": HEALTH}}},
        },
    }
}

SPEC: dict = {
    "openapi": "3.0.3",
    "info": {"title": "Trợ lý Xã hội học tập — web API", "version": "1"},
    "paths": PATHS,
    "components": {"schemas": {"Error": _obj(["error"], error={"type": "string", "minLength": 1})}},
}
