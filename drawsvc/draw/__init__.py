"""draw/v1: the pure draw engine (docs/draw-spec.md). No I/O, no database, no clock.

Module map (each one job; each cites the spec section it implements):

- ``canonical``  SPEC = "draw/v1"; RFC 8785 bytes (spec §2)
- ``stream``     ``DrawStream``: SHA-256 counter-mode bytes, ``uniform(n)`` by rejection,
                 ``sample(n, k)`` partial Fisher–Yates, sub-stream derivation (spec §4)
- ``seed``       commitments, reveal check (RevealMismatch), seed derivation (spec §3)
- ``pool``       candidate records -> canonical bytes -> pages -> RFC 9162 pool root (spec §5)
- ``targets``    target eligibility (cap), counts from basis points, ratio-group draws (spec §6)
- ``stratify``   proportional allocation with largest remainder, stratified draws (spec §7)
- ``teams``      inspector eligibility, avoidance tags, team assignment, replacement (spec §8, §9)
- ``experts``    expert eligibility, rotation, ordered draw with top-ups, designation (spec §10)
- ``engine``     pure orchestration: requests in, plain JSON-able results out (spec §11)

The service (``drawsvc/draw/service.py``, tasks developer) freezes pools, records commitments,
reveals, calls ``engine`` and logs the result; verifiers call the same ``engine`` functions on the
logged inputs and compare the canonical bytes of the result.
"""

from drawsvc.draw.canonical import SPEC

__all__ = ["SPEC"]
