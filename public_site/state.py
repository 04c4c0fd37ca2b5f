"""Pure: the public site's state, folded entry by entry from the log (docs/site.md §2).

:class:`SiteState` is what every page of the site is rendered from. It is built only from
published log entries (never the private registries) by :meth:`SiteState.apply`, one entry at
a time, which returns the *page keys* the entry touches. The incremental build keeps the state
between builds (``build.py``) and renders only the pages whose keys came back dirty, so a
rebuild after 10,000 new entries reads those 10,000 entries, not the whole log.

Page keys (also the pages' relative paths, see :func:`page_path`)::

    ("task", T)   draws/<T>.html         ("firm", USCC)  firms/<USCC>.html
    ("dept", D)   departments/<D>.html   ("entry", i)    log/entry/<i>.html
    ("search", s) one shard of the search index (search.py)

The home page, the department list, the charts and the log page are summaries: they are
rendered on every build and written only when their bytes change (the manifest).

Strict where the public could be misled, tolerant elsewhere: a body member of an unexpected
type is ignored (the draw record, ``drawsvc.tasks.record``, is the strict reader of draws).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from drawsvc.tasks import replay

STATE_VERSION = 3  # 2: FirmNames apart from the pickled state; 3: SearchIndex.by_code
RECENT_ENTRIES = 30
PageKey = tuple[str, Any]

#: Entry kinds cited by the entry after them (entries.md E-5) and registry import batches: they
#: get no page of their own in the log explorer, only a line on their range page (docs/site.md §4).
CHUNK_KINDS = frozenset({"draw.pool.members", "draw.avoidance", "draw.result.part", "draw.disclose.part"})
#: Kinds (by prefix) that get a page ``log/entry/<i>.html``: what a citizen follows from a draw,
#: a result or a plan. Registry records (up to a million firms) are shown on their range page.
ENTRY_PAGE_PREFIXES = (
    "task.",
    "draw.",
    "result.",
    "plan.",
    "inspection.",
    "registry.department.",
    "registry.check_item.",
    "registry.expert_pool.",
    "calendar.",
)

KIND_LABELS = {
    "task.create": "创建任务",
    "task.pool.build": "生成候选池",
    "task.pool.add": "手工加入候选",
    "task.pool.remove": "手工移出候选",
    "draw.pool.members": "候选池名单（分块）",
    "draw.avoidance": "回避标签（分块）",
    "draw.commit": "承诺",
    "draw.result": "抽取结果",
    "draw.result.part": "抽取结果（分块）",
    "draw.sealed": "抽取结果封存",
    "draw.disclose": "启封公开抽取结果",
    "draw.disclose.part": "启封内容（分块）",
    "draw.expert.response": "专家答复",
    "draw.expert.topup": "补抽专家",
    "draw.designate": "指定",
    "draw.replace": "替换",
    "task.lock": "锁定",
    "task.dispatch": "派发",
    "inspection.record": "非随机检查",
    "calendar.arrangement": "节假日安排",
    "plan.upsert": "抽查计划草稿",
    "plan.publish": "发布抽查计划",
    "registry.department.upsert": "部门",
    "registry.check_item.upsert": "抽查事项",
    "registry.target.upsert": "检查对象",
    "registry.target.batch.v2": "检查对象（批量导入）",
    "registry.inspector.upsert": "执法检查人员",
    "registry.inspector.batch.v2": "执法检查人员（批量导入）",
    "registry.import": "导入汇总",
    "result.publish": "公示检查结果",
    "result.objection.file": "结果异议",
    "result.objection.decide": "异议处理",
    "result.followup": "后续处置",
    "result.task.close": "任务结果录入结束",
}
METHODS = {"on_site": "实地核查", "documents": "书面检查", "online": "网络监测", "other": "其他"}
#: results.md §8 (RES-F2): the steps of 后续处置, in their public wording.
FOLLOW_UP_LABELS = {
    "rectification.ordered": "责令整改",
    "rectification.confirmed": "整改到位",
    "case.opened": "立案调查",
    "penalty.decided": "作出行政处罚",
    "transferred": "移送",
}
#: results.md §7 (RES-O4): a decision keeps (维持) or corrects (更正) the result.
OUTCOME_LABELS = {"更正": "更正结果", "维持": "维持原结果"}


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind)


def has_entry_page(kind: str) -> bool:
    return kind.startswith(ENTRY_PAGE_PREFIXES) and kind not in CHUNK_KINDS


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _map(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _strs(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


@dataclass
class Team:
    target: str
    leader: str | None
    members: list[str]


@dataclass
class Draw:
    """A task's current draw as the public sees it (the record, DR-4, has every round)."""

    index: int
    round: int
    at: str
    seed: str
    targets: list[str]
    teams: dict[str, Team]
    experts: list[str]
    counts: dict[str, int]


