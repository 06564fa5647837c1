"""Database engine and sessions — in `store.db` (the schema's one home); re-exported here for the modules
that import them from `bot.db`. Opening a URL upgrades its database to the newest schema (`store.migrate`)."""

# ruff: noqa: F401  (a re-export shim: every name is imported to be imported from here)

from store.db import (
    Base,
    _engines,
    _lock,
    get_engine,
    make_engine,
    normalise_url,
    session_factory,
    session_scope,
)
