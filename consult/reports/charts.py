"""Server-rendered SVG charts of the report (no JavaScript, no inline styles: CSP-safe, and the
same markup prints and renders in the PDF). The opinion map is drawn by the one renderer of the
Insights page (templates/analysis/_map.html)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from markupsafe import Markup, escape

INK = "#14212b"
MUTED = "#5f6e7a"
GRID = "#e9eef2"
VOTES = "#0b5d7a"
NEWCOMERS = "#c98a00"
AGREE = "#1e7a4c"
DISAGREE = "#b3412e"
PASS = "#b6c0c8"


def _svg(markup: str) -> Markup:
    # Every piece of text interpolated into the charts goes through escape(); numbers are ours.
    return Markup(markup)  # noqa: S704


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    exponent = 10.0 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * exponent:
            return step * exponent
    return 10 * exponent


def _fmt(value: float) -> str:
    if value >= 10_000:
        return f"{value / 1000:.0f}k"
    if value >= 1000:
        return f"{value / 1000:.1f}k".replace(".0k", "k")
    return f"{value:g}"


def _weekly(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Sum daily rows into weeks starting on Monday (long consultations)."""
    weeks: dict[date, dict[str, Any]] = {}
    for row in rows:
        start = row["day"] - timedelta(days=row["day"].weekday())
        week = weeks.setdefault(start, {"day": start, "votes": 0, "new_participants": 0})
        week["votes"] += row["votes"]
        week["new_participants"] += row["new_participants"]
    return [weeks[k] for k in sorted(weeks)]


def participation_series(
    rows: Sequence[dict[str, Any]], max_bars: int = 90
) -> tuple[str, list[dict[str, Any]]]:
    """Return ("day" or "week", rows) so the chart never has more than ``max_bars`` bars."""
    if len(rows) > max_bars:
        return "week", _weekly(rows)
    return "day", list(rows)


def participation_svg(
    rows: Sequence[dict[str, Any]], *, labels: dict[str, str], width: int = 720
) -> Markup:
    """Two aligned bar charts: votes and new participants per day (or week)."""
    unit, data = participation_series(rows)
    if not data:
        return _svg("")
    panel_h, gap, top, left, right, bottom = 92, 34, 22, 46, 10, 24
    height = top + 2 * panel_h + gap + bottom + 8
    plot_w = width - left - right
    n = len(data)
    slot = plot_w / n
    bar_w = max(1.0, slot * 0.72)
    parts = [
        f'<svg class="chart participation-chart" viewBox="0 0 {width} {height}" '
        f'role="img" aria-labelledby="pc-title pc-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="pc-title">{escape(labels["title"])}</title>',
        f'<desc id="pc-desc">{escape(labels["desc"])}</desc>',
    ]
    series = (
        ("votes", labels["votes"], VOTES, top),
        ("new_participants", labels["new_participants"], NEWCOMERS, top + panel_h + gap),
    )
    for key, title, colour, y0 in series:
        peak = max(row[key] for row in data)
        scale_max = _nice_max(peak)
        parts.append(
            f'<text x="{left}" y="{y0 - 8}" font-size="12" font-weight="600" fill="{INK}">'
            f"{escape(title)}</text>"
        )
        for fraction in (0, 0.5, 1):
            y = y0 + panel_h - fraction * panel_h
            parts.append(
                f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" '
                f'stroke="{GRID if fraction else "#b8c4ce"}" stroke-width="1"/>'
            )
            if fraction:
                parts.append(
                    f'<text x="{left - 6}" y="{y + 4:.1f}" font-size="10" text-anchor="end" '
                    f'fill="{MUTED}">{_fmt(fraction * scale_max)}</text>'
                )
        for i, row in enumerate(data):
            value = row[key]
            h = panel_h * value / scale_max if scale_max else 0
            x = left + i * slot + (slot - bar_w) / 2
            day_label = row["day"].isoformat()
            if unit == "week":
                day_label = f"{labels['week_of']} {day_label}"
            parts.append(
                f'<rect x="{x:.2f}" y="{y0 + panel_h - h:.2f}" width="{bar_w:.2f}" '
                f'height="{max(h, 0):.2f}" fill="{colour}" rx="1">'
                f"<title>{escape(day_label)}: {value}</title></rect>"
            )
    # X axis labels under the lower panel: about six, evenly spaced, always the first and last.
    y_axis = top + 2 * panel_h + gap + 16
    ticks = sorted({0, n - 1, *range(0, n, max(1, math.ceil(n / 6)))})
    if len(ticks) > 1 and ticks[-1] - ticks[-2] < max(1, math.ceil(n / 6)) / 2:
        ticks.pop(-2)
    for i in ticks:
        x = left + i * slot + slot / 2
        anchor = "start" if i == 0 and n > 1 else ("end" if i == n - 1 and n > 1 else "middle")
        parts.append(
            f'<text x="{x:.1f}" y="{y_axis}" font-size="10" text-anchor="{anchor}" '
            f'fill="{MUTED}">{data[i]["day"].strftime("%d.%m")}</text>'
        )
    parts.append("</svg>")
    return _svg("".join(parts))


def share_bar(agree: float, disagree: float, passed: float, *, label: str = "") -> Markup:
    """A thin horizontal bar of agree / disagree / pass shares (0–1 each)."""
    a = max(0.0, min(1.0, agree)) * 100
    d = max(0.0, min(1.0, disagree)) * 100
    p = max(0.0, min(1.0, passed)) * 100
    title = f"<title>{escape(label)}</title>" if label else ""
    return _svg(
        '<svg class="share-bar" viewBox="0 0 100 6" preserveAspectRatio="none" role="img" '
        f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">{title}'
        f'<rect x="0" y="0" width="100" height="6" fill="{GRID}"/>'
        f'<rect x="0" y="0" width="{a:.2f}" height="6" fill="{AGREE}"/>'
        f'<rect x="{a:.2f}" y="0" width="{d:.2f}" height="6" fill="{DISAGREE}"/>'
        f'<rect x="{a + d:.2f}" y="0" width="{p:.2f}" height="6" fill="{PASS}"/>'
        "</svg>"
    )


def controversy_gauge(value: float | None, *, label: str) -> Markup:
    """A 0–1 scale with a marker at the controversy score."""
    if value is None:
        return _svg("")
    v = max(0.0, min(1.0, float(value)))
    # Three solid bands (low / medium / high) rather than a gradient: it prints everywhere.
    return _svg(
        '<svg class="gauge" viewBox="0 0 200 18" role="img" '
        f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">'
        f'<rect x="0" y="6" width="66" height="6" fill="{AGREE}"/>'
        '<rect x="67" y="6" width="66" height="6" fill="#edae49"/>'
        f'<rect x="134" y="6" width="66" height="6" fill="{DISAGREE}"/>'
        f'<circle cx="{min(max(v * 200, 7), 193):.1f}" cy="9" r="6.5" fill="#fff" '
        f'stroke="{INK}" stroke-width="2"/>'
        "</svg>"
    )