@dataclass
class Task:
    task: str
    created_index: int | None = None
    title: str = ""
    year: int | None = None
    organiser: str | None = None
    unit: str | None = None
    departments: list[str] = field(default_factory=list)
    check_items: list[tuple[str, str]] = field(default_factory=list)
    parent: str | None = None
    indices: list[int] = field(default_factory=list)  # every entry of the task (for the record)
    committed: dict[int, int] = field(default_factory=dict)  # round → draw.commit index
    commit_at: str | None = None
    pool_sizes: dict[str, int] = field(default_factory=dict)  # of the latest commit
    sealed: Mapping[str, Any] | None = None  # a sealed draw's public part (commitment, opening date)
    draw: Draw | None = None
    rounds: int = 0
    locked: bool = False
    subtasks: list[str] = field(default_factory=list)

    @property
    def department(self) -> str | None:
        """谁检查、谁公开: a sub-draw is shown under the unit that drew it."""
        return self.unit or self.organiser

    @property
    def status(self) -> str:
        if self.locked:
            return "已锁定"
        if self.draw is not None:
            return "已抽取"
        if self.sealed is not None:
            return "已封存"
        if self.committed:
            return "已承诺，待抽取"
        return "准备中"


@dataclass
class ResultVersion:
    index: int
    form: Mapping[str, Any]  # the published form (drawsvc/published-result/v1)

    @property
    def version(self) -> int:
        return _int(self.form.get("version")) or 1


@dataclass
class Result:
    code: str
    uscc: str
    task: str | None
    versions: list[ResultVersion] = field(default_factory=list)
    objections: list[dict[str, Any]] = field(default_factory=list)
    followups: list[dict[str, Any]] = field(default_factory=list)

    @property
    def current(self) -> ResultVersion:
        return max(self.versions, key=lambda v: (v.version, v.index))

    @property
    def year(self) -> str:
        return str(self.current.form.get("inspected_on", ""))[:4]

    @property
    def follow_up(self) -> str | None:
        if self.followups:
            return self.followups[-1].get("step")
        return _str(self.current.form.get("follow_up"))


@dataclass
class Check:
    """A firm drawn in a task's current draw."""

    task: str
    draw_index: int
    year: int | None
    at: str


@dataclass
class Firm:
    uscc: str
    name: str = ""  # the registered name (FirmNames), else the one a published result gives
    registered: bool = False  # FirmNames has its name (a registry record, else its first result)
    checks: dict[str, Check] = field(default_factory=dict)  # task → check
    inspections: list[dict[str, Any]] = field(default_factory=list)  # inspection.record (non-random)
    results: list[str] = field(default_factory=list)  # result codes

    @property
    def published(self) -> bool:
        """A firm gets a page (and a search entry) once a task drew it or a result names it."""
        return bool(self.checks or self.results or self.inspections)


@dataclass
class CheckItem:
    department: str
    code: str
    versions: list[tuple[int, Mapping[str, Any]]] = field(default_factory=list)

    @property
    def current(self) -> Mapping[str, Any]:
        return self.versions[-1][1]


@dataclass
class Plan:
    department: str
    year: int
    versions: list[tuple[int, Mapping[str, Any]]] = field(default_factory=list)  # published only


@dataclass
class Recent:
    index: int
    kind: str
    at: str
    department: str | None
    task: str | None

    @property
    def label(self) -> str:
        return kind_label(self.kind)


