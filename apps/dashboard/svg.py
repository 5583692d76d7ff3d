"""Server-rendered SVG bar charts for the printed report (WeasyPrint draws inline SVG; no script, no network).

One kind of chart covers the report's figures: horizontal bars, each made of coloured segments (stacked), with
optional group headings between rows and a legend. Every text is escaped.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


@dataclass
class Bar:
    label: str
    segments: list[tuple[float, str]]  # (value, colour)
    text: str = ""  # written after the bar (e.g. "12 · 91.7%")


@dataclass
class Group:
    heading: str
    bars: list[Bar] = field(default_factory=list)


def hbars(groups: list[Group], *, legend: list[tuple[str, str]] = (), width: int = 640, label_width: int = 150,
          text_width: int = 110, row_height: int = 20, aria_label: str = "", max_value: float | None = None) -> SafeString:
    """Horizontal (stacked) bars; ``legend`` = [(name, colour)]. Empty input → a short "no data" drawing."""
    bars = [b for g in groups for b in g.bars]
    scale = max_value or max((sum(v for v, _c in b.segments) for b in bars), default=0) or 1
    plot = width - label_width - text_width
    y = 4
    parts: list[str] = []
    for group in groups:
        if group.heading:
            y += 4
            parts.append(f'<text x="0" y="{y + 11}" font-size="11" font-weight="700" fill="#1d2733">'
                         f'{escape(group.heading)}</text>')
            y += 16
        for bar in group.bars:
            parts.append(f'<text x="{label_width - 6}" y="{y + row_height * 0.7:.1f}" font-size="10.5" '
                         f'text-anchor="end" fill="#1d2733">{escape(bar.label)}</text>')
            parts.append(f'<rect x="{label_width}" y="{y + 3}" width="{plot}" height="{row_height - 6}" fill="#f1f3f5"/>')
            x = float(label_width)
            for value, colour in bar.segments:
                if value <= 0:
                    continue
                w = max(1.5, plot * value / scale)
                parts.append(f'<rect x="{x:.1f}" y="{y + 3}" width="{w:.1f}" height="{row_height - 6}" fill="{colour}"/>')
                x += w
            if bar.text:
                parts.append(f'<text x="{label_width + plot + 6}" y="{y + row_height * 0.7:.1f}" font-size="10" '
                             f'fill="#333">{escape(bar.text)}</text>')
            y += row_height
    if not bars:
        parts.append(f'<text x="{label_width}" y="16" font-size="11" fill="#5d6b7a">—</text>')
        y += 24
    if legend:
        y += 8
        x = label_width
        for name, colour in legend:
            parts.append(f'<rect x="{x}" y="{y}" width="10" height="10" fill="{colour}"/>')
            parts.append(f'<text x="{x + 14}" y="{y + 9}" font-size="10" fill="#333">{escape(name)}</text>')
            x += 24 + 11 * len(name)
        y += 16
    height = y + 4
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" '
            f'width="{width}" height="{height}" class="chart" aria-label="{escape(aria_label)}">')
    return mark_safe(head + "".join(parts) + "</svg>")  # noqa: S308 - every interpolated text is escaped above
