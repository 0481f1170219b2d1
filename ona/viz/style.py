"""The look shared by every figure: palette, fonts, colour scales, text escaping.

One group keeps one colour in every figure of a result: colours are given by
the position of the group's name in the sorted list of the result's groups.
"""

from __future__ import annotations

import html
import re
from collections.abc import Collection, Iterable, Mapping

import plotly.graph_objects as go

from ona.results import GroupMetrics

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


def group_noun(group_by: str) -> tuple[str, str]:
    """Singular and plural word for the groups of an analysis ("department", "departments")."""
    known = {"department": "departments", "team": "teams", "location": "locations", "division": "divisions",
             "unit": "units", "office": "offices", "function": "functions", "site": "sites"}  # fmt: skip
    key = group_by.strip().lower()
    return (key, known[key]) if key in known else ("group", "groups")


def fmt(x: float | None, digits: int = 2) -> str:
    """A number for display: ``None`` -> "n/a", and never "-0.00"."""
    if x is None:
        return "n/a"
    text = f"{x:.{digits}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def split_reason(reason: str) -> tuple[str | None, str]:
    """``"code: sentence"`` -> ``("code", "sentence")``; a reason without a code -> ``(None, reason)``."""
    head, sep, tail = reason.partition(":")
    if sep and head and head.replace("_", "").isalnum() and head == head.lower() and " " not in head:
        return head, tail.strip()
    return None, reason.strip()


def reason_label(code: str | None) -> str:
    """A reason code in words: ``"dependency_without_relationship"`` -> ``"dependency without relationship"``."""
    return "" if code is None else code.replace("_", " ")


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


def number(x: float | None, digits: int = 2) -> str:
    """A figure as the report and the pages print it: thousands separated, no "-0.00", "—" for none."""
    if x is None:
        return "—"
    if isinstance(x, int):
        return f"{x:,}"
    text = f"{x:,.{digits}f}"
    return text[1:] if text.startswith("-") and float(text.replace(",", "")) == 0 else text


def groups_in_order(groups: list[GroupMetrics]) -> list[GroupMetrics]:
    """Silos first, then from the most inward E-I index to the most outward."""
    return sorted(groups, key=lambda g: (not g.silo, 2.0 if g.ei_index is None else g.ei_index, g.group))
