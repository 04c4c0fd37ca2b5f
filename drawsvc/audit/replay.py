"""AUD-3 … AUD-7: every entry replayed in log order, every draw recomputed (docs/audit.md).

One streaming pass (:meth:`Auditor.observe`, in log order) keeps a small index — per task the
log indices and kinds of its non-chunk entries (creation, commitments, draws, follow-ups,
disclosures, locks, dispatches), the commitments already drawn, the experts' answers and the
rotation history of each expert pool and group — never pool chunks. :meth:`Auditor.finish`
then recomputes each new draw with ``drawsvc.tasks.verify.verify_draw`` through a reader over
the bundles with a small LRU cache, passing only the task's own later entries. The index is
JSON (``to_state``/``from_state``) so an incremental run replays only new entries.

Pure apart from the ``Fetch`` callable; findings are collected, never raised.
"""

from __future__ import annotations

import bisect
import json
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from drawsvc.audit.deadlines import Deadlines
from drawsvc.audit.tree import WIDTH, Fetch, read_bundle
from drawsvc.gcpause import gc_paused
from drawsvc.tasks import replay
from drawsvc.tasks.logread import LogMismatch, decode, result_of
from drawsvc.tasks.verify import verify_draw
from ledger.errors import LedgerError

# kinds the index keeps (everything of a task except its chunk entries)
INDEXED = frozenset(
    {
        "task.create",
        "task.pool.build",
        "task.pool.add",
        "task.pool.remove",
        "draw.commit",
        "draw.result",
        "draw.sealed",
        "draw.disclose",
        "draw.expert.response",
        "draw.expert.topup",
        "draw.designate",
        "draw.replace",
        "task.lock",
        "task.dispatch",
    }
)
FOLLOWUPS = frozenset({"draw.expert.topup", "draw.replace", "draw.designate", "draw.disclose"})
DRAWS = ("draw.result", "draw.sealed")
# the kinds ``observe`` reads (the rest: registry updates, inspection records, pool chunks — read
# again by AUD-4 through the bundles — are decoded and hashed, nothing more)
RULE_PREFIXES = ("result.", "registry.expert")
RULE_KINDS = INDEXED | {"calendar.arrangement", "registry.check_item.upsert"}
MAX_KINDS = 256  # kinds remembered as read by no rule
MAX_FINDINGS = 10_000  # kept in detail per run; beyond, counted per rule (bounded memory)
HISTORY = 16  # rotation history per expert pool and group (DRAW-61 needs 2; spares for sealed, redraws)

RULES: dict[str, str] = {
    "AUD-1": "checkpoint signature and origin",
    "AUD-2": "the entries rebuild the signed tree",
    "AUD-3": "order: entries decode, each draw follows its own commitment, follow-ups follow their draw",
    "AUD-4": "each draw recomputed byte for byte (reveals, beacon, pools, result, follow-ups, seals)",
    "AUD-5": "each redraw, replacement, designation, pool edit and top-up carries its reason (and approver)",
    "AUD-6": "headcount: teams of at least 2 distinct inspectors with exactly one leader; expert panels full",
    "AUD-7": "expert rotation: each commitment cites the two previous draws of its pool and group",
    "AUD-8": "calendar arrangements replay; results deadlines recomputed; results, publications, "
    "objection decisions and dispatch confirmations in time",
    "AUD-10": "expert eligibility: frozen expert pools hold only admitted experts within their term and not "
    "exited, by the registry entries logged before the commitment",
    "AUD-11": "check items: each draw's minimum ratio and yearly cap are at least as strict as the logged "
    "check items of its task",
    "AUD-9": "the new checkpoint extends the one verified in the saved state (consistency)",
}


@dataclass(frozen=True)
class Finding:
    rule: str
    index: int | None
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "index": self.index, "message": self.message}


