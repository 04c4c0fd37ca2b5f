"""Draw parameters of a task (docs/specs/entries.md §3): strict parsing into the logged form.

Pure. The parsed dict is exactly what ``task.create`` and ``draw.commit`` log and what the
verifier replays, so every default is filled in here, once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from drawsvc.errors import InvalidInput
from drawsvc.tasks.seal import parse_seal

SPEC = "draw/v1"
STRATA = ("region", "authority", "scale", "credit")
CREDIT_CLASSES = ("A", "B", "C", "D")
MAX_BP = 10_000
DEFAULT_CAP = 2
DEFAULT_RESPONSE_DAYS = 2

_TOP = frozenset({"spec", "targets", "teams", "experts", "seal"})
_TARGETS = frozenset(
    {
        "mode",
        "ratio_bp",
        "min_ratio_bp",
        "count",
        "class_ratios_bp",
        "strata",
        "cap_per_year",
        "class_caps_per_year",
        "prefer_uninspected",
    }
)
_TEAMS = frozenset({"size", "departments", "specialty"})
_EXPERTS = frozenset({"headcount", "pool", "group", "response_working_days"})


def _bad(field: str, rule: str, message: str) -> InvalidInput:
    return InvalidInput(f"{field}: {message}", field=field, rule=rule)


def _int(
    obj: Mapping[str, Any], key: str, field: str, *, lo: int, hi: int, default: int | None
) -> int | None:
    value = obj.get(key, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise _bad(f"{field}.{key}", "params.integer", f"must be an integer in {lo}..{hi}")
    return value


def _keys(obj: Any, allowed: frozenset[str], field: str) -> Mapping[str, Any]:
    if not isinstance(obj, Mapping):
        raise _bad(field, "params.object", "must be an object")
    extra = sorted(set(obj) - allowed)
    if extra:
        raise _bad(f"{field}.{extra[0]}", "params.unknown-field", "is not a draw parameter")
    return obj


def _str_list(
    obj: Mapping[str, Any], key: str, field: str, allowed: tuple[str, ...] | None = None
) -> list[str]:
    value = obj.get(key) or []
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) and v for v in value):
        raise _bad(f"{field}.{key}", "params.list", "must be a list of non-empty strings")
    if allowed is not None:
        for v in value:
            if v not in allowed:
                raise _bad(f"{field}.{key}", "params.enum", f"{v!r} is not one of {', '.join(allowed)}")
    if len(set(value)) != len(value):
        raise _bad(f"{field}.{key}", "params.duplicate", "lists a value twice")
    return list(value)


def parse_params(raw: Mapping[str, Any] | None) -> dict[str, Any]:
    """Validate and normalise draw parameters; raise ``InvalidInput`` naming the field and rule."""
    obj = _keys(raw or {}, _TOP, "params")
    if obj.get("spec", SPEC) != SPEC:
        raise _bad("params.spec", "params.spec", f"must be {SPEC}")
    out: dict[str, Any] = {"spec": SPEC, "targets": None, "teams": None, "experts": None}
    if obj.get("targets") is not None:
        t = _keys(obj["targets"], _TARGETS, "params.targets")
        mode = t.get("mode", "sample")
        if mode not in ("sample", "all"):
            raise _bad("params.targets.mode", "params.enum", "must be sample or all")
        ratio = _int(t, "ratio_bp", "params.targets", lo=1, hi=MAX_BP, default=None)
        count = _int(t, "count", "params.targets", lo=1, hi=10_000_000, default=None)
        classes = t.get("class_ratios_bp")
        if classes is not None:
            classes = dict(_keys(classes, frozenset(CREDIT_CLASSES), "params.targets.class_ratios_bp"))
            for k in classes:
                _int(classes, k, "params.targets.class_ratios_bp", lo=0, hi=MAX_BP, default=None)
        if mode == "sample" and ratio is None and count is None and classes is None:
            raise _bad("params.targets", "params.targets-size", "needs ratio_bp, count or class_ratios_bp")
        if classes is not None and t.get("strata"):
            raise _bad("params.targets", "params.targets-size", "per-class ratios and strata do not combine")
        if ratio is not None and count is not None:
            raise _bad("params.targets", "params.targets-size", "give ratio_bp or count, not both")
        caps = t.get("class_caps_per_year")
        if caps is not None:
            caps = dict(_keys(caps, frozenset(CREDIT_CLASSES), "params.targets.class_caps_per_year"))
            for k in caps:
                if _int(caps, k, "params.targets.class_caps_per_year", lo=1, hi=1000, default=None) is None:
                    raise _bad(f"params.targets.class_caps_per_year.{k}", "params.integer",
                               "must be an integer in 1..1000")
        prefer = t.get("prefer_uninspected", False)
        if not isinstance(prefer, bool):
            raise _bad("params.targets.prefer_uninspected", "params.boolean", "must be true or false")
        out["targets"] = {
            "mode": mode,
            "ratio_bp": ratio,
            "count": count,
            "min_ratio_bp": _int(t, "min_ratio_bp", "params.targets", lo=0, hi=MAX_BP, default=0),
            "class_ratios_bp": {k: classes[k] for k in sorted(classes)} if classes is not None else None,
            "strata": _str_list(t, "strata", "params.targets", STRATA),
            "cap_per_year": _int(t, "cap_per_year", "params.targets", lo=1, hi=1000, default=DEFAULT_CAP),
            "prefer_uninspected": prefer,
        }
        if caps:  # absent when unset: params logged before the key existed keep their bytes
            out["targets"]["class_caps_per_year"] = {k: caps[k] for k in sorted(caps)}
    if obj.get("teams") is not None:
        m = _keys(obj["teams"], _TEAMS, "params.teams")
        depts = _str_list(m, "departments", "params.teams")
        size = _int(m, "size", "params.teams", lo=2, hi=50, default=2)
        assert size is not None
        if depts and len(depts) > size:
            raise _bad(
                "params.teams.departments",
                "params.team-departments",
                "a team needs at least one member per listed department",
            )
        spec = m.get("specialty")
        if spec is not None and (not isinstance(spec, str) or not spec):
            raise _bad("params.teams.specialty", "params.string", "must be a non-empty string")
        out["teams"] = {"size": size, "departments": sorted(depts), "specialty": spec}
    if obj.get("experts") is not None:
        e = _keys(obj["experts"], _EXPERTS, "params.experts")
        for key in ("pool", "group"):
            if not isinstance(e.get(key), str) or not e[key]:
                raise _bad(f"params.experts.{key}", "params.required", "is required (one pool, one group)")
        out["experts"] = {
            "headcount": _int(e, "headcount", "params.experts", lo=1, hi=1000, default=None),
            "pool": e["pool"],
            "group": e["group"],
            "response_working_days": _int(
                e, "response_working_days", "params.experts", lo=0, hi=60, default=DEFAULT_RESPONSE_DAYS
            ),
        }
        if out["experts"]["headcount"] is None:
            raise _bad("params.experts.headcount", "params.required", "is required")
    if out["teams"] is not None and out["targets"] is None:
        raise _bad("params.teams", "params.teams-need-targets", "teams are formed for drawn targets")
    if out["targets"] is None and out["teams"] is None and out["experts"] is None:
        raise _bad("params", "params.empty", "a task draws targets, teams or experts")
    if obj.get("seal") is not None:  # only when sealed, so unsealed params keep their logged shape
        out["seal"] = parse_seal(obj["seal"])
    return out


def engine_class_caps(t: Mapping[str, Any] | None) -> dict[str, int]:
    """The draw-spec DRAW-20 ``class_caps`` of a task's target rule (entries.md §3 P-5).

    ``class_caps_per_year`` is keyed by credit class; the engine keys caps by the targets'
    ``stratum``, which is the credit class under per-class ratios and ``credit=<class>`` when the
    only stratification attribute is ``credit``. Any other stratum does not carry the class:
    per-class caps are refused there (``InvalidInput``, rule ``params.class-caps-need-class``).
    A sub-draw (``mode: "all"``) takes every target and has no caps.
    """
    if t is None or t.get("mode") != "sample" or not t.get("class_caps_per_year"):
        return {}
    caps: Mapping[str, int] = t["class_caps_per_year"]
    if t.get("class_ratios_bp"):
        return dict(caps)
    if list(t.get("strata") or ()) == ["credit"]:
        return {f"credit={k}": v for k, v in caps.items()}
    raise _bad(
        "params.targets.class_caps_per_year",
        "params.class-caps-need-class",
        "per-class caps need per-class ratios (class_ratios_bp) or strata [\"credit\"]",
    )
