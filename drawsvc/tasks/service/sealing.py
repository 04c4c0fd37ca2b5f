"""The private state of a sealed round and the rule that guards it (docs/specs/sealed-draws.md).

The salt and the commitment of a sealed round are kept in the database, in the round's
``Commitment.pools`` under ``"seal"`` (beside the frozen pools it already keeps; the avoidance
salt waits there the same way, in ``Commitment.avoidance_salt``), until ``draw.disclose``
publishes them (SEAL-5). No schema change: ``{"salt", "commitment", "opens", "draw", "disclosed"}``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from drawsvc.errors import RuleViolation
from drawsvc.tasks import repository as repo
from drawsvc.tasks.models import Commitment
from drawsvc.tasks.seal import RULE_UNDISCLOSED

SEAL_KEY = "seal"


def seal_of(commitment: Commitment | None) -> dict[str, Any] | None:
    """The round's seal state, or None for an unsealed round."""
    if commitment is None:
        return None
    value = (commitment.pools or {}).get(SEAL_KEY)
    return dict(value) if value else None


def round_seal(session: Session, task: str, round_: int) -> dict[str, Any] | None:
    return seal_of(repo.commitment(session, task, round_))


def undisclosed(session: Session, task: str, round_: int) -> bool:
    seal = round_seal(session, task, round_)
    return seal is not None and seal.get("disclosed") is None


def store_seal(commitment: Commitment, seal: dict[str, Any]) -> None:
    """Replace the JSON value (not mutate it) so that SQLAlchemy writes the change."""
    commitment.pools = {**commitment.pools, SEAL_KEY: seal}


def require_disclosed(session: Session, task: str, round_: int, what: str) -> None:
    """SEAL-6: nothing that names the drawn result is logged before disclosure."""
    if undisclosed(session, task, round_):
        raise RuleViolation(
            f"task {task}: {what} refused, the draw is sealed until disclosed "
            "(it would publish the sealed result)",
            rule=RULE_UNDISCLOSED,
            subject=task,
        )
