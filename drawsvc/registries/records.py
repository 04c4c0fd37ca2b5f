"""Validated registry records (pure) and their public log bodies.

``parse_*`` turn a raw mapping (English field names; from an API body or from an import row
after header mapping) into a frozen record plus the list of every failed rule. ``*_body``
build the log body of a stored row: public fields in clear, private fields as commitments.
Spec: docs/specs/registries.md §2 (fields), §4 (rules), §7 (log bodies).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from drawsvc.errors import InvalidInput, RevealMismatch
from drawsvc.privacy import Sealed, public_body
from drawsvc.registries import fields as f
from drawsvc.registries import models as m
from drawsvc.registries import rules, vocab
from drawsvc.registries.expert_rules import PoolRules, qualification_failures
from drawsvc.registries.identity import validate_id_number
from drawsvc.registries.uscc import AUTHORITIES, check_character_of_set, validate_uscc

_TARGET_STATUS = vocab.label_to_code(vocab.TARGET_STATUS)
_INSPECTOR_STATUS = vocab.label_to_code(vocab.INSPECTOR_STATUS)
_EXPERT_STATUS = vocab.label_to_code(vocab.EXPERT_STATUS)
_METHOD = vocab.label_to_code(vocab.CHECK_METHOD)
_RISK_FLAG = vocab.label_to_code(vocab.RISK_FLAG)
_DECL_KIND = vocab.label_to_code(vocab.DECLARATION_KIND)
_PERSON_KIND = vocab.label_to_code(vocab.PERSON_KIND)
_CREDIT = {c: c for c in m.CREDIT_CLASSES}


# --------------------------------------------------------------------------- targets
@dataclass(frozen=True)
class TargetRecord:
    uscc: str
    name: str
    target_type: str
    scale: str
    region_code: str
    registration_authority: str
    industry: str
    risk_flags: list[str]
    credit_class: str
    status: str

    def public(self) -> dict[str, Any]:
        return asdict(self)


def _risk_flags(raw: Mapping[str, Any]) -> list[str]:
    out = []
    for item in f.string_list(raw, "risk_flags"):
        if item not in _RISK_FLAG:
            raise InvalidInput("risk_flags has an unknown flag", field="risk_flags", rule=rules.RISK_FLAG)
        out.append(_RISK_FLAG[item])
    return sorted(set(out), key=m.RISK_FLAGS.index)


def _credit_class(raw: Mapping[str, Any]) -> str:
    value = raw.get("credit_class")
    s = "B" if value is None or str(value).strip() == "" else str(value).strip().upper()
    if s not in _CREDIT:
        raise InvalidInput("credit_class must be A, B, C or D", field="credit_class", rule=rules.CREDIT_CLASS)
    return s


def parse_target(raw: Mapping[str, Any]) -> tuple[TargetRecord | None, list[InvalidInput]]:
    c = f.Checker()
    uscc = c(f.text, raw, "uscc", max_len=40)
    if uscc is not None:
        uscc = c(validate_uscc, uscc.upper())
    rec = dict(
        uscc=uscc,
        name=c(f.text, raw, "name", max_len=300),
        target_type=c(f.text, raw, "target_type", required=False, max_len=100),
        scale=c(f.text, raw, "scale", required=False, max_len=50),
        region_code=c(f.region_code, raw),
        registration_authority=c(f.text, raw, "registration_authority", required=False),
        industry=c(f.text, raw, "industry", required=False),
        risk_flags=c(_risk_flags, raw),
        credit_class=c(_credit_class, raw),
        status=c(f.enum, raw, "status", _TARGET_STATUS, default="active"),
    )
    if c.errors:
        return None, c.errors
    return TargetRecord(**rec), []


_TARGET_CELLS_RE = re.compile(
    f"[{''.join(sorted(AUTHORITIES))}]"  # RG-40: an allocated registration-authority code
    r"[0-9A-HJ-NP-RTUWXY][0-9]{6}[0-9A-HJ-NP-RTUWXY]{10}\x00[1-8][0-9]{5}\x00[^\x00-\x1f\x7f]*"
)


_FLAG_CELLS: dict[str, tuple[str, ...]] = {}  # distinct 风险标识 cells are few: parse each once
_FLAG_CELLS_MAX = 4096


def parse_target_fast(raw: Mapping[str, Any]) -> dict[str, Any] | None:
    """The common case of :func:`parse_target` for import speed: the same rules, no error detail.

    Returns the record as a plain dict (``TargetRecord`` fields, in order), or ``None`` whenever
    anything is unusual; the caller then runs :func:`parse_target`, which is the reference and
    names every failed rule. Only string cells are handled here. Tests check both agree.
    """
    get = raw.get
    uscc, region, name = get("uscc"), get("region_code"), get("name")
    ttype, scale = get("target_type", ""), get("scale", "")
    authority, industry = get("registration_authority", ""), get("industry", "")
    try:  # any cell that is not text (None, a number): the reference decides
        uscc, region, name = uscc.strip().upper(), region.strip(), name.strip()
        ttype, scale, authority, industry = ttype.strip(), scale.strip(), authority.strip(), industry.strip()
    except AttributeError:
        return None
    if (
        type(uscc) is not str  # str subclasses' strip() may return anything
        or type(region) is not str
        or type(name) is not str
        or type(ttype) is not str
        or type(scale) is not str
        or type(authority) is not str
        or type(industry) is not str
        # RG-07/RG-40 credit code, RG-09 region code and RG-02 no control characters, in one match:
        # the NUL separators cannot occur inside any of the three parts' accepted characters
        or not _TARGET_CELLS_RE.fullmatch(f"{uscc}\x00{region}\x00{name}{ttype}{scale}{authority}{industry}")
        or check_character_of_set(uscc[:17]) != uscc[17]
        or not name
        or len(name) > 300
        or len(ttype) > 100
        or len(scale) > 50
        or len(authority) > 200
        or len(industry) > 200
    ):
        return None
    flags_cell, credit, status = get("risk_flags", ""), get("credit_class", ""), get("status", "")
    if type(flags_cell) is not str or type(credit) is not str or type(status) is not str:
        return None
    credit = credit.strip().upper() or "B"
    status = _TARGET_STATUS.get(status.strip() or "active")
    if credit not in _CREDIT or status is None:
        return None
    flags: list[str] = []
    if flags_cell:
        known = _FLAG_CELLS.get(flags_cell)
        if known is None:
            try:
                known = tuple(_risk_flags({"risk_flags": flags_cell}))
            except InvalidInput:
                return None
            if len(_FLAG_CELLS) < _FLAG_CELLS_MAX:
                _FLAG_CELLS[flags_cell] = known
        flags = list(known)
    return {
        "uscc": uscc,
        "name": name,
        "target_type": ttype,
        "scale": scale,
        "region_code": region,
        "registration_authority": authority,
        "industry": industry,
        "risk_flags": flags,
        "credit_class": credit,
        "status": status,
    }


def target_body(t: m.Target) -> dict[str, Any]:
    return {
        "uscc": t.uscc,
        "name": t.name,
        "target_type": t.target_type,
        "scale": t.scale,
        "region_code": t.region_code,
        "registration_authority": t.registration_authority,
        "industry": t.industry,
        "risk_flags": list(t.risk_flags),
        "credit_class": t.credit_class,
        "status": t.status,
        "version": t.version,
    }


# --------------------------------------------------------------------------- inspectors
@dataclass(frozen=True)
class InspectorRecord:
    code: str
    department_code: str
    name: str
    unit: str
    position: str
    certificate_no: str
    certificate_valid_until: date
    post: str
    phone: str | None
    specialties: list[str]
    leader_eligible: bool
    status: str


def inspector_code(department_code: str, staff_no: str) -> str:
    return f"{department_code}-{staff_no}"


def parse_inspector(
    raw: Mapping[str, Any], *, department_code: str, on: date
) -> tuple[InspectorRecord | None, list[InvalidInput]]:
    """``raw['staff_no']`` (工号) or ``raw['code']``; an active inspector needs a valid certificate."""
    c = f.Checker()
    if raw.get("code"):
        code = c(f.code, raw, "code")
    else:
        staff = c(f.code, raw, "staff_no")
        code = None if staff is None else inspector_code(department_code, staff)
    rec = dict(
        code=code,
        department_code=department_code,
        name=c(f.text, raw, "name", max_len=100),
        unit=c(f.text, raw, "unit", required=False),
        position=c(f.text, raw, "position", required=False, max_len=100),
        certificate_no=c(f.text, raw, "certificate_no", max_len=64),
        certificate_valid_until=c(f.a_date, raw, "certificate_valid_until"),
        post=c(f.text, raw, "post", required=False, max_len=100),
        phone=c(f.phone, raw),
        specialties=c(f.string_list, raw, "specialties"),
        leader_eligible=c(f.boolean, raw, "leader_eligible"),
        status=c(f.enum, raw, "status", _INSPECTOR_STATUS, default="active"),
    )
    until = rec["certificate_valid_until"]
    if rec["status"] == "active" and until is not None and until < on:
        c.add(
            InvalidInput(
                "an active inspector's enforcement certificate has expired",
                field="certificate_valid_until",
                rule=rules.CERTIFICATE_EXPIRED,
            )
        )
    if c.errors:
        return None, c.errors
    return InspectorRecord(**rec), []


def inspector_body(i: m.Inspector) -> dict[str, Any]:
    phone = Sealed(i.phone, i.phone_salt) if i.phone and i.phone_salt else None
    return public_body(
        {
            "code": i.code,
            "department": i.department_code,
            "name": i.name,
            "unit": i.unit,
            "position": i.position,
            "certificate_no": i.certificate_no,
            "certificate_valid_until": i.certificate_valid_until.isoformat(),
            "post": i.post,
            "specialties": list(i.specialties),
            "leader_eligible": i.leader_eligible,
            "status": i.status,
            "version": i.version,
        },
        {"phone": phone},
    )


# --------------------------------------------------------------------------- experts
@dataclass(frozen=True)
class ExpertRecord:
    code: str
    pool_code: str
    name: str
    organisation: str
    organisation_uscc: str | None
    title: str
    groups: list[str]
    years_in_field: int
    birth_date: date
    id_number: str | None
    phone: str | None
    home_address: str | None = None


def parse_expert(
    raw: Mapping[str, Any], *, pool: PoolRules, pool_code: str, on: date
) -> tuple[ExpertRecord | None, list[InvalidInput]]:
    """Validate an application (or an imported member) and check it against the pool's rules."""
    c = f.Checker()
    org_uscc = c(f.optional_text, raw, "organisation_uscc", max_len=40)
    if org_uscc:
        org_uscc = c(validate_uscc, org_uscc.upper(), field="organisation_uscc")
    rec = dict(
        code=c(f.code, raw, "code"),
        pool_code=pool_code,
        name=c(f.text, raw, "name", max_len=100),
        organisation=c(f.text, raw, "organisation", required=False),
        organisation_uscc=org_uscc,
        title=c(f.text, raw, "title", required=False, max_len=100),
        groups=c(f.string_list, raw, "groups"),
        years_in_field=c(f.integer, raw, "years_in_field", lo=0, hi=80),
        birth_date=c(f.a_date, raw, "birth_date"),
        id_number=None,
        phone=c(f.phone, raw),
        home_address=c(f.optional_text, raw, "home_address", max_len=300),
    )
    id_number = c(f.optional_text, raw, "id_number", max_len=18)
    if id_number:
        encoded = c(validate_id_number, id_number.upper())
        if encoded is not None:
            rec["id_number"] = id_number.upper()
            if rec["birth_date"] is not None and encoded != rec["birth_date"]:
                c.add(
                    InvalidInput(
                        "身份证号 and 出生日期 disagree (values not shown: private)",
                        field="birth_date",
                        rule=rules.ID_BIRTH_MISMATCH,
                    )
                )
    if not c.errors:
        for exc in qualification_failures(
            pool,
            birth_date=rec["birth_date"],
            title=rec["title"],
            years_in_field=rec["years_in_field"],
            groups=rec["groups"],
            on=on,
        ):
            c.add(exc)
    if c.errors:
        return None, c.errors
    return ExpertRecord(**rec), []


