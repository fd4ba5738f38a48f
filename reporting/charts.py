"""Server-rendered SVG charts: readable in the browser and in WeasyPrint PDFs."""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT, PAD_LEFT, PAD_BOTTOM, PAD_TOP = 640, 240, 44, 48, 16
BRAND, TARGET, MUTED = "#1d4f91", "#a4161a", "#888"


def _y(value: float, low: float, high: float) -> float:
    inner = HEIGHT - PAD_BOTTOM - PAD_TOP
    return PAD_TOP + inner * (1 - (value - low) / (high - low))


def _axis(low: float, high: float, target: float | None, title: str) -> list[str]:
    parts = [f"<title>{escape(title)}</title>"]
    step = 2 if high - low <= 20 else 10
    value = low
    while value <= high:
        y = _y(value, low, high)
        parts.append(
            f'<line x1="{PAD_LEFT}" x2="{WIDTH}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e5e5e5"/>'
        )
        parts.append(
            f'<text x="{PAD_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" fill="{MUTED}">{value:g}%</text>'
        )
        value += step
    if target is not None and low <= target <= high:
        y = _y(target, low, high)
        parts.append(
            f'<line x1="{PAD_LEFT}" x2="{WIDTH}" y1="{y:.1f}" y2="{y:.1f}" stroke="{TARGET}" stroke-dasharray="6 4"/>'
        )
        parts.append(
            f'<text x="{WIDTH - 4}" y="{y - 4:.1f}" text-anchor="end" font-size="11" fill="{TARGET}">target {target:g}%</text>'
        )
    return parts


def _frame(parts: list[str], title: str) -> SafeString:
    body = "".join(parts)
    return mark_safe(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}" class="chart" font-family="DejaVu Sans, sans-serif">{body}</svg>'
    )


def _range(values: list[float], target: float | None) -> tuple[float, float]:
    low = min([v for v in values] + ([target] if target else []) + [100.0])
    low = max(0.0, (int(low) // 2) * 2 - 2)
    return low, 100.0


def bar_chart(
    items: list[tuple[str, float | None]], target: float | None, title: str
) -> SafeString:
    """Bars of attendance % (None for a suppressed or empty bar)."""
    shown = [v for _, v in items if v is not None]
    low, high = _range(shown or [100.0], target)
    parts = _axis(low, high, target, title)
    slot = (WIDTH - PAD_LEFT) / max(len(items), 1)
    for i, (label, value) in enumerate(items):
        x = PAD_LEFT + i * slot + slot * 0.15
        if value is not None:
            y = _y(value, low, high)
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" height="{HEIGHT - PAD_BOTTOM - y:.1f}" fill="{BRAND}"><title>{escape(label)}: {value}%</title></rect>'
            )
            parts.append(
                f'<text x="{x + slot * 0.35:.1f}" y="{y - 3:.1f}" text-anchor="middle" font-size="10">{value:g}</text>'
            )
        parts.append(
            f'<text x="{x + slot * 0.35:.1f}" y="{HEIGHT - PAD_BOTTOM + 16}" text-anchor="middle" font-size="11">{escape(label)}</text>'
        )
    return _frame(parts, title)


def line_chart(points: list[tuple[str, float]], target: float | None, title: str) -> SafeString:
    """A line of attendance % over time (one point a week)."""
    low, high = _range([v for _, v in points] or [100.0], target)
    parts = _axis(low, high, target, title)
    if points:
        # Room at the right for the last week's label, centred under its point.
        slot = (WIDTH - PAD_LEFT - 46) / max(len(points) - 1, 1)
        coords = [(PAD_LEFT + 10 + i * slot, _y(v, low, high)) for i, (_, v) in enumerate(points)]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{BRAND}" stroke-width="2.5"/>')
        for (x, y), (label, value) in zip(coords, points, strict=True):
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{BRAND}"><title>{escape(label)}: {value}%</title></circle>'
            )
        every = max(1, len(points) // 8)
        for i, ((x, _), (label, _)) in enumerate(zip(coords, points, strict=True)):
            if i % every == 0:
                parts.append(
                    f'<text x="{x:.1f}" y="{HEIGHT - PAD_BOTTOM + 16}" text-anchor="middle" font-size="10">{escape(label)}</text>'
                )
    return _frame(parts, title)
