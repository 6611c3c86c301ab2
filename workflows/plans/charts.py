"""Server-rendered bar charts: geometry worked out here, drawn as SVG by a template.

Nothing comes from a CDN and nothing needs JavaScript; every chart is followed by
a table of the same figures for screen readers and for people who read numbers.
"""

BAR_HEIGHT = 22
BAR_GAP = 10
LABEL_WIDTH = 170
PLOT_WIDTH = 420


def stacked_bars(rows, series):
    """Lay out one horizontal stacked bar per row.

    :param rows: ``[(label, {series_value: count})]``.
    :param series: ``[(value, label, colour)]`` in stacking order.
    :returns: a dict with ``series``, ``rows`` (each with ``label``, ``y``,
        ``total``, ``cells`` in series order and ``segments`` to draw),
        ``width`` and ``height``.
    """
    totals = [sum(counts.values()) for _, counts in rows]
    largest = max(totals, default=0) or 1
    laid_out = []
    for index, (label, counts) in enumerate(rows):
        y = index * (BAR_HEIGHT + BAR_GAP)
        x = LABEL_WIDTH
        segments = []
        for value, series_label, colour in series:
            count = counts.get(value, 0)
            if not count:
                continue
            width = round(PLOT_WIDTH * count / largest, 1)
            segments.append(
                {"x": x, "width": width, "colour": colour, "label": series_label, "count": count}
            )
            x += width
        laid_out.append(
            {
                "label": label,
                "y": y,
                "text_y": y + BAR_HEIGHT * 0.7,
                "total": sum(counts.values()),
                "total_x": x + 6,
                "cells": [counts.get(value, 0) for value, _, _ in series],
                "segments": segments,
            }
        )
    return {
        "series": [{"label": label, "colour": colour} for _, label, colour in series],
        "rows": laid_out,
        "bar_height": BAR_HEIGHT,
        "width": LABEL_WIDTH + PLOT_WIDTH + 40,
        "height": max(len(rows), 1) * (BAR_HEIGHT + BAR_GAP),
        "label_width": LABEL_WIDTH - 8,
    }
