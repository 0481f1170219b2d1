"""Tie lists -> ``ties`` (and ``people`` from the list's attributes): Viva Insights p2p, Gephi.

Input: the files of one tie list. Output: rows of ona's ``ties`` table
(``source, target, weight, channel, period_start, directed``) and, unless
``--people`` is given, a ``people`` table built from the list's node
attributes. A tie list holds ties, not events: each row becomes one tie row
whose weight adds to the pair (:mod:`ona.io.ties`).

``viva-p2p``: a Microsoft Viva Insights person-to-person query exported as
CSV (Analyst workbench > Query designer > Person-to-person query; the
columns of Microsoft's "Person-to-person query" documentation):
``PrimaryCollaborator_PersonId``, ``SecondaryCollaborator_PersonId``,
``MetricDate`` (the start of the week or month measured), the tie scores
``Strong_tie_score`` and ``Diverse_tie_score`` (also spelled
``StrongTieScore`` / ``DiverseTieScore``), and each collaborator's HR
attributes as ``PrimaryCollaborator_<Attr>`` / ``SecondaryCollaborator_<Attr>``
(``_Organization``, ``_FunctionType``, ``_LevelDesignation``...). Rules:

- the weight is the strong tie score (``--tie-score strong``, the default)
  or the diverse tie score (``--tie-score diverse``); ``channel`` says which
  (``viva_strong_tie``, ``viva_diverse_tie``); ``period_start`` is
  ``MetricDate``; rows are directed (primary -> secondary) and ona sums
  both directions into the pair;
- a row whose chosen score is 0 or empty is dropped as ``no_tie``; a row
  without both person ids, or whose score or MetricDate cannot be read, is
  ``unparseable`` (its line is listed);
- people (without ``--people``): every person id seen, with the attributes
  of their latest ``MetricDate`` (primary and secondary columns alike,
  prefix removed); ``department`` is ``--group-column`` (default
  ``Organization``; with or without the ``PrimaryCollaborator_`` prefix);
  an empty value becomes ``(unassigned)``.

``gephi``: Gephi's Data Laboratory spreadsheet CSVs (File > Export >
Spreadsheet: a nodes table ``Id, Label, attributes...`` and an edges table
``Source, Target, Type, Weight``; files are told apart by their header), or
a GEXF / GraphML graph (File > Export > Graph file), read with networkx.
Edge weight is ``Weight`` (the ``weight`` attribute in GEXF / GraphML; 1
when absent); ``Type`` ``Directed`` / ``Undirected`` (the graph's
direction for GEXF / GraphML) becomes ``directed``; ``channel`` is
``gephi``; no ``period_start`` (the ties are timeless). People (without
``--people``): the nodes, ``Label`` as ``name``, every attribute kept,
``department`` from ``--group-column`` (default: a ``department``
attribute); an edge whose weight is 0 is ``no_tie``, one with an
unreadable weight or a missing end ``unparseable``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ona.errors import DatasetError, OnaError
from ona.io.imports.base import ImportOptions, Sink, SourceReport
from ona.io.sqlkit import lit

PRIMARY, SECONDARY = "PrimaryCollaborator_", "SecondaryCollaborator_"
SCORES = {"strong": ("Strong_tie_score", "StrongTieScore"), "diverse": ("Diverse_tie_score", "DiverseTieScore")}
UNASSIGNED = "(unassigned)"


def _header(path: Path) -> list[str]:
    with path.open("r", encoding="utf-8-sig", errors="replace") as fh:
        line = fh.readline()
    return [c.strip().strip('"') for c in line.rstrip("\r\n").split(",")]


def looks_like_viva_p2p(path: Path) -> bool:
    """A CSV whose header names PrimaryCollaborator_PersonId and SecondaryCollaborator_PersonId."""
    if not path.is_file() or path.suffix.lower() != ".csv":
        return False
    names = {n.casefold() for n in _header(path)}
    return {(PRIMARY + "PersonId").casefold(), (SECONDARY + "PersonId").casefold()} <= names


def looks_like_gephi(path: Path) -> bool:
    """A .gexf / .graphml file, or a Gephi spreadsheet CSV (Id + Label, or Source + Target + Type)."""
    if not path.is_file():
        return False
    suffix = path.suffix.lower()
    if suffix in (".gexf", ".graphml"):
        return True
    if suffix != ".csv":
        return False
    names = {n.casefold() for n in _header(path)}
    return {"id", "label"} <= names or {"source", "target", "type"} <= names


def _csv(con: duckdb.DuckDBPyConnection, path: Path) -> pa.Table:
    try:
        return con.sql(
            f"SELECT * FROM read_csv({lit(str(path))}, all_varchar = true, header = true, auto_detect = true)"
        ).to_arrow_table()
    except duckdb.Error as exc:
        raise DatasetError(path.name, f"not a readable CSV file ({exc})") from exc


def _find(names: Sequence[str], *wanted: str) -> str | None:
    folded = {n.casefold(): n for n in names}
    return next((folded[w.casefold()] for w in wanted if w.casefold() in folded), None)


def _numbers(values: pa.ChunkedArray) -> np.ndarray:
    """Texts -> float64 (NaN where not a finite number)."""
    parsed = pc.cast(pc.if_else(pc.match_substring_regex(
        pc.fill_null(pc.utf8_trim_whitespace(values), ""), r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"),
        values, None), pa.float64())  # fmt: skip
    out = pc.fill_null(parsed, np.nan).to_numpy(zero_copy_only=False).astype(np.float64)
    out[~np.isfinite(out)] = np.nan
    return out


def _write_ties(sink: Sink, report: SourceReport, table: pa.Table, lines: np.ndarray,
                weight: np.ndarray, blank_weight: np.ndarray, bad: np.ndarray, why: str) -> None:
    """Keep the rows with a weight > 0; count the others (no_tie, unparseable by line)."""
    no_tie = ~bad & (blank_weight | (weight == 0))
    bad = bad | (~no_tie & ~(weight > 0))
    report.drop("no_tie", int(no_tie.sum()))
    for line in lines[bad][:100].tolist():
        report.bad(f"line {line}", why)
    report.drop("unparseable", max(int(bad.sum()) - min(int(bad.sum()), 100), 0))
    keep = ~bad & ~no_tie
    out = table.filter(pa.array(keep)).append_column("weight", pa.array(weight[keep], pa.float64()))
    sink.write("ties", out)
    report.wrote("ties", out.num_rows)


def _group(columns: Sequence[str], wanted: str | None, default: str, file: str) -> str | None:
    if wanted is None:
        return _find(columns, default)
    found = _find(columns, wanted, wanted.removeprefix(PRIMARY), wanted.removeprefix(SECONDARY))
    if found is None:
        raise OnaError(f"{file}: --group-column {wanted}: no such attribute (attributes: {', '.join(columns)})")
    return found


def _people_table(ids: pa.Array, attrs: dict[str, pa.Array], group: str | None) -> pa.Table:
    dept = attrs.get(group) if group else None
    department = pc.fill_null(dept, "") if dept is not None else pa.array([""] * len(ids), pa.string())
    department = pc.if_else(pc.equal(pc.utf8_trim_whitespace(department), ""), UNASSIGNED, department)
    cols: dict[str, pa.Array] = {"person_id": ids, "department": department}
    for name, values in attrs.items():
        if name != group and name.casefold() not in ("person_id", "department", "personid"):
            cols[name] = values
    return pa.table(cols)


def import_viva_p2p(paths: Sequence[Path], options: ImportOptions, sink: Sink) -> list[SourceReport]:
    """Viva Insights person-to-person query CSVs -> ties (and people); see the module docstring."""
    if options.tie_score not in SCORES:
        raise OnaError(f"--tie-score must be strong or diverse, not '{options.tie_score}'")
    reports = []
    con = duckdb.connect(":memory:")
    con.execute("SET enable_progress_bar = false")
    people_parts: list[pa.Table] = []
    try:
        for path in paths:
            report = SourceReport(source=path.name, kind="viva-p2p")
            t = _csv(con, path)
            names = t.column_names
            src, dst = _find(names, PRIMARY + "PersonId"), _find(names, SECONDARY + "PersonId")
            score = _find(names, *SCORES[options.tie_score])
            date = _find(names, "MetricDate", "Date")
            if src is None or dst is None or score is None:
                missing = [n for n, c in ((PRIMARY + "PersonId", src), (SECONDARY + "PersonId", dst),
                                          (" or ".join(SCORES[options.tie_score]), score)) if c is None]  # fmt: skip
                raise DatasetError(path.name, f"not a Viva Insights person-to-person export: no {', '.join(missing)} column")
            n = t.num_rows
            report.records_read = n
            lines = np.arange(2, n + 2)
            con.register("_t", t.select([c for c in (src, dst, date) if c]))
            period = con.sql(
                f'SELECT try_cast("{date}" AS TIMESTAMP) AS d FROM _t' if date else "SELECT NULL::TIMESTAMP AS d FROM _t"
            ).to_arrow_table().column(0)
            con.unregister("_t")
            a = pc.fill_null(pc.utf8_trim_whitespace(t.column(src)), "")
            b = pc.fill_null(pc.utf8_trim_whitespace(t.column(dst)), "")
            raw_score = pc.fill_null(pc.utf8_trim_whitespace(t.column(score)), "")
            weight = _numbers(raw_score)
            blank = np.asarray(pc.equal(raw_score, "").to_numpy(zero_copy_only=False))
            bad = (np.asarray(pc.equal(a, "").to_numpy(zero_copy_only=False))
                   | np.asarray(pc.equal(b, "").to_numpy(zero_copy_only=False))
                   | (~blank & np.isnan(weight)))  # fmt: skip
            if date:
                has_date = ~np.asarray(pc.equal(pc.fill_null(t.column(date), ""), "").to_numpy(zero_copy_only=False))
                bad |= has_date & np.asarray(period.is_null().to_numpy(zero_copy_only=False))
            iso = pc.strftime(pc.cast(period, pa.timestamp("us", tz="UTC")), "%Y-%m-%dT%H:%M:%SZ")
            ties = pa.table({
                "source": a, "target": b,
                "channel": pa.array([f"viva_{options.tie_score}_tie"] * n, pa.string()),
                "period_start": iso, "directed": pa.array([True] * n),
            })  # fmt: skip
            _write_ties(sink, report, ties, lines, weight, blank, bad, "no person id, or an unreadable score or MetricDate")
            if not options.people_given:
                people_parts.append(_viva_people(con, t, src, dst, date))
            reports.append(report)
        if people_parts:
            both = pa.concat_tables(people_parts, promote_options="default")
            attrs = [c for c in both.column_names if c not in ("person_id", "_d")]
            group = _group(attrs, options.group_column, "Organization", paths[0].name)
            con.register("_p", both)
            latest = con.sql(
                'SELECT * EXCLUDE (_d) FROM _p QUALIFY row_number() OVER (PARTITION BY person_id ORDER BY _d DESC NULLS LAST) = 1 '
                "ORDER BY person_id"
            ).to_arrow_table()
            con.unregister("_p")
            sink.write("people", _people_table(latest.column("person_id").combine_chunks(),
                                               {c: latest.column(c).combine_chunks() for c in attrs}, group))  # fmt: skip
    finally:
        con.close()
    return reports


def _viva_people(con: duckdb.DuckDBPyConnection, t: pa.Table, src: str, dst: str, date: str | None) -> pa.Table:
    """Every collaborator's attributes (prefix removed) with the row's MetricDate."""
    names = t.column_names
    attrs = sorted({n[len(PRIMARY):] for n in names if n.startswith(PRIMARY) and n != src}
                   | {n[len(SECONDARY):] for n in names if n.startswith(SECONDARY) and n != dst})
    con.register("_t", t)
    d = f'try_cast("{date}" AS TIMESTAMP)' if date else "NULL::TIMESTAMP"

    def side(prefix: str, pid: str) -> str:
        cols = ", ".join(
            (f'"{prefix}{a}"' if prefix + a in names else "NULL::VARCHAR") + f' AS "{a}"' for a in attrs
        )
        return f'SELECT trim("{pid}") AS person_id, {d} AS _d{", " + cols if cols else ""} FROM _t WHERE trim(coalesce("{pid}", \'\')) <> \'\''

    out = con.sql(f"{side(PRIMARY, src)} UNION ALL {side(SECONDARY, dst)}").to_arrow_table()
    con.unregister("_t")
    return out


def import_gephi(paths: Sequence[Path], options: ImportOptions, sink: Sink) -> list[SourceReport]:
    """Gephi spreadsheet CSVs, GEXF or GraphML -> ties (and people); see the module docstring."""
    reports = []
    nodes: list[pa.Table] = []
    con = duckdb.connect(":memory:")
    con.execute("SET enable_progress_bar = false")
    try:
        for path in paths:
            report = SourceReport(source=path.name, kind="gephi")
            if path.suffix.lower() in (".gexf", ".graphml"):
                node_table = _graph_file(path, report, sink)
            else:
                node_table = _gephi_csv(con, path, report, sink)
            if node_table is not None:
                nodes.append(node_table)
            reports.append(report)
    finally:
        con.close()
    if not options.people_given:
        if not nodes:
            raise OnaError("gephi: an edge list alone names no department: give the nodes table too, or --people FILE")
        table = pa.concat_tables(nodes, promote_options="default")
        attrs = [c for c in table.column_names if c != "person_id"]
        group = _group(attrs, options.group_column, "department", paths[0].name)
        if group is None:
            raise OnaError(f"gephi: say which node attribute is the department with --group-column "
                           f"(attributes: {', '.join(attrs) or 'none'})")
        sink.write("people", _people_table(table.column("person_id").combine_chunks(),
                                           {c: table.column(c).combine_chunks() for c in attrs}, group))  # fmt: skip
    return reports


def _gephi_csv(con: duckdb.DuckDBPyConnection, path: Path, report: SourceReport, sink: Sink) -> pa.Table | None:
    t = _csv(con, path)
    names = t.column_names
    report.records_read = t.num_rows
    source, target = _find(names, "Source"), _find(names, "Target")
    if source is not None and target is not None:
        n = t.num_rows
        kind = _find(names, "Type")
        wcol = _find(names, "Weight")
        raw = pc.fill_null(pc.utf8_trim_whitespace(t.column(wcol)), "") if wcol else pa.array([""] * n, pa.string())
        given = ~np.asarray(pc.equal(raw, "").to_numpy(zero_copy_only=False))
        weight = np.where(given, _numbers(raw), 1.0)  # Gephi's default weight is 1
        a = pc.fill_null(pc.utf8_trim_whitespace(t.column(source)), "")
        b = pc.fill_null(pc.utf8_trim_whitespace(t.column(target)), "")
        bad = (np.asarray(pc.equal(a, "").to_numpy(zero_copy_only=False))
               | np.asarray(pc.equal(b, "").to_numpy(zero_copy_only=False)) | np.isnan(weight))  # fmt: skip
        directed = (pc.equal(pc.utf8_lower(pc.fill_null(t.column(kind), "")), "directed") if kind
                    else pa.array([False] * n))  # fmt: skip
        ties = pa.table({"source": a, "target": b, "channel": pa.array(["gephi"] * n, pa.string()),
                         "directed": directed})  # fmt: skip
        _write_ties(sink, report, ties, np.arange(2, n + 2), weight, np.zeros(n, bool), bad,
                    "no Source or Target, or a Weight that is not a number")
        return None
    ident = _find(names, "Id")
    if ident is None:
        raise DatasetError(path.name, "not a Gephi spreadsheet: neither Id (nodes) nor Source and Target (edges)")
    cols: dict[str, Any] = {"person_id": pc.utf8_trim_whitespace(t.column(ident))}
    for name in names:
        if name == ident:
            continue
        cols["name" if name.casefold() == "label" else name] = t.column(name)
    return pa.table(cols)


def _graph_file(path: Path, report: SourceReport, sink: Sink) -> pa.Table:
    import networkx as nx

    try:
        g = nx.read_gexf(path) if path.suffix.lower() == ".gexf" else nx.read_graphml(path)
    except (nx.NetworkXError, ValueError, SyntaxError, KeyError) as exc:
        raise DatasetError(path.name, f"not a readable {path.suffix[1:].upper()} graph ({exc})") from exc
    edges = list(g.edges(data=True))
    report.records_read = len(edges) + g.number_of_nodes()
    n = len(edges)
    weight = np.array([_as_float(d.get("weight", 1.0)) for _, _, d in edges], np.float64)
    ties = pa.table({
        "source": pa.array([str(u) for u, _, _ in edges], pa.string()),
        "target": pa.array([str(v) for _, v, _ in edges], pa.string()),
        "channel": pa.array(["gephi"] * n, pa.string()),
        "directed": pa.array([g.is_directed()] * n),
    })  # fmt: skip
    _write_ties(sink, report, ties, np.arange(1, n + 1), weight, np.zeros(n, bool), np.isnan(weight),
                "a weight that is not a number")
    keys = sorted({k for _, d in g.nodes(data=True) for k in d})
    cols: dict[str, list[Any]] = {"person_id": [str(v) for v in g.nodes]}
    for k in keys:
        values = [d.get(k) for _, d in g.nodes(data=True)]
        cols["name" if k == "label" else k] = [None if v is None else (v if isinstance(v, str) else json.dumps(v))
                                               for v in values]  # fmt: skip
    return pa.table({k: pa.array(v, pa.string()) for k, v in cols.items()})


def _as_float(value: Any) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        return float("nan")
    return x if np.isfinite(x) else float("nan")