class FirmNames:
    """uscc → registered name of every firm the log names (a million at full size).

    Most of these firms never get a page, and a rebuild after 10,000 entries should not load
    and save a million names: the names set since the last :meth:`rebase` (``recent``) go with
    the pickled state; the rest (``base``, identified by ``base_id``) live in a file of their
    own that the builder loads only when a lookup misses ``recent`` (a firm published for the
    first time whose name came in an earlier build). Setting a name never reads the base.
    The builder gives the loader (:meth:`attach`): this class does no I/O.
    """

    def __init__(self) -> None:
        self.recent: dict[str, str] = {}
        self.base_id: str | None = None
        self._base: dict[str, str] | None = None
        self._load: Callable[[str], dict[str, str]] | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {"recent": self.recent, "base_id": self.base_id}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__()  # type: ignore[misc]
        self.recent, self.base_id = state["recent"], state["base_id"]

    def attach(self, load: Callable[[str], dict[str, str]]) -> None:
        self._load = load

    def base(self) -> dict[str, str]:
        if self._base is None:
            if self.base_id is None:
                self._base = {}
            elif self._load is None:
                raise LookupError(f"firm names {self.base_id}: no loader attached")
            else:
                self._base = self._load(self.base_id)
        return self._base

    @property
    def base_loaded(self) -> bool:
        return self._base is not None or self.base_id is None

    def get(self, uscc: str, default: str | None = None) -> str | None:
        name = self.recent.get(uscc)
        if name is not None:
            return name
        return self.base().get(uscc, default)

    def __setitem__(self, uscc: str, name: str) -> None:
        self.recent[uscc] = name

    def __len__(self) -> int:
        return len(self.base().keys() | self.recent.keys())

    def rebase(self, base_id: str) -> dict[str, str]:
        """Merge ``recent`` into the base, now called ``base_id``; returns it (to be saved)."""
        merged = self.base()
        merged.update(self.recent)
        self.recent, self.base_id, self._base = {}, base_id, merged
        return merged


@dataclass
class SiteState:
    """Everything the pages show, folded from entries ``[0, size)``."""

    version: int = STATE_VERSION
    size: int = 0
    departments: dict[str, str] = field(default_factory=dict)
    check_items: dict[tuple[str, str], CheckItem] = field(default_factory=dict)
    plans: dict[tuple[str, int], Plan] = field(default_factory=dict)
    inspectors: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # code → (name, dept)
    names: FirmNames = field(default_factory=FirmNames)  # uscc → registered name (every firm)
    firms: dict[str, Firm] = field(default_factory=dict)  # published firms only
    firm_order: list[str] = field(default_factory=list)  # search ordinals: first publication order
    tasks: dict[str, Task] = field(default_factory=dict)
    results: dict[str, Result] = field(default_factory=dict)
    objections: dict[str, str] = field(default_factory=dict)  # objection code → result code
    kinds: Counter[str] = field(default_factory=Counter)
    recent: list[Recent] = field(default_factory=list)
    entry_pages: list[int] = field(default_factory=list)
    checks_by_month: Counter[tuple[str, str]] = field(default_factory=Counter)  # (dept, YYYY-MM) → targets
    last_at: str = ""
    _parts: dict[tuple[str, int], dict[int, str]] = field(default_factory=dict)

    # ------------------------------------------------------------------ folding

    def apply(self, index: int, entry: Mapping[str, Any]) -> set[PageKey]:
        """Fold entry ``index`` (the next one: ``index == size``) in; return the pages it touches."""
        if index != self.size:
            raise ValueError(f"entry {index} applied to a state of size {self.size}")
        self.size += 1
        kind = str(entry.get("kind", ""))
        body = _map(entry.get("body"))
        actor = _map(entry.get("actor"))
        at = str(entry.get("at", ""))
        self.last_at = at or self.last_at
        self.kinds[kind] += 1
        task_id = _str(body.get("task"))
        if kind not in CHUNK_KINDS:
            self.recent.append(Recent(index, kind, at, _str(actor.get("department")), task_id))
            del self.recent[:-RECENT_ENTRIES]
        dirty: set[PageKey] = set()
        if has_entry_page(kind):
            self.entry_pages.append(index)
            dirty.add(("entry", index))
        handler = _HANDLERS.get(kind)
        if handler is not None and (task_id is not None or not kind.startswith(("task.", "draw."))):
            handler(self, index, body, at, dirty)
        elif kind.startswith("registry.") and ".batch" in kind:
            self._batch(kind, body, dirty)
        if task_id is not None and not kind.startswith("result.") and kind != "inspection.record":
            task = self._task(task_id)
            task.indices.append(index)
            dirty.add(("task", task_id))
        return dirty

    def _task(self, task_id: str) -> Task:
        task = self.tasks.get(task_id)
        if task is None:
            task = self.tasks[task_id] = Task(task=task_id)
        return task

    def _firm(self, uscc: str, dirty: set[PageKey]) -> Firm:
        firm = self.firms.get(uscc)
        if firm is None:
            name = self.names.get(uscc)
            firm = self.firms[uscc] = Firm(uscc=uscc, name=name or "", registered=name is not None)
            self.firm_order.append(uscc)
        dirty.add(("firm", uscc))
        return firm

    def _name(self, uscc: str, name: str, dirty: set[PageKey]) -> None:
        """A registered name; a published firm's pages are touched when it changes (the name of
        a firm without a page is only recorded: no lookup of earlier names)."""
        firm = self.firms.get(uscc)
        if firm is not None and firm.registered and firm.name == name:
            return
        self.names[uscc] = name
        if firm is not None:
            firm.name, firm.registered = name, True
            dirty.add(("firm", uscc))
            dirty |= {("task", t) for t in firm.checks}

    def _batch(self, kind: str, body: Mapping[str, Any], dirty: set[PageKey]) -> None:
        """``registry.<kind>.batch.v2`` (registries.md §7.3): arrays in the order of ``fields``."""
        fields = _strs(body.get("fields"))
        records = body.get("records")
        if not isinstance(records, list):
            return
        for rec in records:
            row = dict(zip(fields, rec, strict=False)) if isinstance(rec, list) else _map(rec)
            if kind.startswith("registry.target."):
                uscc, name = _str(row.get("uscc")), _str(row.get("name"))
                if uscc and name is not None:
                    self._name(uscc, name, dirty)
            elif kind.startswith("registry.inspector."):
                self._inspector(row)

    def _inspector(self, row: Mapping[str, Any]) -> None:
        code, name = _str(row.get("code")), _str(row.get("name"))
        if code and name is not None:
            self.inspectors[code] = (name, _str(row.get("department")))

    # ------------------------------------------------------------------ read helpers

    def inspector_name(self, code: str) -> str:
        return self.inspectors.get(code, ("", None))[0]

    def firm_name(self, uscc: str) -> str:
        firm = self.firms.get(uscc)
        return firm.name if firm is not None else self.names.get(uscc, "") or ""

    def task_results(self, task: str) -> dict[str, list[Result]]:
        """Published results of a task, by firm."""
        out: dict[str, list[Result]] = {}
        for r in self.results.values():
            if r.task == task:
                out.setdefault(r.uscc, []).append(r)
        return out


