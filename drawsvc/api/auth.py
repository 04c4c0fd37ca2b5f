"""API keys: roles, departments, hashing, and the access rules every route applies.

A key looks like ``dsk_<key id>_<secret>``. The key id (12 hex characters) is public: it
names the actor in log entries (``key:<id>``). Only SHA-256 of the secret is stored; the
secret is 256 random bits, so a fast hash is enough (no password stretching needed) and the
comparison is constant-time. The full key is shown once, when created.

Roles (docs/api.md §Roles):

- ``bureau``: acts only for its own department — creates, draws and reads private data of
  that department only; never another's.
- ``discipline`` (纪检监察): reads everything, including sealed draws and the audit trail of
  private fields; cannot create, draw or change anything.
- ``admin``: API keys and departments (and the calendar).
- no key (``public``): reads only what is published.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from drawsvc.db.base import Base
from drawsvc.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthenticated
from drawsvc.journal import Actor, Journal

KEY_PREFIX = "dsk"
KEY_ID_BYTES = 6
SECRET_BYTES = 32
MAX_LABEL = 200
_TOKEN = re.compile(r"^dsk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")

ENTRY_KIND_CREATE = "admin.api-key.create"
ENTRY_KIND_REVOKE = "admin.api-key.revoke"


class Role(StrEnum):
    BUREAU = "bureau"
    DISCIPLINE = "discipline"
    ADMIN = "admin"
    PUBLIC = "public"  # no key


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(sa.String(24), primary_key=True)  # public key id
    secret_sha256: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    role: Mapped[str] = mapped_column(sa.String(20), nullable=False)
    department: Mapped[str | None] = mapped_column(sa.String(64), nullable=True)
    label: Mapped[str] = mapped_column(sa.String(MAX_LABEL), nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True), nullable=True)


@dataclass(frozen=True)
class Principal:
    """Who is calling: a key's role and department, or the public."""

    role: Role
    department: str | None = None
    key_id: str | None = None

    @property
    def actor(self) -> Actor:
        return Actor(role=self.role.value, department=self.department,
                     name=f"key:{self.key_id}" if self.key_id else "public")

    @property
    def scope(self) -> str:
        """Namespace for idempotency keys: one per API key (``public`` without one)."""
        return self.key_id or "public"

    @property
    def reads_private(self) -> bool:
        """May see private fields at all (its own department's for a bureau)."""
        return self.role in (Role.BUREAU, Role.DISCIPLINE)

    def sees_department(self, department: str | None) -> bool:
        """May read the private data of ``department``."""
        if self.role is Role.DISCIPLINE:
            return True
        return self.role is Role.BUREAU and department is not None and department == self.department


PUBLIC = Principal(role=Role.PUBLIC)


# --- access rules (raise; never return a bool a caller could forget) ---------------------

def require_role(principal: Principal, *roles: Role) -> None:
    """Refuse unless the caller has one of ``roles`` (401 without a key, else 403)."""
    if principal.role in roles:
        return
    if principal.role is Role.PUBLIC:
        raise Unauthenticated("an API key is required for this operation",
                              rule="auth.key-required")
    allowed = ", ".join(r.value for r in roles)
    raise Forbidden(f"role {principal.role.value} may not do this (allowed: {allowed})",
                    rule="auth.role", role=principal.role.value)


def require_bureau_of(principal: Principal, department: str) -> None:
    """Refuse unless the caller is a bureau key of ``department`` (the only one that may act for it)."""
    require_role(principal, Role.BUREAU)
    if principal.department != department:
        raise Forbidden("a bureau key may act only for its own department",
                        rule="auth.department", department=department)


def require_reader_of(principal: Principal, department: str | None) -> None:
    """Refuse unless the caller may read ``department``'s private data (its bureau or discipline)."""
    require_role(principal, Role.BUREAU, Role.DISCIPLINE, Role.ADMIN)
    if principal.role is Role.ADMIN or not principal.sees_department(department):
        raise Forbidden("this key may not read another department's private data",
                        rule="auth.department", department=department)


def department_filter(principal: Principal) -> str | None:
    """The department a listing of private data must be limited to (None: all, for discipline)."""
    if principal.role is Role.DISCIPLINE:
        return None
    require_role(principal, Role.BUREAU)
    assert principal.department is not None
    return principal.department


