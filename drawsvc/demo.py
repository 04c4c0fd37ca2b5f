"""The demo: realistic sample data, complete draws, the public site, all from one command.

``drawsvc demo`` (and ``./dev demo``) runs :func:`run_demo` on a fresh SQLite database under
``var/demo`` and then serves the API (``/docs``) and the public site (``/site/``) on
localhost. Everything goes through the same service functions as the API and the CLI, so the
demo is also an end-to-end check: every draw is verified from the log alone at the end.

Sample data is generated (``drawsvc.sample``): fake but valid enterprises of 杭州市 with
correct unified social credit codes, inspectors, an expert pool and interest declarations,
imported through the all-or-nothing CSV/XLSX importers exactly as a bureau clerk would.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any

from drawsvc import sample
from drawsvc.api.auth import create_api_key
from drawsvc.calendar.service import ensure_bundled
from drawsvc.draw.seed import commitment
from drawsvc.journal import SHANGHAI, SYSTEM, Actor
from drawsvc.plans import service as plans
from drawsvc.registries import expert_rules
from drawsvc.registries import service as registries
from drawsvc.registries.experts import upsert_pool
from drawsvc.registries.imports import import_file
from drawsvc.runtime import Runtime, open_runtime
from drawsvc.sample import vocabulary
from drawsvc.settings import Settings
from drawsvc.tasks import record as draw_record
from drawsvc.tasks import repository as task_repository
from drawsvc.tasks import service as tasks
from drawsvc.tasks.logread import reader_for
from drawsvc.tasks.verify import verify_task
from public_site.build import build_site

DEMO_ORIGIN = "demo.drawsvc.local/log"
DEMO_DAY = date(2026, 3, 2)  # a Monday: draws and deadlines in a normal working week
YEAR = 2026

DEPARTMENTS = {
    "SCJG": "杭州市市场监督管理局",
    "HBJ": "杭州市生态环境局",
    "SWJ": "杭州市商务局",
}
CHECK_ITEMS = {
    "SCJG": {
        "code": "SCJG-SP-01",
        "name": "食品经营者经营活动的监督检查",
        "target_type": "有限责任公司",
        "legal_basis": "《中华人民共和国食品安全法》第八十七条",
        "content": "经营资质、进货查验、贮存条件",
        "method": "实地核查",
        "min_ratio_bp": 300,
        "cap_per_target_per_year": 2,
        "risk_class_ratios_bp": {"A": 100, "B": 300, "C": 1000, "D": 2000},
    },
    "HBJ": {
        "code": "HBJ-PW-01",
        "name": "排污单位排污许可执行情况检查",
        "target_type": "有限责任公司",
        "legal_basis": "《排污许可管理条例》第二十八条",
        "content": "排污许可证执行报告、自行监测",
        "method": "实地核查",
        "min_ratio_bp": 500,
    },
    "SWJ": {
        "code": "SWJ-DF-01",
        "name": "单用途商业预付卡发卡企业检查",
        "target_type": "有限责任公司",
        "legal_basis": "《单用途商业预付卡管理办法（试行）》",
        "content": "备案、资金存管",
        "method": "书面检查",
        "min_ratio_bp": 300,
    },
}
EXPERT_POOL = "ZLZJ"


def bureau(department: str) -> Actor:
    return Actor(role="bureau", department=department, name=f"{department}-clerk")


@dataclass
class DemoReport:
    data_dir: Path
    site_dir: Path
    counts: dict[str, int] = field(default_factory=dict)
    tasks: list[str] = field(default_factory=list)
    verified: list[tuple[str, int, str]] = field(default_factory=list)  # task, draw index, what was drawn
    records: list[Path] = field(default_factory=list)
    keys: dict[str, str] = field(default_factory=dict)
    log_size: int = 0
    results: dict[str, Any] = field(default_factory=dict)  # run_results: codes by what they show
    # the discipline office's audit of the published site (drawsvc audit): summary and findings
    audit: dict[str, Any] = field(default_factory=dict)
    audit_report: Path | None = None


Step = Callable[[str], None]


def _secret(label: str) -> bytes:
    """Demo secrets are derived from a label so that reruns give the same draws; a real
    operator generates 32 random bytes (``drawsvc task commit`` does) and keeps them sealed."""
    import hashlib

    return hashlib.sha256(f"drawsvc demo secret: {label}".encode()).digest()


# A genuine drand quicknet round (tests/vectors/beacon/genuine.json names its source), so the
# demo's stratified draw shows a verified public beacon. It is a past round: a real operator
# commits to a round still in the future and fetches its signature at the draw (docs/specs/beacon.md).
DEMO_BEACON = {
    "source": "drand-quicknet",
    "round": 657413,
    "signature": (
        "b713718a38ae728dfd477991af2822e08d2f305e47718cef9f7848ce4050e7be41076862b98fad56e91a6b85b89cd97b"
    ),
}


def _commit_and_draw(
    rt: Runtime, task: str, department: str, *, witness: bool = True, beacon: dict[str, Any] | None = None
) -> Any:
    operator = _secret(f"{task}/operator")
    discipline = _secret(f"{task}/discipline")
    commitments = [{"party": "operator", "department": department, "commitment": commitment(operator)}]
    reveals = [{"party": "operator", "secret": operator.hex()}]
    if witness:
        commitments.append({"party": "discipline", "department": None, "commitment": commitment(discipline)})
        reveals.append({"party": "discipline", "secret": discipline.hex()})
    with rt.transaction() as s:
        tasks.commit_task(
            s,
            rt.journal,
            task=task,
            commitments=commitments,
            beacon={"source": beacon["source"], "round": beacon["round"]} if beacon else None,
            on=DEMO_DAY,
            actor=bureau(department),
        )
    with rt.transaction() as s:
        return tasks.draw_task(
            s,
            rt.journal,
            task=task,
            reveals=reveals,
            beacon_signature=beacon["signature"] if beacon else None,
            on=DEMO_DAY,
            actor=bureau(department),
        )


def load_registries(rt: Runtime, samples: Path, *, targets: int, step: Step) -> dict[str, int]:
    counts: dict[str, int] = {}
    with rt.transaction() as s:
        ensure_bundled(s, rt.journal, actor=SYSTEM)
        for code, name in DEPARTMENTS.items():
            registries.upsert_department(s, rt.journal, code=code, name=name, actor=SYSTEM)
            registries.upsert_check_item(
                s, rt.journal, CHECK_ITEMS[code], department=code, actor=bureau(code)
            )
        upsert_pool(
            s,
            rt.journal,
            code=EXPERT_POOL,
            name="产品质量专家库",
            department="SCJG",
            pool=expert_rules.PoolRules(age_limit=65, groups=tuple(vocabulary.PRODUCT_GROUPS)),
            actor=bureau("SCJG"),
        )
    step(f"生成样例数据：{targets} 家企业")
    files = {"targets": samples / "检查对象名录.csv"}
    sample.write_file("targets", sample.generate_targets(targets, seed=2026), files["targets"])
    for i, dept in enumerate(DEPARTMENTS):
        files[f"inspectors:{dept}"] = samples / f"执法检查人员名录-{dept}.xlsx"
        sample.write_file(
            "inspectors",
            sample.generate_inspectors(40, seed=10 + i, department=dept),
            files[f"inspectors:{dept}"],
        )
    files["experts"] = samples / "专家库.xlsx"
    sample.write_file("experts", sample.generate_experts(30, seed=7, pool=EXPERT_POOL), files["experts"])
    usccs = [t["uscc"] for t in sample.generate_targets(targets, seed=2026)]
    people = [("inspector", f"{dept}-{n:05d}") for dept in DEPARTMENTS for n in range(1, 41, 4)]
    files["declarations"] = samples / "回避关系.csv"
    sample.write_file(
        "declarations", sample.generate_declarations(people, usccs, seed=3), files["declarations"]
    )

    for key, path in files.items():
        kind, _, dept = key.partition(":")
        fmt = "xlsx" if path.suffix == ".xlsx" else "csv"
        step(f"导入 {path.name}")
        with rt.transaction() as s:
            report = import_file(
                s,
                rt.journal,
                path,
                kind=kind,
                fmt=fmt,
                on=DEMO_DAY,
                department=dept or None,
                pool_code=EXPERT_POOL if kind == "experts" else None,
                actor=bureau(dept or "SCJG"),
            )
        counts[kind] = counts.get(kind, 0) + report.rows
    return counts


def publish_plans(rt: Runtime, step: Step) -> None:
    """年度抽查计划: each department plans its check item for the year and publishes it (logged),
    then the market regulator revises its plan once, with a reason (both versions stay public)."""
    step("年度抽查计划：各部门制定并公示，市场监管局修订一次")
    for code, item in CHECK_ITEMS.items():
        ratio = max(item.get("min_ratio_bp", 100), 300)
        items = [{"check_item": item["code"], "ratio_bp": ratio, "frequency": 1,
                  "period_start": f"{YEAR}-01-01", "period_end": f"{YEAR}-06-30"}]
        with rt.transaction() as s:
            plans.upsert_plan(s, rt.journal, department=code, year=YEAR, items=items, actor=bureau(code))
            plans.publish_plan(s, rt.journal, department=code, year=YEAR, actor=bureau(code))
    revised = [{"check_item": CHECK_ITEMS["SCJG"]["code"], "ratio_bp": 500, "frequency": 2,
                "period_start": f"{YEAR}-01-01", "period_end": f"{YEAR}-12-31"}]
    with rt.transaction() as s:
        plans.upsert_plan(s, rt.journal, department="SCJG", year=YEAR, items=revised,
                          reason="下半年增加一次抽查", actor=bureau("SCJG"))
        plans.publish_plan(s, rt.journal, department="SCJG", year=YEAR, actor=bureau("SCJG"))


def replace_one_inspector(rt: Runtime, task: str, department: str, step: Step) -> None:
    """A drawn inspector falls ill: replaced from the same random stream, with reason and approver."""
    step(f"联合抽查：{DEPARTMENTS[department]} 一名检查人员因病更换（说明理由并经批准）")
    with rt.transaction() as s:
        result = task_repository.current_draw(s, task).result
        team = result["inspection"]["teams"]["assignments"][0]
        tasks.replace_inspector(s, rt.journal, task=task, target=team["target"],
                                inspector=team["members"][-1]["id"], reason="因病住院", approver="分管副局长",
                                actor=bureau(department))


def run_tasks(rt: Runtime, step: Step) -> list[str]:
    publish_plans(rt, step)
    created: list[str] = []
    # 1. A joint task (市场监管 + 生态环境 + 商务): the organiser draws targets, each
    #    department then draws its own inspectors for the same targets (two-level draw).
    step("联合抽查：组织部门抽取检查对象")
    with rt.transaction() as s:
        joint = tasks.create_task(
            s,
            rt.journal,
            title="2026年第一季度餐饮及预付卡企业联合双随机抽查",
            year=YEAR,
            organiser="SCJG",
            departments=["HBJ", "SWJ"],
            check_items=[{"department": "SCJG", "code": "SCJG-SP-01"}],
            params={"targets": {"ratio_bp": 300}},
            actor=bureau("SCJG"),
        ).code
        tasks.build_pool(
            s,
            rt.journal,
            task=joint,
            pool="targets",
            filters={"target_type": "有限责任公司"},
            actor=bureau("SCJG"),
        )
    created.append(joint)
    _commit_and_draw(rt, joint, "SCJG")
    with rt.transaction() as s:
        tasks.lock_draw(s, rt.journal, task=joint, actor=bureau("SCJG"))
    for dept in DEPARTMENTS:
        step(f"联合抽查：{DEPARTMENTS[dept]} 抽取本部门执法检查人员")
        with rt.transaction() as s:
            sub = tasks.create_subdraw(
                s, rt.journal, parent=joint, unit=dept, params={"teams": {"size": 2}}, actor=bureau(dept)
            ).code
        _commit_and_draw(rt, sub, dept)
        created.append(sub)
        if dept == "HBJ":
            replace_one_inspector(rt, sub, dept, step)

    # 2. 市抽县查 by region: a stratified sample, locked and dispatched to the districts.
    step("分层抽取：按区县分层，锁定并派发")
    with rt.transaction() as s:
        strat = tasks.create_task(
            s,
            rt.journal,
            title="2026年食品经营者分区县分层抽查（市抽县查）",
            year=YEAR,
            organiser="SCJG",
            params={"targets": {"count": 40, "strata": ["region"], "prefer_uninspected": True}},
            actor=bureau("SCJG"),
        ).code
        tasks.build_pool(s, rt.journal, task=strat, pool="targets", filters={}, actor=bureau("SCJG"))
    created.append(strat)
    _commit_and_draw(rt, strat, "SCJG", beacon=DEMO_BEACON)
    with rt.transaction() as s:
        tasks.lock_draw(s, rt.journal, task=strat, actor=bureau("SCJG"))
        tasks.dispatch_draw(s, rt.journal, task=strat, by="region", actor=bureau("SCJG"))

    # 3. Experts: rotation, and a decline topped up from the same stream.
    step("专家抽取：一名专家拒绝，自动补抽")
    with rt.transaction() as s:
        group = vocabulary.PRODUCT_GROUPS[0]
        experts = tasks.create_task(
            s,
            rt.journal,
            title=f"产品质量监督抽查不合格复检评审专家抽取（{group}）",
            year=YEAR,
            organiser="SCJG",
            params={
                "experts": {"headcount": 3, "pool": EXPERT_POOL, "group": group, "response_working_days": 2}
            },
            actor=bureau("SCJG"),
        ).code
        tasks.build_pool(s, rt.journal, task=experts, pool="experts", actor=bureau("SCJG"))
    created.append(experts)
    drawn = _commit_and_draw(rt, experts, "SCJG")
    with rt.transaction() as s:
        invited = [
            slot.expert_code
            for slot in task_repository.expert_slots(s, experts, drawn.round)
            if slot.status == "invited"
        ]
    if invited:
        with rt.transaction() as s:
            tasks.respond_expert(
                s,
                rt.journal,
                task=experts,
                expert=invited[0],
                response="declined",
                reason="出差在外",
                on=DEMO_DAY,
                actor=bureau("SCJG"),
            )
            for code in invited[1:]:
                tasks.respond_expert(
                    s,
                    rt.journal,
                    task=experts,
                    expert=code,
                    response="accepted",
                    on=DEMO_DAY,
                    actor=bureau("SCJG"),
                )
    created.append(_sealed_panel(rt, step))
    return created


def _sealed_panel(rt: Runtime, step: Step) -> str:
    """4. A sealed expert panel (docs/specs/sealed-draws.md): drawn before its meeting with only a
    commitment logged, checked by the discipline office at once, disclosed when the meeting
    starts; its experts answer after the disclosure."""
    step("封存抽取：评审专家名单封存至评审会开始，纪检监察核对后解封公开")
    group = vocabulary.PRODUCT_GROUPS[1 % len(vocabulary.PRODUCT_GROUPS)]
    with rt.transaction() as s:
        code = tasks.create_task(
            s,
            rt.journal,
            title=f"重大案件合议评审专家抽取（{group}，封存）",
            year=YEAR,
            organiser="SCJG",
            params={
                "experts": {"headcount": 3, "pool": EXPERT_POOL, "group": group, "response_working_days": 2},
                "seal": {"opens": {"event": "评审会开始"}},
            },
            actor=bureau("SCJG"),
        ).code
        tasks.build_pool(s, rt.journal, task=code, pool="experts", actor=bureau("SCJG"))
    drawn = _commit_and_draw(rt, code, "SCJG")
    office = Actor(role="discipline", department=None, name="demo-jjjc")
    with rt.transaction() as s:
        assert tasks.opened_state(s, code, drawn.round)["verified"]  # the office's check, at once
        tasks.disclose_draw(s, rt.journal, task=code, on=DEMO_DAY, actor=office)
    with rt.transaction() as s:
        for slot in task_repository.expert_slots(s, code, drawn.round):
            if slot.status == "invited":
                tasks.respond_expert(
                    s, rt.journal, task=code, expert=slot.expert_code, response="accepted",
                    on=DEMO_DAY, actor=bureau("SCJG"),
                )
    return code


def _drawn(final: dict[str, Any]) -> str:
    """What a verified draw selected, in words: targets, teams, experts."""
    parts = []
    if final.get("teams"):
        parts.append(f"{len(final['teams'])} 个检查组")
    elif final.get("targets"):
        parts.append(f"{len(final['targets'])} 个检查对象")
    if final.get("experts"):
        parts.append(f"{len(final['experts'])} 名专家")
    return "，".join(parts) or "—"


def run_demo(
    settings: Settings,
    *,
    targets: int = 20_000,
    base_url: str = "http://127.0.0.1:8000/site",
    step: Step = lambda _msg: None,
) -> tuple[Runtime, DemoReport]:
    """Build a fresh demo under ``settings.data_dir``; return the open runtime and a report."""
    data_dir = settings.data_dir
    if data_dir.exists():
        shutil.rmtree(data_dir)
    (data_dir / "samples").mkdir(parents=True)
    rt = open_runtime(settings)
    report = DemoReport(data_dir=data_dir, site_dir=data_dir / "site")
    report.counts = load_registries(rt, data_dir / "samples", targets=targets, step=step)
    demo_clock, service_clock = DemoClock(DEMO_DAY), rt.journal.clock
    rt.journal.clock = demo_clock  # the demo's days: deadlines fall in the bundled calendar years
    report.tasks = run_tasks(rt, step)
    report.results = run_results(rt, demo_clock, step)

    # API keys for trying the API (their creation is logged, so before the site is built).
    with rt.transaction() as s:
        for role, dept in (("bureau", "SCJG"), ("discipline", None), ("admin", None)):
            _row, token = create_api_key(
                s, rt.journal, role=role, department=dept, label=f"demo {role}", actor=SYSTEM
            )
            report.keys[f"{role}{':' + dept if dept else ''}"] = token

    step("从日志独立核验每一次抽取")
    with rt.engine.connect() as conn:
        size = rt.log.size(conn)
        read = reader_for(rt.log, conn)
        for task in report.tasks:
            if "/" in task:
                continue
            verified = verify_task(read, task, size=size)
            for v in [verified, *verified.subdraws]:
                report.verified.append((v.task, v.draw_index, _drawn(v.final)))
        report.log_size = size

    step("生成抽取记录表与公示网站")
    records = data_dir / "records"
    records.mkdir()
    with rt.engine.connect() as conn:
        entries = [(i, draw_record.parse_entry(raw)) for i, raw in enumerate(rt.log.entries(conn, 0, size))]
    for task in report.tasks:
        rec = draw_record.build_record(draw_record.entries_of_task(entries, task))
        path = records / f"{task.replace('/', '_')}.html"
        path.write_text(draw_record.render_html(rec, verify_base_url=base_url), encoding="utf-8")
        report.records.append(path)
    build_site(rt, report.site_dir, base_url=base_url)

    step("纪检监察：仅凭公示文件审计整本日志（drawsvc audit）")
    audit_published(report)
    rt.journal.clock = service_clock  # the served API runs on the service's own clock
    return rt, report


def audit_published(report: DemoReport) -> None:
    """``drawsvc audit`` of the site just built, from its files alone (docs/audit.md); the HTML
    report goes beside the draw records. The key is the one the site publishes: the demo is its
    own operator, so trust on first use is what an auditor would start from."""
    from drawsvc.audit.report import to_html
    from drawsvc.audit.run import run_audit
    from drawsvc.audit.source import open_source
    from ledger.export import VKEY_PATH

    fetch = open_source(str(report.site_dir))
    run = run_audit(fetch, fetch(VKEY_PATH).decode().strip())
    report.audit = {"passed": run.passed, "size": run.report["size"], "findings": run.findings,
                    **run.summary}
    report.audit_report = report.data_dir / "audit" / "report.html"
    report.audit_report.parent.mkdir()
    report.audit_report.write_text(to_html(run.report), encoding="utf-8")


# --- results (docs/specs/results.md): entered, published, one objection corrected, one transfer ----


class DemoClock:
    """The demo's service clock: ``day`` at 09:00 Asia/Shanghai plus the seconds since it was set.

    The demo runs on fixed days (DEMO_DAY onwards) so that every working-day deadline it stores
    falls in a year the bundled calendar covers, whatever the real date."""

    def __init__(self, day: date) -> None:
        self.set(day)

    def set(self, day: date) -> None:
        import time

        self.day, self._started = day, time.monotonic()

    def __call__(self) -> datetime:
        import time

        start = datetime.combine(self.day, dtime(9, 0), tzinfo=SHANGHAI)
        return (start + timedelta(seconds=time.monotonic() - self._started)).replace(microsecond=0)


DEMO_RESULTS = 6  # results entered in the SCJG part of the joint task


def run_results(rt: Runtime, clock: DemoClock, step: Step) -> dict[str, Any]:
    """Results of the joint task's SCJG sub-draw: entered by the teams, audited and published;
    one objection corrects a result (both versions published), one follow-up is transferred to
    the public security organ; the districts confirm the 市抽县查 dispatch except one."""
    from drawsvc.results import dispatch, followups, objections
    from drawsvc.results import service as results

    sub, scjg = "T2026-0001/SCJG", bureau("SCJG")
    step("检查结果：派发确认（一个区县未确认）")
    with rt.transaction() as s:
        strat = "T2026-0002"
        units = sorted(task_repository.current_draw(s, strat).dispatch or {})
        results.set_department_settings(
            s, rt.journal, department="SCJG", results_due_working_days=5, actor=scjg
        )
    clock.set(DEMO_DAY + timedelta(days=1))
    with rt.transaction() as s:
        for unit in units[1:]:
            dispatch.confirm_dispatch(s, rt.journal, task=strat, unit=unit, actor=bureau(unit))
    with rt.transaction() as s:
        tasks.lock_draw(s, rt.journal, task=sub, actor=scjg)
        draw = task_repository.current_draw(s, sub)
        assignments = draw.result["inspection"]["teams"]["assignments"][:DEMO_RESULTS]
    step(f"检查结果：{len(assignments)} 个检查组录入、确认、审核、公示")
    outcomes = [
        (["未发现问题"], []),
        (["发现问题待后续处理"], ["未按规定公示应当公示的信息"]),
        (["发现问题经责令已改正"], []),
        (["发现问题待后续处理", "不配合检查情节严重"], ["违反其他部门相关规定"]),
        (["未发现问题"], []),
        (["通过登记的住所（经营场所）无法联系"], []),
    ]
    clock.set(date(2026, 3, 4))
    codes: list[str] = []
    with rt.transaction() as s:
        for k, a in enumerate(assignments):
            leader = next(m["id"] for m in a["members"] if m["leader"])
            cats, subs = outcomes[k % len(outcomes)]
            signed = k != 3
            row = results.submit_result(
                s,
                rt.journal,
                task=sub,
                actor=scjg,
                target=a["target"],
                check_item={"department": "SCJG", "code": CHECK_ITEMS["SCJG"]["code"]},
                inspector=leader,
                inspected_on=date(2026, 3, 3),
                method="实地核查" if k % 2 == 0 else "书面检查",
                firm_signed=signed,
                refusal_note=None if signed else "法定代表人拒绝在检查记录上签字",
                witness=None if signed else "社区网格员",
                categories=cats,
                subcategories=subs,
            )
            for m in a["members"]:
                if m["id"] != leader:
                    if k == 2:
                        results.dissent_result(
                            s,
                            rt.journal,
                            result=row.code,
                            inspector=m["id"],
                            reason="整改材料当场未核验原件",
                            actor=scjg,
                        )
                    else:
                        results.confirm_result(s, rt.journal, result=row.code, inspector=m["id"], actor=scjg)
            codes.append(row.code)
    clock.set(date(2026, 3, 5))
    with rt.transaction() as s:
        results.audit_results(s, rt.journal, results=codes, approver="SCJG-KZ-01", actor=scjg)
        results.publish_results(s, rt.journal, results=codes, actor=scjg)
    step("检查结果：企业异议经复核更正，两个版本均公示")
    clock.set(date(2026, 3, 9))
    firm = assignments[1]["target"]
    with rt.transaction() as s:
        obj = objections.file_objection(
            s,
            rt.journal,
            result=codes[1],
            firm=firm,
            channel="书面",
            received_on=date(2026, 3, 9),
            grounds="企业年度报告已于抽查前依法公示",
            objector="企业委托代理人",
            actor=scjg,
        )
    clock.set(date(2026, 3, 16))
    with rt.transaction() as s:
        objections.decide_objection(
            s,
            rt.journal,
            objection=obj.code,
            outcome="更正",
            reasons="经核实，企业已于抽查前公示年度报告",
            categories=["未发现问题"],
            actor=scjg,
        )
        results.publish_result(s, rt.journal, result=codes[1], actor=scjg)
    step("后续处置：立案后移送公安机关")
    with rt.transaction() as s:
        followups.record_follow_up(
            s,
            rt.journal,
            result=codes[3],
            step="case.opened",
            on=date(2026, 3, 10),
            unit="杭州市市场监督管理局执法稽查处",
            actor=scjg,
        )
        followups.record_follow_up(
            s,
            rt.journal,
            result=codes[3],
            step="transferred",
            on=date(2026, 3, 16),
            unit="杭州市市场监督管理局执法稽查处",
            transfer_kind="judiciary",
            transferred_to="杭州市公安局",
            actor=scjg,
        )
        followups.record_follow_up(
            s,
            rt.journal,
            result=codes[2],
            step="rectification.ordered",
            on=date(2026, 3, 3),
            unit="杭州市市场监督管理局",
            actor=scjg,
        )
        followups.record_follow_up(
            s,
            rt.journal,
            result=codes[2],
            step="rectification.confirmed",
            on=date(2026, 3, 12),
            unit="杭州市市场监督管理局",
            actor=scjg,
        )
    return {
        "task": sub,
        "published": codes,
        "corrected": codes[1],
        "objection": obj.code,
        "transferred": codes[3],
        "unconfirmed_dispatch": f"{strat}#{units[0]}" if units else None,
    }
