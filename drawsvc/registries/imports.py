"""All-or-nothing imports of registry files (CSV, XLSX) — docs/specs/registries.md §5, §7.3.

One pass over the file, streamed in batches of ``BATCH_ROWS`` rows, inside a SAVEPOINT of the
caller's transaction: each batch is validated, written and (while no error has been seen)
logged. Any bad row anywhere makes the whole import fail with ``ImportRejected`` listing every
bad row (row number as the spreadsheet shows it, column header, rule id): the savepoint is
rolled back, so nothing is written and nothing is logged. Valid rows after the first error are
still written into the doomed savepoint so that duplicates later in the file are found too.

Memory stays bounded: rows are read one at a time, duplicates within the file are found in the
database (``import_ref`` marks rows written by this import), and at most ``MAX_LISTED_ERRORS``
row errors are kept (the total count is reported).

Speed: the cyclic GC is paused within the read loop and run between batches (rows are
acyclic); on PostgreSQL a batch's new targets are copied on a worker thread
(``db.copy.BackgroundCopy``) while the next batch is read and validated, and the connection is
settled before any other statement, so the server's COPY and the client's Python overlap.

Log scheme (§7.3, decision 0049): records that changed are packed, in file order, as arrays
under one ``fields`` list into entries of kind ``registry.<kind>.batch.v2``, each filled up to
the log's entry limit and appended ``FLUSH_ENTRIES`` at a time, then one ``registry.import``
summary entry closes the import. Unchanged records append nothing.
"""

from __future__ import annotations

import gc
import json
import uuid
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from pathlib import Path
from typing import IO, Any, Protocol, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

from drawsvc.db.arrays import text_array
from drawsvc.db.copy import BackgroundCopy, background_copies, copy_rows, supports_copy
from drawsvc.errors import ImportRejected, InvalidInput, RowError
from drawsvc.gcpause import gc_paused
from drawsvc.journal import Actor, Journal
from drawsvc.registries import expert_rules as xr
from drawsvc.registries import fields as f
from drawsvc.registries import records, repository, rules
from drawsvc.registries.experts import apply_expert_record, new_expert_row, pool_rules
from drawsvc.registries.formats import LAYOUTS, Layout
from drawsvc.registries.models import Expert, ExpertPool, Inspector, InterestDeclaration, Target
from drawsvc.registries.service import INSPECTOR_TRANSITIONS, apply_inspector, new_declaration, redeclare
from drawsvc.registries.tabular import Format, iter_rows
from ledger.entries import canonicalize

BATCH_ROWS = 2000
MAX_LISTED_ERRORS = 1000
FLUSH_ENTRIES = 32  # batch entries appended to the log at a time (≤ 2 MiB of bodies waiting)
KIND_SUMMARY = "registry.import"
# .v2: records as arrays under ``fields`` (spec §7.3); declarations also commit their terms (P-5)
BATCH_KINDS = {
    "targets": "registry.target.batch.v2",
    "inspectors": "registry.inspector.batch.v2",
    "experts": "registry.expert.batch.v2",
    "declarations": "registry.declaration.batch.v2",
}

Raw = dict[str, Any]
Batch = list[tuple[int, Raw]]


@dataclass
class ImportReport:
    import_ref: str
    kind: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    log_first_index: int | None = None
    log_entries: int = 0

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class _Imported(Protocol):
    import_ref: Any  # a mapped column: str | None


_R = TypeVar("_R", bound=_Imported)


