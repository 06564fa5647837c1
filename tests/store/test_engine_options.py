"""PostgreSQL connection arguments: the timeouts issue 20 added are joined to a URL's own `options` (a
search_path per schema, as the PostgreSQL tests and schema-per-tenant deployments use), never put in their place."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import text

from store.engine import make_engine, postgres_connect_args

PG_URL = os.environ.get("HOCTAP_TEST_POSTGRES_URL")


def test_the_statement_timeout_joins_the_urls_own_options():
    args = postgres_connect_args({}, "postgresql+psycopg://u@h/db?options=-csearch_path%3Dtenant_a")
    assert args["options"] == "-csearch_path=tenant_a -c statement_timeout=30000"
    assert postgres_connect_args({"HOCTAP_DB_STATEMENT_TIMEOUT_S": "5"})["options"] == "-c statement_timeout=5000"


@pytest.mark.postgres
@pytest.mark.skipif(not PG_URL, reason="HOCTAP_TEST_POSTGRES_URL not set")
def test_a_connection_keeps_its_search_path_and_gets_the_timeout():
    eng = make_engine(f"{PG_URL}?options=-csearch_path%3Dhoctap_opts_probe")
    try:
        with eng.connect() as c:
            assert c.execute(text("SHOW search_path")).scalar() == "hoctap_opts_probe"
            assert c.execute(text("SHOW statement_timeout")).scalar() == "30s"
    finally:
        eng.dispose()
