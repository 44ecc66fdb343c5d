"""casbench's Python harness runtime (standard library only).

runtime   -- the fork-per-call supervisor: the Python twin of harness/common/,
             same semantics (docs/design.md §5) and the same call records.
canonical -- the verify-mode canonical text and digest (docs/protocol.md).
The adapters, one per library family, live in ../adapters/.
"""
