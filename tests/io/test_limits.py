"""Bounded inputs: rows counted before decoding, row caps, rejects kept per file, pieces.

The caps are :class:`ona.io.limits.ReadLimits`; a file or a dataset over
them raises :class:`ona.io.limits.RowLimitError` (a DatasetError) naming the
file and the limit, before anything is decoded. Rejected rows are all
counted, the first ``max_rejects_per_file`` of each file listed. Event files
are validated a piece at a time, which must give exactly what one piece
gives.
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ona.analysis.pipeline import analyze
from ona.errors import DatasetError
from ona.io import read_dataset
from ona.io.records import count_records, find_records
from ona.io.limits import ReadLimits, RowLimitError, count_rows
from ona.params import AnalysisParams
from ona.results import RESULT_REJECTS, AnalysisResult, FileReport, Reject, ValidationReport
from ona.store import Store
from tests.io.conftest import PEOPLE, write_table, write_text

FORMATS = ("csv", "jsonl", "parquet")
EXT = {"csv": ".csv", "jsonl": ".jsonl", "parquet": ".parquet"}

# Module constants are patched in the namespace the code under test reads them from, reached through
# the function the test calls (``f.__globals__``), not through ``import ona.io.x as m``: with
# ``--import-mode=importlib`` and ``--doctest-modules``, a doctest module collected before its
# package was imported (``pytest ona/io/records.py tests/io/test_limits.py``) is executed a second
# time by pytest and the copy replaces it in sys.modules, while ona.io.limits keeps calling the first
# copy's functions. Patching the sys.modules copy then changed nothing the code reads.
#: ona.io.records as ona.io.limits.count_rows calls it (CHUNK).
RECORDS = count_rows.__globals__["count_records"].__globals__
#: ona.io.load as read_dataset runs it (read_raw, read_pieces).
LOAD = read_dataset.__globals__
#: ona.io.readers as read_dataset's pieces are read (PIECE_ROWS).
READERS = read_dataset.__globals__["read_pieces"].__globals__


def _emails(n_good: int, n_bad: int, *, seed: int = 0) -> list[dict[str, str]]:
    """Good and bad (timestamp 'never') email rows, shuffled with a seed."""
    rows = [
        {"timestamp": f"2024-01-{1 + i % 28:02d}T09:00:00Z", "sender": "ann", "recipients": "bob"}
        for i in range(n_good)
    ]
    rows += [{"timestamp": f"never{i}", "sender": "ann", "recipients": "bob"} for i in range(n_bad)]
    random.Random(seed).shuffle(rows)
    return rows


# --------------------------------------------------------------------------
# Counting rows before decoding


_PIECES = st.lists(st.sampled_from([b"a", b",", b"\n", b"\r", b'"', b"\r\n", b" ", b"\n\n"]), max_size=40)


@settings(max_examples=300, deadline=None)
@given(pieces=_PIECES, chunk=st.sampled_from([1, 2, 3, 7, 1 << 24]))
def test_count_records_agrees_with_layout(pieces: list[bytes], chunk: int) -> None:
    """The chunked count finds the non-blank records the full layout finds, at any chunk size."""
    data = np.frombuffer(b"".join(pieces), np.uint8)
    if data.size == 0:
        return
    has_cr, has_quote = bool((data == 13).any()), bool((data == 34).any())
    expected = int((~find_records(data, has_cr=has_cr, has_quote=has_quote).empty).sum())
    module = count_records.__globals__  # the namespace count_records reads CHUNK from
    old = module["CHUNK"]
    module["CHUNK"] = chunk
    try:
        assert count_records(data, has_cr=has_cr, has_quote=has_quote) == (expected, True)
    finally:
        module["CHUNK"] = old


@pytest.mark.parametrize("fmt", FORMATS)
def test_count_rows_of_each_format(tmp_path: Path, fmt: str) -> None:
    path = write_table(tmp_path, "emails", _emails(7, 5), fmt)
    assert count_rows(path, path.name, fmt) == (12, True)  # type: ignore[arg-type]


def test_count_skips_blank_lines_and_quoted_line_breaks(tmp_path: Path) -> None:
    text = 'timestamp,sender,recipients\n\n2024-01-01,ann,"bob;\ncy"\n\r\n\n2024-01-02,ann,bob\n\n'
    path = write_text(tmp_path, "emails.csv", text)
    assert count_rows(path, "emails.csv", "csv") == (2, True)


def test_text_scan_stops_once_past_the_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(RECORDS, "CHUNK", 64)  # so that a small file spans many chunks
    path = write_table(tmp_path, "emails", _emails(0, 1000), "csv")
    rows, exact = count_rows(path, "emails.csv", "csv", stop_after=10)
    assert not exact and 10 < rows < 1000


# --------------------------------------------------------------------------
# Row caps


def _no_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make any decoding of a file fail the test: caps must refuse before it."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a file was decoded although the dataset is over its row limit")

    monkeypatch.setitem(LOAD, "read_raw", refuse)
    monkeypatch.setitem(LOAD, "read_pieces", refuse)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_file_over_the_row_cap_is_refused_before_decoding(
    tmp_path: Path, fmt: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "ds"
    write_table(folder, "people", PEOPLE)
    write_table(folder, "emails", _emails(6, 6), fmt)
    assert read_dataset(folder, limits=ReadLimits(max_rows_per_file=12)).report.files[f"emails{EXT[fmt]}"].rows_read == 12
    _no_decoding(monkeypatch)
    with pytest.raises(RowLimitError) as err:
        read_dataset(folder, limits=ReadLimits(max_rows_per_file=11))
    assert isinstance(err.value, DatasetError)
    assert err.value.file == f"emails{EXT[fmt]}" and err.value.limit == "max_rows_per_file"
    assert "more than the limit of 11 rows per file" in str(err.value)
    assert str(err.value).startswith(f"emails{EXT[fmt]}: the file holds ")


def test_the_dataset_cap_counts_every_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "ds"
    write_table(folder, "people", PEOPLE)  # 5 rows
    write_table(folder, "emails", _emails(4, 0), "parquet")
    assert read_dataset(folder, limits=ReadLimits(max_rows=9)).report.files["emails.parquet"].accepted == 4
    _no_decoding(monkeypatch)
    with pytest.raises(RowLimitError) as err:
        read_dataset(folder, limits=ReadLimits(max_rows=8))
    assert err.value.limit == "max_rows"
    assert str(err.value) == (
        "people.csv, emails.parquet: the files hold 9 rows together, more than the limit of 8 rows per dataset"
    )


def test_a_parquet_bomb_is_refused_from_its_footer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """3 million identical rows in a few KB: refused by the count in the footer, nothing decoded."""
    folder = tmp_path / "ds"
    write_table(folder, "people", PEOPLE)
    n = 3_000_000
    one = pa.DictionaryArray.from_arrays(pa.array(np.zeros(n, np.int32)), pa.array(["never"]))
    pq.write_table(pa.table({"timestamp": one, "sender": one, "recipients": one}), folder / "emails.parquet",
                   compression="zstd")  # fmt: skip
    assert (folder / "emails.parquet").stat().st_size < 100_000
    _no_decoding(monkeypatch)
    with pytest.raises(RowLimitError, match=r"emails.parquet: the file holds 3,000,000 rows, more than the limit"):
        read_dataset(folder, limits=ReadLimits(max_rows_per_file=1_000_000))


def test_limits_are_not_negative() -> None:
    with pytest.raises(ValueError, match="max_rejects_per_file"):
        ReadLimits(max_rejects_per_file=-1)


# --------------------------------------------------------------------------
# Rejected rows: all counted, the first ones kept


@pytest.mark.parametrize("fmt", FORMATS)
def test_rejects_are_counted_exactly_and_listed_up_to_the_cap(tmp_path: Path, fmt: str) -> None:
    folder = tmp_path / "ds"
    write_table(folder, "people", PEOPLE)
    rows = _emails(10, 40, seed=3)
    write_table(folder, "emails", rows, fmt)
    report = read_dataset(folder, limits=ReadLimits(max_rejects_per_file=7)).report
    f = report.files[f"emails{EXT[fmt]}"]
    assert (f.rows_read, f.accepted, f.rejected, f.rejects_kept) == (50, 10, 40, 7)
    assert f.rejects_truncated
    header = 0 if fmt == "parquet" else (1 if fmt == "csv" else 0)
    bad_lines = [i + 1 + header for i, r in enumerate(rows) if r["timestamp"].startswith("never")]
    assert [r.line for r in report.rejected] == bad_lines[:7]
    assert report.rejected_count == 40


def test_unparsable_and_invalid_rows_share_one_cap_in_line_order(tmp_path: Path) -> None:
    """CSV rows with the wrong number of fields (rejected by the parser) and invalid rows, interleaved."""
    lines = ["timestamp,sender,recipients"]
    for i in range(30):
        lines.append("2024-01-01T09:00:00Z,ann" if i % 3 == 0 else f"never{i},ann,bob")
    folder = tmp_path / "ds"
    write_table(folder, "people", PEOPLE)
    write_text(folder, "emails.csv", "\n".join(lines) + "\n")
    report = read_dataset(folder, limits=ReadLimits(max_rejects_per_file=5)).report
    assert report.files["emails.csv"].rejected == 30
    assert [(r.line, r.reason.split(" ")[0]) for r in report.rejected] == [
        (2, "has"), (3, "timestamp"), (4, "timestamp"), (5, "has"), (6, "timestamp")
    ]  # fmt: skip


def test_rejects_cap_holds_across_pieces(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(READERS, "PIECE_ROWS", 4)
    folder = tmp_path / "ds"
    write_table(folder, "people", PEOPLE)
    rows = _emails(20, 30, seed=5)
    write_table(folder, "emails", rows, "parquet")
    report = read_dataset(folder, limits=ReadLimits(max_rejects_per_file=6)).report
    bad_lines = [i + 1 for i, r in enumerate(rows) if r["timestamp"].startswith("never")]
    assert report.files["emails.parquet"].rejected == 30
    assert [r.line for r in report.rejected] == bad_lines[:6]


def test_a_million_bad_rows_make_no_more_reject_objects_than_the_cap(tmp_path: Path) -> None:
    folder = tmp_path / "ds"
    write_table(folder, "people", PEOPLE)
    n = 1_000_000
    one = pa.DictionaryArray.from_arrays(pa.array(np.zeros(n, np.int32)), pa.array(["never"]))
    ann = pa.DictionaryArray.from_arrays(pa.array(np.zeros(n, np.int32)), pa.array(["ann"]))
    pq.write_table(pa.table({"timestamp": one, "sender": ann, "recipients": ann}), folder / "emails.parquet")
    report = read_dataset(folder).report
    f = report.files["emails.parquet"]
    assert (f.rows_read, f.rejected, f.rejects_kept, f.accepted) == (n, n, 10_000, 0)
    assert len(report.rejected) == 10_000
    assert report.rejected[-1].line == 10_000


def test_stored_dataset_counts_every_reject_and_pages_the_kept_ones(tmp_path: Path) -> None:
    folder = tmp_path / "ds"
    write_table(folder, "people", PEOPLE)
    write_table(folder, "emails", _emails(5, 25), "csv")
    ds = read_dataset(folder, limits=ReadLimits(max_rejects_per_file=10))
    with Store(":memory:") as store:
        info = store.save_dataset(ds)
        assert info.rejected == 25
        assert store.get_dataset(info.dataset_id).rejected == 25
        page = store.validation_report(info.dataset_id, offset=8, limit=5)
        assert len(page.rejected) == 2 and page.rejected_count == 25
        assert page.files["emails.csv"].rejects_kept == 10


def test_reports_stored_before_the_cap_list_every_reject() -> None:
    old = '{"file": "e.csv", "format": "csv", "rows_read": 3, "accepted": 1, "rejected": 2, "duplicates": 0}'
    f = FileReport.model_validate_json(old)
    assert f.rejects_kept == 2 and not f.rejects_truncated


# --------------------------------------------------------------------------
# Results list the first rejected rows only


def test_capped_report_notes_the_rest() -> None:
    f = FileReport(file="e.csv", format="csv", rows_read=300, accepted=50, rejected=250, rejects_kept=200)
    report = ValidationReport(
        files={"e.csv": f}, rejected=[Reject(file="e.csv", line=i + 2, reason="x") for i in range(200)]
    )
    capped = report.capped(100, where="the dataset's validation report")
    assert len(capped.rejected) == 100 and capped.rejected_omitted == 150
    assert capped.note == (
        "250 rows were rejected; the first 100 are listed here, the others with the dataset's validation "
        "report (the first 200 with their line and reason; the rest are only counted)."
    )
    roomy = report.capped(500, where="x")
    assert len(roomy.rejected) == 200 and roomy.rejected_omitted == 50
    assert roomy.note.startswith("250 rows were rejected; the first 200 are listed here, the others with x")
    assert ValidationReport(files={"e.csv": f.model_copy(update={"rejected": 0, "rejects_kept": 0})}).capped(
        100, where="x"
    ).note == ""


def test_an_analysis_result_lists_the_first_rejected_rows_only(tmp_path: Path) -> None:
    folder = tmp_path / "ds"
    write_table(folder, "people", PEOPLE)
    rows = [
        {"timestamp": f"2024-01-0{1 + i % 9}T09:00:00Z", "sender": s, "recipients": r}
        for i, (s, r) in enumerate([("ann", "bob"), ("bob", "cy"), ("cy", "dee"), ("dee", "eve"), ("eve", "ann")] * 4)
    ]
    write_table(folder, "emails", rows + _emails(0, RESULT_REJECTS + 30), "csv")
    result = analyze(folder, AnalysisParams(permutations=20, min_group_size=1))
    v = result.validation
    assert v.files["emails.csv"].rejected == RESULT_REJECTS + 30
    assert len(v.rejected) == RESULT_REJECTS and v.rejected_omitted == 30
    assert "/validation (paged) or `ona validate`" in v.note
    assert AnalysisResult.model_validate_json(result.to_json()) == result


# --------------------------------------------------------------------------
# Pieces give what one piece gives


def _events(seed: int) -> dict[str, list[dict[str, str]]]:
    """Emails, meetings and tickets with bad rows and repeats spread over the file."""
    rng = random.Random(seed)
    who = ["ann", "bob", "cy", "dee", "eve", "ext@out.org", "BOB@corp.org"]

    def ts() -> str:
        return rng.choice([f"2024-02-{rng.randint(1, 9):02d}T1{rng.randint(0, 9)}:00:00Z", "never", ""])

    emails = [
        {"timestamp": ts(), "sender": rng.choice(who + [""]), "recipients": ";".join(rng.sample(who, rng.randint(0, 3))),
         "message_id": rng.choice(["", "", "m1", "m2", "m3", f"u{i}"])}
        for i in range(rng.randint(0, 40))
    ]  # fmt: skip
    meetings = [
        {"meeting_id": rng.choice(["a", "b", "c", ""]), "start": rng.choice(["2024-03-01T09:00:00Z", "2024-03-02T09:00:00Z", "x"]),
         "duration_minutes": rng.choice(["30", "60", "-1"]), "attendees": ";".join(rng.sample(who, rng.randint(0, 3)))}
        for _ in range(rng.randint(0, 30))
    ]  # fmt: skip
    tickets = [
        {"ticket_id": rng.choice(["T1", "T2", ""]), "timestamp": ts(), "assignee": rng.choice(who + [""])}
        for _ in range(rng.randint(0, 30))
    ]
    return {"emails": emails, "meetings": meetings, "tickets": tickets}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("seed", range(6))
def test_pieces_give_what_one_piece_gives(tmp_path: Path, fmt: str, seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "ds"
    write_table(folder, "people", PEOPLE)
    columns = {
        "emails": ["timestamp", "sender", "recipients", "message_id"],
        "meetings": ["meeting_id", "start", "duration_minutes", "attendees"],
        "tickets": ["ticket_id", "timestamp", "assignee"],
    }
    for table, rows in _events(seed).items():
        if rows:
            write_table(folder, table, rows, fmt, columns[table])
    whole = read_dataset(folder)
    for rows in (1, 3, 7):
        monkeypatch.setitem(READERS, "PIECE_ROWS", rows)
        pieces = read_dataset(folder)
        assert pieces.report == whole.report, rows
        for name, table in whole.tables.items():
            assert pieces.tables[name].equals(table), (rows, name)


def test_the_people_file_has_its_own_cap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """People are validated whole, not a piece at a time: a people bomb is refused from its footer."""
    folder = tmp_path / "ds"
    folder.mkdir()
    n = 3_000_000
    same = pa.DictionaryArray.from_arrays(pa.array(np.zeros(n, np.int32)), pa.array(["p1"]))
    pq.write_table(pa.table({"person_id": same, "department": same}), folder / "people.parquet")
    _no_decoding(monkeypatch)
    with pytest.raises(RowLimitError) as err:
        read_dataset(folder)
    assert err.value.limit == "max_people"
    assert str(err.value) == (
        "people.parquet: the people file holds 3,000,000 rows, more than the limit of 1,000,000 rows of people"
    )
    write_table(folder, "people", PEOPLE)
    (folder / "people.parquet").unlink()
    with pytest.raises(RowLimitError, match="people.csv: the people file holds at least 5 rows, more than the limit of 4 rows of people"):
        read_dataset(folder, limits=ReadLimits(max_people=4))