# ---------------------------------------------------------------------- handlers (by kind)


def _department(st: SiteState, index: int, body: Mapping[str, Any], at: str, dirty: set[PageKey]) -> None:
    code, name = _str(body.get("code")), _str(body.get("name"))
    if code and name is not None:
        st.departments[code] = name
        dirty.add(("dept", code))


def _check_item(st: SiteState, index: int, body: Mapping[str, Any], at: str, dirty: set[PageKey]) -> None:
    dept, code = _str(body.get("department")), _str(body.get("code"))
    if not (dept and code):
        return
    item = st.check_items.setdefault((dept, code), CheckItem(dept, code))
    item.versions.append((index, dict(body)))
    dirty.add(("dept", dept))


def _plan(st: SiteState, index: int, body: Mapping[str, Any], at: str, dirty: set[PageKey]) -> None:
    """Only published versions are public (plans.md PL-9): ``plan.publish`` entries."""
    dept, year = _str(body.get("department")), _int(body.get("year"))
    if not dept or year is None:
        return
    plan = st.plans.setdefault((dept, year), Plan(dept, year))
    plan.versions.append((index, dict(body)))
    dirty.add(("dept", dept))


def _target(st: SiteState, index: int, body: Mapping[str, Any], at: str, dirty: set[PageKey]) -> None:
    uscc, name = _str(body.get("uscc")), _str(body.get("name"))
    if uscc and name is not None:
        st._name(uscc, name, dirty)


def _inspector(st: SiteState, index: int, body: Mapping[str, Any], at: str, dirty: set[PageKey]) -> None:
    st._inspector(body)


