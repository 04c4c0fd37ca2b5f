"""Pure: site state (+ the entries a page needs) → HTML pages (docs/site.md §1).

No I/O but the templates: the builder (``build.py``) reads the log and writes the files.
Every page is rendered with ``root``, the relative path back to the site's top, so the site
works from any static host and from ``file://`` of a copied folder.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from drawsvc.errors import DrawsvcError
from drawsvc.tasks import record as draw_record
from public_site import charts
from public_site.state import (
    FOLLOW_UP_LABELS,
    METHODS,
    OUTCOME_LABELS,
    Result,
    SiteState,
    Task,
    kind_label,
)

HERE = Path(__file__).parent
RANGE = 256  # entries per range page of the log explorer: one C2SP level-0 tile
RECENT_DRAWS = 10
#: A draw of more targets than this shows its first TASK_PAGE_TARGETS targets on its page;
#: names, teams and results of all go to pages of TARGETS_PER_PAGE, and every drawn code, in
#: draw order, to one text file (``targets_list``) that the verifier's page check compares
#: with the recomputed result (docs/site.md §1). Keeps a 50,000-target page small (≈ 100 KB).
BIG_DRAW = 2000
TARGETS_PER_PAGE = 1000
TASK_PAGE_TARGETS = 100


def task_page(task: str) -> str:
    return f"draws/{task}.html"


def targets_page(task: str, k: int) -> str:
    return f"draws/{task}.targets-{k + 1}.html"


def targets_list(task: str) -> str:
    """Every drawn code of a big draw's current round, one per line in draw order."""
    return f"draws/{task}.targets.txt"