@dataclass
class _Context:
    session: Session
    layout: Layout
    import_ref: str
    on: date
    department: str | None
    pool_code: str | None
    report: ImportReport
    errors: list[RowError] = field(default_factory=list)
    bad_row_count: int = 0
    last_bad_row: int = 0  # a row's errors are reported together, so counting needs no set
    copies: BackgroundCopy | None = None  # PostgreSQL targets: each batch's COPY on a worker

    def settle(self) -> None:
        """Wait for the batch's COPY in flight (if any): before any other use of the connection."""
        if self.copies is not None:
            self.copies.settle()

    def fail(self, row: int, fld: str, rule: str, message: str) -> None:
        if row != self.last_bad_row:
            self.last_bad_row = row
            self.bad_row_count += 1
        if len(self.errors) < MAX_LISTED_ERRORS:
            self.errors.append(
                RowError(row=row, column=self.layout.header_of(fld), rule=rule, message=message)
            )

    def fail_all(self, row: int, errors: list[InvalidInput]) -> None:
        for e in errors:
            self.fail(row, e.field, e.rule, e.message)

    def duplicate(self, row: int, fld: str, first: int | None = None) -> None:
        where = f"row {first}" if first is not None else "an earlier row"
        self.fail(row, fld, rules.DUPLICATE, f"{self.layout.header_of(fld)} repeats {where} of this file")

    def first_in_batch(self, seen: dict[str, int], row: int, key: str, fld: str) -> bool:
        """Whether ``key`` is new in this batch (``seen``: key → its first row); a repeat fails."""
        if key in seen:
            self.duplicate(row, fld, seen[key])
            return False
        seen[key] = row
        return True

    def merge(self, row: int, fld: str, old: _R | None, create: Callable[[], _R],
              update: Callable[[_R], bool | None]) -> _R | None:
        """Create a row or update ``old`` with one parsed record, and count which in the report.

        ``update`` applies the record and says whether anything changed, or returns ``None``
        when it refused the row (it has called ``fail``). A key this import has already written
        (an earlier batch) is a duplicate. Returns the row whose body is to be logged, if any.
        """
        if old is None:
            new = create()
            self.session.add(new)
            self.report.created += 1
            return new
        if old.import_ref == self.import_ref:
            self.duplicate(row, fld)
            return None
        changed = update(old)
        if changed is None:
            return None
        old.import_ref = self.import_ref
        if changed:
            self.report.updated += 1
            return old
        self.report.unchanged += 1
        return None


# Target records in a batch entry: one array per record, in this order (spec §7.3).
TARGET_FIELDS = (
    "uscc",
    "version",
    "name",
    "target_type",
    "scale",
    "region_code",
    "registration_authority",
    "industry",
    "risk_flags",
    "credit_class",
    "status",
)
# Brackets, 10 commas and the quotes of the 9 string values of a target record array.
_TARGET_ARRAY_BYTES = 2 + (len(TARGET_FIELDS) - 1) + 2 * (len(TARGET_FIELDS) - 2)
_FLAGS_BYTES: dict[tuple[str, ...], int] = {}


def record_size(values: list[Any]) -> int:
    """The exact size of ``values`` (one record array) in the entry's canonical bytes."""
    return len(canonicalize({"r": values})) - len('{"r":}')


def target_record_size(b: dict[str, Any]) -> int:
    """:func:`record_size` of a target record without encoding it (import speed): UTF-8 bytes of
    the strings plus one escape byte per ``"`` or ``\\`` (control characters, the only other
    escapes, are refused by validation). Tests check it equals the canonical size."""
    text = b["uscc"] + b["name"] + b["target_type"] + b["scale"] + b["region_code"]
    text += b["registration_authority"] + b["industry"] + b["credit_class"] + b["status"]
    flags = tuple(b["risk_flags"])
    flag_bytes = _FLAGS_BYTES.get(flags)
    if flag_bytes is None:
        flag_bytes = _FLAGS_BYTES[flags] = record_size(list(flags))
    n = _TARGET_ARRAY_BYTES + len(text.encode("utf-8")) + len(str(b["version"])) + flag_bytes
    if '"' in text or "\\" in text:
        n += text.count('"') + text.count("\\")
    return n