def expert_body(e: m.Expert) -> dict[str, Any]:
    private: dict[str, Sealed | None] = {
        "birth_date": Sealed(e.birth_date.isoformat(), e.birth_date_salt),
        "id_number": Sealed(e.id_number, e.id_number_salt) if e.id_number and e.id_number_salt else None,
        "phone": Sealed(e.phone, e.phone_salt) if e.phone and e.phone_salt else None,
        "home_address": (
            Sealed(e.home_address, e.home_address_salt) if e.home_address and e.home_address_salt else None
        ),
    }
    return public_body(
        {
            "code": e.code,
            "pool": e.pool_code,
            "name": e.name,
            "organisation": e.organisation,
            "organisation_uscc": e.organisation_uscc,
            "title": e.title,
            "groups": list(e.groups),
            "years_in_field": e.years_in_field,
            "status": e.status,
            "term_start": e.term_start.isoformat() if e.term_start else None,
            "term_end": e.term_end.isoformat() if e.term_end else None,
            "version": e.version,
        },
        private,
    )


# --------------------------------------------------------------------------- declarations
TERMS_FIELD = "terms"  # the committed field of a declaration's log body (spec §6 P-5)


@dataclass(frozen=True)
class DeclarationRecord:
    person_kind: str
    person_code: str
    counterpart_uscc: str
    kind: str
    valid_from: date
    valid_until: date | None

    @property
    def key(self) -> str:
        """The private natural key: the same declaration in two files is the same row."""
        return declaration_key(self.person_kind, self.person_code, self.counterpart_uscc, self.kind,
                               self.valid_from)


