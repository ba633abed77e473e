"""Charts drawn on the server as inline SVG: no JavaScript library, nothing from a CDN."""

from __future__ import annotations

from markupsafe import Markup, escape


def bars(items: list[tuple[str, int]], title: str, width: int = 460) -> Markup:
    """Horizontal bars, one row per (label, value); labels are escaped."""
    row, label_w, value_w = 22, 150, 50
    height = row * max(1, len(items)) + 8
    top = max([value for _, value in items] or [0]) or 1
    span = width - label_w - value_w
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="{escape(title)}"><title>{escape(title)}</title>']
    for index, (label, value) in enumerate(items):
        y = 4 + index * row
        length = round(span * value / top, 1)
        parts.append(
            f'<text class="label" x="{label_w - 6}" y="{y + 15}" text-anchor="end">'
            f'{escape(label)}</text>'
            f'<rect class="bar" x="{label_w}" y="{y + 3}" width="{length}" height="{row - 7}"/>'
            f'<text class="value" x="{label_w + length + 4}" y="{y + 15}">{value}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def columns(items: list[tuple[str, int]], title: str, width: int = 560,
            height: int = 200) -> Markup:
    """Vertical columns over time (weeks), labels under each column."""
    bottom, top_pad = 34, 16
    count = max(1, len(items))
    slot = width / count
    top = max([value for _, value in items] or [0]) or 1
    span = height - bottom - top_pad
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="{escape(title)}"><title>{escape(title)}</title>']
    for index, (label, value) in enumerate(items):
        x = index * slot
        bar_h = round(span * value / top, 1)
        y = height - bottom - bar_h
        parts.append(
            f'<rect class="bar" x="{x + slot * 0.15:.1f}" y="{y}" width="{slot * 0.7:.1f}" '
            f'height="{bar_h}"/>'
            f'<text class="value" x="{x + slot / 2:.1f}" y="{y - 3}" text-anchor="middle">'
            f'{value}</text>'
            f'<text class="label" x="{x + slot / 2:.1f}" y="{height - bottom + 14}" '
            f'text-anchor="middle">{escape(label)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