class _Packer:
    """Packs records, in order, into ``{import, part, fields, records}`` batch bodies (spec §7.3).

    Each record is an array of its values in ``fields`` order; an entry takes records while its
    canonical bytes stay within the log's entry limit (sizes are exact, the envelope is measured
    once), so a million targets need ≈ 3,000 entries.
    """

    MARGIN = 64  # bytes kept free: a longer ``part`` number, clock variations

    def __init__(
        self,
        session: Session,
        journal: Journal,
        kind: str,
        import_ref: str,
        actor: Actor,
        report: ImportReport,
        fields: tuple[str, ...] = (),
        settle: Callable[[], None] = lambda: None,
    ) -> None:
        self.session, self.journal, self.kind = session, journal, kind
        self.settle = settle  # before the log is written: the connection must be free
        self.import_ref, self.actor, self.report = import_ref, actor, report
        self.fields = fields  # () : the keys of the first record, in its order
        self.budget: int | None = None
        self.pending: list[list[Any]] = []
        self.size = 0
        self.ready: list[dict[str, Any]] = []

    def _start(self, fields: tuple[str, ...]) -> tuple[str, ...]:
        """Begin a new entry whose records have ``fields`` (the envelope's size is measured)."""
        if self.pending:
            self._seal()
        self.fields = fields
        empty = {"import": self.import_ref, "part": 10**9, "fields": list(fields), "records": []}
        overhead = len(canonicalize(self.journal.envelope(self.kind, empty, self.actor)))
        self.budget = self.journal.log.max_entry_size - overhead - self.MARGIN
        return fields

    def add(self, body: dict[str, Any], size: int | None = None) -> None:
        """Add one record; ``size`` is its :func:`record_size` when the caller knows it."""
        fields = self.fields
        if self.budget is None or len(body) != len(fields):
            fields = self._start(fields if len(body) == len(fields) else tuple(body))
        try:
            values = [body[k] for k in fields]  # same length and no KeyError: the same keys
        except KeyError:
            fields = self._start(tuple(body))
            values = [body[k] for k in fields]
        assert self.budget is not None
        n = (record_size(values) if size is None else size) + 1  # + the separating comma
        if n > self.budget:
            raise InvalidInput("a record is too large for one log entry", field="file", rule=rules.TEXT)
        if self.size + n > self.budget:
            self._seal()
        self.pending.append(values)
        self.size += n

    def _seal(self) -> None:
        part = self.report.log_entries + len(self.ready)
        self.ready.append(
            {"import": self.import_ref, "part": part, "fields": list(self.fields), "records": self.pending}
        )
        self.pending, self.size = [], 0

    def flush(self, *, final: bool = False) -> None:
        """Append the sealed entries once ``FLUSH_ENTRIES`` are ready (or all, when ``final``).

        Each append rewrites the log's partial entry bundle (up to 256 entries, ledger/store.py),
        so appending many entries at a time, not once per row batch, keeps that rewriting small.
        """
        if final and self.pending:
            self._seal()
        if not self.ready or (not final and len(self.ready) < FLUSH_ENTRIES):
            return
        self.settle()
        result = self.journal.record_many(self.session, self.kind, self.ready, actor=self.actor)
        if self.report.log_first_index is None:
            self.report.log_first_index = result.first_index
        self.report.log_entries += len(self.ready)
        self.ready = []


def _map_header(ctx: _Context, header: list[Any]) -> list[str | None]:
    lookup = ctx.layout.lookup()
    mapped: list[str | None] = []
    seen: set[str] = set()
    for cell in header:
        name = str(cell).strip().lstrip("\ufeff") if cell is not None else ""
        fld = lookup.get(name)
        if fld is not None and fld in seen:
            ctx.fail(1, fld, rules.DUPLICATE, f"column {name} appears twice")
            fld = None
        if fld is not None:
            seen.add(fld)
        mapped.append(fld)
    for col in ctx.layout.columns:
        if col.required and col.field not in seen:
            ctx.fail(1, col.field, rules.REQUIRED, f"column {col.header} is missing")
    return mapped


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


# --------------------------------------------------------------------------- writers
_TARGET_FIELDS = TARGET_FIELDS[2:]  # what a re-import may change: all but the key and the version


