"""File layouts of the registries: Chinese column headers ↔ field names (docs/specs/registries.md §5).

The first header of each column is the one exports write; the others are aliases bureaus
use. English field names are accepted as headers too.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    field: str
    headers: tuple[str, ...]  # first: canonical Chinese header
    required: bool = False  # the column must be present in the file

    @property
    def header(self) -> str:
        return self.headers[0]


@dataclass(frozen=True)
class Layout:
    kind: str
    columns: tuple[Column, ...]

    def header_of(self, field: str) -> str:
        for col in self.columns:
            if col.field == field:
                return col.header
        return field

    def lookup(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for col in self.columns:
            out[col.field] = col.field
            for h in col.headers:
                out[h] = col.field
        return out


TARGETS = Layout(
    "targets",
    (
        Column("uscc", ("统一社会信用代码", "信用代码"), required=True),
        Column("name", ("名称", "企业名称", "主体名称"), required=True),
        Column("target_type", ("主体类型", "市场主体类型")),
        Column("scale", ("经营规模", "企业规模")),
        Column("region_code", ("行政区划代码", "地理区域", "区域代码"), required=True),
        Column("registration_authority", ("登记机关",)),
        Column("industry", ("所属行业", "行业")),
        Column("credit_class", ("信用风险分类", "信用等级", "风险等级")),
        Column("risk_flags", ("风险标识", "风险标签")),
        Column("status", ("状态", "登记状态")),
    ),
)

INSPECTORS = Layout(
    "inspectors",
    (
        Column("department_code", ("部门代码",)),
        Column("staff_no", ("工号", "人员编号"), required=True),
        Column("name", ("姓名",), required=True),
        Column("unit", ("工作单位", "所在单位")),
        Column("position", ("职务",)),
        Column("certificate_no", ("执法证号", "执法证件号"), required=True),
        Column("certificate_valid_until", ("执法证有效期至", "证件有效期"), required=True),
        Column("post", ("岗位",)),
        Column("phone", ("联系电话", "手机号码")),
        Column("specialties", ("专业领域", "专长")),
        Column("leader_eligible", ("可任组长", "组长资格")),
        Column("status", ("状态", "人员状态")),
    ),
)

EXPERTS = Layout(
    "experts",
    (
        Column("pool_code", ("专家库编号", "专家库")),
        Column("code", ("专家编号",), required=True),
        Column("name", ("姓名",), required=True),
        Column("organisation", ("工作单位", "所在单位")),
        Column("organisation_uscc", ("单位统一社会信用代码",)),
        Column("title", ("职称",)),
        Column("groups", ("专业组", "专业类别")),
        Column("birth_date", ("出生日期",), required=True),
        Column("id_number", ("身份证号", "身份证号码")),
        Column("phone", ("联系电话", "手机号码")),
        Column("home_address", ("家庭住址", "住址")),
        Column("years_in_field", ("从业年限", "从事专业年限"), required=True),
        Column("term_start", ("聘期开始", "聘任开始日期"), required=True),
        Column("term_end", ("聘期结束", "聘任结束日期"), required=True),
    ),
)

DECLARATIONS = Layout(
    "declarations",
    (
        Column("person_kind", ("人员类别",), required=True),
        Column("person_code", ("人员编号", "工号"), required=True),
        Column("counterpart_uscc", ("关联统一社会信用代码", "统一社会信用代码"), required=True),
        Column("kind", ("关系类型", "回避事由"), required=True),
        Column("valid_from", ("生效日期", "起始日期"), required=True),
        Column("valid_until", ("失效日期", "截止日期")),
    ),
)

LAYOUTS = {layout.kind: layout for layout in (TARGETS, INSPECTORS, EXPERTS, DECLARATIONS)}
