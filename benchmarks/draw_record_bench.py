"""Draw record benchmark: build, HTML and PDF of one task's record with N inspection teams.

The task is the vector ``tests/vectors/draw-record/log.json`` with its round-1 draw widened to
``--teams`` teams (and as many drawn targets). Prints one JSON line: seconds to build the
record from the entries, to render the HTML, to find the CJK font and to render the PDF, and
the output sizes.

    python benchmarks/draw_record_bench.py --teams 1000
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from drawsvc.tasks import record
from drawsvc.tasks.record.pdf import find_cjk_font

VECTOR = Path(__file__).parents[1] / "tests" / "vectors" / "draw-record" / "log.json"


def widened(teams: int) -> list[dict]:
    log = json.loads(VECTOR.read_text(encoding="utf-8"))
    i = next(i for i, e in enumerate(log) if e["kind"] == "draw.result" and e["body"]["result"] is not None)
    ins = log[i]["body"]["result"]["inspection"]
    ins["teams"]["assignments"] = [
        {"target": f"91330100MA{n:07d}X"[:18],
         "members": [{"id": f"INS-{n % 97:03d}", "leader": True, "designated": False},
                     {"id": f"INS-{(n + 1) % 97:03d}", "leader": False, "designated": False}]}
        for n in range(teams)]
    ins["targets"]["selected"] = [a["target"] for a in ins["teams"]["assignments"]]
    return log


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--teams", type=int, default=1000)
    args = parser.parse_args()
    log = widened(args.teams)
    t0 = time.perf_counter()
    rec = record.build_record(record.entries_of_task(enumerate(log), "T2026-0001"))
    t1 = time.perf_counter()
    html = record.render_html(rec, verify_base_url="https://sjs.example.gov.cn")
    t2 = time.perf_counter()
    font = find_cjk_font()
    t3 = time.perf_counter()
    pdf = record.render_pdf(rec, verify_base_url="https://sjs.example.gov.cn", font=font)
    t4 = time.perf_counter()
    print(json.dumps({"bench": "draw_record", "teams": args.teams, "build_s": round(t1 - t0, 3),
                      "html_s": round(t2 - t1, 3), "html_kib": len(html.encode()) // 1024,
                      "font_s": round(t3 - t2, 3), "pdf_s": round(t4 - t3, 2), "pdf_kib": len(pdf) // 1024,
                      "font": font.family}))


if __name__ == "__main__":
    main()