def declaration_key(person_kind: str, person_code: str, uscc: str, kind: str, valid_from: date) -> str:
    return f"{person_kind}/{person_code}/{uscc}/{kind}/{valid_from.isoformat()}"


def parse_declaration(raw: Mapping[str, Any]) -> tuple[DeclarationRecord | None, list[InvalidInput]]:
    c = f.Checker()
    uscc = c(f.text, raw, "counterpart_uscc", max_len=40)
    if uscc is not None:
        uscc = c(validate_uscc, uscc.upper(), field="counterpart_uscc")
    rec = dict(
        person_kind=c(f.enum, raw, "person_kind", _PERSON_KIND),
        person_code=c(f.text, raw, "person_code", max_len=80),
        counterpart_uscc=uscc,
        kind=c(f.enum, raw, "kind", _DECL_KIND),
        valid_from=c(f.a_date, raw, "valid_from"),
        valid_until=c(f.optional_date, raw, "valid_until"),
    )
    if rec["valid_from"] and rec["valid_until"] and rec["valid_until"] < rec["valid_from"]:
        c.add(InvalidInput("valid_until is before valid_from", field="valid_until", rule=rules.DECLARATION))
    if c.errors:
        return None, c.errors
    return DeclarationRecord(**rec), []


def declaration_terms(counterpart_uscc: str, kind: str, valid_from: date, valid_until: date | None) -> str:
    """The committed value of a declaration (spec §6 P-5): ``<uscc>/<kind>/<valid_from>/<valid_until>``,
    dates ``YYYY-MM-DD``, an open end as the empty string. Unambiguous: no part contains ``/``."""
    until = valid_until.isoformat() if valid_until is not None else ""
    return f"{counterpart_uscc}/{kind}/{valid_from.isoformat()}/{until}"


