"""The consultant's silo report: one self-contained HTML file that works offline.

Input: an :class:`~ona.results.AnalysisResult` (apply
:func:`ona.privacy.for_viewer` first for a leader's copy) and its stored
:class:`~ona.graph.layout.Layout`. Output: an HTML string (``render_report``)
or file (``write_report``). The page embeds plotly.js from the installed
plotly package and every figure as JSON, so opening it makes no request to
any host. Everything from the data is escaped by the Jinja2 template
(autoescape) and, inside ``<script>`` elements, by :func:`script_json`.

A consultant's :class:`~ona.report.notes.Cover` (title, client, logo) makes
the title page, and their :class:`~ona.report.notes.Notes` appear beside the
findings they name; :mod:`ona.report.pdf` prints the file to PDF.

Sections: executive summary (ending with three things to do next week),
map, silos, weak links (dependencies without a relationship first),
internal service (ticket handoffs), over time (trends, before / after),
what to do (recommendations by target), key bridges, if key people left
(analysts only), communities, data quality, method (written for clients in
:mod:`ona.report.method`, with this analysis' parameters). A section whose data the
result lacks says so instead (no tickets file, no period or split, no
recommendation); the rows of the tables are built in
:mod:`ona.report.sections`, in the words of :mod:`ona.report.words`. People are pseudonymized ("Person A (Security)")
unless ``show_names``.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

import plotly.graph_objects as go
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from ona.report import method, sections, words
from ona.report.notes import Cover, Notes, finding_names
from ona.report.words import group_noun, hours, number, pct, pval
from ona.results import AnalysisResult, GroupMetrics, LinkMetrics, PersonMetrics
from ona.viz import (
    CONFIG,
    Layout,
    before_after_map,
    community_sankey,
    department_map,
    interaction_heatmap,
    people_map,
    silo_ranking,
    trend_lines,
)
from ona.viz.common import FIGURE_TOP
from ona.viz.style import TOP_N, flag_notes, groups_in_order, person_ids

MAX_BRIDGES = 12
MAX_WEAK_DETAILED = 15  # weak links listed with their reasons in full; the rest by reason only
MAX_REJECTED_SHOWN = 50
MAX_REASONS = 20
MAX_COMMUNITIES = 15
#: Silos and weak links whose interventions the report details (priority order); a fine grouping can
#: have thousands: the rest are counted, and listed in the result and on the leaders' pages.
MAX_ADVICE_TARGETS = 100
REFERENCES = (
    (
        "Krackhardt, D. & Stern, R. N. (1988). Informal networks and organizational crises: an experimental "
        "simulation. Social Psychology Quarterly 51(2), 123-140. (E-I index)"
    ),
    (
        "Burt, R. S. (1992). Structural Holes: The Social Structure of Competition. Harvard University Press. "
        "(constraint, effective size)"
    ),
    (
        "Gould, R. V. & Fernandez, R. M. (1989). Structures of mediation: a formal approach to brokerage in "
        "transaction networks. Sociological Methodology 19, 89-126. (brokerage roles)"
    ),
    (
        "Traag, V. A., Waltman, L. & van Eck, N. J. (2019). From Louvain to Leiden: guaranteeing well-connected "
        "communities. Scientific Reports 9, 5233. (communities)"
    ),
    (
        "Benjamini, Y. & Hochberg, Y. (1995). Controlling the false discovery rate. Journal of the Royal "
        "Statistical Society B 57(1), 289-300. (adjusted p-values)"
    ),
    (
        "Fruchterman, T. M. J. & Reingold, E. M. (1991). Graph drawing by force-directed placement. "
        "Software: Practice and Experience 21(11), 1129-1164. (map layouts)"
    ),
)


def render_report(
    result: AnalysisResult,
    layout: Layout | None,
    *,
    show_names: bool = False,
    names: Mapping[str, str] | None = None,
    cover: Cover | None = None,
    notes: Notes | None = None,
) -> str:
    """The silo report of one analysis as a self-contained HTML document.

    Parameters
    ----------
    result : AnalysisResult
        The analysis (an analyst's result, or a viewer's from
        :func:`ona.privacy.for_viewer`, whose report has no person-level section).
    layout : Layout, optional
        The analysis's stored layout; without one the department map places
        groups on a circle and the people map is left out.
    show_names : bool
        Show people by name (or person_id) instead of pseudonyms such as
        "Person A (Security)". Also lists the individual rejected rows, which
        can quote addresses.
    names : mapping of person_id to display name, optional
        Used with ``show_names``; people missing from it are shown by person_id.
    cover : Cover, optional
        The title page: title, client name (also in the printed page headers), logo.
    notes : Notes, optional
        The consultant's notes (:func:`ona.report.notes.read_notes`), shown beside
        the findings they name by the report's numbering: silos and weak links
        1, 2, ... in their tables' order, recommendations by priority.

    Returns
    -------
    str
        The HTML text. It makes no request to any other host when opened.

    Raises
    ------
    NotesError
        A notes section names a finding this report does not show.
    """
    one, many = group_noun(result.parameters.group_by)
    who = pseudonyms(result, show_names=show_names, names=names)
    known = person_ids(result)

    figures: dict[str, go.Figure] = {
        "department_map": department_map(result, layout, labels=who),
        "silo_ranking": silo_ranking(result),
        "interaction_heatmap": interaction_heatmap(result),
        "community_sankey": community_sankey(result),
    }
    # a fine grouping: the figures show the most relevant groups; every group is one click away
    # (drawn only when asked for: the page opens as fast as with a few groups)
    every: dict[str, go.Figure] = {}
    if len(result.groups) > FIGURE_TOP:
        every = {
            "silo_ranking": silo_ranking(result, max_groups=None),
            "interaction_heatmap": interaction_heatmap(result, max_groups=None),
        }
    if result.people and layout is not None:
        figures["people_map"] = people_map(result, layout, labels=who)
    if result.trends is not None and result.trends.periods:
        figures["trend_lines"] = trend_lines(result, layout)
    if result.comparison is not None:
        figures["before_after_map"] = before_after_map(result, layout)
    analyst = result.privacy.audience != "viewer"
    every_advice = sections.advice_section(result, who)
    advice = every_advice[:MAX_ADVICE_TARGETS]
    silos = [g.group for g in groups_in_order(result.groups) if g.silo]
    weak = words.weak_links_in_order(result.links)
    shown_recs = [(rec["priority"], target["title"]) for target in advice for rec in target["recs"]]
    findings = finding_names(silos, [(lk.source, lk.target) for lk in weak], shown_recs)
    attached = notes.attach(findings) if notes is not None else {}
    cover = cover or Cover()
    default_title = f"Silo report: {result.dataset}" if result.dataset else "Silo report"
    context = {
        "title": cover.title or default_title,
        "client": cover.client,
        "logo": cover.logo,
        "sections": section_titles(many, key_people=analyst),
        "notes": {f"{kind} {number}" if number is not None else kind: html for (kind, number), html in attached.items()},
        "silo_number": {group: i for i, group in enumerate(silos, start=1)},
        "result": result,
        "s": result.summary,
        "one": one,
        "many": many,
        "summary": words.executive_summary(result),
        "groups": [
            {"g": g, "reasons": [sections.reason_row(r, who, known) for r in g.silo_reasons], "notes": flag_notes(g),
             "search": g.group.lower()}
            for g in groups_in_order(result.groups)
        ],
        "top": TOP_N,
        "silo_count": sum(g.silo for g in result.groups),
        "weak": [sections.link_row(lk, who, known) for lk in weak],
        "weak_detailed": MAX_WEAK_DETAILED,
        "links_total": len(result.links),
        "bridges": [_bridge_row(p, who) for p in key_bridges(result)],
        "has_people": bool(result.people),
        "service": sections.service_section(result),
        "advice": advice,
        "advice_more": len(every_advice) - len(advice),
        "recommendations": len(result.recommendations),
        "key_people": sections.key_people_section(result, who) if analyst else None,
        "time": sections.time_section(result),
        "communities": _community_rows(result),
        "files": list(result.validation.files.values()),
        "reasons": rejection_reasons(result),
        "rejected": result.validation.rejected[:MAX_REJECTED_SHOWN] if show_names else [],
        "rejected_total": sum(f.rejected for f in result.validation.files.values()),
        "show_names": show_names,
        "parameters": method.parameter_rows(result.parameters),
        "definitions": _definitions(),
        "rules": method.method_parts(result.parameters, one, many),
        "references": REFERENCES,
        "layout": layout,
        "figures": {name: script_json(fig.to_json()) for name, fig in figures.items()},
        "figures_all": {name: script_json(fig.to_json()) for name, fig in every.items()},
        "figure_top": FIGURE_TOP,
        "config": script_json(json.dumps(CONFIG)),
        "plotlyjs": Markup(_plotlyjs()),
    }
    return _template().render(**context)


def write_report(
    result: AnalysisResult,
    layout: Layout | None,
    path: str | Path,
    *,
    show_names: bool = False,
    names: Mapping[str, str] | None = None,
    cover: Cover | None = None,
    notes: Notes | None = None,
) -> Path:
    """Render the report and write it to ``path`` (UTF-8), creating parent folders."""
    path = Path(path)
    html = render_report(result, layout, show_names=show_names, names=names, cover=cover, notes=notes)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
    return path


def section_titles(many: str = "departments", *, key_people: bool = True) -> list[dict[str, str]]:
    """The report's sections in order: ``id`` (the anchor), ``title`` (its heading, also the printed
    table of contents' entry) and ``nav`` (the short link of the screen's contents bar)."""
    rows = [
        ("summary", "Executive summary", "Summary"),
        ("map", "Who works with whom", "Map"),
        ("silos", "Silos", "Silos"),
        ("links", "Weak and fragile links", "Weak links"),
        ("service", "Internal service", "Internal service"),
        ("time", "Over time", "Over time"),
        ("advice", "What to do", "What to do"),
        ("bridges", "Key bridges", "Key bridges"),
        ("key-people", "If key people left", "If key people left"),
        ("communities", f"Communities versus {many}", "Communities"),
        ("quality", "Data quality", "Data quality"),
        ("method", "Method", "Method"),
    ]
    return [{"id": i, "title": t, "nav": n} for i, t, n in rows if key_people or i != "key-people"]


def script_json(text: str) -> Markup:
    """JSON text made safe inside a ``<script>`` element.

    ``<``, ``>`` and ``&`` become ``\\u003c``, ``\\u003e``, ``\\u0026`` (the
    same string for a JSON parser), so neither ``</script>`` nor ``<!--`` can
    appear; U+2028 / U+2029 are escaped for old JavaScript parsers.
    """
    safe = (
        text.replace("&", "\\u0026")
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )
    return Markup(safe)


# --------------------------------------------------------------------------
# People


def key_bridges(result: AnalysisResult, limit: int = MAX_BRIDGES) -> list[PersonMetrics]:
    """The people the organization's links rest on, most critical first.

    Order: people that fragile links rest on (``depended_on_by``), then
    articulation points, then the highest betweenness; people with no
    betweenness and no flag are left out.
    """
    candidates = [p for p in result.people if p.depended_on_by or p.articulation_point or p.betweenness > 0]
    ranked = sorted(
        candidates,
        key=lambda p: (-len(p.depended_on_by), not p.articulation_point, -p.betweenness, p.person_id),
    )
    return ranked[:limit]


def pseudonyms(
    result: AnalysisResult, *, show_names: bool = False, names: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Display label of every person the report names: key bridges, weak links' bridge people, the
    people of the recommendations (in priority order), then the key people of the "what if they
    leave" simulation.

    Pseudonyms are letters in that order ("Person A (Security)", ...,
    "Person AA (...)"); with ``show_names`` the label is the name (or person_id).
    """
    group = {p.person_id: p.group for p in result.people}
    group.update({k.person_id: k.group for k in result.key_people})
    order: list[str] = [p.person_id for p in key_bridges(result)]
    for lk in words.weak_links_in_order(result.links):
        order += lk.bridge_people
    for rec in sorted(result.recommendations, key=lambda r: r.priority):
        order += [pid for pair in rec.pairs for pid in pair] + rec.person_ids
    order += [k.person_id for k in sorted(result.key_people, key=lambda k: k.rank)]
    labels: dict[str, str] = {}
    for pid in order:
        if pid in labels:
            continue
        where = f" ({group[pid]})" if pid in group else ""
        if show_names:
            labels[pid] = f"{(names or {}).get(pid) or pid}{where}"
        else:
            labels[pid] = f"Person {_letters(len(labels))}{where}"
    return labels


