"""Inspection tasks: pools, commitments, draws, responses, replacements, lock/dispatch, sub-draws.

- ``models``      tables (Task, PoolMember, Commitment, Draw, ExpertSlot, Inspection)
- ``result_store`` the compact row form of ``Draw.result`` (the log has the full result)
- ``params``      draw parameters, strictly parsed into their logged form (entries.md §3)
- ``repository``  queries only
- ``service/``    the operations (keyword-only, ``actor``), each logging its entries; one
                  module per stage (pools, commitment, draw, follow-ups, dispatch), docs/tasks.md §0
- ``replay``      pure adapter between logged rows and the draw/v1 engine; shared by the
                  service (to draw) and the verifier (to recompute)
- ``logread``     reads a draw's inputs back from log entries (pure on decoded entries)
- ``verify``      pure recompute of a draw from log entries; raises on mismatch
- ``record/``     the printable 抽取记录表: model, builder, final view, HTML and PDF renderers, QR
"""