# --- keys ---------------------------------------------------------------------------------

def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def new_token() -> tuple[str, str, str]:
    """(key id, secret, full key)."""
    key_id = secrets.token_hex(KEY_ID_BYTES)
    secret = secrets.token_urlsafe(SECRET_BYTES)
    return key_id, secret, f"{KEY_PREFIX}_{key_id}_{secret}"


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def create_api_key(
    session: Session, journal: Journal, *, role: Role | str, department: str | None,
    label: str = "", actor: Actor,
) -> tuple[ApiKey, str]:
    """Create a key; return the row and the full key (shown once, never stored)."""
    try:
        role = Role(role)
    except ValueError:
        raise InvalidInput(f"role: must be one of bureau, discipline, admin, not {role!r}",
                           field="role", rule="auth.role-known") from None
    if role is Role.PUBLIC:
        raise InvalidInput("role: public needs no key", field="role", rule="auth.role-known")
    department = (department or "").strip() or None
    if role is Role.BUREAU and department is None:
        raise InvalidInput("department: a bureau key needs its department", field="department",
                           rule="auth.bureau-department")
    if role is not Role.BUREAU and department is not None:
        raise InvalidInput(f"department: a {role.value} key has no department", field="department",
                           rule="auth.department-only-bureau")
    if department is not None and (len(department) > 64 or not department.isprintable()):
        raise InvalidInput("department: 1–64 printable characters", field="department",
                           rule="auth.department-format")
    if department is not None:
        from drawsvc.registries.service import require_department  # lazily: registries import db models

        require_department(session, department)
    label = label.strip()
    if len(label) > MAX_LABEL or not label.isprintable():
        raise InvalidInput(f"label: at most {MAX_LABEL} printable characters", field="label",
                           rule="auth.label-format")
    key_id, secret, token = new_token()
    row = ApiKey(id=key_id, secret_sha256=hash_secret(secret), role=role.value, department=department,
                 label=label, created_at=_now())
    session.add(row)
    session.flush()
    journal.record(session, ENTRY_KIND_CREATE,
                   {"key_id": key_id, "role": role.value, "department": department}, actor=actor)
    return row, token


def list_api_keys(session: Session, *, include_revoked: bool = False) -> list[ApiKey]:
    query = sa.select(ApiKey).order_by(ApiKey.created_at, ApiKey.id)
    if not include_revoked:
        query = query.where(ApiKey.revoked_at.is_(None))
    return list(session.scalars(query))


def revoke_api_key(session: Session, journal: Journal, *, key_id: str, actor: Actor) -> ApiKey:
    row = session.get(ApiKey, key_id)
    if row is None:
        raise NotFound(f"no API key {key_id}", field="key_id", rule="auth.key-exists")
    if row.revoked_at is not None:
        raise Conflict(f"API key {key_id} is already revoked", field="key_id", rule="auth.key-active")
    row.revoked_at = _now()
    session.flush()
    journal.record(session, ENTRY_KIND_REVOKE, {"key_id": key_id}, actor=actor)
    return row


def authenticate(session: Session, token: str | None) -> Principal:
    """The principal for a presented key; the public for none; ``Unauthenticated`` for a bad one."""
    if token is None or token == "":
        return PUBLIC
    match = _TOKEN.match(token.strip())
    if match is None:
        raise Unauthenticated("the API key is malformed", rule="auth.key-format")
    key_id, secret = match.groups()
    # the four columns by a Core statement, not an ORM load: this runs on every request
    row = session.connection().execute(_KEY_ROW, {"id": key_id}).first()
    # Compare even when the key id is unknown, so timing does not tell which ids exist.
    expected = row.secret_sha256 if row is not None else "0" * 64
    if not hmac.compare_digest(expected, hash_secret(secret)) or row is None:
        raise Unauthenticated("the API key is not valid", rule="auth.key-unknown")
    if row.revoked_at is not None:
        raise Unauthenticated("the API key has been revoked", rule="auth.key-revoked")
    return Principal(role=Role(row.role), department=row.department, key_id=key_id)


_KEY_ROW = sa.select(ApiKey.secret_sha256, ApiKey.role, ApiKey.department, ApiKey.revoked_at).where(
    ApiKey.id == sa.bindparam("id"))