def _write_targets(ctx: _Context, batch: Batch) -> list[dict[str, Any]]:
    parsed: list[tuple[int, dict[str, Any]]] = []
    seen: dict[str, int] = {}
    for row, raw in batch:
        rec = records.parse_target_fast(raw)
        if rec is None:
            full, errs = records.parse_target(raw)
            if errs:
                ctx.fail_all(row, errs)
                continue
            assert full is not None
            rec = dict(full.__dict__)
        if ctx.first_in_batch(seen, row, rec["uscc"], "uscc"):
            parsed.append((row, rec))
    if not parsed:
        return []
    table = Target.__table__
    ctx.settle()
    conn = ctx.session.connection()
    existing = _existing_targets(conn, [rec["uscc"] for _, rec in parsed])
    created: list[dict[str, Any]] = []  # log bodies, also the rows to insert
    touched: list[dict[str, Any]] = []  # unchanged rows: only import_ref is set
    updates: list[dict[str, Any]] = []
    bodies: list[dict[str, Any]] = []
    for row, body in parsed:  # body: the public record, in TargetRecord field order
        old = existing.get(body["uscc"])
        if old is not None and old.import_ref == ctx.import_ref:
            ctx.duplicate(row, "uscc")
            continue
        if old is None:
            body["version"] = 1
            created.append(body)
            bodies.append(body)
        elif all(getattr(old, k) == body[k] for k in _TARGET_FIELDS):
            touched.append({"b_id": old.id, "import_ref": ctx.import_ref})
        else:
            body["version"] = old.version + 1
            updates.append({"b_id": old.id, "import_ref": ctx.import_ref, **body})
            bodies.append(body)
    ctx.report.created += len(created)
    ctx.report.updated += len(updates)
    ctx.report.unchanged += len(touched)
    by_id = table.c.id == sa.bindparam("b_id")
    if touched:
        conn.execute(table.update().where(by_id).values(import_ref=sa.bindparam("import_ref")), touched)
    if updates:
        cols = ("version", "import_ref", *_TARGET_FIELDS)
        conn.execute(table.update().where(by_id).values({c: sa.bindparam(c) for c in cols}), updates)
    if created:  # last: on PostgreSQL the COPY goes on while the next batch is parsed
        _insert_targets(conn, created, ctx.import_ref, ctx.copies)
    return bodies


def _existing_targets(conn: sa.Connection, keys: list[str]) -> dict[str, Any]:
    if supports_copy(conn):  # the whole batch as one array parameter: one statement
        return _existing_targets_pg(conn, keys)
    table = Target.__table__
    out: dict[str, Any] = {}
    for i in range(0, len(keys), repository.IN_CHUNK):
        chunk = keys[i : i + repository.IN_CHUNK]
        if conn.dialect.name == "sqlite":  # plain driver call: no per-key bind names to compile
            cols = ", ".join(c.name for c in table.columns)
            sql = f"SELECT {cols} FROM {table.name} WHERE uscc IN ({', '.join('?' for _ in chunk)})"
            result = conn.exec_driver_sql(sql, tuple(chunk))
            for r in result:
                row = r._mapping
                fixed = dict(row)
                fixed["risk_flags"] = json.loads(row["risk_flags"]) if row["risk_flags"] else []
                out[row["uscc"]] = _Old(**fixed)
        else:
            for r in conn.execute(sa.select(table).where(table.c.uscc.in_(chunk))):
                out[r.uscc] = r
    return out


def _existing_targets_pg(conn: sa.Connection, keys: list[str]) -> dict[str, Any]:
    """The rows of ``keys`` with one ``= ANY(array)`` statement through the driver (a 2,000-row
    batch was four compiled ``IN`` lists); psycopg reads the JSON column as a list."""
    table = Target.__table__
    cols = ", ".join(c.name for c in table.columns)
    sql = f"SELECT {cols} FROM {table.name} WHERE uscc = ANY(%s::text[])"
    # keys are validated codes (digits and capitals): one array literal (``text_array``)
    return {r.uscc: _Old(**r._mapping) for r in conn.exec_driver_sql(sql, (text_array(keys),))}


@dataclass
class _Old:
    id: int
    uscc: str
    name: str
    target_type: str
    scale: str
    region_code: str
    registration_authority: str
    industry: str
    risk_flags: list[str]
    credit_class: str
    status: str
    version: int
    import_ref: str | None


_INSERT_COLUMNS = TARGET_FIELDS  # a new row's columns, in the order of the batch entry's arrays


_FLAGS_JSON: dict[tuple[str, ...], str] = {}  # at most 2^4 flag lists: each serialised once


def _flags_json(flags: list[str]) -> str:
    """The JSON column's text, as SQLAlchemy's JSON type writes it (``json.dumps``)."""
    text = _FLAGS_JSON[tuple(flags)] = json.dumps(flags)
    return text


