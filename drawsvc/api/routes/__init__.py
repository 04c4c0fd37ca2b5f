"""Thin route modules, one per area: parse, check access, call the service, shape the reply."""
