"""Compact storage of a draw's current result in ``task_draws.result`` (``Draw.result``).

The log holds the draw result (``draw.result`` and its parts, entries.md §4); the row keeps the
current state the service acts on (drawn targets, teams, positions, later events) without
storing the 8 MB JSON of a 50,000-target draw a second time. The bulky lists become three
newline-joined strings, which JSON encodes at C speed:

- ``targets``: the inspection's ``targets.selected`` ids; each group's (ratio mode) or
  stratum's (stratified mode) ``selected`` list is stored as its length, since
  ``targets.selected`` is their concatenation in order (DRAW-25, DRAW-35);
- ``members``: the team members' ids, team after team in assignment order (each team has
  ``teams.size`` members, DRAW-41; the assignments' targets are ``targets.selected``, DRAW-47);
- ``flags``: one character per member, ``"0" + leader + 2 × designated``.

``compact(result)`` keeps the result as it is (``expand`` returns it unchanged) whenever one of
these shapes does not hold (an id containing a newline, a team of another size, assignments in
another order): nothing is ever lost, ``expand(compact(r)) == r`` for every result. Rows written
before this format hold the full result and are read unchanged.
"""

from __future__ import annotations

from itertools import chain, repeat
from operator import add, itemgetter, mul
from typing import Any

FORMAT = "drawsvc/draw-row/v1"
_PARTS = ("groups", "strata")
_FLAGS = ("0", "1", "2", "3")  # leader + 2 × designated
_TARGET, _MEMBERS = itemgetter("target"), itemgetter("members")
_FIELDS = (itemgetter("id"), itemgetter("leader"), itemgetter("designated"))


def compact(result: dict[str, Any]) -> dict[str, Any]:
    """The row form of a service result ``{"inspection": …, "experts": …}`` (see module doc)."""
    ins = result.get("inspection") if isinstance(result, dict) else None
    if not isinstance(ins, dict):
        return result
    try:
        packed = _pack(ins)
    except (KeyError, TypeError, AttributeError, ValueError):
        packed = None
    if packed is None:
        return result
    skeleton, targets, members, flags = packed
    return {"format": FORMAT, "result": {**result, "inspection": skeleton}, "targets": targets,
            "members": members, "flags": flags}


def expand(stored: dict[str, Any]) -> dict[str, Any]:
    """The full result from its row form (a full result is returned as it is)."""
    if not isinstance(stored, dict) or stored.get("format") != FORMAT:
        return stored
    result = dict(stored["result"])
    ins = result["inspection"]
    selected = stored["targets"].split("\n") if stored["targets"] else []
    tpart = dict(ins["targets"])
    for key in _PARTS:
        if key in tpart:
            lo, parts = 0, []
            for part in tpart[key]:
                n = part["selected"]
                parts.append({**part, "selected": selected[lo:lo + n]})
                lo += n
            tpart[key] = parts
    tpart["selected"] = selected
    ins = {**ins, "targets": tpart}
    teams = ins.get("teams")
    if teams is not None:
        size = teams["size"]
        ids = stored["members"].split("\n") if stored["members"] else []
        flags = stored["flags"]
        members = [{"id": i, "leader": f in "13", "designated": f in "23"}
                   for i, f in zip(ids, flags, strict=True)]
        ins["teams"] = {**teams, "assignments": [
            {"target": t, "members": members[k * size:(k + 1) * size]} for k, t in enumerate(selected)
        ]}
    result["inspection"] = ins
    return result


def _pack(ins: dict[str, Any]) -> tuple[dict[str, Any], str, str, str] | None:
    tpart = ins["targets"]
    selected = tpart["selected"]
    if not isinstance(selected, list) or not set(map(type, selected)) <= {str} or not all(selected):
        return None
    targets = "\n".join(selected)
    if targets.count("\n") != max(len(selected) - 1, 0):
        return None
    skeleton_t = {**tpart, "selected": None}
    for key in _PARTS:
        if key in tpart:
            concat: list[str] = []
            for part in tpart[key]:
                concat += part["selected"]
            if concat != selected:
                return None
            skeleton_t[key] = [{**part, "selected": len(part["selected"])} for part in tpart[key]]
    skeleton = {**ins, "targets": skeleton_t}
    teams = ins.get("teams")
    members_text, flags = "", ""
    if teams is not None:  # C-level passes only (map, itemgetter): this runs for 100,000 members
        size, assignments = teams["size"], teams["assignments"]
        if type(size) is not int or list(map(_TARGET, assignments)) != selected:
            return None
        if not set(map(len, assignments)) <= {2} or not set(map(len, map(_MEMBERS, assignments))) <= {size}:
            return None
        skeleton["teams"] = {**teams, "assignments": None}
        members = list(chain.from_iterable(map(_MEMBERS, assignments)))
        if not members:
            return skeleton, targets, "", ""
        if not set(map(len, members)) <= {3}:
            return None
        ids, leaders, designated = (list(map(f, members)) for f in _FIELDS)
        if not set(map(type, ids)) <= {str} or not all(ids):
            return None
        if not set(map(type, leaders)) <= {bool} or not set(map(type, designated)) <= {bool}:
            return None
        members_text = "\n".join(ids)
        if members_text.count("\n") != len(ids) - 1:
            return None
        flags = "".join(map(_FLAGS.__getitem__, map(add, leaders, map(mul, designated, repeat(2)))))
    return skeleton, targets, members_text, flags
