"""drawsvc/cli."""
