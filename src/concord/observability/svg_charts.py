"""Small inline-SVG bar charts for the health report: no JavaScript, no external assets (the report must open
offline and from a file)."""

from __future__ import annotations

from html import escape

PALETTE = ("#2f6db5", "#e08a2c", "#3a9d5d", "#c8453b", "#7a5cb8", "#8c6d46", "#d36ba6", "#6b7b8c")


def _fmt(value: float) -> str:
    if value == 0:
        return "0"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def bar_chart(
    chart_id: str,
    categories: list[str],
    series: dict[str, list[float]],
    *,
    stacked: bool = False,
    unit: str = "",
    width: int = 760,
    height: int = 300,
    max_value: float | None = None,
    log_ticks: list[tuple[float, str]] | None = None,
) -> str:
    """A vertical bar chart (grouped, or stacked when `stacked`) of `series` over `categories`, as an <svg>
    element with a legend; an empty chart says so. With `log_ticks` ((value, label) pairs) the axis is
    logarithmic from 1 (values below 1 draw as 0), so a backfill's months and an hourly sync's minutes both show."""
    import math

    left, right, top, bottom = 64, 16, 16, 86
    plot_w, plot_h = width - left - right, height - top - bottom
    names = list(series)
    if stacked:
        totals = [sum(series[n][i] for n in names) for i in range(len(categories))]
    else:
        totals = [max((series[n][i] for n in names), default=0) for i in range(len(categories))]
    top_value = max_value or max(totals, default=0) or 1.0
    if log_ticks:
        top_value = max(top_value, 10.0)

    def frac(value: float) -> float:
        value = min(value, top_value)
        if log_ticks:
            return math.log10(value) / math.log10(top_value) if value > 1 else 0.0
        return value / top_value

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" id="{escape(chart_id)}" class="chart-svg" '
             f'viewBox="0 0 {width} {height + 24 * ((len(names) + 3) // 4)}" role="img" width="{width}">']
    ticks = ([(v, label) for v, label in log_ticks if v <= top_value] if log_ticks
             else [(top_value * i / 4, f"{_fmt(top_value * i / 4)}{unit}") for i in range(5)])
    for value, label in ticks:
        y = top + plot_h - plot_h * frac(value)
        parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11">{escape(label)}</text>')
    if not categories:
        parts.append(f'<text x="{left + plot_w / 2}" y="{top + plot_h / 2}" text-anchor="middle" font-size="14" '
                     'fill="#777">no data yet</text>')
    slot = plot_w / max(len(categories), 1)
    for i, category in enumerate(categories):
        x0 = left + slot * i + slot * 0.1
        inner = slot * 0.8
        base = top + plot_h
        for j, name in enumerate(names):
            value = series[name][i]
            h = plot_h * frac(value)
            if stacked:
                x, w, y = x0, inner, base - h
                base -= h
            else:
                w = inner / len(names)
                x, y = x0 + w * j, top + plot_h - h
            parts.append(f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{max(w - 1, 1):.1f}" height="{h:.1f}" '
                         f'fill="{PALETTE[j % len(PALETTE)]}"><title>{escape(category)} · {escape(name)}: '
                         f'{_fmt(value)}{escape(unit)}</title></rect>')
        label = category if len(category) <= 18 else category[:17] + "…"
        cx = left + slot * i + slot / 2
        parts.append(f'<text x="{cx:.1f}" y="{top + plot_h + 14}" font-size="10" text-anchor="end" '
                     f'transform="rotate(-30 {cx:.1f} {top + plot_h + 14})">{escape(label)}</text>')
    parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{top + plot_h}" y2="{top + plot_h}" stroke="#444"/>')
    for j, name in enumerate(names):
        lx = left + (j % 4) * (plot_w / 4)
        ly = height + 24 * (j // 4) - 4
        parts.append(f'<rect x="{lx:.1f}" y="{ly - 10}" width="12" height="12" fill="{PALETTE[j % len(PALETTE)]}"/>'
                     f'<text x="{lx + 16:.1f}" y="{ly}" font-size="12">{escape(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)
