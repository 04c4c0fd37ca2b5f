"""ledger.checkpoint: C2SP tlog-checkpoint format, strict parsing, verify -> parse -> origin."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.checkpoint import (
    MAX_TREE_SIZE,
    Checkpoint,
    format_checkpoint,
    parse_checkpoint,
    sign_checkpoint,
    verify_checkpoint,
)
from ledger.errors import LedgerError, MalformedError, OriginMismatch, SignatureError
from ledger.note import Signer, open_note, parse_verifier_key

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "checkpoint"
DATA = json.loads((VECTORS / "cases.json").read_text(encoding="utf-8"))

ORIGIN = "drawsvc.example/log"
SIGNER = Signer.from_seed(ORIGIN, hashlib.sha256(b"test_checkpoint").digest())
VERIFIER = SIGNER.verifier()
ROOT = hashlib.sha256(b"root").digest()


def code_of(fn, *args, **kwargs) -> str:
    try:
        fn(*args, **kwargs)
    except LedgerError as e:
        return e.code
    return "ok"


@pytest.mark.parametrize("case", DATA["bodies"], ids=lambda c: c["name"])
def test_checkpoint_body_vector(case: dict) -> None:
    if case["expect"] != "ok":
        assert code_of(parse_checkpoint, case["text"]) == case["expect"]
        return
    cp = parse_checkpoint(case["text"])
    want = case["checkpoint"]
    assert cp == Checkpoint(
        origin=want["origin"],
        size=int(want["size"]),
        root=base64.b64decode(want["root"]),
        extensions=tuple(want["extensions"]),
    )
    assert format_checkpoint(cp.origin, cp.size, cp.root, cp.extensions) == case["text"]


@pytest.mark.parametrize("case", DATA["signed"], ids=lambda c: c["name"])
def test_signed_checkpoint_vector(case: dict) -> None:
    verifier = parse_verifier_key(case["verifier"])
    got = code_of(verify_checkpoint, case["note"].encode(), verifier, origin=case["origin"])
    assert got == case["expect"]


def test_checkpoint_vectors_are_up_to_date() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("checkpoint_vectors", VECTORS / "generate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.render(module.build()) == (VECTORS / "cases.json").read_text(encoding="utf-8")


def test_format_matches_the_spec_layout() -> None:
    text = format_checkpoint(ORIGIN, 20852163, ROOT, ["ext"])
    assert text == f"{ORIGIN}\n20852163\n{base64.b64encode(ROOT).decode()}\next\n"


@pytest.mark.parametrize(
    ("origin", "size", "root", "ext"),
    [
        ("", 1, ROOT, ()),
        ("a\nb", 1, ROOT, ()),
        (ORIGIN, -1, ROOT, ()),
        (ORIGIN, MAX_TREE_SIZE + 1, ROOT, ()),
        (ORIGIN, True, ROOT, ()),
        (ORIGIN, 1, ROOT[:31], ()),
        (ORIGIN, 1, ROOT + b"\0", ()),
        (ORIGIN, 1, ROOT, ("",)),
        (ORIGIN, 1, ROOT, ("a\nb",)),
    ],
)
def test_format_refuses_what_it_could_not_parse_back(origin, size, root, ext) -> None:
    with pytest.raises(MalformedError):
        format_checkpoint(origin, size, root, ext)


@given(
    size=st.integers(0, MAX_TREE_SIZE),
    root=st.binary(min_size=32, max_size=32),
    origin=st.text(alphabet=st.characters(min_codepoint=0x20, blacklist_categories=("Cs",)), min_size=1),
)
@settings(max_examples=200, deadline=None)
def test_format_parse_round_trip(size: int, root: bytes, origin: str) -> None:
    assert parse_checkpoint(format_checkpoint(origin, size, root)) == Checkpoint(origin, size, root)


def test_sign_then_verify_round_trips() -> None:
    note = sign_checkpoint(SIGNER, ORIGIN, 7, ROOT)
    assert verify_checkpoint(note, VERIFIER, origin=ORIGIN) == Checkpoint(ORIGIN, 7, ROOT)
    assert open_note(note, [VERIFIER]).sigs[0].name == ORIGIN


def test_wrong_origin_raises_origin_mismatch_with_both_values() -> None:
    note = sign_checkpoint(SIGNER, ORIGIN, 7, ROOT)
    with pytest.raises(OriginMismatch) as info:
        verify_checkpoint(note, VERIFIER, origin="other.example/log")
    assert (info.value.expected, info.value.got) == ("other.example/log", ORIGIN)


def test_signature_is_checked_before_the_body_is_parsed() -> None:
    other = Signer.from_seed(ORIGIN, bytes(32))
    from ledger.note import sign_note

    garbage_body = sign_note("not\na\ncheckpoint at all\n", other)
    with pytest.raises(SignatureError):
        verify_checkpoint(garbage_body, VERIFIER, origin=ORIGIN)
    with pytest.raises(MalformedError):
        verify_checkpoint(sign_note("not\na\ncheckpoint at all\n", SIGNER), VERIFIER, origin=ORIGIN)


SIGNED = sign_checkpoint(SIGNER, ORIGIN, 123456, ROOT)


@given(st.data())
@settings(max_examples=400, deadline=None)
def test_flipping_any_bit_of_a_signed_checkpoint_is_refused(data: st.DataObject) -> None:
    i = data.draw(st.integers(0, len(SIGNED) - 1), label="byte")
    bit = data.draw(st.integers(0, 7), label="bit")
    mutated = bytearray(SIGNED)
    mutated[i] ^= 1 << bit
    with pytest.raises((MalformedError, SignatureError, OriginMismatch)):
        verify_checkpoint(bytes(mutated), VERIFIER, origin=ORIGIN)


@given(st.data())
@settings(max_examples=200, deadline=None)
def test_replacing_any_byte_of_a_signed_checkpoint_is_refused(data: st.DataObject) -> None:
    i = data.draw(st.integers(0, len(SIGNED) - 1), label="byte")
    value = data.draw(st.integers(0, 255).filter(lambda v: v != SIGNED[i]), label="value")
    mutated = bytearray(SIGNED)
    mutated[i] = value
    with pytest.raises((MalformedError, SignatureError, OriginMismatch)):
        verify_checkpoint(bytes(mutated), VERIFIER, origin=ORIGIN)


def test_every_bit_flip_of_a_signed_checkpoint_is_refused_exhaustively() -> None:
    for i in range(len(SIGNED)):
        for bit in range(8):
            mutated = bytearray(SIGNED)
            mutated[i] ^= 1 << bit
            with pytest.raises((MalformedError, SignatureError, OriginMismatch)):
                verify_checkpoint(bytes(mutated), VERIFIER, origin=ORIGIN)


def test_parse_refuses_non_str() -> None:
    with pytest.raises(MalformedError):
        parse_checkpoint(b"a\n1\n" + base64.b64encode(ROOT) + b"\n")  # type: ignore[arg-type]
