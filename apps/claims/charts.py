"""Server-rendered inline SVG charts (no script, no external network): the service-level bars per insurer."""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

GOOD, FAIR = 0.95, 0.80
COLOURS = {"ok": "#2e7d4f", "warn": "#b26a00", "bad": "#c0392b", "none": "#9aa5b1"}


def share_css(share: float | None) -> str:
    if share is None:
        return ""
    return "ok" if share >= GOOD else "warn" if share >= FAIR else "bad"


def sla_bars(table) -> SafeString:
    """One horizontal bar per insurer: the share of its claim clocks met on time (of those met or breached),
    coloured like the table (≥ 95 % green, ≥ 80 % amber, below red), with the number of breaches."""
    if not table:
        return mark_safe("")
    label_w, bar_w, row_h, top = 150, 420, 26, 24
    height = top + row_h * len(table) + 24
    width = label_w + bar_w + 150
    aria_label = escape(_("各保险公司理赔时限按时率"))
    caption = escape(_("按时完成率（按时 ÷ 已到期）"))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" class="chart" data-testid="sla-chart" aria-label="{aria_label}">',
        f'<text x="{label_w}" y="14" font-size="12" fill="#555">{caption}</text>',
    ]
    for pct in (0, 50, 80, 95, 100):
        x = label_w + bar_w * pct / 100
        parts.append(f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{height - 20}" stroke="#e3e7eb"/>')
        if pct != 95:  # too close to 100 % for a label; the line marks the green threshold
            parts.append(f'<text x="{x:.1f}" y="{height - 6}" font-size="10" fill="#777" '
                         f'text-anchor="middle">{pct}%</text>')
    for i, row in enumerate(table):
        y = top + i * row_h
        share = row.share_met
        colour = COLOURS[share_css(share) or "none"]
        w = bar_w * (share or 0)
        parts.append(f'<text x="{label_w - 8}" y="{y + 16}" font-size="12" text-anchor="end">'
                     f'{escape(row.insurer_name)}</text>')
        parts.append(f'<rect x="{label_w}" y="{y + 4}" width="{bar_w}" height="{row_h - 10}" fill="#f1f3f5"/>')
        if share is not None:
            parts.append(f'<rect x="{label_w}" y="{y + 4}" width="{w:.1f}" height="{row_h - 10}" fill="{colour}">'
                         f'<title>{escape(row.insurer_name)} {share * 100:.1f}%</title></rect>')
        text = (f"{share * 100:.1f}% · " if share is not None else _("暂无到期时限 · ")) + \
            _("超期 %(n)d") % {"n": row.breached}
        parts.append(f'<text x="{label_w + bar_w + 8}" y="{y + 16}" font-size="12" fill="#333">{escape(text)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every interpolated text is escaped above
