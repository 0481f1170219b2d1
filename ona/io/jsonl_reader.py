"""JSON Lines file -> :class:`~ona.io.raw.RawTable`.

One JSON object per line (``.jsonl``, ``.ndjson`` or ``.json``). Lines are
found with numpy (:mod:`ona.io.records`) and handed to DuckDB as one Arrow
string column without copying; DuckDB parses them. The columns are the keys
of all objects, in order of first appearance.

Values become text as a CSV cell would hold them: strings as they are,
numbers and booleans as written, ``null`` and missing keys as empty, and an
array of strings joined with ``;`` (so ``"recipients": ["a@x", "b@x"]`` is
accepted). Blank lines are skipped. A line that is not valid JSON, or not an
object, is rejected with its line; a file none of whose lines is an object
is refused.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa

from ona.errors import DatasetError
from ona.io.records import find_records
from ona.io.raw import RawTable, first_bad_utf8, keep_named, map_file, not_utf8
from ona.io.sqlkit import connect, lit, rejects, table


def read_jsonl(path: Path, file: str) -> RawTable:
    """Read a JSON Lines file as strings, with the line of every row.

    Raises
    ------
    DatasetError
        Empty file, text that is not UTF-8, or no line holding a JSON object.
    """
    mapped, bom = map_file(path, file)
    data = np.frombuffer(mapped, np.uint8)[bom:]
    lay = find_records(data, has_cr=False, has_quote=False)
    offsets = np.append(lay.starts, data.size).astype(np.int64)
    text = pa.LargeStringArray.from_buffers(
        lay.starts.size, pa.py_buffer(offsets), pa.py_buffer(data)
    )
    try:
        text.validate(full=True)
    except pa.ArrowInvalid as exc:
        bad = first_bad_utf8(data)
        raise not_utf8(file, lay.line_of(bad if bad is not None else 0)) from exc
    con = connect()
    con.register("src", pa.table({"line": pa.array(lay.lines, pa.int64()), "txt": text}))
    con.execute(
        "CREATE TABLE jl AS SELECT line, txt, CASE "
        "WHEN clean(txt) = '' THEN 'BLANK' "
        "WHEN json_valid(txt) THEN json_type(txt::JSON) ELSE 'INVALID' END AS kind FROM src"
    )
    con.unregister("src")
    counts = dict(con.sql("SELECT kind, count(*) FROM jl GROUP BY kind").fetchall())
    rows_read = sum(v for k, v in counts.items() if k != "BLANK")
    if rows_read == 0:
        raise DatasetError(file, "the file is empty")
    if not counts.get("OBJECT"):
        raise DatasetError(file, "no line holds a JSON object (JSON Lines needs one object per line)")
    keys = [
        k
        for (k,) in con.sql(
            "SELECT k FROM (SELECT line, unnest(json_keys(txt)) AS k, "
            "unnest(range(len(json_keys(txt)))) AS pos FROM jl WHERE kind = 'OBJECT') "
            "GROUP BY k ORDER BY min(line * 100000 + pos), k"
        ).fetchall()
    ]
    values = ", ".join(_value(i, key) for i, key in enumerate(keys))
    paths = ", ".join(lit('$."' + k.replace("\\", "\\\\").replace('"', '\\"') + '"') for k in keys)
    rows = table(
        con,
        f"SELECT {values}, line FROM (SELECT line, json_extract(txt, [{paths}]) AS v "
        "FROM jl WHERE kind = 'OBJECT') ORDER BY line",
    )
    bad = rejects(
        con,
        "(SELECT line, CASE kind WHEN 'INVALID' THEN 'is not valid JSON' "
        "ELSE 'is not a JSON object' END AS reason "
        "FROM jl WHERE kind NOT IN ('OBJECT', 'BLANK'))",
    )
    con.close()
    return keep_named(file, "jsonl", keys, rows, rows_read, bad)


def _value(i: int, key: str) -> str:
    v = f"v[{i + 1}]"
    return (
        f"CASE json_type({v}) WHEN 'ARRAY' THEN array_to_string(from_json({v}, '[\"VARCHAR\"]'), ';') "
        f"WHEN 'NULL' THEN NULL ELSE json_extract_string({v}, '$') END AS c{i}"
    )
