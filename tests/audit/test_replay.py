"""AUD-3 … AUD-9 on a log the service wrote: honest passes, each corruption is named."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from audit_support import encode, entries_of, index_of, publish
from typer.testing import CliRunner

from drawsvc.cli.app import app


def run(d: Path, *extra: str) -> tuple[int, dict[str, Any], str]:
    out = d / "report.json"
    r = CliRunner().invoke(app, ["audit", str(d), "--json", str(out), *extra])
    return r.exit_code, json.loads(out.read_text()) if out.exists() else {}, r.output


def test_honest_log_passes(tmp_path: Path, service_log: dict[str, Any]) -> None:
    publish(tmp_path, service_log["raws"])
    code, rep, output = run(tmp_path, "--html", str(tmp_path / "r.html"))
    assert code == 0, output
    assert rep["findings"] == []
    assert rep["summary"]["draws"] == 4 and rep["summary"]["verified"] == 4
    assert "未发现问题" in (tmp_path / "r.html").read_text()


def tampered(tmp_path: Path, log: dict[str, Any], edit: Any) -> tuple[int, dict[str, Any], str]:
    """Apply ``edit`` to the decoded entries, re-encode, re-sign with the test key, audit."""
    es = entries_of(log)
    es = edit(es) or es
    publish(tmp_path, [encode(e) for e in es])
    return run(tmp_path)


def found(rep: dict[str, Any]) -> set[tuple[str, int | None]]:
    return {(f["rule"], f["index"]) for f in rep["findings"]}


def test_changed_pool_row_re_exported_fails_at_the_commitment(
    tmp_path: Path, service_log: dict[str, Any]
) -> None:
    es = entries_of(service_log)
    chunk = next(
        i for i, e in enumerate(es) if e["kind"] == "draw.pool.members" and e["body"]["pool"] == "inspectors"
    )
    commit = index_of(es, "draw.commit")

    def edit(es: list[dict[str, Any]]) -> None:
        es[chunk]["body"]["rows"].pop()

    code, rep, out = tampered(tmp_path, service_log, edit)
    assert code == 3, out
    assert ("AUD-4", commit) in found(rep), rep["findings"]
    assert not any(f["rule"] == "AUD-2" for f in rep["findings"])  # the re-signed tree is fine


def test_changed_commitment_no_longer_opens(tmp_path: Path, service_log: dict[str, Any]) -> None:
    es = entries_of(service_log)
    commit = index_of(es, "draw.commit")

    def edit(es: list[dict[str, Any]]) -> None:
        es[commit]["body"]["commitments"][0]["commitment"] = "00" * 32

    code, rep, _ = tampered(tmp_path, service_log, edit)
    assert code == 3
    assert ("AUD-4", service_log["teams"]) in found(rep), rep["findings"]
    assert any("reveals" in f["message"] for f in rep["findings"])


def test_reveal_that_does_not_match(tmp_path: Path, service_log: dict[str, Any]) -> None:
    d = service_log["experts"][1]

    def edit(es: list[dict[str, Any]]) -> None:
        es[d]["body"]["reveals"][0]["secret"] = "11" * 32

    code, rep, _ = tampered(tmp_path, service_log, edit)
    assert code == 3
    assert ("AUD-4", d) in found(rep), rep["findings"]


def test_edited_draw_output(tmp_path: Path, service_log: dict[str, Any]) -> None:
    d = service_log["teams"]

    def edit(es: list[dict[str, Any]]) -> None:
        sel = es[d]["body"]["result"]["inspection"]["targets"]["selected"]
        sel[0] = "91330102MA00000000"

    code, rep, _ = tampered(tmp_path, service_log, edit)
    assert code == 3
    assert ("AUD-4", d) in found(rep), rep["findings"]


def test_removed_entry_without_re_signing_fails_the_tree(tmp_path: Path, service_log: dict[str, Any]) -> None:
    raws = list(service_log["raws"])
    es = entries_of(service_log)
    i = index_of(es, "draw.replace")
    publish(tmp_path, raws)
    (tmp_path / "log" / "checkpoint").rename(tmp_path / "cp")
    publish(tmp_path / "x", raws[:i] + raws[i + 1 :])
    (tmp_path / "cp").rename(tmp_path / "x" / "log" / "checkpoint")  # the honest signature, fewer entries
    code, rep, _ = run(tmp_path / "x")
    assert code == 3
    assert any(f["rule"] == "AUD-2" for f in rep["findings"])


def test_removed_entry_re_signed_names_the_entry(tmp_path: Path, service_log: dict[str, Any]) -> None:
    es = entries_of(service_log)
    i = index_of(es, "draw.expert.response")  # the decline: its top-up no longer has an answer

    def edit(es: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return es[:i] + es[i + 1 :]

    code, rep, _ = tampered(tmp_path, service_log, edit)
    assert code == 3
    topup = index_of(es, "draw.expert.topup") - 1
    assert ("AUD-5", topup) in found(rep), rep["findings"]


def test_reordered_pair_names_the_draw(tmp_path: Path, service_log: dict[str, Any]) -> None:
    es = entries_of(service_log)
    d = service_log["experts"][2]
    c = es[d]["body"]["commit"]

    def edit(es: list[dict[str, Any]]) -> None:
        es[c], es[c + 1] = es[c + 1], es[c]

    code, rep, _ = tampered(tmp_path, service_log, edit)
    assert code == 3
    assert {r for r, _i in found(rep)} & {"AUD-3", "AUD-4"}, rep["findings"]
    assert any(f["index"] in (c, c + 1, d) for f in rep["findings"]), rep["findings"]


def test_rotation_violation(tmp_path: Path, service_log: dict[str, Any]) -> None:
    es = entries_of(service_log)
    d = service_log["experts"][2]
    c = es[d]["body"]["commit"]
    assert len(es[c]["body"]["rotation"]) == 2  # the honest log cites the two previous draws

    def edit(es: list[dict[str, Any]]) -> None:
        es[c]["body"]["rotation"] = es[c]["body"]["rotation"][:1]  # a panel member escapes sitting out

    code, rep, _ = tampered(tmp_path, service_log, edit)
    assert code == 3
    assert ("AUD-7", c) in found(rep), rep["findings"]


def test_replacement_without_approver(tmp_path: Path, service_log: dict[str, Any]) -> None:
    es = entries_of(service_log)
    i = index_of(es, "draw.replace")

    def edit(es: list[dict[str, Any]]) -> None:
        es[i]["body"]["event"]["approver"] = ""

    code, rep, out = tampered(tmp_path, service_log, edit)
    assert code == 3
    assert ("AUD-5", i) in found(rep), rep["findings"]
    assert "AUD-5" in out


def test_incremental_after_appends(tmp_path: Path, service_log: dict[str, Any]) -> None:
    raws = service_log["raws"]
    cut = service_log["experts"][1] + 1
    state = tmp_path / "state.json"
    publish(tmp_path / "a", raws[:cut])
    code, rep, out = run(tmp_path / "a", "--state", str(state))
    assert code == 0, out
    assert rep["summary"]["verified"] == 3
    publish(tmp_path / "b", raws)
    code, rep, out = run(tmp_path / "b", "--state", str(state))
    assert code == 0, out
    assert rep["incremental"]["start"] == cut
    assert rep["summary"]["verified"] == 4  # only the new draw was recomputed
    assert json.loads(state.read_text())["size"] == len(raws)


def test_incremental_rewritten_history_fails(tmp_path: Path, service_log: dict[str, Any]) -> None:
    raws = list(service_log["raws"])
    cut = service_log["experts"][1] + 1
    state = tmp_path / "state.json"
    publish(tmp_path / "a", raws[:cut])
    assert run(tmp_path / "a", "--state", str(state))[0] == 0
    es = entries_of(service_log)
    es[service_log["teams"]]["body"]["seed"] = "00" * 32  # an old entry rewritten, tree re-signed
    publish(tmp_path / "b", [encode(e) for e in es])
    code, rep, _ = run(tmp_path / "b", "--state", str(state))
    assert code == 3
    assert any(f["rule"] == "AUD-9" for f in rep["findings"])
    assert json.loads(state.read_text())["size"] == cut  # the state does not move


def test_state_from_another_log_is_refused(tmp_path: Path, service_log: dict[str, Any]) -> None:
    from ledger.note import generate_key

    state = tmp_path / "state.json"
    publish(tmp_path / "a", service_log["raws"])
    assert run(tmp_path / "a", "--state", str(state))[0] == 0
    _, other = generate_key("other.example/log")
    publish(tmp_path / "b", service_log["raws"], signer=other)
    code, _, out = run(tmp_path / "b", "--state", str(state))
    assert code == 2
    assert "another log" in out


def _expert_pool(es: list[dict[str, Any]], commit: int) -> list[str]:
    first, count = es[commit]["body"]["pools"]["experts"]["entries"]
    return [r[0] for e in es[first : first + count] for r in e["body"]["rows"]]


def test_exited_expert_in_a_frozen_pool(tmp_path: Path, service_log: dict[str, Any]) -> None:
    es = entries_of(service_log)
    c = es[service_log["experts"][0]]["body"]["commit"]
    expert = _expert_pool(es, c)[0]
    assert es[0]["kind"] == "calendar.arrangement" and es[0]["body"]["arrangement"]["year"] < 2020
    term = {"term_start": "2020-01-01", "term_end": "2030-12-31"}
    # the registry as logged: the expert admitted (honest), then the same log with the expert exited
    es[0] = {
        "kind": "registry.expert.admit",
        "body": {"code": expert, "pool": "ZJ", "status": "admitted", **term},
    }
    publish(tmp_path / "a", [encode(e) for e in es])
    code, rep, _ = run(tmp_path / "a")
    assert code == 0, rep["findings"]
    es[0] = {
        "kind": "registry.expert.exit",
        "body": {"code": expert, "pool": "ZJ", "status": "exited", "reason": "本人申请", "on": "2020-06-01"},
    }
    publish(tmp_path / "b", [encode(e) for e in es])
    code, rep, _ = run(tmp_path / "b")
    assert code == 3
    assert ("AUD-10", c) in found(rep), rep["findings"]


def test_draw_below_its_check_items_minimum(tmp_path: Path, service_log: dict[str, Any]) -> None:
    es = entries_of(service_log)
    commit = index_of(es, "draw.commit")
    create = index_of(es, "task.create")
    assert es[1]["kind"] == "calendar.arrangement" and es[1]["body"]["arrangement"]["year"] < 2020
    es[create]["body"]["check_items"] = [{"department": "SCJG", "code": "X1"}]
    item = {"department": "SCJG", "code": "X1", "min_ratio_bp": 0, "cap_per_target_per_year": 1000}
    es[1] = {"kind": "registry.check_item.upsert", "body": item}
    publish(tmp_path / "a", [encode(e) for e in es])
    code, rep, _ = run(tmp_path / "a")
    assert code == 0, rep["findings"]
    item["min_ratio_bp"] = 5000  # the item asks for half the targets; the draw took 20 %
    publish(tmp_path / "b", [encode(e) for e in es])
    code, rep, _ = run(tmp_path / "b")
    assert code == 3
    assert found(rep) == {("AUD-11", commit)}, rep["findings"]


def test_no_answer_logged_before_the_deadline(tmp_path: Path, service_log: dict[str, Any]) -> None:
    es = entries_of(service_log)
    i = index_of(es, "draw.expert.response")
    assert es[i]["body"]["deadline"]

    def edit(es: list[dict[str, Any]]) -> None:
        es[i]["body"].update(response="no_answer", reason=None)
        es[i]["at"] = es[i]["body"]["deadline"] + "T10:00:00+08:00"  # on the last day: still in time
        es[index_of(es, "draw.expert.topup")]["body"]["event"]["reason"] = "no-answer"

    code, rep, _ = tampered(tmp_path, service_log, edit)
    assert code == 3
    assert ("AUD-8", i) in found(rep), rep["findings"]
