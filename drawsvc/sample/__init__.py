"""Seeded sample registries for demos, tests and benchmarks (not real data).

``generate_targets(n, seed)`` etc. stream rows (English field names, values as files hold
them); ``write_file(kind, rows, path)`` writes them as CSV or XLSX with the Chinese headers.
Phones are obviously fake (``100…``) but are treated as private all the same.
"""

from drawsvc.sample.generator import (
    generate_declarations,
    generate_experts,
    generate_inspectors,
    generate_targets,
    make_uscc,
    sample_check_items,
    write_file,
)

__all__ = [
    "generate_declarations",
    "generate_experts",
    "generate_inspectors",
    "generate_targets",
    "make_uscc",
    "sample_check_items",
    "write_file",
]
