"""Coverage and fairness statistics of the random inspections (docs/specs/coverage.md).

``yearly_statistics(session, year=…, department=None)`` is the report (``service.coverage``),
the name ``benchmarks/results_bench.py`` looks for.
"""

from drawsvc.coverage.service import coverage as yearly_statistics

__all__ = ["yearly_statistics"]