class BundleReader:
    """An ``EntryReader`` over the published bundles, with a small LRU cache of raw bundles."""

    def __init__(self, fetch: Fetch, size: int, cache: int = 8) -> None:
        self.fetch, self.size, self.cache = fetch, size, cache
        self._lru: OrderedDict[int, list[bytes]] = OrderedDict()

    def bundle(self, n: int) -> list[bytes]:
        if n in self._lru:
            self._lru.move_to_end(n)
            return self._lru[n]
        b = read_bundle(self.fetch, n, self.size)
        self._lru[n] = b
        if len(self._lru) > self.cache:
            self._lru.popitem(last=False)
        return b

    def __call__(self, start: int, stop: int) -> list[dict[str, Any]]:
        if not 0 <= start <= stop <= self.size:
            raise LogMismatch(f"log entries {start}..{stop} are not within the log (size {self.size})")
        out: list[dict[str, Any]] = []
        i = start
        while i < stop:
            n = i // WIDTH
            b = self.bundle(n)
            hi = min(stop, (n + 1) * WIDTH)
            out.extend(decode(raw) for raw in b[i - n * WIDTH : hi - n * WIDTH])
            i = hi
        return out


def _text(v: Any) -> bool:
    return isinstance(v, str) and v.strip() != ""


class Auditor:
    """The streaming replay. ``observe`` each entry in order, then ``finish``."""

    def __init__(self) -> None:
        self.size = 0  # entries observed
        self.by_task: dict[str, list[list[Any]]] = {}  # task → [[index, kind], ...] ascending
        self.commits: dict[str, int] = {}  # "task|round" → draw.commit index
        self.drawn: dict[str, int] = {}  # str(commit index) → draw index
        self.draws: dict[str, list[Any]] = {}  # str(draw index) → [task, round]
        self.current: dict[str, list[int]] = {}  # "task|round" → [draw index]
        self.responses: dict[str, dict[str, str]] = {}  # "task|round" → expert → response
        self.rotation: dict[str, list[dict[str, Any]]] = {}  # "pool|group" → newest first
        self.dirty: set[int] = set()  # draws to (re)verify in finish
        self._at: Any = None
        self._read: Callable[[int, int], list[dict[str, Any]]] = lambda a, b: []
        self.verified = 0
        self.deadlines = Deadlines()
        self.items: dict[str, list[Any]] = {}  # "department|code" → [min_ratio_bp, cap_per_target_per_year]
        self.experts: dict[str, list[Any]] = {}  # code → [status, term_start, term_end, exited_on]
        self.findings: list[Finding] = []
        self._no_rule: set[str] = set()  # kinds read by no rule (_no_rule_for)
        self.omitted: dict[str, int] = {}  # rule → findings beyond MAX_FINDINGS (all runs)

    # -- state --------------------------------------------------------------------------
    def to_state(self) -> dict[str, Any]:
        return {
            "size": self.size,
            "by_task": self.by_task,
            "commits": self.commits,
            "drawn": self.drawn,
            "draws": self.draws,
            "current": self.current,
            "responses": self.responses,
            "rotation": self.rotation,
            "verified": self.verified,
            "deadlines": self.deadlines.to_state(),
            "experts": self.experts,
            "items": self.items,
            "omitted": self.omitted,
        }

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> Auditor:
        a = cls()
        a.size = int(state["size"])
        for key in ("by_task", "commits", "drawn", "draws", "current", "responses", "rotation"):
            setattr(a, key, state[key])
        a.verified = int(state.get("verified", 0))
        a.deadlines = Deadlines.from_state(state["deadlines"])
        a.experts = state["experts"]
        a.items = state["items"]
        a.omitted = dict(state.get("omitted") or {})
        return a

    # -- the index verify.py uses (TaskEntries) -------------------------------------------
    def task_entries_with(
        self, read: Callable[[int, int], list[dict[str, Any]]]
    ) -> Callable[[str, int, int], list[tuple[int, dict[str, Any]]]]:
        def task_entries(task: str, start: int, stop: int) -> list[tuple[int, dict[str, Any]]]:
            rows = self.by_task.get(task, [])
            lo = bisect.bisect_left(rows, start, key=lambda r: r[0])
            hi = bisect.bisect_left(rows, stop, key=lambda r: r[0])
            return [(int(r[0]), read(int(r[0]), int(r[0]) + 1)[0]) for r in rows[lo:hi]]

        return task_entries

    # -- the pass -------------------------------------------------------------------------
    def _find(self, rule: str, index: int | None, message: str) -> None:
        if len(self.findings) < MAX_FINDINGS:
            self.findings.append(Finding(rule, index, message))
        else:
            self.omitted[rule] = self.omitted.get(rule, 0) + 1

    def observe_raw(self, index: int, raw: bytes, read: Callable[[int, int], list[dict[str, Any]]]) -> None:
        try:
            entry = decode(raw)
        except LedgerError as exc:
            self._find("AUD-3", index, f"the entry does not decode: {exc}")
            self.size = index + 1
            return
        kind = entry.get("kind")
        if type(kind) is str and (kind in self._no_rule or self._no_rule_for(kind)):
            self.size = index + 1  # decoded (AUD-3) and hashed (AUD-2): nothing else to check
            return
        try:
            self.observe(index, entry, read)
        except (KeyError, TypeError, ValueError, AttributeError, LedgerError) as exc:
            self._find(
                "AUD-3", index, f"the {entry.get('kind')!r} entry is malformed ({type(exc).__name__}: {exc})"
            )
        self.size = index + 1

    def _no_rule_for(self, kind: str) -> bool:
        """True when ``observe`` does nothing with entries of ``kind``; remembered (for at most
        ``MAX_KINDS`` kinds: the log chooses them) so the 99 % of a year's log that no rule reads
        beyond decoding skip the dispatch."""
        if kind in RULE_KINDS or kind.startswith(RULE_PREFIXES):
            return False
        if len(self._no_rule) < MAX_KINDS:
            self._no_rule.add(kind)
        return True

    def observe(
        self, i: int, entry: Mapping[str, Any], read: Callable[[int, int], list[dict[str, Any]]]
    ) -> None:
        kind = str(entry.get("kind"))
        b = entry["body"]
        self._at, self._read = entry.get("at"), read
        if kind == "calendar.arrangement" or kind.startswith("result."):
            try:
                self.deadlines.observe(i, entry, read, self._find)
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                self._find("AUD-8", i, f"the {kind!r} entry lacks what its deadline needs ({exc!r})")
        if kind == "registry.check_item.upsert":
            self.items[f"{b.get('department')}|{b.get('code')}"] = [
                b.get("min_ratio_bp"),
                b.get("cap_per_target_per_year"),
            ]
            return
        if kind.startswith("registry.expert"):
            self._expert(kind, b)
            return
        task = b.get("task")
        if kind not in INDEXED or not isinstance(task, str):
            return
        self.by_task.setdefault(task, []).append([i, kind])
        key = f"{task}|{b.get('round')}"
        if kind in ("task.pool.add", "task.pool.remove") and not _text(b.get("reason")):
            self._find("AUD-5", i, f"{task}: a manual pool edit ({kind}) without a reason")
        elif kind == "draw.commit":
            self._commit(i, task, int(b["round"]), b)
        elif kind in DRAWS:
            self._draw(i, task, int(b["round"]), b, kind, read)
        elif kind in FOLLOWUPS or kind in ("task.lock", "draw.expert.response"):
            if kind == "draw.designate" and b.get("role") == "expert":
                if not (_text(b.get("reason")) and _text(b.get("approver"))):
                    self._find("AUD-5", i, f"{task}: an expert designation without reason and approver")
                return
            draw = self.current.get(key)
            if draw is None:
                self._find("AUD-3", i, f"{task} round {b.get('round')}: {kind} before any draw of that round")
                return
            self._followup(i, task, key, kind, b, draw[0])

    def _commit(self, i: int, task: str, round_: int, b: Mapping[str, Any]) -> None:
        key = f"{task}|{round_}"
        if key in self.commits:
            self._find("AUD-3", i, f"{task} round {round_} is committed twice")
        previous = self.current.get(f"{task}|{round_ - 1}")
        if round_ > 1:
            redraw = b.get("redraw") or {}
            if not (_text(redraw.get("reason")) and _text(redraw.get("approver"))):
                self._find("AUD-5", i, f"{task}: redraw round {round_} without reason and approver")
            if previous is None:
                self._find(
                    "AUD-3", i, f"{task}: round {round_} committed without a draw of round {round_ - 1}"
                )
        elif round_ != 1:
            self._find("AUD-3", i, f"{task}: commitment of round {round_}")
        for d in b.get("designated") or []:
            if not (_text(d.get("reason")) and _text(d.get("approver"))):
                self._find("AUD-5", i, f"{task}: designated expert {d.get('id')} without reason and approver")
        self.commits[key] = i
        self._check_items(i, task, b)
        e = (b.get("params") or {}).get("experts")
        if e is not None:
            self._eligibility(i, task, b, self._at, self._read)
            expected = [
                {"draw": h["draw"], "panel": h["panel"]}
                for h in self.rotation.get(f"{e.get('pool')}|{e.get('group')}", [])
                if h["task"] != task and not h["sealed"]
            ][:2]
            if (b.get("rotation") or []) != expected:
                cited = [r.get("draw") for r in b.get("rotation") or []]
                self._find(
                    "AUD-7",
                    i,
                    f"{task}: the commitment cites draws {cited} for rotation; the log's two previous "
                    "draws of "
                    f"pool {e.get('pool')} group {e.get('group')} are {[x['draw'] for x in expected]} "
                    "(or their panels differ)",
                )

    def _expert(self, kind: str, b: Mapping[str, Any]) -> None:
        """The public part of the expert registry (registries.md §7.2): status, term, exit."""
        if kind == "registry.expert.batch.v2":
            from drawsvc.registries.records import batch_records

            for r in batch_records(b):
                self._expert("registry.expert.update", r)
            return
        code = b.get("code")
        if not isinstance(code, str) or "status" not in b:
            return
        rec = self.experts.setdefault(code, [None, None, None, None])
        rec[0] = b["status"]
        if "term_start" in b:
            rec[1], rec[2] = b.get("term_start"), b.get("term_end")
        if kind == "registry.expert.exit":
            rec[3] = b.get("on")

    def _eligibility(
        self,
        i: int,
        task: str,
        commit: Mapping[str, Any],
        on: str | None,
        read: Callable[[int, int], list[dict[str, Any]]],
    ) -> None:
        """AUD-10 (DRAW-60 exited/term): each frozen expert by the registry as logged so far."""
        ref = (commit.get("pools") or {}).get("experts")
        if ref is None or not self.experts or not isinstance(on, str):
            return
        first, count = int(ref["entries"][0]), int(ref["entries"][1])
        day = on[:10]
        for e in read(first, first + count):
            for row in e["body"].get("rows") or []:
                rec = self.experts.get(str(row[0]))
                if rec is None:
                    continue  # not managed through the log: nothing to compare with
                status, start, end, exited = rec
                why = None
                if status != "admitted":
                    why = f"status {status!r}"
                elif exited is not None and exited <= day:
                    why = f"exited on {exited}"
                elif start is not None and end is not None and not start <= day <= end:
                    why = f"term {start}..{end}"
                if why is not None:
                    self._find("AUD-10", i, f"{task}: expert {row[0]} in the frozen pool on {day} ({why})")

    def _check_items(self, i: int, task: str, commit: Mapping[str, Any]) -> None:
        """AUD-11: the task's check items (as logged before the commitment) bound its draw."""
        t = (commit.get("params") or {}).get("targets")
        creates = [r[0] for r in self.by_task.get(task, []) if r[1] == "task.create"]
        if t is None or t.get("mode") != "sample" or not creates or not self.items:
            return
        refs = self._read(creates[0], creates[0] + 1)[0]["body"].get("check_items") or []
        known = [
            self.items[k] for k in (f"{r.get('department')}|{r.get('code')}" for r in refs) if k in self.items
        ]
        if not known:
            return
        minimum = max(int(m or 0) for m, _c in known)
        caps = [int(c) for _m, c in known if c is not None]
        if int(t.get("min_ratio_bp") or 0) < minimum:
            self._find(
                "AUD-11",
                i,
                f"{task}: minimum ratio {t.get('min_ratio_bp')} bp, its check items ask for {minimum} bp",
            )
        if caps and t.get("cap_per_year") is not None and int(t["cap_per_year"]) > min(caps):
            self._find(
                "AUD-11",
                i,
                f"{task}: yearly cap {t['cap_per_year']} per target, its check items allow {min(caps)}",
            )

    def _draw(
        self,
        i: int,
        task: str,
        round_: int,
        b: Mapping[str, Any],
        kind: str,
        read: Callable[[int, int], list[dict[str, Any]]],
    ) -> None:
        key = f"{task}|{round_}"
        commit = b.get("commit")
        if self.commits.get(key) != commit or not isinstance(commit, int) or commit >= i:
            self._find(
                "AUD-3",
                i,
                f"{task} round {round_}: the draw cites entry {commit}, not its own earlier "
                f"commitment ({self.commits.get(key)})",
            )
        elif str(commit) in self.drawn:
            self._find(
                "AUD-3",
                i,
                f"{task} round {round_}: the commitment {commit} was already drawn "
                f"at {self.drawn[str(commit)]}",
            )
        if isinstance(commit, int):
            self.drawn.setdefault(str(commit), i)
        self.draws[str(i)] = [task, round_]
        self.current[key] = [i]
        self.dirty.add(i)
        # rotation history: this draw supersedes the task's earlier ones (status "current" only)
        commit_body = read(int(commit), int(commit) + 1)[0]["body"] if isinstance(commit, int) else {}
        e = (commit_body.get("params") or {}).get("experts")
        if e is None:
            return
        hkey = f"{e.get('pool')}|{e.get('group')}"
        hist = [h for h in self.rotation.get(hkey, []) if h["task"] != task]
        panel: list[str] = []
        if kind == "draw.result":
            _body, result = result_of(read, i)
            panel = list(replay.panel_of(result))
        hist.insert(
            0, {"draw": i, "task": task, "round": round_, "panel": panel, "sealed": kind == "draw.sealed"}
        )
        self.rotation[hkey] = hist[:HISTORY]

    def _history(self, draw: int) -> dict[str, Any] | None:
        for hist in self.rotation.values():
            for h in hist:
                if h["draw"] == draw:
                    return h
        return None

    def _followup(self, i: int, task: str, key: str, kind: str, b: Mapping[str, Any], draw: int) -> None:
        if kind in FOLLOWUPS:
            self.dirty.add(draw)
        if kind == "draw.expert.response":
            self.responses.setdefault(key, {})[str(b.get("expert"))] = str(b.get("response"))
            if b.get("response") == "declined" and not _text(b.get("reason")):
                self._find("AUD-5", i, f"{task}: expert {b.get('expert')} declined without a written reason")
            at, deadline = self._at, b.get("deadline")
            if b.get("response") == "no_answer" and isinstance(at, str) and isinstance(deadline, str):
                if at[:10] <= deadline:  # `at` is Asia/Shanghai civil time: its date is the day logged
                    self._find(
                        "AUD-8",
                        i,
                        f"{task}: 'no answer' of expert {b.get('expert')} logged on "
                        f"{at[:10]}, before the end of the answer deadline {deadline}",
                    )
        elif kind == "draw.expert.topup":
            ev = b.get("event") or {}
            answer = self.responses.get(key, {}).get(str(ev.get("expert")))
            wanted = {"declined": "declined", "no-answer": "no_answer"}.get(str(ev.get("reason")))
            if wanted is None or answer != wanted:
                self._find(
                    "AUD-5",
                    i,
                    f"{task}: top-up for expert {ev.get('expert')} (reason {ev.get('reason')!r}) "
                    f"without a logged answer saying so (logged: {answer!r})",
                )
            h = self._history(draw)
            if h is not None and ev.get("expert") in h["panel"]:
                h["panel"][h["panel"].index(ev["expert"])] = ev.get("replacement")
        elif kind == "draw.replace":
            ev = b.get("event") or {}
            if not (_text(ev.get("reason")) and _text(ev.get("approver"))):
                self._find(
                    "AUD-5",
                    i,
                    f"{task}: replacement of {ev.get('person')} at {ev.get('target')} "
                    "without reason and approver",
                )
        elif kind == "draw.designate":
            if not (_text(b.get("reason")) and _text(b.get("approver"))):
                self._find(
                    "AUD-5", i, f"{task}: leader designation at {b.get('target')} without reason and approver"
                )
        elif kind == "task.lock" and b.get("draw") != draw:
            self._find("AUD-3", i, f"{task}: the lock names draw {b.get('draw')}, the current draw is {draw}")
        elif kind == "draw.disclose":
            h = self._history(draw)
            if h is not None:  # the panel enters rotation once disclosed (AUD-4 checks the opening)
                h["sealed"] = False
                value = b.get("plaintext")
                if b.get("parts") is not None:
                    first, count = b["parts"]
                    value = json.loads("".join(e["body"]["text"] for e in self._read(first, first + count)))
                h["panel"] = list(replay.panel_of((value or {}).get("result") or {}))

    # -- after the pass ---------------------------------------------------------------------
    def finish(
        self,
        read: Callable[[int, int], list[dict[str, Any]]],
        size: int,
        progress: Callable[[], None] | None = None,
    ) -> None:
        """AUD-4 and AUD-6 for every draw new or with new follow-ups since the last run."""
        index = _Index(self.task_entries_with(read))
        # a parent draw is recomputed once, not once per sub-draw (nor again in a later run)
        parents: set[int] = {int(k) for k, v in self.draws.items() if len(v) > 2 and v[2]}
        for d in sorted(self.dirty):
            task, round_ = self.draws[str(d)][:2]
            self.draws[str(d)] = [task, round_, False]
            later = index.task_entries(task, d + 1, size)
            try:
                with gc_paused():  # one draw's pool and teams at a time; it runs again between draws
                    v = verify_draw(read, d, size=size, later=later, index=index, parents_verified=parents)
            except (LedgerError, KeyError, TypeError, ValueError, IndexError) as exc:
                at = getattr(exc, "index", None)
                self._find(
                    "AUD-4",
                    at if isinstance(at, int) else d,
                    f"{task} round {round_} (draw at {d}) does not recompute: {exc}",
                )
            except Exception as exc:  # the engine refusing tampered inputs (DrawInfeasible, InvalidInput…)
                self._find(
                    "AUD-4",
                    d,
                    f"{task} round {round_} (draw at {d}) does not recompute: {type(exc).__name__}: {exc}",
                )
            else:
                self.verified += 1
                parents.add(d)
                self.draws[str(d)] = [task, round_, True]
                if v.sealed is None or v.sealed.get("disclosed") is not None:  # a sealed result is unseen
                    self._headcount(read, d, task, v.final)
                h = self._history(d)
                if h is not None and v.sealed is not None and v.sealed.get("disclosed") is not None:
                    h["panel"] = list(v.final.get("experts") or [])
            replay.forget_frozen()  # one draw's pools at a time (a million-record pool is ~150 MB)
            if progress is not None:
                progress()
        self.dirty.clear()

    def _headcount(
        self, read: Callable[[int, int], list[dict[str, Any]]], d: int, task: str, final: Mapping[str, Any]
    ) -> None:
        body = read(d, d + 1)[0]["body"]
        commit = read(int(body["commit"]), int(body["commit"]) + 1)[0]["body"]
        params = commit.get("params") or {}
        teams = params.get("teams")
        if teams is not None:
            if int(teams.get("size", 0)) < 2:
                self._find("AUD-6", int(body["commit"]), f"{task}: teams of {teams.get('size')} inspector(s)")
            for t in final.get("teams") or []:
                members = t.get("members") or []
                if len(members) < 2 or len(set(members)) != len(members) or t.get("leader") not in members:
                    self._find(
                        "AUD-6",
                        d,
                        f"{task}: the team of {t.get('target')} has {len(set(members))} "
                        "distinct inspectors or no leader",
                    )
        if teams is not None and body.get("result") is not None:
            for a in replay.teams_of(body["result"]):
                leaders = sum(1 for m in a.get("members") or [] if m.get("leader"))
                if leaders != 1:
                    self._find("AUD-6", d, f"{task}: the team of {a.get('target')} has {leaders} leaders")
        experts = params.get("experts")
        if experts is not None:
            panel = final.get("experts") or []
            if len(panel) != experts.get("headcount") or len(set(panel)) != len(panel):
                self._find(
                    "AUD-6",
                    d,
                    f"{task}: expert panel of {len(set(panel))}, headcount {experts.get('headcount')}",
                )

    def summary(self) -> dict[str, Any]:
        return {
            "entries": self.size,
            "tasks": len(self.by_task),
            "draws": len(self.draws),
            "verified": self.verified,
            "omitted_findings": self.omitted,
            "deadlines_checked": self.deadlines.checked,
            "open_deadlines": self.deadlines.open_deadlines(),
            "undisclosed": sorted(h["draw"] for hist in self.rotation.values() for h in hist if h["sealed"]),
        }


class _Index:
    """``drawsvc.tasks.verify.TaskEntries`` over the auditor's index."""

    def __init__(self, fn: Callable[[str, int, int], list[tuple[int, dict[str, Any]]]]) -> None:
        self.task_entries = fn


def dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
