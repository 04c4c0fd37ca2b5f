"""Results of inspections (一公开): records, vocabulary, deadlines, publication, objections,
follow-ups and dispatch confirmations (docs/specs/results.md).

Pure cores: :mod:`.vocabulary` (the result categories as versioned data), :mod:`.deadlines`
(working-day deadlines and their state), :mod:`.published` (the public form). Database:
:mod:`.models`, :mod:`.repository`; rules and logging: :mod:`.service`, :mod:`.objections`,
:mod:`.followups`, :mod:`.dispatch`, :mod:`.overdue`, :mod:`.batch`.
"""
