"""Reading, validation and identity resolution on Spark, held to ona's own readers.

Every rule class on the same values (white space, lower case, ISO 8601
times, numbers, reasons, lists); then an organization whose files hold every
kind of bad row (:mod:`tests.spark.badrows`), as CSV and as Parquet, read by
Spark (:meth:`SparkEngine.load_dataset`) and by :func:`ona.io.read_dataset`:
the same dataset counts, validation report (files, counts, rejected rows
with line and reason, external parties), canonical tables (in the store's
schema), pair weights, handoff tables and result JSON; a folder of part
files; and the whole-file errors.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from ona.analysis.pipeline import analyze_dataset
from ona.errors import DatasetError
from ona.io import read_dataset
from ona.io.checks import Checks, parse_numbers, parse_times
from ona.io.prep import exploded
from ona.io.raw import keep_named
from ona.io.sqlkit import connect
from ona.params import AnalysisParams
from ona.store import Store
from ona.store.engine import DuckDBEngine
from ona.store.spark import SparkEngine, stage_dataset
from tests.spark.badrows import EMAILS, MEETINGS, write_bad_org, write_bad_parquet
from tests.spark.test_spark_engine import assert_same

pytestmark = [pytest.mark.spark, pytest.mark.slow]


def _column(spark: object, values: list[object], expr: object) -> list[object]:
    """``expr`` (a function of column ``v``) over ``values``, in order (Arrow: UTC timestamps)."""
    from pyspark.sql import functions as F

    table = pa.table({"v": pa.array(values, pa.string()), "i": range(len(values))})
    frame = spark.createDataFrame(table)  # type: ignore[attr-defined]
    return frame.orderBy("i").select(expr(F.col("v"))).toArrow().column(0).to_pylist()


# ------------------------------------------------------------ rule classes

TIMES = [
    "2024-01-02", "2024-01-02T09:00", "2024-01-02 09:00:00", "2024-01-02t09:00:00z", "2024-01-02T09:00:00.9999999",
    "2024-01-02T09:00:00.1234565Z", "2024-01-02T09:00:00+23:59", "2024-01-02T09:00:00-2359", "2024-01-02T09:00:00+05",
    "2024-02-30", "2023-02-29", "2024-02-29T23:59:59.5-01:30", "0001-01-01", "0000-01-01", "2024-01-02T24:00:00",
    "2024-1-02", "2024-01-02T09:00:00 +01:00", "2024-01-02T9:00", "1900-02-29", "2000-02-29", "2024-01-02T09:00:60",
    "yesterday", "", "2024-01-02 09:00:00.000000Z", "1582-10-10", "2024-03-31T02:30:00", "2024-01-02T09:00:00+1",
    "infinity", "epoch", "2024-01-02T09:00:00Z ", "１２", "2024-01-02T09:00:00.Z",
]

NUMBERS = [
    "1", "1.5", "-2", "+3", ".5", "5.", "1e3", "1E+3", "1e-3", "1_000", "0x10", "1,5", "inf", "-inf", "Infinity",
    "nan", "NaN", "1e400", "1e-400", "1.5d", "1.5f", "", "١٢", "1e", "e5", "--1", "1.2.3", "1__0", "_1", "1_", "00012",
    "1.5e+", "１２", "1_0.5", "1.5_5", "1e1_0", ".", "-.5", "123456789.123456789", "4.9e-324",
    "1.7976931348623157e308", "1.7976931348623159e308", "0", "-0",
]


def test_times_as_iso_ts(spark: object) -> None:
    from ona.spark.rules import iso_ts

    assert _column(spark, TIMES, iso_ts) == parse_times(connect(), pa.array(TIMES)).to_pylist()


def test_numbers_as_duckdb(spark: object) -> None:
    from ona.spark.rules import number

    want = [None if np.isnan(x) else x for x in parse_numbers(connect(), pa.array(NUMBERS))]
    assert _column(spark, NUMBERS, number) == want


def test_white_space_and_lower_case(spark: object) -> None:
    from ona.spark.rules import lowered, trimmed

    chars = [chr(c) for c in range(0x3100) if not 0xD800 <= c <= 0xDFFF] + ["\U00010400", "\U0001E900"]
    padded = [f"{c}x{c}" for c in chars] + [None, "", "  ", "\u200b x"]
    want = pc.fill_null(pc.utf8_trim_whitespace(pa.array(padded, pa.string())), "").to_pylist()
    assert _column(spark, padded, trimmed) == want
    assert _column(spark, chars, lowered) == pc.utf8_lower(pa.array(chars)).to_pylist()


def test_reasons_and_lists(spark: object) -> None:
    from pyspark.sql import functions as F

    from ona.spark.rules import items, reason

    values = ["", "x", "y" * 70, "ü" * 61, "2024-13-01"]
    failed = np.array([True, False, True, True, False])
    checks = Checks(len(values))
    checks.add(failed, "sender is empty")
    checks.add(np.array([False, True, True, True, False]), "timestamp '{}' is not ISO 8601", pa.array(values))
    want = dict(zip(*checks.rejects(np.arange(len(values))).to_pydict().values()))
    got = _column(spark, values, lambda v: reason(
        (F.col("i").isin(0, 2, 3), "sender is empty", ()),
        (F.col("i").isin(1, 2, 3), "timestamp '{}' is not ISO 8601", (v,)),
    ))
    assert {i: r for i, r in enumerate(got) if r is not None} == want
    lists = ["a; B ;;", None, " ;", "x;;y ; z", "\u3000a\u3000;b"]
    rows, flat = exploded(keep_named("f.csv", "csv", ["to"], pa.table({"c0": lists, "line": range(len(lists))}),
                                     len(lists)), ["c0"])
    want_lists = [[] for _ in lists]
    for row, item in zip(rows, flat.to_pylist()):
        want_lists[row].append(item)
    assert _column(spark, lists, lambda v: items(v)) == want_lists


# ------------------------------------------------------ a dataset with bad rows


def _staged(uri_or_path: str | Path) -> Path:
    return Path(urlparse(str(uri_or_path)).path) if str(uri_or_path).startswith("file:") else Path(uri_or_path)


def canonical(folder: Path) -> dict[str, list[dict[str, object]]]:
    """The staged tables, keys replaced by the line of their event, rows sorted: comparable across engines."""
    tables = {p.name.removesuffix(".parquet"): pq.read_table(p) for p in folder.glob("*.parquet")}
    out: dict[str, list[dict[str, object]]] = {}
    for events, parts, key in (("emails", "email_recipients", "message_key"),
                               ("meetings", "meeting_attendees", "meeting_key"),
                               ("chats", "chat_recipients", "message_key")):
        lines = dict(zip(tables[events].column(key).to_pylist(), tables[events].column("line").to_pylist()))
        for name in (events, parts):
            rows = tables.pop(name).to_pylist()
            for row in rows:
                row[key] = lines[row[key]]
            out[name] = sorted(rows, key=lambda r: json.dumps(r, default=str, sort_keys=True))
    for name, table in tables.items():
        out[name] = sorted(table.to_pylist(), key=lambda r: json.dumps(r, default=str, sort_keys=True))
    return out


def schemas(folder: Path) -> dict[str, list[tuple[str, str]]]:
    return {p.name: [(f.name, str(f.type)) for f in pq.read_schema(next(iter(sorted(p.rglob("*.parquet"))))
                                                                   if p.is_dir() else p)]
            for p in sorted(folder.glob("*.parquet"))}


@pytest.mark.parametrize("kind", ["csv", "parquet"])
def test_bad_rows_read_by_spark_as_by_ona(kind: str, tmp_path: Path, spark: object) -> None:
    folder = (write_bad_org if kind == "csv" else write_bad_parquet)(tmp_path / "org")
    with Store() as duck_store, Store() as spark_store, SparkEngine(spark=spark) as engine:
        duck = duck_store.save_dataset(read_dataset(folder))
        info = engine.load_dataset(spark_store, folder)
        # the driver's store holds people, report and counts, no event
        assert all(n == 0 for t, n in spark_store.row_counts().items()
                   if t not in ("people", "aliases", "people_history", "datasets", "rejects", "schema_version"))
        assert info.model_dump(exclude={"dataset_id", "created_at"}) == duck.model_dump(
            exclude={"dataset_id", "created_at"})
        report = spark_store.validation_report(info.dataset_id)
        assert report == duck_store.validation_report(duck.dataset_id)
        assert report.rejected_count >= 30 and report.files["emails." + ("csv" if kind == "csv" else "parquet")]
        staged = _staged(engine._sources[info.dataset_id])
        reference = stage_dataset(duck_store, duck.dataset_id, tmp_path / "duck")
        assert schemas(staged) == schemas(reference)
        assert canonical(staged) == canonical(reference)
        labels = spark_store.group_labels(info.dataset_id, "department")
        for params in (AnalysisParams(), AnalysisParams(broadcast_limit=2, large_meeting_limit=3)):
            assert_same(duck_store.pair_weights(duck.dataset_id, params, weekly=True),
                        engine.pair_weights(spark_store, info.dataset_id, params, weekly=True))
        on_duck = DuckDBEngine().handoff_tables(duck_store, duck.dataset_id, labels)
        assert engine.handoff_tables(spark_store, info.dataset_id, labels).visits.to_pylist() == on_duck.visits.to_pylist()
        params = AnalysisParams(period="week", permutations=99, stability_resamples=20)
        on_spark = analyze_dataset(spark_store, info.dataset_id, params, engine=engine)
        assert on_spark.trends is not None and len(on_spark.trends.periods) > 1
        assert on_spark.to_json() == analyze_dataset(duck_store, duck.dataset_id, params).to_json()


def test_folder_of_part_files(tmp_path: Path, spark: object) -> None:
    """Emails as two CSV part files (each with its header), meetings as Parquet parts Spark wrote."""
    single = write_bad_org(tmp_path / "single")
    parts = tmp_path / "parts"
    parts.mkdir()
    for name in ("people.csv", "tickets.csv"):
        (parts / name).write_bytes((single / name).read_bytes())
    header = "timestamp,sender,recipients,cc,bcc,message_id\n"
    rows = [",".join(row) + "\n" for row in EMAILS]
    (parts / "emails").mkdir()
    (parts / "emails" / "part-00000.csv").write_text(header + "".join(rows[:6]), encoding="utf-8")
    (parts / "emails" / "part-00001.csv").write_text(header + "".join(rows[6:]), encoding="utf-8")
    (parts / "emails" / "_SUCCESS").write_text("")
    (single / "emails.csv").write_text(header + "".join(rows), encoding="utf-8")
    meetings = spark.createDataFrame(  # type: ignore[attr-defined]
        [m[:5] for m in MEETINGS], "meeting_id string, start string, `end` string, duration_minutes string, "
                                   "attendees string").coalesce(1)
    meetings.write.parquet(str(parts / "meetings.parquet"))
    pq.write_table(pq.read_table(next((parts / "meetings.parquet").glob("part-*.parquet"))),
                   single / "meetings.parquet")
    (single / "meetings.csv").unlink()
    for name in ("chats.csv", "ties.csv", "group_handoffs.csv", "people_history.csv"):
        (single / name).unlink()
    with Store() as duck_store, Store() as spark_store, SparkEngine(spark=spark) as engine:
        duck = duck_store.save_dataset(read_dataset(single))
        info = engine.load_dataset(spark_store, parts)
        got, want = spark_store.validation_report(info.dataset_id), duck_store.validation_report(duck.dataset_id)
        assert got.files["emails"].model_dump(exclude={"file"}) == want.files["emails.csv"].model_dump(exclude={"file"})
        assert got.files["meetings.parquet"] == want.files["meetings.parquet"]
        assert {r.file for r in got.rejected if r.file.startswith("emails")} == {
            "emails/part-00000.csv", "emails/part-00001.csv"}
        assert got.external == want.external
        assert_same(duck_store.pair_weights(duck.dataset_id, AnalysisParams(), weekly=True),
                    engine.pair_weights(spark_store, info.dataset_id, AnalysisParams(), weekly=True))


def test_whole_file_errors(tmp_path: Path, spark: object) -> None:
    folder = write_bad_org(tmp_path / "org")

    def both(folder: Path) -> tuple[str, str]:
        with pytest.raises(DatasetError) as duck:
            read_dataset(folder)
        with Store() as store, SparkEngine(spark=spark) as engine, pytest.raises(DatasetError) as on_spark:
            engine.load_dataset(store, folder)
        return str(on_spark.value), str(duck.value)

    (folder / "tickets.csv").write_text("ticket_id,timestamp,owner\nT1,2024-01-02,ann\n", encoding="utf-8")
    got, want = both(folder)  # a required column missing
    assert got == want and "assignee" in got
    (folder / "tickets.csv").write_bytes(b"ticket_id,timestamp,assignee\nT1,2024-01-02,ann\nT2,2024-01-02,\xff\n")
    got, want = both(folder)  # not UTF-8, with the line
    assert got == want and "line 3" in got
    (folder / "tickets.csv").write_text("\n\n", encoding="utf-8")
    assert len(set(both(folder))) == 1  # no header row
    (folder / "tickets.csv").unlink()
    (folder / "chats.csv").write_text("timestamp,sender,Sender,conversation_id,recipients\n", encoding="utf-8")
    got, want = both(folder)  # two columns with one name
    assert got == want
    (folder / "chats.csv").unlink()
    (folder / "people.csv").unlink()
    got, want = both(folder)
    assert "no people file" in got and "no people file" in want
    (folder / "people.jsonl").write_text('{"person_id": "ann", "department": "X"}\n', encoding="utf-8")
    (folder / "emails.csv").unlink()
    (folder / "emails.jsonl").write_text('{"timestamp": "2024-01-02", "sender": "ann", "recipients": "bob"}\n')
    with Store() as store, SparkEngine(spark=spark) as engine, pytest.raises(DatasetError, match="CSV and Parquet"):
        engine.load_dataset(store, folder)


def test_executors_run_no_python(tmp_path: Path, spark: object) -> None:
    """The whole Spark path (listing, reading, validation, staging, pair weights, handoffs, trends) runs with
    no Python worker: the executors need only Spark. Run as spark-submit runs it (``ona/store/spark.py``),
    with a worker Python that cannot start (a Python UDF would fail)."""
    import os
    import subprocess
    import sys

    folder = write_bad_org(tmp_path / "org")
    out = tmp_path / "result.json"
    env = {**os.environ, "PYSPARK_PYTHON": "/bin/false"}
    done = subprocess.run(
        [sys.executable, "-m", "ona.store.spark", "analyze", str(folder), "--engine", "spark", "--spark-master",
         "local[1]", "--period", "week", "--out", str(out), "-q"],
        env=env, capture_output=True, text=True, timeout=1200, cwd=Path(__file__).resolve().parents[2],
    )
    assert done.returncode == 0, done.stderr[-3000:]
    with Store() as store:
        info = store.save_dataset(read_dataset(folder))
        expected = analyze_dataset(store, info.dataset_id, AnalysisParams(period="week"))
    assert out.read_text(encoding="utf-8") == expected.to_json()
