"""ties file -> canonical ``ties`` table (pre-aggregated ties), and rejects.

Input: a :class:`~ona.io.raw.RawTable` with ``source, target, weight`` and
optionally ``channel``, ``period_start`` and ``directed``; the people
:class:`~ona.io.directory.Directory`. Output: :data:`ona.io.schema.TIES`
and the rejects.

A ties file is a list of ties that someone already aggregated (a Viva
Insights person-to-person export, a Gephi edge list), not events. Each row
adds its ``weight`` to the undirected pair (source, target): a directed row
A -> B and a row B -> A are summed into one pair weight. Rules:

- ``source`` and ``target`` are resolved to people (person_id or any email
  alias, :mod:`ona.io.directory`); anyone else is an external party, kept
  with a null id and counted as external collaboration, out of the graph;
- a row is rejected when ``source`` or ``target`` is empty, ``weight`` is
  empty, not a number, not finite or not above 0, ``period_start`` is
  given but not ISO 8601, ``directed`` is not one of true/false/yes/no/1/0
  /directed/undirected (empty is false), or source and target are the same
  person (a self-tie adds nothing);
- ``channel`` (where the tie comes from: ``strong_tie``, ``email``,
  ``gephi`` ...) and ``directed`` are kept as attributes of the row: the
  pair weight does not depend on them;
- ``period_start`` (optional) dates the tie: the row belongs to the period
  that contains it (a time window takes it when ``since <= period_start <
  until``); a row without it is timeless and counts in every window.
  Identical rows are all kept (a list may give one pair several times).

Examples
--------
>>> from ona.io.raw import keep_named
>>> from ona.io.sqlkit import connect
>>> people = pa.table({"person_id": ["ann", "bob"]})
>>> d = Directory.build(people, pa.table({"address": ["ann@x.org"], "person_id": ["ann"]}))
>>> raw = keep_named("ties.csv", "csv", ["source", "target", "weight"], pa.table({
...     "c0": ["ANN@x.org", "bob", "ann", "ann"], "c1": ["bob", "eve@y.com", "bob", "ann"],
...     "c2": ["2.5", "1", "-1", "3"], "line": [2, 3, 4, 5]}), 4)
>>> v = validate_ties(connect(), raw, d)
>>> v.tables["ties"].select(["source_id", "target_id", "weight"]).to_pylist()[0]
{'source_id': 'ann', 'target_id': 'bob', 'weight': 2.5}
>>> v.tables["ties"].column("target_id").to_pylist()  # eve@y.com is external: counted, kept out
['bob', None]
>>> v.rejects.column("reason").to_pylist()
["weight '-1' is not above 0", 'source and target are the same person']
"""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ona.io.checks import Checks, parse_numbers, parse_times
from ona.io.directory import Directory
from ona.io.prep import as_numpy, blank_as_null, trimmed
from ona.io.raw import RawTable, Validated

#: Accepted spellings of the ``directed`` column (lower-cased), and what they mean.
DIRECTED: dict[str, bool] = {
    "": False, "false": False, "no": False, "0": False, "undirected": False,
    "true": True, "yes": True, "1": True, "directed": True,
}  # fmt: skip


def validate_ties(con: duckdb.DuckDBPyConnection, raw: RawTable, people: Directory) -> Validated:
    """Validate and resolve tie rows (see the module docstring for the rules)."""
    cols = raw.require("source", "target", "weight")
    n = raw.table.num_rows
    lines = raw.table.column("line").to_numpy()
    t = trimmed(
        raw,
        {
            "source": cols["source"],
            "target": cols["target"],
            "weight": cols["weight"],
            "channel": raw.column("channel"),
            "period": raw.column("period_start"),
            "directed": raw.column("directed"),
        },
    )
    who = people.resolve(pa.chunked_array([*t["source"].chunks, *t["target"].chunks], pa.string()))
    weight = parse_numbers(con, t["weight"])
    period = parse_times(con, t["period"])
    directed_text = pc.utf8_lower(t["directed"])
    directed_known = as_numpy(pc.is_in(directed_text, value_set=pa.array(list(DIRECTED))))
    directed = as_numpy(pc.is_in(directed_text, value_set=pa.array([k for k, v in DIRECTED.items() if v])))

    blank = {name: as_numpy(pc.equal(t[name], "")) for name in ("source", "target", "weight", "period")}
    checks = Checks(n)
    checks.add(blank["source"], "source is empty")
    checks.add(blank["target"], "target is empty")
    checks.add(blank["weight"], "weight is empty")
    checks.add(~blank["weight"] & np.isnan(weight), "weight '{}' is not a finite number", t["weight"])
    checks.add(~blank["weight"] & ~np.isnan(weight) & ~(weight > 0), "weight '{}' is not above 0", t["weight"])
    checks.add(~blank["period"] & as_numpy(period.is_null()), "period_start '{}' is not ISO 8601", t["period"])
    checks.add(~directed_known, "directed '{}' is not true or false", t["directed"])
    same = ~blank["source"] & ~blank["target"] & (who.ident[:n] == who.ident[n:])
    checks.add(same, "source and target are the same person")
    keep = ~checks.failed
    take = pa.array(keep)
    src, dst = pa.array(np.flatnonzero(keep)), pa.array(n + np.flatnonzero(keep))
    ties = pa.table(
        {
            "source_id": pc.take(who.person_id, src),
            "source_address": pc.take(who.address, src),
            "target_id": pc.take(who.person_id, dst),
            "target_address": pc.take(who.address, dst),
            "weight": pa.array(weight[keep], pa.float64()),
            "channel": blank_as_null(t["channel"].filter(take)),
            "period_start": period.filter(take),
            "directed": pa.array(directed[keep]),
            "line": pa.array(lines[keep], pa.int64()),
        }
    )
    return Validated({"ties": ties}, checks.rejects(lines))