def _insert_targets(
    conn: sa.Connection, bodies: list[dict[str, Any]], import_ref: str, copies: BackgroundCopy | None = None
) -> None:
    """Bulk insert. On SQLite straight through the driver, on PostgreSQL (psycopg) by ``COPY``
    (the JSON column serialised here as SQLAlchemy's JSON type does, ``json.dumps``: the same
    stored text), started on ``copies``' worker when given; other drivers through SQLAlchemy
    Core."""
    copy = supports_copy(conn)
    if conn.dialect.name != "sqlite" and not copy:
        conn.execute(Target.__table__.insert(), [{**b, "import_ref": import_ref} for b in bodies])
        return
    flags_json = _FLAGS_JSON
    params = [
        (
            b["uscc"],
            b["version"],
            b["name"],
            b["target_type"],
            b["scale"],
            b["region_code"],
            b["registration_authority"],
            b["industry"],
            flags_json.get(tuple(b["risk_flags"])) or _flags_json(b["risk_flags"]),
            b["credit_class"],
            b["status"],
            import_ref,
        )
        for b in bodies
    ]
    columns = f"{', '.join(_INSERT_COLUMNS)}, import_ref"
    if copy:
        columns_copied = [*_INSERT_COLUMNS, "import_ref"]
        if copies is not None:
            copies.start(conn, Target.__tablename__, columns_copied, params)
        else:
            copy_rows(conn, Target.__tablename__, columns_copied, params)
        return
    marks = ", ".join("?" for _ in range(len(_INSERT_COLUMNS) + 1))
    sql = f"INSERT INTO {Target.__tablename__} ({columns}) VALUES ({marks})"
    conn.exec_driver_sql(sql, params)


def _department_of_row(ctx: _Context, row: int, raw: Raw, known: dict[str, bool]) -> str | None:
    dept = str(raw.get("department_code") or "").strip() or ctx.department
    if not dept:
        ctx.fail(row, "department_code", rules.REQUIRED, "部门代码 is required (column or --department)")
        return None
    if ctx.department is not None and dept != ctx.department:
        ctx.fail(row, "department_code", rules.DEPARTMENT_SCOPE, "row belongs to another department")
        return None
    if dept not in known:
        known[dept] = repository.get_department(ctx.session, dept) is not None
    if not known[dept]:
        ctx.fail(row, "department_code", rules.UNKNOWN_REFERENCE, "department is not registered")
        return None
    return dept


def _write_inspectors(ctx: _Context, batch: Batch) -> list[dict[str, Any]]:
    known: dict[str, bool] = {}
    parsed: list[tuple[int, records.InspectorRecord]] = []
    seen: dict[str, int] = {}
    for row, raw in batch:
        dept = _department_of_row(ctx, row, raw, known)
        rec, errs = records.parse_inspector(raw, department_code=dept or "X", on=ctx.on)
        if errs:
            ctx.fail_all(row, errs)
            continue
        if dept is None:
            continue
        assert rec is not None
        if ctx.first_in_batch(seen, row, rec.code, "staff_no"):
            parsed.append((row, rec))
    existing = repository.inspectors_by_code(ctx.session, [rec.code for _, rec in parsed])
    changed: list[Inspector] = []
    for row, rec in parsed:
        written = ctx.merge(row, "staff_no", existing.get(rec.code),
                            partial(_new_inspector, ctx.import_ref, rec),
                            partial(_update_inspector, ctx, row, rec))
        if written is not None:
            changed.append(written)
    ctx.session.flush()
    return [records.inspector_body(i) for i in changed]


def _new_inspector(import_ref: str, rec: records.InspectorRecord) -> Inspector:
    new = Inspector(code=rec.code, version=1, import_ref=import_ref, phone=None, phone_salt=None)
    apply_inspector(new, rec)
    return new


def _update_inspector(ctx: _Context, row: int, rec: records.InspectorRecord, old: Inspector) -> bool | None:
    if old.status != rec.status and rec.status not in INSPECTOR_TRANSITIONS[old.status]:
        ctx.fail(row, "status", rules.STATUS_TRANSITION, f"status cannot change from {old.status}")
        return None
    if not apply_inspector(old, rec):
        return False
    old.version += 1
    return True


