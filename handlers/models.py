"""The channel adapters' tables — declared in `store.channels` (the schema's one home); re-exported here
for the modules that import them from `handlers.models`."""
from store.channels import (Base, DeliveryFailure, Feedback, KnownChat, ProcessedUpdate, QueryLog,  # noqa: F401
                            ZaloToken, utcnow)
