"""The look shared by every figure: palette, fonts, colour scales, text escaping.

One group keeps one colour in every figure of a result: colours are given by
the position of the group's name in the sorted list of the result's groups.
"""

from __future__ import annotations

import html
import re
from collections.abc import Collection, Iterable, Mapping

import plotly.graph_objects as go

from ona.report.words import number
from ona.results import GroupMetrics, LinkMetrics

FONT = "Inter, 'Segoe UI', 'Helvetica Neue', Helvetica, Arial, sans-serif"
INK = "#1f2933"
MUTED = "#7b8794"
GRID = "#e4e7eb"
SILO = "#b2182b"  # silos and weak links: the red end of the diverging scale
WEAK = "#d62728"
NEUTRAL = "#8a99ad"
NO_DATA = "#c8ccd2"

# Tableau 10, then Paul Tol's "safe" colours: distinguishable, print-friendly.
QUALITATIVE = (
    "#4C78A8", "#F58518", "#54A24B", "#E45756", "#72B7B2", "#EECA3B", "#B279A2", "#FF9DA6",
    "#9D755D", "#BAB0AC", "#88CCEE", "#CC6677", "#DDCC77", "#117733", "#332288", "#AA4499",
    "#44AA99", "#999933", "#882255", "#661100",
)  # fmt: skip

# Diverging red (low) -> white -> blue (high), ColorBrewer RdBu. For the E-I
# index low means inward (the silo end); for observed / expected, low means
# under-connected. Red is the end to worry about in both.
DIVERGING: list[tuple[float, str]] = [
    (0.0, "rgb(103,0,31)"),
    (0.1, "rgb(178,24,43)"),
    (0.2, "rgb(214,96,77)"),
    (0.3, "rgb(244,165,130)"),
    (0.4, "rgb(253,219,199)"),
    (0.5, "rgb(247,247,247)"),
    (0.6, "rgb(209,229,240)"),
    (0.7, "rgb(146,197,222)"),
    (0.8, "rgb(67,147,195)"),
    (0.9, "rgb(33,102,172)"),
    (1.0, "rgb(5,48,97)"),
]
DIVERGING_REVERSED = [(round(1.0 - p, 1), c) for p, c in reversed(DIVERGING)]

CONFIG = {"displaylogo": False, "responsive": True, "showLink": False}


def esc(text: object) -> str:
    """Text as Plotly must receive it to show it literally.

    Plotly renders a few HTML tags in labels and hover text and decodes
    entities, so a name is escaped to display exactly as typed (a group
    called ``<b>R&D</b>`` shows its tags as text instead of bold).
    """
    return html.escape(str(text), quote=False)


def palette(names: Iterable[str]) -> dict[str, str]:
    """Colour of each name, by its position in sorted order (cycling past 20)."""
    return {name: QUALITATIVE[i % len(QUALITATIVE)] for i, name in enumerate(sorted(set(names)))}


def base_layout(title: str, *, height: int = 560, subtitle: str | list[str] | None = None) -> dict:
    """Layout properties every figure starts from (a subtitle given as a list is one line per item)."""
    lines = [subtitle] if isinstance(subtitle, str) else list(subtitle or [])
    return {
        "title": {
            "text": esc(title),
            "subtitle": {"text": "<br>".join(esc(line) for line in lines), "font": {"size": 12, "color": MUTED}},
            "x": 0.01,
            "xanchor": "left",
            "font": {"size": 17, "color": INK},
        },
        "font": {"family": FONT, "size": 13, "color": INK},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "height": height,
        "margin": {"l": 40, "r": 40, "t": 60 + 16 * len(lines), "b": 40},
        "hoverlabel": {"font": {"family": FONT, "size": 12}, "align": "left"},
        "legend": {"bgcolor": "rgba(255,255,255,0.8)", "font": {"size": 12}},
    }


def blank_axes() -> dict:
    axis = {"visible": False, "showgrid": False, "zeroline": False}
    return {"xaxis": dict(axis), "yaxis": dict(axis, scaleanchor="x", scaleratio=1)}


def message_figure(title: str, message: str) -> go.Figure:
    """A figure without data that says why (e.g. person-level data withheld)."""
    fig = go.Figure(layout=base_layout(title, height=320))
    fig.update_layout(**blank_axes())
    fig.add_annotation(
        text=esc(message), x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False,
        font={"size": 15, "color": MUTED},
    )  # fmt: skip
    return fig


_PARENS = re.compile(r"\(([^()]*)\)")


