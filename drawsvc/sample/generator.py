"""Seeded generators of registry rows (streaming) and writers of sample files."""

from __future__ import annotations

import csv
import random
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from drawsvc.registries.formats import LAYOUTS
from drawsvc.registries.identity import id_check_character
from drawsvc.registries.tabular import write_xlsx
from drawsvc.registries.uscc import CHARSET, check_character, org_code_check
from drawsvc.sample import vocabulary as v

Row = dict[str, Any]
_ORG_SPACE = 31**6
_ORG_STEP = 7_919_007  # coprime with 31: index → org code is a bijection (unique codes)


def _weighted(rng: random.Random, table: Sequence[tuple[Any, ...]]) -> tuple[Any, ...]:
    return rng.choices(table, weights=[t[-1] for t in table])[0]


def make_uscc(prefix2: str, region: str, index: int) -> str:
    """A valid USCC: ``prefix2`` (e.g. 91), 6-digit region, an org code unique per ``index``."""
    k = (index * _ORG_STEP + 12345) % _ORG_SPACE
    body = ""
    for _ in range(6):
        k, r = divmod(k, 31)
        body += CHARSET[r]
    org8 = "MA" + body
    first17 = prefix2 + region + org8 + org_code_check(org8)
    return first17 + check_character(first17)


def person_name(rng: random.Random) -> str:
    n = 1 if rng.random() < 0.3 else 2
    return rng.choice(v.SURNAMES) + "".join(rng.choice(v.GIVEN) for _ in range(n))


def fake_phone(index: int) -> str:
    return f"100{index % 100_000_000:08d}"  # no Chinese number starts with 100


def id_number(rng: random.Random, birth: date) -> str:
    first17 = rng.choice(v.DISTRICTS)[0] + birth.strftime("%Y%m%d") + f"{rng.randrange(1000):03d}"
    return first17 + id_check_character(first17)


def generate_targets(n: int, seed: int = 1) -> Iterator[Row]:
    rng = random.Random(seed)
    for i in range(n):
        region, district = rng.choice(v.DISTRICTS)
        type_name, suffix, prefix2, _ = _weighted(rng, v.TARGET_TYPES)
        industry, word = rng.choice(v.INDUSTRIES)
        brand = rng.choice(v.BRAND) + rng.choice(v.BRAND)
        place = district[:-1] if len(district) > 2 else district
        name = f"杭州{place}{brand}{word}{suffix}"
        scale = "微型" if type_name == "个体工商户" else _weighted(rng, v.SCALES)[0]
        flags = [f for f, pct in v.RISK_FLAGS if rng.random() * 100 < pct]
        yield {
            "uscc": make_uscc(prefix2, region, i),
            "name": name,  # names may repeat (as in real life); credit codes never do
            "target_type": type_name,
            "scale": scale,
            "region_code": region,
            "registration_authority": f"杭州市{district}市场监督管理局",
            "industry": industry,
            "credit_class": _weighted(rng, v.CREDIT_CLASSES)[0],
            "risk_flags": "；".join(flags),
            "status": "注销" if rng.random() < 0.02 else "在营",
        }


def generate_inspectors(
    n: int, seed: int = 1, *, department: str = "SCJG", on: date | None = None
) -> Iterator[Row]:
    rng = random.Random(seed)
    on = on or date(2026, 1, 1)
    for i in range(n):
        district = rng.choice(v.DISTRICTS)[1]
        yield {
            "department_code": department,
            "staff_no": f"{i + 1:05d}",
            "name": person_name(rng),
            "unit": f"杭州市{district}市场监督管理局",
            "position": rng.choice(v.POSITIONS),
            "certificate_no": f"33{rng.randrange(10**8):08d}",
            "certificate_valid_until": (on + timedelta(days=rng.randrange(200, 1500))).isoformat(),
            "post": rng.choice(v.POSTS),
            "phone": fake_phone(i),
            "specialties": "、".join(rng.sample(v.POSTS, k=rng.randint(1, 2))),
            "leader_eligible": "是" if rng.random() < 0.3 else "否",
            "status": "在岗",
        }


