"""draw/v1 expert draws (docs/draw-spec.md §10, rules DRAW-60 .. DRAW-65).

Experts come from one pool and group. The service filters the registry with
``expert_exclusion`` (exited, out of term, over the pool's age limit on the draw date,
conflicted) before freezing the pool (DRAW-60): birth dates never reach the log. The engine then

- sits out anyone selected in each of the two previous draws of the same pool and group (DRAW-61);
- seats designated experts first, without a draw (DRAW-64);
- draws an ordered sequence on the ``["experts"]`` sub-stream (DRAW-62): each step picks
  ``remaining[uniform(len(remaining))]`` where ``remaining`` is the candidates (pool order) not yet
  drawn, so the state after any step is just the drawn sequence and the stream position;
- replaces an expert who declines or does not answer by the next draw from the same stream,
  resumed at the recorded position, until the headcount is met (DRAW-63).

API: ``expert_exclusion(on=, exited_on=, term_start=, term_end=, birth_date=, age_limit=,
conflicted=) -> rule | None``, ``age_on(birth, on)``, ``sit_outs(previous)``,
``draw_experts(seed, pool_ids, subject=, headcount=, previous=, designated=) -> dict`` (the
"experts" part), ``Decline(expert, reason)``, ``top_up(seed, part, pool_ids, event, subject=)``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from drawsvc.draw.stream import DrawStream
from drawsvc.draw.teams import Designation
from drawsvc.errors import DrawInfeasible, InvalidInput

EXCLUDED_EXITED = "DRAW-60.exited"
EXCLUDED_TERM = "DRAW-60.term"
EXCLUDED_AGE = "DRAW-60.age"
EXCLUDED_CONFLICT = "DRAW-60.conflict"
ROTATION_DRAWS = 2
DECLINE_REASONS = ("declined", "no-answer")


def age_on(birth: date, on: date) -> int:
    """Completed years on ``on`` (a 29 February birthday falls on 1 March in common years)."""
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def expert_exclusion(
    *,
    on: date,
    exited_on: date | None,
    term_start: date,
    term_end: date,
    birth_date: date | None,
    age_limit: int | None,
    conflicted: bool,
) -> str | None:
    """DRAW-60: the rule that excludes this expert on the draw date ``on``, or None if eligible.

    Exited on or before ``on``; outside ``[term_start, term_end]`` (inclusive); older than
    ``age_limit`` completed years on ``on``; or conflicted with the task.
    """
    if exited_on is not None and exited_on <= on:
        return EXCLUDED_EXITED
    if not term_start <= on <= term_end:
        return EXCLUDED_TERM
    if age_limit is not None and birth_date is not None and age_on(birth_date, on) > age_limit:
        return EXCLUDED_AGE
    if conflicted:
        return EXCLUDED_CONFLICT
    return None


def sit_outs(previous: Sequence[Sequence[str]]) -> list[str]:
    """DRAW-61: ids selected in each of the two previous draws (sorted); none with fewer draws."""
    if len(previous) > ROTATION_DRAWS:
        raise InvalidInput("give at most the two previous selections", field="previous", rule="DRAW-61")
    if not all(isinstance(p, Sequence) and not isinstance(p, str) and all(isinstance(x, str) for x in p)
               for p in previous):
        raise InvalidInput("a previous selection is a list of expert ids", field="previous", rule="DRAW-61")
    if len(previous) < ROTATION_DRAWS:
        return []
    return sorted(set(previous[0]) & set(previous[1]))


@dataclass(frozen=True)
class Decline:
    """A drawn expert declined or did not answer (DRAW-63)."""

    expert: str
    reason: str  # "declined" | "no-answer"

    def __post_init__(self) -> None:
        if not isinstance(self.expert, str) or self.reason not in DECLINE_REASONS:
            raise InvalidInput("a decline names an expert and 'declined' or 'no-answer'", field="event",
                               rule="DRAW-63")

    def as_json(self) -> dict[str, Any]:
        return {"expert": self.expert, "reason": self.reason}

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> Decline:
        return cls(expert=obj["expert"], reason=obj["reason"])


def _next(stream: DrawStream, candidates: Sequence[str], drawn: Sequence[str], subject: str) -> str:
    taken = set(drawn)
    remaining = [c for c in candidates if c not in taken]
    if not remaining:
        raise DrawInfeasible(f"no expert left to draw in {subject}", rule="DRAW-63", subject=subject)
    return remaining[stream.uniform(len(remaining))]


def _candidates(pool: Sequence[str], sat_out: Sequence[str], designated: Sequence[Designation]) -> list[str]:
    skip = set(sat_out) | {d.id for d in designated}
    return [x for x in pool if x not in skip]


def draw_experts(
    seed: bytes,
    pool: Sequence[str],
    *,
    subject: str,
    headcount: int,
    previous: Sequence[Sequence[str]] = (),
    designated: Sequence[Designation] = (),
) -> dict[str, Any]:
    """Seat designated experts, then draw until the headcount is met (DRAW-61 .. DRAW-64).

    ``pool`` is the frozen pool's ids in pool order; ``subject`` names pool and group in errors.
    """
    if type(headcount) is not int or headcount < 1:
        raise InvalidInput("the headcount is an integer >= 1", field="headcount", rule="DRAW-62")
    if not isinstance(subject, str) or not all(isinstance(d, Designation) for d in designated):
        raise InvalidInput("designations are Designation values", field="designated", rule="DRAW-64")
    if len({d.id for d in designated}) != len(designated):
        raise InvalidInput("an expert is designated twice", field="designated", rule="DRAW-64")
    if len(designated) > headcount:
        raise InvalidInput("more designated experts than seats", field="designated", rule="DRAW-64")
    out_ = sit_outs(previous)
    candidates = _candidates(pool, out_, designated)
    need = headcount - len(designated)
    if need > len(candidates):
        raise DrawInfeasible(f"{len(candidates)} eligible experts in {subject} for {need} seats",
                             rule="DRAW-62", subject=subject)
    stream = DrawStream.derived(seed, ["experts"])
    sequence: list[str] = []
    for _ in range(need):
        sequence.append(_next(stream, candidates, sequence, subject))
    return {"headcount": headcount, "designated": [d.as_json() for d in designated], "sat_out": out_,
            "sequence": sequence, "declined": [], "panel": [d.id for d in designated] + sequence,
            "position": stream.position}


def top_up(
    seed: bytes,
    part: Mapping[str, Any],
    pool: Sequence[str],
    event: Decline,
    *,
    subject: str,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """DRAW-63: remove the declining expert; the next draw of the resumed stream takes the seat."""
    panel = list(part["panel"])
    if event.expert not in panel:
        raise InvalidInput("the expert who declined is not on the panel", field="event.expert",
                           rule="DRAW-63")
    designated = [Designation.from_json(d) for d in part["designated"]]
    candidates = _candidates(pool, part["sat_out"], designated)
    stream = DrawStream.derived(seed, ["experts"], part["position"])
    before = stream.position
    nxt = _next(stream, candidates, part["sequence"], subject)
    panel[panel.index(event.expert)] = nxt
    new = {**part, "sequence": [*part["sequence"], nxt], "declined": [*part["declined"], event.expert],
           "panel": panel, "position": stream.position}
    record = {"kind": "decline", **event.as_json(), "replacement": nxt, "position_before": before,
              "position": stream.position}
    return new, record