def _letters(i: int) -> str:
    out = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        out = chr(ord("A") + r) + out
    return out


def _bridge_row(p: PersonMetrics, who: Mapping[str, str]) -> dict:
    b = p.brokerage
    return {
        "who": who.get(p.person_id, "a person"),
        "group": p.group,
        "betweenness": p.betweenness,
        "constraint": p.constraint,
        "articulation": p.articulation_point,
        "brokerage": b.liaison + b.gatekeeper + b.representative + b.consultant + b.coordinator,
        "liaison": b.liaison,
        "external_share": p.external_share,
        "depended": [pair.replace(" | ", " – ") for pair in p.depended_on_by],
    }


# --------------------------------------------------------------------------
# Tables


def _community_rows(result: AnalysisResult) -> list[dict]:
    comms = sorted(result.communities, key=lambda c: (-c.size, c.community))
    rows = []
    for c in comms[:MAX_COMMUNITIES]:
        parts = sorted(c.groups.items(), key=lambda kv: (-kv[1], kv[0]))
        rows.append({"c": c, "parts": parts[:5], "more": max(0, len(parts) - 5)})
    rest = comms[MAX_COMMUNITIES:]
    return rows + ([{"rest": len(rest), "people": sum(c.size for c in rest)}] if rest else [])


def rejection_reasons(result: AnalysisResult) -> list[tuple[str, str, int]]:
    """(file, reason with quoted values masked, rows), most frequent first.

    Quoted values (which can be addresses) are replaced by ``'…'`` so that
    rows failing for the same reason are counted together and nobody is named.
    """
    counts = Counter((r.file, re.sub(r"'[^']*'", "'…'", r.reason)) for r in result.validation.rejected)
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return [(file, reason, n) for (file, reason), n in ranked[:MAX_REASONS]]