def _task_create(st: SiteState, index: int, body: Mapping[str, Any], at: str, dirty: set[PageKey]) -> None:
    task = st._task(str(body["task"]))
    task.created_index = index
    task.title = _str(body.get("title")) or ""
    task.year = _int(body.get("year"))
    task.organiser = _str(body.get("organiser"))
    task.unit = _str(body.get("unit"))
    task.departments = _strs(body.get("departments"))
    task.check_items = [
        (str(i["department"]), str(i["code"]))
        for i in body.get("check_items") or []
        if isinstance(i, Mapping) and isinstance(i.get("department"), str) and isinstance(i.get("code"), str)
    ]
    task.parent = _str(body.get("parent"))
    if task.parent:
        st._task(task.parent).subtasks.append(task.task)
        dirty.add(("task", task.parent))


def _commit(st: SiteState, index: int, body: Mapping[str, Any], at: str, dirty: set[PageKey]) -> None:
    task = st._task(str(body["task"]))
    rnd = _int(body.get("round")) or 1
    task.committed[rnd] = index
    task.rounds = max(task.rounds, rnd)
    task.commit_at = at
    task.pool_sizes = {
        name: size
        for name, pool in _map(body.get("pools")).items()
        if (size := _int(_map(pool).get("size"))) is not None
    }
    sealed = body.get("sealed")
    task.sealed = dict(sealed) if isinstance(sealed, Mapping) else None


def _result_part(st: SiteState, index: int, body: Mapping[str, Any], at: str, dirty: set[PageKey]) -> None:
    key = (str(body["task"]), _int(body.get("round")) or 1)
    chunk, text = _int(body.get("chunk")), _str(body.get("text"))
    if chunk is not None and text is not None:
        st._parts.setdefault(key, {})[chunk] = text


def _draw_result(st: SiteState, index: int, body: Mapping[str, Any], at: str, dirty: set[PageKey]) -> None:
    task = st._task(str(body["task"]))
    rnd = _int(body.get("round")) or 1
    result = body.get("result")
    parts = st._parts.pop((task.task, rnd), {})
    if not isinstance(result, Mapping) and parts:
        try:
            result = json.loads("".join(parts[k] for k in sorted(parts)))
        except (ValueError, KeyError):
            result = None
    _drawn(st, task, index, rnd, at, _str(body.get("seed")) or "", result, body.get("counts"), dirty)


def _sealed(st: SiteState, index: int, body: Mapping[str, Any], at: str, dirty: set[PageKey]) -> None:
    """``draw.sealed`` (seal/v1): only the commitment to the result and when it opens are public."""
    task = st._task(str(body["task"]))
    sealed = _map(body.get("sealed"))
    opens = _map(sealed.get("opens"))
    task.sealed = {
        "commitment": _str(sealed.get("commitment")) or "",
        "opens_on": _str(opens.get("date")) or _str(opens.get("event")) or "",
    }


def _disclose(st: SiteState, index: int, body: Mapping[str, Any], at: str, dirty: set[PageKey]) -> None:
    """``draw.disclose``: the sealed plaintext, i.e. what ``draw.result`` would have published."""
    task = st._task(str(body["task"]))
    rnd = _int(body.get("round")) or 1
    plain = body.get("plaintext")
    parts = st._parts.pop((task.task, rnd), {})
    if not isinstance(plain, Mapping) and parts:
        try:
            plain = json.loads("".join(parts[k] for k in sorted(parts)))
        except (ValueError, KeyError):
            plain = None
    plain = _map(plain)
    _drawn(st, task, index, rnd, at, _str(plain.get("seed")) or "", plain.get("result"), None, dirty)


def _drawn(
    st: SiteState,
    task: Task,
    index: int,
    rnd: int,
    at: str,
    seed: str,
    result: Any,
    counts: Any,
    dirty: set[PageKey],
) -> None:
    """A round's result becomes public (draw.result, or draw.disclose of a sealed one)."""
    empty = {"targets": [], "teams": [], "experts": []}
    flat = replay.summary(result) if isinstance(result, Mapping) else empty
    previous = task.draw
    task.draw = Draw(
        index=index,
        round=rnd,
        at=at,
        seed=seed,
        targets=list(flat["targets"]),
        teams={t["target"]: Team(t["target"], t["leader"], list(t["members"])) for t in flat["teams"]},
        experts=list(flat["experts"]),
        counts={k: v for k, v in _map(counts).items() if isinstance(v, int)}
        or {"targets": len(flat["targets"]), "teams": len(flat["teams"]), "experts": len(flat["experts"])},
    )
    task.sealed = None
    department = task.department or "—"
    if previous is not None:  # a redraw replaces the earlier round's figures
        st.checks_by_month[(department, previous.at[:7])] -= len(previous.targets)
        for uscc in previous.targets:
            firm = st.firms.get(uscc)
            if firm is not None and firm.checks.pop(task.task, None) is not None:
                dirty.add(("firm", uscc))
    st.checks_by_month[(department, at[:7])] += len(task.draw.targets)
    for uscc in task.draw.targets:
        st._firm(uscc, dirty).checks[task.task] = Check(task.task, index, task.year, at)


