"""drawsvc."""
