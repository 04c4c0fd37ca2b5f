"""drawsvc/db."""