@dataclass(frozen=True)
class DeclarationOpening:
    """A declaration as the holder (the discipline office) keeps it: every field and the salt."""

    code: str
    person_kind: str
    person_code: str
    counterpart_uscc: str
    kind: str
    valid_from: date
    valid_until: date | None
    withdrawn: bool
    salt: str

    @classmethod
    def of(cls, d: m.InterestDeclaration) -> DeclarationOpening:
        return cls(
            code=d.code,
            person_kind=d.person_kind,
            person_code=d.person_code,
            counterpart_uscc=d.counterpart_uscc,
            kind=d.kind,
            valid_from=d.valid_from,
            valid_until=d.valid_until,
            withdrawn=d.withdrawn,
            salt=d.terms_salt,
        )

    def terms(self) -> Sealed:
        return Sealed(declaration_terms(self.counterpart_uscc, self.kind, self.valid_from, self.valid_until),
                      self.salt)


def declaration_public_body(o: DeclarationOpening) -> dict[str, Any]:
    """Log body (spec §7.1): person and status in clear, the terms only as a commitment."""
    return public_body(
        {
            "code": o.code,
            "person_kind": o.person_kind,
            "person_code": o.person_code,
            "withdrawn": o.withdrawn,
        },
        {TERMS_FIELD: o.terms()},
    )


