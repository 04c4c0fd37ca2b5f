"""The draw record's final view (docs/specs/draw-record.md DR-12): who inspects after the draw.

Pure on the task's log entries. The current round's logged ``draw.result`` is the starting
state; every later ``draw.replace``, leader ``draw.designate`` (DRAW-44a) and
``draw.expert.topup`` of that round is applied in log order by the verifier's own replay
(:func:`drawsvc.tasks.verify.replay_followups`: the engine's ``replace_inspector`` /
``top_up_experts`` and ``replay.designate_leader``), each replayed record compared with the
logged one. Nothing here re-implements a rule; it only notes, per member, which entry brought
them in. When the log cannot be replayed (a chunk missing, a forged record), the view says so
and names the entry instead of guessing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from drawsvc.errors import DrawsvcError
from drawsvc.tasks import replay
from drawsvc.tasks.logread import LogMismatch, inputs_from_entries, result_of
from drawsvc.tasks.verify import DrawMismatch, Followup, replay_followups
from ledger.errors import VerificationError

ROLE_LABELS = {"leader": "组长", "expert": "专家"}
CHANGE_LABELS = {"refill": "补位替换", "swap": "回避互换", "designate": "指定组长"}
FOLLOWUP_KINDS = frozenset({"draw.replace", "draw.designate", "draw.expert.topup"})


@dataclass(frozen=True)
class Mark:
    """Why a member sits where they sit now: ``refill`` / ``swap`` (``draw.replace``) or
    ``designate`` (leader ``draw.designate``), at log ``index``."""

    change: str
    index: int

    @property
    def label(self) -> str:
        return CHANGE_LABELS.get(self.change, self.change)


@dataclass(frozen=True)
class FinalMember:
    id: str
    leader: bool
    marks: tuple[Mark, ...] = ()


@dataclass(frozen=True)
class FinalTeam:
    no: int
    target: str
    leader: str | None
    members: tuple[FinalMember, ...]

    @property
    def member_ids(self) -> tuple[str, ...]:
        return tuple(m.id for m in self.members)


@dataclass(frozen=True)
class FinalExpert:
    """One expert of the current panel (``seated``) or one who left it (declined, no answer)."""

    code: str
    seated: bool
    status: str  # accepted | invited | declined | no_answer
    source: str  # 抽取 / 指定 / 补抽（接替 …）
    index: int  # where the expert was seated (draw.result or draw.expert.topup)
    response_index: int | None = None
    successor: str | None = None  # who took a vacated seat
    successor_index: int | None = None

    @property
    def status_label(self) -> str:
        return {
            "accepted": "已接受",
            "invited": "已邀请，待答复",
            "declined": "已拒绝",
            "no_answer": "未应答",
        }.get(self.status, self.status)


@dataclass(frozen=True)
class Final:
    """The current round after its follow-ups; ``error`` when they cannot be replayed."""

    round: int
    draw_index: int
    applied: tuple[int, ...] = ()  # log indices of the follow-ups applied, in log order
    teams: tuple[FinalTeam, ...] = ()
    experts: tuple[FinalExpert, ...] = ()
    has_teams: bool = False
    has_experts: bool = False
    error: str | None = None
    error_index: int | None = None

    @property
    def changed(self) -> bool:
        return bool(self.applied)


@dataclass(frozen=True)
class Replayed:
    """The replay's raw outcome, for the record to lay out."""

    state: dict[str, Any]
    applied: tuple[Followup, ...]


class ReplayFailed(Exception):
    def __init__(self, message: str, index: int | None) -> None:
        super().__init__(message)
        self.message = message
        self.index = index


def replay_current(entries: Mapping[int, Mapping[str, Any]], draw_index: int) -> Replayed:
    """Apply the follow-ups of the ``draw.result`` at ``draw_index`` to its logged result.

    ``entries`` are the task's log entries by index (chunks included). Raises
    :class:`ReplayFailed` (message and log index) when the log does not replay.
    """

    def read(start: int, stop: int) -> list[dict[str, Any]]:
        try:
            return [dict(entries[i]) for i in range(start, stop)]
        except KeyError as exc:
            raise LogMismatch(f"log entry {exc.args[0]} is not among the task's entries") from None

    later = [
        (i, dict(e)) for i, e in sorted(entries.items()) if i > draw_index and e.get("kind") in FOLLOWUP_KINDS
    ]
    try:
        body, logged = result_of(read, draw_index)
        round_ = body.get("round")
        later = [(i, e) for i, e in later if e["body"].get("round") == round_]
        if not later:
            return Replayed(dict(logged), ())
        inputs = inputs_from_entries(read, int(body["commit"]))
        secrets = replay.check_reveals(inputs.commit["commitments"], body["reveals"])
        for pool, rows in inputs.pools.items():  # frozen once; the replay reuses them by root
            replay.pool_root(pool, rows, remember=True)
        state, applied = replay_followups(
            inputs, secrets, body.get("beacon"), body.get("avoidance_salt"), dict(logged), later
        )
    except DrawMismatch as exc:
        raise ReplayFailed(str(exc), exc.index) from None
    except (DrawsvcError, VerificationError) as exc:
        raise ReplayFailed(str(getattr(exc, "message", exc)), None) from None
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        raise ReplayFailed(f"malformed entry ({type(exc).__name__})", None) from None
    return Replayed(state, tuple(applied))


def member_marks(applied: tuple[Followup, ...]) -> dict[tuple[str, str], tuple[Mark, ...]]:
    """``(target, member) → marks``: who came into which team by which entry (log order).

    A replacement's record names the target, who left and who came in (and, for a swap, the
    other team, where the leaver went); a designation names the new leader. A member who
    leaves a team loses the marks they had there.
    """
    marks: dict[tuple[str, str], list[Mark]] = {}
    for f in applied:
        r = f.record
        if f.kind == "draw.replace":
            mode, t = r["mode"], r["target"]
            marks.pop((t, r["person"]), None)
            marks[(t, r["replacement"])] = [Mark(mode, f.index)]
            if mode == "swap" and r.get("swap_target") is not None:
                u = r["swap_target"]
                marks.pop((u, r["replacement"]), None)
                marks[(u, r["person"])] = [Mark(mode, f.index)]
        elif f.kind == "draw.designate":
            marks.setdefault((r["target"], r["person"]), []).append(Mark("designate", f.index))
    return {k: tuple(v) for k, v in marks.items()}


def final_teams(replayed: Replayed) -> tuple[FinalTeam, ...]:
    """The teams after the follow-ups (``replay.summary``, the verifier's ``final``), marked."""
    marks = member_marks(replayed.applied)
    out = []
    for n, team in enumerate(replay.summary(replayed.state)["teams"], 1):
        members = tuple(
            FinalMember(m, m == team["leader"], marks.get((team["target"], m), ())) for m in team["members"]
        )
        out.append(FinalTeam(n, team["target"], team["leader"], members))
    return tuple(out)


def panel(replayed: Replayed) -> tuple[list[str], list[str]]:
    """(current panel, experts who left it) after the top-ups."""
    exp = replayed.state.get("experts")
    if not exp:
        return [], []
    return replay.panel_of(replayed.state), list(exp["experts"].get("declined") or [])


def designation_previous(replayed: Replayed) -> dict[int, str | None]:
    """Log index of each leader designation → the leader it replaced (REC-3)."""
    return {f.index: f.record.get("previous") for f in replayed.applied if f.kind == "draw.designate"}
