"""Pure: charts as inline SVG from plain dicts, no chart library (docs/site.md §5).

Every chart is an ``<svg role="img">`` with a ``<title>`` and ``<desc>`` (what a screen
reader says), and the page shows the same figures in a table beside it, so the chart adds
nothing that only the eye can read. Input is plain data, so the coverage chart takes the
``results2`` statistics unchanged once they are published as JSON.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape

BAR = "#1a5fb4"  # 7.0:1 on white
MARK = "#a51d2d"
INK = "#1d1d1f"
GRID = "#c0c0c0"
PALETTE = ("#1a5fb4", "#a51d2d", "#26703a", "#86501a", "#613583", "#0f6674")


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str  # the value as shown
    mark: float | None = None  # a reference value on the same scale (a minimum ratio)


def _svg(width: int, height: int, title: str, desc: str, body: list[str], ident: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" aria-labelledby="{ident}-t {ident}-d" class="chart" id="{ident}">'
        f'<title id="{ident}-t">{escape(title)}</title><desc id="{ident}-d">{escape(desc)}</desc>'
        + "".join(body)
        + "</svg>"
    )


def horizontal_bars(bars: Sequence[Bar], *, title: str, ident: str, scale_max: float | None = None) -> str:
    """One bar per row, label on the left, value on the right; ``mark`` draws a red tick."""
    row, label_w, bar_w, value_w = 28, 190, 300, 190
    width, height = label_w + bar_w + value_w, max(1, len(bars)) * row + 8
    top = scale_max or max([b.value for b in bars] + [b.mark or 0 for b in bars] + [1])
    body: list[str] = []
    for i, b in enumerate(bars):
        y = 4 + i * row
        w = 0 if top <= 0 else bar_w * max(0.0, b.value) / top
        body.append(
            f'<text x="{label_w - 6}" y="{y + 18}" text-anchor="end" font-size="13" fill="{INK}">'
            f"{escape(_short(b.label, 14))}</text>"
            f'<rect x="{label_w}" y="{y + 5}" width="{w:.1f}" height="16" fill="{BAR}"/>'
            f'<text x="{label_w + bar_w + 6}" y="{y + 18}" font-size="13" fill="{INK}">'
            f"{escape(b.text)}</text>"
        )
        if b.mark is not None and top > 0:
            x = label_w + bar_w * min(b.mark, top) / top
            body.append(
                f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y + 1}" y2="{y + 25}" '
                f'stroke="{MARK}" stroke-width="3"/>'
            )
    desc = "；".join(f"{b.label}：{b.text}" for b in bars) or "无数据"
    return _svg(width, height, title, desc, body, ident)


def monthly_columns(series: Mapping[str, Mapping[str, int]], *, title: str, ident: str) -> str:
    """Grouped columns: months on the x axis, one colour per series (department)."""
    months = sorted({m for s in series.values() for m in s})
    names = sorted(series)
    plot_h, left, col, legend_row = 170, 40, 14, 18
    height = plot_h + 40 + legend_row * len(names)
    group = max(max(1, len(names)) * col + 10, 60)
    width = max(480, left + max(1, len(months)) * group + 10)
    top = max([v for s in series.values() for v in s.values()] + [1])
    body = [f'<line x1="{left}" x2="{width - 5}" y1="{plot_h + 10}" y2="{plot_h + 10}" stroke="{GRID}"/>']
    body.append(f'<text x="{left - 4}" y="18" text-anchor="end" font-size="11" fill="{INK}">{top}</text>')
    for mi, month in enumerate(months):
        x0 = left + mi * group + 5
        for si, name in enumerate(names):
            v = series[name].get(month, 0)
            h = plot_h * v / top
            body.append(
                f'<rect x="{x0 + si * col}" y="{plot_h + 10 - h:.1f}" width="{col - 2}" height="{h:.1f}" '
                f'fill="{PALETTE[si % len(PALETTE)]}"/>'
            )
        body.append(
            f'<text x="{x0 + group / 2 - 5:.1f}" y="{plot_h + 26}" text-anchor="middle" font-size="11" '
            f'fill="{INK}">{escape(month)}</text>'
        )
    for si, name in enumerate(names):
        y, colour = plot_h + 40 + si * legend_row, PALETTE[si % len(PALETTE)]
        body.append(
            f'<rect x="{left}" y="{y}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{left + 14}" y="{y + 9}" font-size="12" fill="{INK}">{escape(_short(name, 24))}</text>'
        )
    desc = (
        "；".join(
            f"{name} {month}：{series[name][month]}" for name in names for month in sorted(series[name])
        )
        or "无数据"
    )
    return _svg(width, height, title, desc, body, ident)


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def coverage_bars(items: Sequence[Mapping[str, object]], *, title: str, ident: str) -> str:
    """``[{"label", "coverage_bp", "min_ratio_bp"}]`` → bars of coverage with the minimum ratio marked."""
    bars = [
        Bar(
            str(i["label"]),
            float(i["coverage_bp"]) / 100,  # type: ignore[arg-type]
            f"{float(i['coverage_bp']) / 100:.1f}%（最低 {float(i['min_ratio_bp']) / 100:g}%）",  # type: ignore[arg-type]
            mark=float(i["min_ratio_bp"]) / 100,  # type: ignore[arg-type]
        )
        for i in items
    ]
    return horizontal_bars(bars, title=title, ident=ident)