def declaration_body(d: m.InterestDeclaration) -> dict[str, Any]:
    return declaration_public_body(DeclarationOpening.of(d))


def batch_records(body: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The records of a ``registry.<kind>.batch.v2`` body (spec §7.3) as objects: each record
    array zipped with ``fields``. Raises ``ValueError`` when a record has the wrong length."""
    fields = body["fields"]
    return [dict(zip(fields, r, strict=True)) for r in body["records"]]


def verify_declaration(logged: Mapping[str, Any], opening: DeclarationOpening) -> None:
    """Check that a logged declaration body (single entry or batch record) is ``opening``'s (P-5).

    Pure. Raises ``RevealMismatch`` naming the first field that differs (never its value) when
    the public fields differ or the ``terms`` commitment does not open to the row's terms and salt.
    """
    expected = declaration_public_body(opening)
    for fld in ("code", "person_kind", "person_code", "withdrawn", TERMS_FIELD):
        got = logged.get(fld)
        if fld == TERMS_FIELD:
            got_hex = got.get("commitment") if isinstance(got, Mapping) else None
            ok = isinstance(got_hex, str) and secrets.compare_digest(got_hex, expected[fld]["commitment"])
        else:
            ok = got == expected[fld] and type(got) is type(expected[fld])
        if not ok:
            raise RevealMismatch(
                f"declaration {opening.code}: logged {fld} does not match the row",
                rule=rules.DECLARATION_OPENING,
                subject=opening.code,
                field=fld,
            )
    extra = sorted(set(logged) - set(expected))
    if extra:
        raise RevealMismatch(
            f"declaration {opening.code}: logged body has unexpected fields {extra}",
            rule=rules.DECLARATION_OPENING,
            subject=opening.code,
            field=extra[0],
        )


# --------------------------------------------------------------------------- check items
@dataclass(frozen=True)
class CheckItemRecord:
    code: str
    name: str
    legal_basis: str
    target_type: str
    content: str
    method: str
    min_ratio_bp: int
    risk_class_ratios_bp: dict[str, int] | None
    min_frequency_per_year: int
    cap_per_target_per_year: int
    required_specialty: str | None
    published: bool
    risk_class_frequency: dict[str, int] | None = None  # class → inspections per target per year


def _risk_frequency(raw: Mapping[str, Any]) -> dict[str, int] | None:
    """RG-16a: optional map A/B/C/D → times per target per year (1..366), a per-class cap."""
    value = raw.get("risk_class_frequency")
    if value is None or value == {}:
        return None
    if not isinstance(value, Mapping) or not all(
        k in _CREDIT and type(v) is int and 1 <= v <= 366 for k, v in value.items()
    ):
        raise InvalidInput(
            "risk_class_frequency must map A/B/C/D to 1..366 inspections per year",
            field="risk_class_frequency",
            rule=rules.FREQUENCY,
        )
    return dict(sorted(value.items()))


def _risk_ratios(raw: Mapping[str, Any]) -> dict[str, int] | None:
    value = raw.get("risk_class_ratios_bp")
    if value is None or value == {}:
        return None
    if not isinstance(value, Mapping):
        raise InvalidInput(
            "risk_class_ratios_bp must map A/B/C/D to basis points",
            field="risk_class_ratios_bp",
            rule=rules.RATIO_BP,
        )
    out: dict[str, int] = {}
    for k, v in value.items():
        if k not in _CREDIT or isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= 10_000:
            raise InvalidInput(
                "risk_class_ratios_bp must map A/B/C/D to 0..10000 basis points",
                field="risk_class_ratios_bp",
                rule=rules.RATIO_BP,
            )
        out[k] = v
    return dict(sorted(out.items()))


def parse_check_item(raw: Mapping[str, Any]) -> tuple[CheckItemRecord | None, list[InvalidInput]]:
    c = f.Checker()
    rec = dict(
        code=c(f.code, raw, "code"),
        name=c(f.text, raw, "name", max_len=300),
        legal_basis=c(f.text, raw, "legal_basis", required=False, max_len=4000),
        target_type=c(f.text, raw, "target_type", required=False, max_len=100),
        content=c(f.text, raw, "content", required=False, max_len=4000),
        method=c(f.enum, raw, "method", _METHOD, default="on_site"),
        min_ratio_bp=c(
            f.integer,
            raw,
            "min_ratio_bp",
            lo=1,
            hi=10_000,
            default=m.DEFAULT_MIN_RATIO_BP,
            rule=rules.RATIO_BP,
        ),
        risk_class_ratios_bp=c(_risk_ratios, raw),
        min_frequency_per_year=c(
            f.integer, raw, "min_frequency_per_year", lo=1, hi=366, default=1, rule=rules.FREQUENCY
        ),
        cap_per_target_per_year=c(
            f.integer,
            raw,
            "cap_per_target_per_year",
            lo=1,
            hi=366,
            default=m.DEFAULT_CAP_PER_TARGET_PER_YEAR,
            rule=rules.FREQUENCY,
        ),
        required_specialty=c(f.optional_text, raw, "required_specialty", max_len=100),
        published=c(f.boolean, raw, "published"),
        risk_class_frequency=c(_risk_frequency, raw),
    )
    if c.errors:
        return None, c.errors
    return CheckItemRecord(**rec), []


def check_item_body(i: m.CheckItem) -> dict[str, Any]:
    return {
        "department": i.department_code,
        "code": i.code,
        "name": i.name,
        "legal_basis": i.legal_basis,
        "target_type": i.target_type,
        "content": i.content,
        "method": i.method,
        "min_ratio_bp": i.min_ratio_bp,
        "risk_class_ratios_bp": i.risk_class_ratios_bp,
        "min_frequency_per_year": i.min_frequency_per_year,
        "cap_per_target_per_year": i.cap_per_target_per_year,
        "required_specialty": i.required_specialty,
        "published": i.published,
        "active": i.active,
        "version": i.version,
    } | ({"risk_class_frequency": i.risk_class_frequency} if i.risk_class_frequency else {})


def pool_body(p: m.ExpertPool) -> dict[str, Any]:
    return {
        "code": p.code,
        "name": p.name,
        "department": p.department_code,
        "age_limit": p.age_limit,
        "exempt_titles": list(p.exempt_titles),
        "exempt_age_limit": p.exempt_age_limit,
        "min_years": p.min_years,
        "accepted_titles": list(p.accepted_titles),
        "groups": list(p.groups),
        "term_years": p.term_years,
        "notice_working_days": p.notice_working_days,
        "objection_working_days": p.objection_working_days,
        "version": p.version,
    }