def target_pages(task: Task) -> range:
    """The detail pages of a big draw (none for a small one)."""
    n = len(task.draw.targets) if task.draw else 0
    return range((n + TARGETS_PER_PAGE - 1) // TARGETS_PER_PAGE) if n > BIG_DRAW else range(0)


def firm_page(uscc: str) -> str:
    return f"firms/{uscc}.html"


def dept_page(code: str) -> str:
    return f"departments/{code}.html"


def entry_page(index: int) -> str:
    return f"log/entry/{index}.html"


def range_page(n: int) -> str:
    return f"log/range/{n}.html"


def root_of(path: str) -> str:
    return "../" * path.count("/")


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(
        task_page=task_page,
        targets_page=targets_page,
        targets_list=targets_list,
        firm_page=firm_page,
        dept_page=dept_page,
        entry_page=entry_page,
        range_page=range_page,
        kind_label=kind_label,
        methods=METHODS,
        follow_ups=FOLLOW_UP_LABELS,
        outcomes=OUTCOME_LABELS,
    )
    return env


def templates_digest() -> str:
    """Changes when a template or the stylesheet changes: then every page is rendered again."""
    h = hashlib.sha256()
    for path in sorted([*(HERE / "templates").glob("*.html"), *(HERE / "static").glob("*.*")]):
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def _render(template: str, path: str, **values: Any) -> str:
    return environment().get_template(template).render(root=root_of(path), path=path, **values)


# ---------------------------------------------------------------------- checkpoint


@dataclass(frozen=True)
class Signature:
    name: str
    key_id: str
    timestamp: int | None  # tlog-cosignature/v1: seconds since the epoch; None for the log's own

    @property
    def time(self) -> str:
        """The cosignature time in Beijing time (UTC+8) and as its POSIX timestamp, for display."""
        if self.timestamp is None or self.timestamp > 253402300799:  # beyond year 9999: show the number
            return "" if self.timestamp is None else str(self.timestamp)
        from datetime import datetime, timedelta, timezone

        at = datetime.fromtimestamp(self.timestamp, timezone(timedelta(hours=8)))
        return at.strftime("%Y-%m-%d %H:%M:%S") + " (UTC+8)"

    @property
    def iso_time(self) -> str:
        """The cosignature time as ISO 8601 UTC (for ``<time datetime>``); empty when unknown."""
        if self.timestamp is None or self.timestamp > 253402300799:
            return ""
        from datetime import UTC, datetime

        return datetime.fromtimestamp(self.timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class CheckpointView:
    text: str
    origin: str
    size: int
    root_b64: str
    signatures: tuple[Signature, ...]
    log_name: str

    @property
    def cosignatures(self) -> tuple[Signature, ...]:
        return tuple(s for s in self.signatures if s.name != self.log_name)


def checkpoint_view(note: str, *, log_name: str) -> CheckpointView:
    """Read the published checkpoint for display (it is verified by the verifier, not here).

    C2SP signed-note: body, blank line, ``— <name> <base64(key id ‖ signature)>`` lines; a
    tlog-cosignature/v1 signature is key id (4) ‖ timestamp (8, big-endian) ‖ Ed25519 (64).
    """
    body, _, sigs = note.partition("\n\n")
    lines = body.split("\n")
    out = []
    for line in sigs.splitlines():
        if not line.startswith("— "):
            continue
        name, _, b64 = line[2:].rpartition(" ")
        try:
            raw = base64.b64decode(b64, validate=True)
        except ValueError:
            continue
        stamp = int.from_bytes(raw[4:12], "big") if len(raw) == 4 + 8 + 64 else None
        out.append(Signature(name, raw[:4].hex(), stamp))
    return CheckpointView(
        text=note,
        origin=lines[0] if lines else "",
        size=int(lines[1]) if len(lines) > 1 and lines[1].isdigit() else 0,
        root_b64=lines[2] if len(lines) > 2 else "",
        signatures=tuple(out),
        log_name=log_name,
    )


# ---------------------------------------------------------------------- summaries


def headline(state: SiteState) -> list[tuple[str, int]]:
    drawn = [t for t in state.tasks.values() if t.draw is not None]
    return [
        ("抽查任务", sum(1 for t in state.tasks.values() if t.created_index is not None)),
        ("已完成抽取", len(drawn)),
        ("抽中检查对象（户次）", sum(len(t.draw.targets) for t in drawn if t.draw)),
        ("公示检查结果", len(state.results)),
        ("涉及企业", len(state.firms)),
        ("日志条目", state.size),
    ]


def recent_draws(state: SiteState) -> list[Task]:
    drawn = [t for t in state.tasks.values() if t.draw is not None]
    return sorted(drawn, key=lambda t: t.draw.index if t.draw else 0, reverse=True)[:RECENT_DRAWS]


def checks_series(state: SiteState) -> dict[str, dict[str, int]]:
    """Drawn targets per department and month (current draws), as plain dicts for the chart."""
    out: dict[str, dict[str, int]] = {}
    for (dept, month), n in state.checks_by_month.items():
        if n > 0:
            out.setdefault(state.departments.get(dept, dept), {})[month] = n
    return out


def result_categories(state: SiteState) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for r in state.results.values():
        for c in r.current.form.get("categories") or []:
            if isinstance(c, str):
                counts[c] += 1
    return dict(counts.most_common())


def coverage(state: SiteState) -> list[dict[str, object]]:
    """Per check item: targets drawn / candidates in the pools of the tasks using it, and the
    item's minimum ratio. Plain dicts (``results2``'s statistics have the same keys)."""
    drawn: Counter[tuple[str, str]] = Counter()
    pooled: Counter[tuple[str, str]] = Counter()
    for t in state.tasks.values():
        if t.draw is None or t.parent or not t.pool_sizes.get("targets"):
            continue  # a sub-draw re-draws its parent's targets: counted once, with the parent
        for item in t.check_items:
            drawn[item] += len(t.draw.targets)
            pooled[item] += t.pool_sizes["targets"]
    out: list[dict[str, object]] = []
    for key in sorted(pooled):
        item = state.check_items.get(key)
        current = item.current if item else {}
        out.append(
            {
                "label": str(current.get("name") or f"{key[0]}:{key[1]}"),
                "item": f"{key[0]}:{key[1]}",
                "coverage_bp": drawn[key] * 10000 // pooled[key],
                "min_ratio_bp": int(current.get("min_ratio_bp") or 0),
                "drawn": drawn[key],
                "pool": pooled[key],
            }
        )
    return out


def chart_svgs(state: SiteState, coverage_items: Sequence[Mapping[str, object]]) -> dict[str, str]:
    cats = result_categories(state)
    return {
        "checks": charts.monthly_columns(
            checks_series(state), title="各部门每月抽中检查对象数", ident="chart-checks"
        ),
        "results": charts.horizontal_bars(
            [charts.Bar(k, v, str(v)) for k, v in cats.items()], title="检查结果类别", ident="chart-results"
        ),
        "coverage": charts.coverage_bars(
            coverage_items, title="各抽查事项覆盖率与最低抽查比例", ident="chart-coverage"
        ),
    }


# ---------------------------------------------------------------------- pages


def render_home(state: SiteState, cp: CheckpointView) -> str:
    return _render(
        "index.html",
        "index.html",
        st=state,
        cp=cp,
        figures=headline(state),
        draws=recent_draws(state),
        departments=sorted(state.departments.items()),
    )


def render_stats(state: SiteState, coverage_items: Sequence[Mapping[str, object]]) -> str:
    return _render(
        "stats.html",
        "stats.html",
        st=state,
        svgs=chart_svgs(state, coverage_items),
        series=checks_series(state),
        categories=result_categories(state),
        coverage=coverage_items,
    )


def render_search() -> str:
    return _render("search.html", "search.html")


def render_departments(state: SiteState) -> str:
    return _render(
        "departments.html", "departments/index.html", st=state, departments=sorted(state.departments.items())
    )


def render_department(state: SiteState, code: str) -> str:
    items = sorted((i for (d, _), i in state.check_items.items() if d == code), key=lambda i: i.code)
    plans = sorted((p for (d, _), p in state.plans.items() if d == code), key=lambda p: -p.year)
    tasks = [t for t in state.tasks.values() if t.department == code and t.created_index is not None]
    path = dept_page(code)
    return _render(
        "department.html",
        path,
        st=state,
        code=code,
        name=state.departments.get(code, code),
        items=items,
        plans=plans,
        tasks=tasks,
    )


def task_record(entries: Sequence[tuple[int, Mapping[str, Any]]]) -> tuple[Any, str | None]:
    """The draw record of a task's entries, or None and why (a malformed entry is shown, DR-5)."""
    try:
        return draw_record.build_record(entries), None
    except DrawsvcError as exc:
        return None, str(exc)


def render_task(
    state: SiteState,
    task_id: str,
    entries: Sequence[tuple[int, Mapping[str, Any]]],
    *,
    base_url: str,
    record: tuple[Any, str | None] | None = None,
) -> str:
    """The public page of a task (docs/site.md §1.3): summary and drawn targets with their
    anchors ``#target-<USCC>``, the verifier, then the draw record's figures from the log."""
    task = state.tasks[task_id]
    record, problem = record or task_record(entries)
    results = state.task_results(task_id)
    path = task_page(task_id)
    return _render(
        "draw.html",
        path,
        st=state,
        t=task,
        r=record,
        problem=problem,
        results=results,
        teams=_teams(state, task, record),
        experts=_experts(task, record),
        pool_labels=draw_record.POOL_LABELS,
        verify_url=f"{base_url}/{path}",
        pages=target_pages(task),
        per_page=TARGETS_PER_PAGE,
        first=TASK_PAGE_TARGETS,
    )


def render_task_targets(state: SiteState, task_id: str, record: Any) -> dict[str, str]:
    """The detail pages of a big draw (names, teams and results of TARGETS_PER_PAGE targets
    each) and its list of codes (``targets_list``)."""
    task = state.tasks[task_id]
    pages = target_pages(task)
    if not pages or task.draw is None:
        return {}
    teams, results = _teams(state, task, record), state.task_results(task_id)
    out = {targets_list(task_id): "".join(f"{u}\n" for u in task.draw.targets)}
    for k in pages:
        path = targets_page(task_id, k)
        chunk = task.draw.targets[k * TARGETS_PER_PAGE : (k + 1) * TARGETS_PER_PAGE]
        out[path] = _render(
            "draw_targets.html",
            path,
            st=state,
            t=task,
            k=k,
            pages=pages,
            targets=chunk,
            teams=teams,
            results=results,
            per_page=TARGETS_PER_PAGE,
        )
    return out


@dataclass(frozen=True)
class Member:
    code: str
    name: str
    leader: bool
    marks: tuple[str, ...] = ()


def _teams(state: SiteState, task: Task, record: Any) -> dict[str, list[Member]]:
    """Who inspects each target now: the record's final view (DR-12) when it replays, else as drawn."""
    final = getattr(record, "final", None)
    if final is not None and final.teams:
        return {
            t.target: [
                Member(m.id, state.inspector_name(m.id), m.leader, tuple(k.label for k in m.marks))
                for m in t.members
            ]
            for t in final.teams
        }
    if task.draw is None:
        return {}
    return {
        target: [Member(c, state.inspector_name(c), c == team.leader) for c in team.members]
        for target, team in task.draw.teams.items()
    }


@dataclass(frozen=True)
class ExpertRow:
    code: str
    source: str
    status: str


def _experts(task: Task, record: Any) -> list[ExpertRow]:
    final = getattr(record, "final", None)
    if final is not None and final.experts:
        return [ExpertRow(x.code, x.source, x.status_label) for x in final.experts]
    return [ExpertRow(c, "抽取", "") for c in (task.draw.experts if task.draw else [])]


def firm_years(state: SiteState, uscc: str) -> list[tuple[str, list[Any], list[Result]]]:
    """The firm's checks and results by year, newest first (抽查检查信息)."""
    firm = state.firms[uscc]
    years: dict[str, tuple[list[Any], list[Result]]] = {}
    for check in firm.checks.values():
        years.setdefault(str(check.year or check.at[:4]), ([], []))[0].append(check)
    for code in firm.results:
        r = state.results[code]
        years.setdefault(r.year or "—", ([], []))[1].append(r)
    return [(y, *years[y]) for y in sorted(years, reverse=True)]


def render_firm(state: SiteState, uscc: str) -> str:
    return _render("firm.html", firm_page(uscc), st=state, f=state.firms[uscc], years=firm_years(state, uscc))


@dataclass(frozen=True)
class EntryView:
    index: int
    kind: str
    at: str
    actor: Mapping[str, Any]
    body_json: str
    leaf_hash: str
    page: bool


def entry_view(index: int, raw: bytes, *, page: bool, entry: Mapping[str, Any] | None = None) -> EntryView:
    """What the log explorer shows of one entry; the pretty body only for an entry page."""
    entry = json.loads(raw) if entry is None else entry
    leaf = hashlib.sha256(b"\x00" + raw).hexdigest()  # RFC 9162 §2.1.1
    actor = entry.get("actor")
    return EntryView(
        index=index,
        kind=str(entry.get("kind", "")),
        at=str(entry.get("at", "")),
        actor=actor if isinstance(actor, Mapping) else {},
        body_json=json.dumps(entry.get("body"), ensure_ascii=False, indent=1, sort_keys=True) if page else "",
        leaf_hash=leaf,
        page=page,
    )


def proof_size(index: int, size: int) -> int:
    """The tree size an entry page proves inclusion in: the end of the entry's level-0 tile
    once that tile is full (so the page never changes again), else the current size."""
    end = (index // RANGE + 1) * RANGE
    return end if end <= size else size


def render_entry(
    view: EntryView, *, proof: Sequence[bytes], tree_size: int, root: bytes, task: str | None
) -> str:
    return _render(
        "entry.html",
        entry_page(view.index),
        e=view,
        proof=[p.hex() for p in proof],
        tree_size=tree_size,
        root_hex=root.hex(),
        root_b64=base64.b64encode(root).decode(),
        task=task,
        range_no=view.index // RANGE,
    )


def render_range(n: int, views: Sequence[EntryView], *, size: int) -> str:
    return _render("range.html", range_page(n), n=n, rows=views, size=size, last=(size - 1) // RANGE)


def render_log(state: SiteState, cp: CheckpointView, verifier_key: str) -> str:
    ranges = (state.size + RANGE - 1) // RANGE
    return _render(
        "log.html",
        "log/index.html",
        st=state,
        cp=cp,
        verifier_key=verifier_key,
        ranges=range(ranges),
        kinds=sorted(state.kinds.items()),
    )