def _definitions() -> list[tuple[str, list[tuple[str, str]]]]:
    """Every figure of the result's tables and its meaning (the result models' field descriptions),
    under a heading of the report's."""
    from ona.results import (
        CommunitySummary,
        GroupChange,
        GroupService,
        HandoffPair,
        KeyPersonRisk,
        LinkChange,
        PairRisk,
        Summary,
    )

    out = []
    for title, model in (
        ("Groups", GroupMetrics),
        ("Links between groups", LinkMetrics),
        ("People", PersonMetrics),
        ("Communities", CommunitySummary),
        ("Summary", Summary),
        ("Internal service between two groups", HandoffPair),
        ("Internal service of a group", GroupService),
        ("Groups before and after", GroupChange),
        ("Links before and after", LinkChange),
        ("If a key person left", KeyPersonRisk),
        ("If a key person left, per pair of groups", PairRisk),
    ):
        out.append((title, [(name, f.description) for name, f in model.model_fields.items() if f.description]))
    return out


# --------------------------------------------------------------------------
# Template and plotly.js


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("ona.report", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = number
    env.filters["pct"] = pct
    env.filters["pval"] = pval
    env.filters["hours"] = hours
    return env


def _template():
    return _environment().get_template("report.html.j2")


@lru_cache(maxsize=1)
def _plotlyjs() -> str:
    from plotly.offline import get_plotlyjs

    js = get_plotlyjs()
    # cannot happen with plotly's minified bundle; kept so the page can never be cut short
    return js.replace("</script", "<\\/script").replace("<!--", "<\\!--")
