"""Schemathesis over the OpenAPI description of the web API (handlers/openapi.py), against the running
server on 127.0.0.1: no 5xx (but /healthz's documented 503), documented status codes and content types,
responses matching their schemas. Deterministic (`derandomize`), HOCTAP_FUZZ_EXAMPLES per operation
(default 60)."""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.support.channels import RunningServer

from handlers.openapi import SPEC

pytestmark = pytest.mark.slow

EXAMPLES = int(os.environ.get("HOCTAP_FUZZ_EXAMPLES", "60"))
schema = schemathesis.openapi.from_dict(SPEC)


@pytest.fixture(scope="module")
def base_url(assistant):
    r = RunningServer(assistant)
    yield f"http://127.0.0.1:{r.port}"
    r.close()


@schema.parametrize()
@settings(
    max_examples=EXAMPLES, derandomize=True, database=None, deadline=None, suppress_health_check=list(HealthCheck)
)
def test_api_conforms_to_its_openapi_description(case, base_url):
    response = case.call(base_url=base_url, timeout=30)
    checks = [status_code_conformance, content_type_conformance, response_schema_conformance]
    if case.path != "/healthz":  # 503 is documented there: a failing check
        checks.append(not_a_server_error)
    case.validate_response(response, checks=checks)


def test_the_description_is_served(base_url):
    import json
    import urllib.request

    with urllib.request.urlopen(base_url + "/api/openapi.json", timeout=10) as r:
        assert json.load(r) == json.loads(json.dumps(SPEC))
