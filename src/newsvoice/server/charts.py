"""Charts for the dashboard as inline SVG, drawn here: no script, no library, no CDN. They
take their colours from the page's style sheet (`currentColor`, the `chart-*` classes), and
each has a title and a table of its figures beside it for screen readers."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

WIDTH, HEIGHT = 640, 220
LEFT, BOTTOM, TOP, RIGHT = 44, 28, 12, 24


def _frame(title: str, body: str) -> str:
    return (
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>{body}</svg>'
    )


def _label(x: float, text: str) -> str:
    """TEXT under the chart at X."""
    return f'<text class="chart-label" x="{x:.1f}" y="{HEIGHT - 8}" text-anchor="middle">{text}</text>'


def _axis(top: float, label: str = "") -> str:
    """Horizontal grid lines at 0, half and TOP, labelled."""
    lines = []
    for share in (0, 0.5, 1):
        y = HEIGHT - BOTTOM - share * (HEIGHT - BOTTOM - TOP)
        value = top * share
        text = f"{value:.0f}{label}" if value >= 10 or value == 0 else f"{value:.1f}{label}"
        lines.append(
            f'<line class="chart-grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="chart-label" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{text}</text>'
        )
    return "".join(lines)


def bars_chart(points: Sequence[tuple[str, float]], title: str) -> str:
    """A bar a point (a day and its count), labelled at the first, middle and last."""
    if not points:
        return ""
    top = max(max(value for _, value in points), 1)
    span = (WIDTH - LEFT - RIGHT) / len(points)
    height = HEIGHT - BOTTOM - TOP
    bars = []
    for n, (label, value) in enumerate(points):
        h = height * value / top
        x = LEFT + n * span + span * 0.15
        bars.append(
            f'<rect class="chart-bar" x="{x:.1f}" y="{HEIGHT - BOTTOM - h:.1f}" '
            f'width="{max(span * 0.7, 1):.1f}" height="{h:.1f}">'
            f"<title>{escape(label)}: {value:g}</title></rect>"
        )
    labels = []
    for n in sorted({0, len(points) // 2, len(points) - 1}):
        x = LEFT + (n + 0.5) * span
        labels.append(_label(x, escape(points[n][0][5:])))
    return _frame(title, _axis(top) + "".join(bars) + "".join(labels))


def dropoff_chart(dropoff: Sequence[dict[str, Any]], title: str = "Listens that reached each 10%") -> str:
    """The drop-off curve: the share of plays that reached 0%, 10% ... 100% (the end)."""
    if not dropoff or not dropoff[0]["reached"]:
        return ""
    shares = [100 * (point["share"] or 0) for point in dropoff]
    span = (WIDTH - LEFT - RIGHT) / (len(shares) - 1)
    height = HEIGHT - BOTTOM - TOP
    points = [
        (LEFT + n * span, HEIGHT - BOTTOM - height * min(share, 100) / 100) for n, share in enumerate(shares)
    ]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    area = f"{LEFT},{HEIGHT - BOTTOM} {line} {points[-1][0]:.1f},{HEIGHT - BOTTOM}"
    dots = "".join(
        f'<circle class="chart-dot" cx="{x:.1f}" cy="{y:.1f}" r="3.5"><title>{point["bucket"]}%: '
        f"{point['reached']} ({share:.0f}%)</title></circle>"
        for (x, y), point, share in zip(points, dropoff, shares, strict=True)
    )
    labels = "".join(_label(x, f"{point['bucket']}%") for (x, _), point in zip(points, dropoff, strict=True))
    body = (
        _axis(100, "%")
        + f'<polygon class="chart-area" points="{area}"/><polyline class="chart-line" points="{line}"/>'
        + dots
        + labels
    )
    return _frame(title, body)
