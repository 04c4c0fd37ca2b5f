"""The draw record's model (docs/specs/draw-record.md): what one task's record shows, each figure
with the log index it came from. Plain frozen dataclasses and the 中文 labels; no I/O, no rendering."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from drawsvc.tasks.record import final as fin


RECORD_SPEC = "drawsvc/draw-record/v1"
HEX64 = re.compile(r"^[0-9a-f]{64}$")
HEX = re.compile(r"^(?:[0-9a-f]{2})+$")
PARTIES = {"operator": "抽取方", "discipline": "纪检监察"}
ROLES = {"bureau": "业务部门", "discipline": "纪检监察", "admin": "管理员", "system": "系统"}
POOL_LABELS = {"targets": "检查对象", "inspectors": "执法检查人员", "experts": "专家"}
RESPONSES = {"accepted": "接受", "declined": "拒绝", "no_answer": "未应答"}

# kind → (category, 中文 label) for the events table (DR-5). Chunk kinds are not events: they
# are cited by the entry they belong to (entries.md E-5).
EVENT_KINDS: dict[str, tuple[str, str]] = {
    "task.create": ("create", "创建任务"),
    "task.pool.build": ("pool", "生成候选池"),
    "task.pool.add": ("pool", "手工加入候选"),
    "task.pool.remove": ("pool", "手工移出候选"),
    "draw.commit": ("commit", "承诺（冻结候选池）"),
    "draw.result": ("draw", "抽取"),
    "draw.expert.response": ("response", "专家答复"),
    "draw.expert.topup": ("topup", "补抽专家"),
    "draw.designate": ("designate", "指定（不经抽取）"),
    "draw.replace": ("replace", "替换"),
    "task.lock": ("lock", "锁定结果"),
    "task.dispatch": ("dispatch", "派发"),
    "inspection.record": ("inspection", "非随机检查登记"),
}
CHUNK_KINDS = frozenset({"draw.pool.members", "draw.avoidance", "draw.result.part"})


@dataclass(frozen=True)
class Operator:
    """An entry's ``actor`` (ENV-5): role, department code, key id / operator code."""

    role: str
    department: str | None
    name: str

    @property
    def role_label(self) -> str:
        return ROLES.get(self.role, self.role)


@dataclass(frozen=True)
class Ref:
    """Where a figure comes from: the log index, the entry's ``at`` and its actor."""

    index: int
    kind: str
    at: str
    actor: Operator


@dataclass(frozen=True)
class TaskInfo:
    ref: Ref
    task: str
    parent: str | None
    unit: str | None
    title: str
    year: int
    period_start: str
    period_end: str
    organiser: str
    departments: tuple[str, ...]
    check_items: tuple[str, ...]  # "department:code"
    params: tuple[str, ...] = ()  # the draw parameters in words (entries.md §3), one line per part


@dataclass(frozen=True)
class Frozen:
    """A frozen list cited by ``draw.commit``: a pool (or the avoidance pairs) with its root."""

    name: str
    size: int
    root: str
    first: int | None  # first chunk entry (entries.md E-5)
    count: int | None  # number of chunk entries
    salt_commitment: str | None = None  # avoidance only: hex(SHA-256(salt)), opened by draw.result

    @property
    def label(self) -> str:
        return POOL_LABELS.get(self.name, "回避关系" if self.name == "avoidance" else self.name)


@dataclass(frozen=True)
class PartyValue:
    """One party's commitment (hex) or revealed secret (hex)."""

    party: str
    department: str | None
    value: str

    @property
    def label(self) -> str:
        return PARTIES.get(self.party, self.party)


@dataclass(frozen=True)
class Beacon:
    source: str
    round: int
    value: str | None  # known once drawn


@dataclass(frozen=True)
class Team:
    """One inspection team (draw-spec §8): its target, members in slot order, the leader."""

    no: int  # 1-based, in the order of the draw's target list
    target: str
    leader: str | None
    members: tuple[str, ...]
    designated: tuple[str, ...]  # members seated without a draw (DRAW-44)


@dataclass(frozen=True)
class Inspection:
    """The inspection part of a draw result (DRAW-70), as far as the record shows it."""

    seed: str
    eligible: int | None
    selected: tuple[str, ...]  # drawn targets, in draw order
    teams: tuple[Team, ...]
    teams_position: int | None


