"""``drawsvc witness``: the discipline office's own C2SP witness (docs/specs/witness.md §Witness).

It cosigns a log's checkpoint only after proving it consistent with the last one it cosigned,
and refuses (exit status as the monitor's) a checkpoint that is not: a split view.
"""