def relabel(text: str, labels: Mapping[str, str] | None, known: Collection[str]) -> str:
    """Replace person_ids quoted in a reason by their display labels.

    Reasons name people in parentheses ("removing 2 people (P0205, P0068)
    would cut ..."). A parenthesized list is rewritten only when every item
    is a known person_id, so numbers and words are never mistaken for people
    (person_ids can be "17"). ``labels=None`` leaves the text as it is; people
    missing from ``labels`` become "a person".
    """
    if labels is None or not known:
        return text

    def swap(match: re.Match[str]) -> str:
        items = [x.strip() for x in match.group(1).split(",")]
        if not items or not all(x in known for x in items):
            return match.group(0)
        return "(" + ", ".join(labels.get(x, "a person") for x in items) + ")"

    return _PARENS.sub(swap, text)


def person_ids(result: object) -> set[str]:
    """Every person_id a result names: its people, link carriers and bridge people, the people
    of its recommendations and of its "what if they leave" simulation."""
    ids = {p.person_id for p in getattr(result, "people", [])}
    for lk in getattr(result, "links", []):
        ids.update(lk.carriers)
        ids.update(lk.bridge_people)
    for rec in getattr(result, "recommendations", []):
        ids.update(rec.person_ids)
        ids.update(pid for pair in rec.pairs for pid in pair)
    ids.update(k.person_id for k in getattr(result, "key_people", []))
    return ids


def groups_in_order(groups: list[GroupMetrics]) -> list[GroupMetrics]:
    """Silos first, then from the most inward E-I index to the most outward."""
    return sorted(groups, key=lambda g: (not g.silo, 2.0 if g.ei_index is None else g.ei_index, g.group))


# --------------------------------------------------------------------------
# Fine groupings (hundreds of groups) and how sure a flag is

#: Rows of a group or link table, and groups of a matrix, shown before "show all".
TOP_N = 25

#: A channel in the words of a reader ("seen in: tickets").
CHANNEL_WORDS = {"email": "emails", "meeting": "meetings", "ticket": "tickets", "chat": "chats", "ties": "ties"}


def channel_words(channels: Iterable[str]) -> str:
    """``["ticket", "email"]`` -> ``"tickets, emails"`` (unknown channels as they are)."""
    return ", ".join(CHANNEL_WORDS.get(c, c) for c in channels)


def flag_stability(stability: float | None, tentative: bool) -> str:
    """How sure a flag (a silo or a weak link) is, in words; "" when the result holds no stability.

    ``stability`` is the share of the week resamples in which the flag holds
    (DESIGN.md: every flag carries its stability); a flag holding in fewer
    than ``stable_share`` of them is ``tentative``.

    Examples
    --------
    >>> flag_stability(0.64, True)
    'tentative: holds in 64% of resamples'
    >>> flag_stability(0.97, False)
    'holds in 97% of resamples'
    >>> flag_stability(None, True), flag_stability(None, False)
    ('tentative', '')
    """
    if stability is None:
        return "tentative" if tentative else ""
    share = f"holds in {100 * stability:.0f}% of resamples"
    return f"tentative: {share}" if tentative else share


def flag_notes(item: GroupMetrics | LinkMetrics) -> dict[str, str]:
    """What the tables and hovers add to a flagged silo or weak link: ``stability`` (see
    :func:`flag_stability`), ``seen_in`` ("seen in: tickets") and ``interval`` (the bootstrap
    interval of the E-I index or of observed / expected). Empty strings for an unflagged item
    or fields the result does not hold."""
    flagged = item.silo if isinstance(item, GroupMetrics) else item.weak
    if not flagged:
        return {"stability": "", "seen_in": "", "interval": "", "tentative": ""}
    interval = item.ei_interval if isinstance(item, GroupMetrics) else item.ratio_interval
    span = ""
    if interval and len(interval) == 2 and None not in interval:
        span = f"{number(interval[0])} to {number(interval[1])}"
    return {
        "stability": flag_stability(item.stability, item.tentative),
        "seen_in": f"seen in: {channel_words(item.supported_by)}" if item.supported_by else "",
        "interval": span,
        "tentative": "tentative" if item.tentative else "",
    }


def top_groups(result: object, n: int = TOP_N) -> list[str]:
    """The ``n`` most relevant groups of a result, most relevant first.

    Flagged first (silos, stable before tentative), then the groups of the
    most weak links, then the largest (headcount), then by name: what a
    figure or table of hundreds of groups shows before "show all".
    """
    groups = list(getattr(result, "groups", []))
    weak: dict[str, int] = {}
    for lk in getattr(result, "links", []):
        if lk.weak:
            weak[lk.source] = weak.get(lk.source, 0) + 1
            weak[lk.target] = weak.get(lk.target, 0) + 1
    ranked = sorted(
        groups, key=lambda g: (not g.silo, g.tentative, -weak.get(g.group, 0), -g.headcount, g.group)
    )
    return [g.group for g in ranked[: max(n, 0)]]
