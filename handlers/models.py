"""The channel adapters' tables — declared in `store.channels` (the schema's one home); re-exported here
for the modules that import them from `handlers.models`."""

# ruff: noqa: F401  (a re-export shim: every name is imported to be imported from here)

from store.channels import (
    Base,
    DeliveryFailure,
    Feedback,
    KnownChat,
    ProcessedUpdate,
    QueryLog,
    ZaloToken,
    utcnow,
)