def _write_experts(ctx: _Context, batch: Batch) -> list[dict[str, Any]]:
    pools: dict[str, ExpertPool | None] = {}
    parsed: list[tuple[int, records.ExpertRecord, date, date]] = []
    seen: dict[str, int] = {}
    for row, raw in batch:
        code = str(raw.get("pool_code") or "").strip() or ctx.pool_code
        if not code:
            ctx.fail(row, "pool_code", rules.REQUIRED, "专家库编号 is required (column or --pool)")
            continue
        if code not in pools:
            pools[code] = repository.get_pool(ctx.session, code)
        pool = pools[code]
        if pool is None:
            ctx.fail(row, "pool_code", rules.UNKNOWN_REFERENCE, "expert pool is not registered")
            continue
        if ctx.department is not None and pool.department_code not in (None, ctx.department):
            ctx.fail(row, "pool_code", rules.DEPARTMENT_SCOPE, "pool belongs to another department")
            continue
        c = f.Checker()
        term_start = c(f.a_date, raw, "term_start")
        term_end = c(f.a_date, raw, "term_end")
        if term_start and term_end:
            c(xr.check_term, term_start, term_end, pool.term_years)
        rec, errs = records.parse_expert(raw, pool=pool_rules(pool), pool_code=pool.code, on=ctx.on)
        if errs or c.errors:
            ctx.fail_all(row, errs + c.errors)
            continue
        assert rec is not None
        if ctx.first_in_batch(seen, row, rec.code, "code"):
            parsed.append((row, rec, term_start, term_end))
    existing = repository.experts_by_code(ctx.session, [p[1].code for p in parsed])
    changed: list[Expert] = []
    for row, rec, start, end in parsed:
        new = partial(new_expert_row, rec, status="admitted", import_ref=ctx.import_ref, term_start=start,
                      term_end=end)
        written = ctx.merge(row, "code", existing.get(rec.code), new,
                            partial(_update_expert, rec, start, end))
        if written is not None:
            changed.append(written)
    ctx.session.flush()
    return [records.expert_body(e) for e in changed]


def _update_expert(rec: records.ExpertRecord, start: date, end: date, old: Expert) -> bool:
    moved = (old.term_start, old.term_end) != (start, end)
    old.term_start, old.term_end = start, end
    if not (apply_expert_record(old, rec) or moved):
        return False
    old.version += 1
    return True


def _write_declarations(ctx: _Context, batch: Batch) -> list[dict[str, Any]]:
    parsed: list[tuple[int, records.DeclarationRecord]] = []
    seen: dict[str, int] = {}
    for row, raw in batch:
        rec, errs = records.parse_declaration(raw)
        if errs:
            ctx.fail_all(row, errs)
            continue
        assert rec is not None
        if ctx.first_in_batch(seen, row, rec.key, "person_code"):
            parsed.append((row, rec))
    inspectors = repository.inspectors_by_code(
        ctx.session, [r.person_code for _, r in parsed if r.person_kind == "inspector"]
    )
    experts = repository.experts_by_code(
        ctx.session, [r.person_code for _, r in parsed if r.person_kind == "expert"]
    )
    pool_dept = {p.code: p.department_code for p in repository.list_pools(ctx.session)}
    existing = repository.declarations_by_key(ctx.session, [r.key for _, r in parsed])
    changed: list[InterestDeclaration] = []
    for row, rec in parsed:
        if rec.person_kind == "inspector":
            person = inspectors.get(rec.person_code)
            owner = person.department_code if person else None
        else:
            expert = experts.get(rec.person_code)
            person, owner = expert, pool_dept.get(expert.pool_code) if expert else None
        if person is None:
            ctx.fail(row, "person_code", rules.UNKNOWN_REFERENCE, "no such inspector or expert")
            continue
        if ctx.department is not None and owner is not None and owner != ctx.department:
            ctx.fail(row, "person_code", rules.DEPARTMENT_SCOPE, "person belongs to another department")
            continue
        written = ctx.merge(row, "person_code", existing.get(rec.key),
                            partial(new_declaration, rec, import_ref=ctx.import_ref),
                            partial(redeclare, rec=rec))
        if written is not None:
            changed.append(written)
    ctx.session.flush()
    return [records.declaration_body(d) for d in changed]


_WRITERS: dict[str, Callable[[_Context, Batch], list[dict[str, Any]]]] = {
    "targets": _write_targets,
    "inspectors": _write_inspectors,
    "experts": _write_experts,
    "declarations": _write_declarations,
}
KINDS = tuple(_WRITERS)