def generate_experts(
    n: int, seed: int = 1, *, pool: str = "ZLZJ", on: date | None = None, age_limit: int = 60
) -> Iterator[Row]:
    rng = random.Random(seed)
    on = on or date(2026, 1, 1)
    for i in range(n):
        age = rng.randint(32, age_limit - 1)
        birth = date(on.year - age, rng.randint(1, 12), rng.randint(1, 28))
        start = on - timedelta(days=rng.randrange(0, 700))
        yield {
            "pool_code": pool,
            "code": f"{pool}-{i + 1:04d}",
            "name": person_name(rng),
            "organisation": f"浙江{rng.choice(v.BRAND)}{rng.choice(v.BRAND)}检测技术有限公司",
            "title": rng.choice(v.TITLES[:3]),
            "groups": "、".join(rng.sample(v.PRODUCT_GROUPS, k=rng.randint(1, 2))),
            "birth_date": birth.isoformat(),
            "id_number": id_number(rng, birth),
            "phone": fake_phone(50_000_000 + i),
            "home_address": f"杭州市{rng.choice(v.DISTRICTS)[1]}示例路{rng.randint(1, 999)}号",
            "years_in_field": rng.randint(8, max(8, age - 22)),
            "term_start": start.isoformat(),
            "term_end": (start.replace(year=start.year + 3) - timedelta(days=1)).isoformat(),
        }


def generate_declarations(
    people: Iterable[tuple[str, str]], usccs: Sequence[str], seed: int = 1, *, per_person: int = 1
) -> Iterator[Row]:
    rng = random.Random(seed)
    kinds = ("本人任职", "近亲属任职", "经济利益", "检查对象书面申请回避", "其他")
    for person_kind, person_code in people:
        for uscc in rng.sample(list(usccs), k=min(per_person, len(usccs))):
            yield {
                "person_kind": "执法人员" if person_kind == "inspector" else "专家",
                "person_code": person_code,
                "counterpart_uscc": uscc,
                "kind": rng.choice(kinds),
                "valid_from": "2025-01-01",
                "valid_until": "",
            }


def _table(kind: str, rows: Iterable[Row]) -> tuple[list[str], Iterator[list[Any]]]:
    layout = LAYOUTS[kind]
    header = [c.header for c in layout.columns]
    fields = [c.field for c in layout.columns]
    return header, ([row.get(fld, "") for fld in fields] for row in rows)


def write_file(kind: str, rows: Iterable[Row], path: str | Path) -> int:
    """Write ``rows`` as ``path`` (.csv UTF-8 with BOM, as Excel expects, or .xlsx); return the count."""
    path = Path(path)
    header, table = _table(kind, rows)
    if path.suffix.lower() == ".xlsx":
        return write_xlsx(path, kind, header, table)
    n = 0
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        for row in table:
            writer.writerow(row)
            n += 1
    return n


SAMPLE_CHECK_ITEMS: tuple[dict[str, Any], ...] = (
    {
        "code": "SC-2026-001",
        "name": "食品生产企业监督检查",
        "legal_basis": "《中华人民共和国食品安全法》第一百一十条",
        "target_type": "食品生产企业",
        "content": "生产环境条件、进货查验、生产过程控制、出厂检验",
        "method": "实地核查",
        "min_ratio_bp": 500,
        "risk_class_ratios_bp": {"A": 300, "B": 500, "C": 1000, "D": 3000},
        "min_frequency_per_year": 1,
        "cap_per_target_per_year": 2,
        "required_specialty": "食品安全",
        "published": True,
    },
    {
        "code": "SC-2026-002",
        "name": "企业公示信息抽查",
        "legal_basis": "《企业信息公示暂行条例》第十四条",
        "target_type": "有限责任公司",
        "content": "年度报告公示信息的真实性",
        "method": "书面检查",
        "min_ratio_bp": 300,
        "min_frequency_per_year": 1,
        "cap_per_target_per_year": 2,
        "published": True,
    },
    {
        "code": "SC-2026-003",
        "name": "网络交易平台经营行为检查",
        "legal_basis": "《中华人民共和国电子商务法》第六条",
        "target_type": "",
        "content": "平台内经营者身份核验、商品信息公示",
        "method": "网络监测",
        "min_ratio_bp": 300,
        "min_frequency_per_year": 1,
        "cap_per_target_per_year": 2,
        "published": True,
    },
    {
        "code": "SC-2026-004",
        "name": "特种设备使用单位监督检查",
        "legal_basis": "《中华人民共和国特种设备安全法》第五十七条",
        "target_type": "",
        "content": "使用登记、定期检验、作业人员持证",
        "method": "实地核查",
        "min_ratio_bp": 500,
        "min_frequency_per_year": 1,
        "cap_per_target_per_year": 2,
        "required_specialty": "特种设备",
        "published": True,
    },
)


def sample_check_items() -> list[dict[str, Any]]:
    """A few realistic 随机抽查事项 of a market-regulation bureau (for the demo)."""
    return [dict(item) for item in SAMPLE_CHECK_ITEMS]
