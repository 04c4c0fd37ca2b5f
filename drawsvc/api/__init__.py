"""drawsvc/api."""