@dataclass(frozen=True)
class Experts:
    """The expert part of a draw result (DRAW-65, DRAW-71)."""

    seed: str
    pool: str
    group: str
    headcount: int
    designated: tuple[str, ...]
    sat_out: tuple[str, ...]
    sequence: tuple[str, ...]  # drawn, in draw order
    panel: tuple[str, ...]
    position: int | None


@dataclass(frozen=True)
class Designation:
    """An expert seated without a draw (``draw.commit`` ``designated``; DRAW-64)."""

    id: str
    reason: str
    approver: str


@dataclass(frozen=True)
class Redraw:
    replaces: int | None  # the draw.result it supersedes; None when the earlier round was never drawn
    reason: str
    approver: str


@dataclass(frozen=True)
class Result:
    """A ``draw.result`` with its parts joined (entries.md §4)."""

    ref: Ref
    commit: int
    reveals: tuple[PartyValue, ...]
    beacon: Beacon | None
    avoidance_salt: str | None
    seed: str
    inspection: Inspection | None
    experts: Experts | None
    counts: tuple[tuple[str, int], ...]
    parts: tuple[int, int] | None


@dataclass(frozen=True)
class ExpertLine:
    """One expert of a round (DR-4): drawn, topped up or designated, and the latest answer logged."""

    code: str
    source: str  # "draw" | "topup" | "designate"
    order: str  # "第 k 位" for the draw sequence, "随机流 a→b" for a top-up, "" when designated
    index: int  # log index of the draw.result / draw.expert.topup
    replaces: str | None = None  # top-up: the expert whose seat it takes
    response: str | None = None  # accepted | declined | no_answer (None: none logged yet)
    response_index: int | None = None

    @property
    def source_label(self) -> str:
        return {"draw": "抽取", "topup": "补抽", "designate": "指定"}.get(self.source, self.source)

    @property
    def response_label(self) -> str:
        return RESPONSES.get(self.response or "", "待答复")


@dataclass(frozen=True)
class Round:
    """One commitment round: ``draw.commit`` (round n) and, once drawn, its ``draw.result``."""

    number: int
    commit: Ref
    spec: str
    pools: tuple[Frozen, ...]
    avoidance: Frozen | None
    commitments: tuple[PartyValue, ...]
    beacon: Beacon | None  # announced before the draw: source and round, no value yet
    redraw: Redraw | None
    parent_draw: int | None
    manual: tuple[tuple[str, int, int], ...]  # (pool, added, removed)
    designated: tuple[Designation, ...] = ()
    rotation: tuple[tuple[int, tuple[str, ...]], ...] = ()  # (draw index, panel) of earlier panels (DRAW-61)
    result: Result | None = None
    experts: tuple[ExpertLine, ...] = ()  # who was invited in this round, how, and what they answered


@dataclass(frozen=True)
class Event:
    """One row of the events table (DR-5): every entry of the task except chunks, by index."""

    ref: Ref
    category: str
    label: str
    round: int | None = None
    subject: str | None = None  # the person / expert / target the event is about
    replacement: str | None = None  # replace: who came in
    reason: str | None = None
    approver: str | None = None
    detail: str | None = None  # short, public, already formatted
    items: tuple[str, ...] = ()  # drawn / topped-up codes


@dataclass(frozen=True)
class OperatorActs:
    operator: Operator
    indices: tuple[int, ...]


@dataclass(frozen=True)
class Witness:
    """The discipline office's part in a round (DR-6): its commitment and, once drawn, its reveal."""

    round: int
    department: str | None
    commitment: str
    commit_index: int
    secret: str | None
    result_index: int | None


@dataclass(frozen=True)
class DrawRecord:
    spec: str
    task: TaskInfo
    rounds: tuple[Round, ...]
    events: tuple[Event, ...]
    operators: tuple[OperatorActs, ...]
    witnesses: tuple[Witness, ...]
    discipline_actors: tuple[OperatorActs, ...]
    first_index: int
    last_index: int
    entry_count: int
    anchor_index: int  # the log index the QR code points at (DR-9)
    final: fin.Final | None = None  # the current round after its follow-ups (DR-12)

    @property
    def current_round(self) -> Round | None:
        return self.rounds[-1] if self.rounds else None