def _lock(st: SiteState, index: int, body: Mapping[str, Any], at: str, dirty: set[PageKey]) -> None:
    st._task(str(body["task"])).locked = True


def _inspection(st: SiteState, index: int, body: Mapping[str, Any], at: str, dirty: set[PageKey]) -> None:
    uscc = _str(body.get("target"))
    if uscc:
        st._firm(uscc, dirty).inspections.append(
            {
                "index": index,
                "on": _str(body.get("on")) or "",
                "kind": _str(body.get("kind")) or "",
                "department": _str(body.get("department")) or "",
                "task": _str(body.get("task")),
            }
        )


def _publish(st: SiteState, index: int, body: Mapping[str, Any], at: str, dirty: set[PageKey]) -> None:
    """``result.publish`` (results.md §5): ``published`` is the public form of one version."""
    form = _map(body.get("published"))
    code = _str(form.get("result")) or _str(body.get("result"))
    uscc = _str(_map(form.get("firm")).get("uscc"))
    if not code or not uscc:
        return
    result = st.results.get(code)
    if result is None:
        result = st.results[code] = Result(code, uscc, _str(form.get("task")))
        st._firm(uscc, dirty).results.append(code)
    result.versions.append(ResultVersion(index, dict(form)))
    name = _str(_map(form.get("firm")).get("name"))
    firm = st.firms.get(uscc)
    if name and (not firm.registered if firm is not None else st.names.get(uscc) is None):
        st._name(uscc, name, dirty)
    _touch_result(result, dirty)


def _touch_result(result: Result, dirty: set[PageKey]) -> None:
    dirty.add(("firm", result.uscc))
    if result.task:
        dirty.add(("task", result.task))


def _objection(st: SiteState, index: int, body: Mapping[str, Any], at: str, dirty: set[PageKey]) -> None:
    code = _str(body.get("objection"))
    result = st.results.get(_str(body.get("result")) or "")
    if result is None or code is None:
        return
    st.objections[code] = result.code
    line = {
        "index": index,
        "objection": code,
        "filed_on": _str(body.get("received_on")) or "",
        "outcome": None,
    }
    result.objections.append(line)
    _touch_result(result, dirty)


def _objection_decision(
    st: SiteState, index: int, body: Mapping[str, Any], at: str, dirty: set[PageKey]
) -> None:
    result = st.results.get(st.objections.get(_str(body.get("objection")) or "", ""))
    if result is None:
        return
    for line in result.objections:
        if line["objection"] == body.get("objection"):
            line.update(
                outcome=_str(body.get("outcome")),
                decided_on=_str(body.get("decided_on")) or "",
                decision_index=index,
                corrected=_int(_map(body.get("corrected")).get("version")),
            )
    _touch_result(result, dirty)


def _followup(st: SiteState, index: int, body: Mapping[str, Any], at: str, dirty: set[PageKey]) -> None:
    result = st.results.get(_str(body.get("result")) or "")
    if result is None:
        return
    result.followups.append(
        {"index": index, "step": _str(body.get("step")) or "", "on": _str(body.get("on")) or ""}
    )
    _touch_result(result, dirty)


_HANDLERS = {
    "registry.department.upsert": _department,
    "registry.check_item.upsert": _check_item,
    "plan.publish": _plan,
    "registry.target.upsert": _target,
    "registry.inspector.upsert": _inspector,
    "task.create": _task_create,
    "draw.commit": _commit,
    "draw.result.part": _result_part,
    "draw.result": _draw_result,
    "draw.sealed": _sealed,
    "draw.disclose.part": _result_part,
    "draw.disclose": _disclose,
    "task.lock": _lock,
    "inspection.record": _inspection,
    "result.publish": _publish,
    "result.objection.file": _objection,
    "result.objection.decide": _objection_decision,
    "result.followup": _followup,
}
