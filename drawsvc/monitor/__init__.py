"""``drawsvc monitor``: follow a published log and alarm on a fork, a rollback, a changed key or a
stale checkpoint (docs/specs/witness.md §Monitor)."""
