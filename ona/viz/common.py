"""Helpers the figures share: the map's positions and line widths, colour scales, a group's hover
text, and numbers as hovers and axes print them.

Input: the result's numbers (:mod:`ona.results`); output: plain values and plotly dicts.
Used by :mod:`ona.viz.groups`, :mod:`ona.viz.ranking` and :mod:`ona.viz.trends`.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from ona.results import GroupMetrics, Layout
from ona.report.words import number, pct, pval, split_reason
from ona.viz.style import DIVERGING, DIVERGING_REVERSED, esc, flag_notes

#: Line widths of the department map's links, by observed / expected ratio.
RATIO_BINS = (0.25, 0.5, 1.0, 2.0)
WIDTHS = (1.0, 1.6, 2.6, 4.0, 6.0)
TENTATIVE = "#e7969f"  # a tentative silo's bar: the silo red, paler
LOG2_CAP = 6.0  # heatmap and insularity colours saturate at 64x / (1/64)x
#: Groups a matrix-like figure (heatmap, ranking, Sankey) shows before "show all"; the map labels as many.
FIGURE_TOP = 30
#: Links of each kind (plain, minor weak) the map draws at most: beyond, the strongest / worst ones.
MAP_LINKS = 150


def positions(names: list[str], layout: Layout | None) -> dict[str, tuple[float, float]]:
    """Map position of each group: the stored layout's, else (a group missing from it) a circle by name."""
    if layout is not None and all(name in layout.groups for name in names):
        return {name: layout.groups[name] for name in names}
    names = sorted(names)
    k = max(len(names), 1)
    return {
        name: (round(0.8 * math.cos(math.pi / 2 - 2 * math.pi * i / k), 4),
               round(0.8 * math.sin(math.pi / 2 - 2 * math.pi * i / k), 4))
        for i, name in enumerate(names)
    }  # fmt: skip


def width_bin(ratio: float | None) -> int:
    """The index in :data:`WIDTHS` of a link with this observed / expected ratio (none: the thinnest)."""
    return int(np.searchsorted(RATIO_BINS, ratio if ratio is not None else 0.0, side="right"))


def colour_scale(color_by: str) -> dict:
    """The marker colour scale of groups coloured by ``"ei_index"`` or by insularity (log2, capped)."""
    if color_by == "ei_index":
        return {
            "colorscale": DIVERGING, "cmin": -1.0, "cmax": 1.0, "showscale": True,
            "colorbar": {"title": {"text": "E-I index"}, "tickvals": [-1, -0.5, 0, 0.5, 1],
                         "ticktext": ["-1 all inside", "-0.5", "0", "0.5", "+1 all outside"], "len": 0.75},
        }  # fmt: skip
    ticks = [-4, -2, -1, 0, 1, 2, 4, 6]
    return {
        "colorscale": DIVERGING_REVERSED, "cmin": -LOG2_CAP, "cmax": LOG2_CAP, "showscale": True,
        "colorbar": {"title": {"text": "insularity"}, "tickvals": ticks,
                     "ticktext": [times_label(2.0**t) + (" (chance)" if t == 0 else "") for t in ticks], "len": 0.75},
    }  # fmt: skip


def group_hover(g: GroupMetrics, one: str, say: Callable[[str], str] | None = None) -> str:
    """A group's hover text (HTML of plotly's hovers, every value escaped); ``say`` words a reason."""
    say = say or (lambda r: esc(split_reason(r)[1]))
    notes = flag_notes(g)
    silo = f" — silo ({notes['stability']})" if notes["stability"] else " — silo"
    lines = [
        f"<b>{esc(g.group)}</b>{esc(silo) if g.silo else ''}",
        f"headcount {g.headcount} ({g.active} active)",
        f"E-I index {number(g.ei_index)} (counting ties: {number(g.ei_index_ties)})",
        f"share of collaboration inside: {pct(g.internal_share)} (chance: {pct(g.expected_internal_share)})",
        f"insularity {times_label(g.insularity)} chance",
        f"z {number(g.z, 1)}, adjusted p {pval(g.p_value)}",
        f"partner {one}s: {g.external_reach}",
    ]
    if g.silo_reasons:
        lines.append("<b>Silo</b>:" if g.silo else "<b>Notes</b>:")
        lines += [f"• {say(r)}" for r in g.silo_reasons]
    lines += flag_lines(notes, "E-I index")
    return "<br>".join(lines)


def flag_lines(notes: dict[str, str], interval_of: str) -> list[str]:
    """Hover lines of a flag's channel support and bootstrap interval (none when the result lacks them)."""
    out = []
    if notes["seen_in"]:
        out.append(esc(notes["seen_in"]))
    if notes["interval"]:
        out.append(f"{esc(interval_of)} over resamples: {esc(notes['interval'])}")
    return out


def community_number(x: str | int) -> int:
    """A community id as a number for sorting (a non-numeric id sorts last)."""
    try:
        return int(x)
    except (TypeError, ValueError):
        return 1 << 30


def log2_capped(x: float) -> float:
    """log2 of a ratio, clipped to +-:data:`LOG2_CAP` (0 and below: the lower cap)."""
    if x <= 0:
        return -LOG2_CAP
    return max(-LOG2_CAP, min(LOG2_CAP, math.log2(x)))


def log2_ratio(ratio: float | None) -> float | None:
    """A ratio on the colour axis: :func:`log2_capped`, rounded (None stays None)."""
    return None if ratio is None else round(log2_capped(ratio), 4)


def round4(x: float | None) -> float | None:
    """``x`` rounded to 4 decimals (None stays None)."""
    return None if x is None else round(x, 4)


def times_label(x: float | None) -> str:
    """A ratio as an axis tick: 12.0 -> "12×", 1.5 -> "1.5×", 0.25 -> "0.25×", None -> "—"."""
    if x is None:
        return "—"
    if x >= 10:
        return f"{x:.0f}×"
    if x >= 1:
        return f"{x:.1f}".rstrip("0").rstrip(".") + "×"
    return f"{x:.2g}×"


def stars(p: float | None, alpha: float) -> str:
    """Significance stars: * below ``alpha``, ** below alpha / 5, *** below alpha / 50."""
    if p is None or p >= alpha:
        return ""
    return "***" if p < alpha / 50 else ("**" if p < alpha / 5 else "*")
