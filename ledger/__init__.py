"""ledger: an RFC 9162 Merkle transparency log with C2SP checkpoints and tiles.

Knows nothing about draws. Module map (each one job, named for its spec):

- ``hashing``    RFC 9162 §2.1.1 leaf/node hashes, empty root
- ``tree``       pure roots and proofs over a hash-reader (RFC 9162 §2.1.3, §2.1.4)
- ``verify``     pure verifiers on bytes and ints; they raise, never return a bool
- ``entries``    RFC 8785 canonical encoding and the acceptance rules for entries
- ``note``       C2SP signed-note (Ed25519), strict parser, verify-then-parse
- ``checkpoint`` C2SP tlog-checkpoint body format
- ``keys``       key generation and loading (the private key is never printed)
- ``tiles``      C2SP tlog-tiles path math and tile/bundle codecs (no I/O)
- ``store``      the only SQLAlchemy module: tables, atomic batch append under one writer lock
- ``log``        ``Log``: append -> integrate -> sign checkpoint in one transaction; proof reads
- ``export``     incremental static export in the tlog-tiles layout, checkpoint last
- ``database``   engine set-up (SQLite BEGIN IMMEDIATE; opt-in read-only BEGIN; WAL pragmas)
- ``errors``     the error tree
"""
