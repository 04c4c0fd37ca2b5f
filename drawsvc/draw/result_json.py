"""RFC 8785 (JCS) bytes of a draw/v1 result, fast (docs/draw-spec.md §2 C-2, §11 DRAW-73).

``encode_result(result)`` returns exactly ``canonical_json(result)``; it is what the engine's
``result_bytes`` logs and compares. ``canonical_json`` walks every value to check it and then
runs the C encoder, which sorts the keys of every object; for a 50,000-team result that is
150,000 small objects. Almost all of them sit in a few bulk lists whose shape the engine fixes:

- id lists: ``targets.selected`` (§6 DRAW-25, §7 DRAW-36) and the ``selected`` of every
  ``targets.groups[i]`` (DRAW-25) or ``targets.strata[i]`` (DRAW-36);
- ``teams.assignments`` (§8): ``[{"target", "members": [{"id", "leader", "designated"}, …]}, …]``.

Those lists are encoded here from templates, after a cheap check of exactly what the templates
rely on (exact ``list``/``dict``/``str``/``bool`` types, exact key sets). The rest of the result is
canonicalized by ``canonical_json`` with each bulk list replaced by a hole: a string that the
engine never produces, whose JCS form must occur exactly once in the rest's bytes; the bulk bytes
are spliced in there. This is byte-identical because a JCS object is its members in key order
(RFC 8785 §3.2.3), the order does not depend on the values, and each value is encoded on its own.

Anything not recognised (another shape, another type, a duplicate hole, a string that is not
Unicode text) falls back to ``canonical_json(result)``, so the output is always its output and an
invalid result raises exactly its error. tests/draw/test_result_json.py checks the equality on
engine results with hypothesis and the fallback on tampered results.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from drawsvc.draw.canonical import SPEC, canonical_json, json_string_text
from ledger.errors import EntryRejected

# ``_Unrecognised`` is raised by the checks below; KeyError (a missing key), UnicodeEncodeError (a
# lone surrogate, refused by JCS) and EntryRejected (the rest is not valid JSON for JCS) all mean
# "let canonical_json decide": it gives the exact bytes, or the exact error.
_FALL_BACK = (KeyError, UnicodeEncodeError, EntryRejected)

# JCS forms of false/true (RFC 8785 §3.2.2.1), indexed by a bool (False == 0, True == 1).
_MEMBER_HEAD = ('{"designated":false,"id":', '{"designated":true,"id":')
_MEMBER_TAIL = (',"leader":false}', ',"leader":true}')
# Keys in JCS order (UTF-16 code units, all ASCII here): "members" < "target";
# "designated" < "id" < "leader". The first member of a team opens its "members" array.
_TEAM_OPEN = '{"members":['
_TEAM_TARGET = '],"target":'
# The characters JCS escapes in a string (RFC 8785 §3.2.2.2): '"', '\\' and U+0000..U+001F.
_ESCAPED = re.compile('[\x00-\x1f"\\\\]')
_HOLE = "\x00result_json.hole.{}\x00"  # U+0000 appears in no id, key or rule the engine writes


class _Unrecognised(Exception):
    """A bulk list is not in the shape the templates encode."""


def encode_result(result: Mapping[str, Any]) -> bytes:
    """``canonical_json(result)`` (RFC 8785), with the bulk lists encoded from templates."""
    if type(result) is not dict:
        return canonical_json(result)
    try:
        return _spliced(result)
    except (_Unrecognised, *_FALL_BACK):
        return canonical_json(result)


def _spliced(result: dict[str, Any]) -> bytes:
    holes: list[tuple[bytes, bytes]] = []  # (JCS bytes of the hole string, JCS bytes of the list)

    def hole(encode: Callable[[Any], str], value: Any) -> str:
        text = _HOLE.format(len(holes))
        holes.append((json_string_text(text).encode("utf-8"), encode(value).encode("utf-8")))
        return text

    # an engine result (it carries its spec, C-5), or an object holding engine results side by
    # side, as the service logs one round ({"inspection": ..., "experts": ...})
    if result.get("spec") == SPEC:
        rest = _with_holes(result, hole)
    else:
        rest = {k: _with_holes(v, hole) if type(v) is dict and v.get("spec") == SPEC else v
                for k, v in result.items()}
    if not holes:
        return canonical_json(result)
    head = canonical_json(rest)
    found = []
    for i, (mark, _) in enumerate(holes):
        at = head.find(mark)
        if at < 0 or head.find(mark, at + 1) >= 0:  # another string spells the hole: not ours
            raise _Unrecognised
        found.append((at, i))
    out = []
    done = 0
    for at, i in sorted(found):
        mark, body = holes[i]
        out += (head[done:at], body)
        done = at + len(mark)
    out.append(head[done:])
    return b"".join(out)


def _with_holes(result: dict[str, Any], hole: Callable[[Callable[[Any], str], Any], str]) -> dict[str, Any]:
    """A copy of one engine result with its bulk lists replaced by holes (shallow copies along
    the paths to the holes: the input is not changed)."""
    rest = dict(result)
    targets = rest.get("targets")
    if type(targets) is dict:
        targets = rest["targets"] = dict(targets)
        if "selected" in targets:
            targets["selected"] = hole(_id_list, targets["selected"])
        for name in ("groups", "strata"):  # §6 DRAW-25 / §7 DRAW-36
            parts = targets.get(name)
            if type(parts) is list:
                targets[name] = [
                    {**p, "selected": hole(_id_list, p["selected"])}
                    if type(p) is dict and "selected" in p else p
                    for p in parts
                ]
    teams = rest.get("teams")
    if type(teams) is dict and "assignments" in teams:
        rest["teams"] = {**teams, "assignments": hole(_assignments, teams["assignments"])}
    return rest


def _id_list(ids: Any) -> str:
    """JCS text of a list of ids (exact ``str``): ``["a","b"]``.

    Ids are validated text (DRAW-4) and almost never contain a character JCS escapes
    (RFC 8785 §3.2.2.2); then quoting each one is the same as one join with ``","``.
    """
    if type(ids) is not list:
        raise _Unrecognised
    if not ids:
        return "[]"
    if set(map(type, ids)) != {str}:
        raise _Unrecognised
    if _ESCAPED.search("".join(ids)):
        return "[" + ",".join(map(json_string_text, ids)) + "]"
    return '["' + '","'.join(ids) + '"]'


def _assignments(teams: Any) -> str:
    """JCS text of ``teams.assignments`` (§8): every team exactly ``{"target": str, "members":
    [...]}`` with at least one member, every member exactly ``{"id": str, "leader": bool,
    "designated": bool}``.

    One pass over the teams. A member's JCS text depends only on its three values, and members
    repeat (50,000 teams of 2 share ~5,000 inspectors), so it is built once per call for each
    (designated, leader, id) and looked up after. The type checks come before the flags are
    used as indices: an int 1 where ``True`` belongs would otherwise pick the ``true`` text.
    """
    if type(teams) is not list:
        raise _Unrecognised
    texts: tuple[tuple[dict[str, str], ...], ...] = (({}, {}), ({}, {}))  # [designated][leader]
    out: list[str] = []
    add = out.append
    for team in teams:
        if type(team) is not dict or len(team) != 2:
            raise _Unrecognised
        members = team["members"]
        target = team["target"]
        if type(members) is not list or not members or type(target) is not str:
            raise _Unrecognised
        opening = _TEAM_OPEN
        for m in members:
            if type(m) is not dict or len(m) != 3:
                raise _Unrecognised
            person, leader, designated = m["id"], m["leader"], m["designated"]
            if type(person) is not str or type(leader) is not bool or type(designated) is not bool:
                raise _Unrecognised
            known = texts[designated][leader]
            text = known.get(person)
            if text is None:
                text = known[person] = (_MEMBER_HEAD[designated] + json_string_text(person)
                                        + _MEMBER_TAIL[leader])
            add(opening)
            add(text)
            opening = ","
        add(_TEAM_TARGET)
        add(json_string_text(target))
        add("},")
    if out:
        out[-1] = "}"
    return "[" + "".join(out) + "]"