# --------------------------------------------------------------------------- entry point
def import_file(
    session: Session,
    journal: Journal,
    source: IO[bytes] | bytes | str | Path,
    *,
    kind: str,
    fmt: Format,
    actor: Actor,
    on: date,
    department: str | None = None,
    pool_code: str | None = None,
    progress: Callable[[int], None] | None = None,
    batch_rows: int = BATCH_ROWS,
) -> ImportReport:
    """Import a whole file or nothing. ``source``: a path, bytes or a binary file object.

    ``kind``: targets | inspectors | experts | declarations. ``fmt``: csv | xlsx. ``on``: the
    date rules are checked against (certificate validity, expert age). ``department`` scopes
    inspectors/experts/declarations (rows of another department are refused, RG-37) and is the
    default 部门代码; ``pool_code`` the default 专家库编号. ``progress(rows_done)`` is called
    after each batch. Raises ``ImportRejected`` (nothing written, nothing logged).
    """
    if kind not in _WRITERS:
        raise InvalidInput(
            "kind must be targets, inspectors, experts or declarations", field="kind", rule=rules.ENUM
        )
    layout = LAYOUTS[kind]
    import_ref = uuid.uuid4().hex[:20]
    report = ImportReport(import_ref=import_ref, kind=kind)
    ctx = _Context(
        session=session,
        layout=layout,
        import_ref=import_ref,
        on=on,
        department=department,
        pool_code=pool_code,
        report=report,
    )
    packer = _Packer(
        session, journal, BATCH_KINDS[kind], import_ref, actor, report,
        fields=TARGET_FIELDS if kind == "targets" else (), settle=ctx.settle,
    )
    writer = _WRITERS[kind]
    overlap = kind == "targets" and supports_copy(session.connection())
    with session.begin_nested(), (background_copies() if overlap else nullcontext()) as copies:
        ctx.copies = copies
        rows = iter_rows(source, fmt)
        header = next(rows, None)
        if header is None:
            raise ImportRejected("the file is empty", rows=[RowError(1, "", rules.REQUIRED, "no header row")])
        mapped = _map_header(ctx, header[1])
        if ctx.errors:
            raise _rejected(ctx)
        batch: Batch = []
        every_column_known = None not in mapped
        width = len(mapped)
        with gc_paused():  # collected between batches instead (below)
            for n, cells in rows:
                first = cells[0] if cells else None
                if not (type(first) is str and first.strip()) and all(_blank(v) for v in cells):
                    continue
                if every_column_known and len(cells) == width:
                    raw = dict(zip(mapped, cells, strict=True))  # type: ignore[arg-type]
                else:
                    raw = {fld: v for fld, v in zip(mapped, cells, strict=False) if fld is not None}
                batch.append((n, raw))
                if len(batch) >= batch_rows:
                    _run_batch(ctx, writer, batch, packer, progress)
                    batch = []
                    gc.collect(1)
            if batch:
                _run_batch(ctx, writer, batch, packer, progress)
        ctx.settle()
        if ctx.bad_row_count:
            raise _rejected(ctx)
        packer.flush(final=True)
        summary = {
            "import": import_ref,
            "kind": kind,
            "rows": report.rows,
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "parts": report.log_entries,
            "department": department,
            "pool": pool_code,
        }
        index = journal.record(session, KIND_SUMMARY, summary, actor=actor)
        if report.log_first_index is None:
            report.log_first_index = index
        report.log_entries += 1
    return report


def _run_batch(
    ctx: _Context,
    writer: Callable[[_Context, Batch], list[dict[str, Any]]],
    batch: Batch,
    packer: _Packer,
    progress: Callable[[int], None] | None,
) -> None:
    bodies = writer(ctx, batch)
    ctx.report.rows += len(batch)
    if not ctx.bad_row_count:
        if ctx.layout.kind == "targets":
            for body in bodies:
                packer.add(body, target_record_size(body))
        else:
            for body in bodies:
                packer.add(body)
        packer.flush()
    if progress is not None:
        progress(ctx.report.rows)


def _rejected(ctx: _Context) -> ImportRejected:
    shown = len(ctx.errors)
    total = ctx.bad_row_count
    more = f" (first {shown} errors listed)" if shown >= MAX_LISTED_ERRORS else ""
    rows = sorted(ctx.errors, key=lambda e: e.row)  # stable: a row's columns stay in order
    return ImportRejected(f"{total} bad row(s); nothing was imported{more}", rows=rows, bad_rows=total)
