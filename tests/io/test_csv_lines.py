"""CSV reading: exact lines after blank lines, quoted line breaks and malformed rows."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ona.errors import DatasetError
from ona.io import read_dataset
from ona.io.csv_reader import read_csv
from tests.io.conftest import Writer, write_text

HEADER = "timestamp,sender,recipients\n"


def test_lines_after_malformed_and_blank_rows(dataset: Writer) -> None:
    text = (
        HEADER
        + "2024-01-01,ann,bob\n"  # 2
        + "2024-01-01,ann,bob,extra\n"  # 3: too many fields
        + "\n"  # 4: blank, skipped
        + "2024-01-01,ann\n"  # 5: too few fields
        + '2024-01-01,ann,"bob;\ncy"\n'  # 6-7: one record over two lines
        + "2024-13-01,ann,bob\n"  # 8: bad timestamp
        + "2024-01-02,bob,ann"  # 9: no final newline
    )
    ds = read_dataset(dataset("emails.csv", text=text))
    assert ds.tables["emails"].column("line").to_pylist() == [2, 6, 9]
    assert ds.tables["emails"].column("k").to_pylist() == [1, 2, 1]
    assert [(r.line, r.reason) for r in ds.report.rejected] == [
        (3, "has 4 fields but the header has 3"),
        (5, "has 2 fields but the header has 3"),
        (8, "timestamp '2024-13-01' is not ISO 8601"),
    ]
    rep = ds.report.files["emails.csv"]
    assert (rep.rows_read, rep.accepted, rep.rejected) == (6, 3, 3)


def test_bom_and_crlf(dataset: Writer) -> None:
    text = "\ufeff" + HEADER.replace("\n", "\r\n") + "2024-01-01,ann,bob\r\n\r\n2024-01-01,ann,bob,x\r\n2024-01-02,ann,cy\r\n"
    ds = read_dataset(dataset("emails.csv", text=text))
    assert ds.tables["emails"].column("line").to_pylist() == [2, 5]
    assert [r.line for r in ds.report.rejected] == [4]


def test_quotes_outside_rfc4180_are_read_line_by_line(dataset: Writer) -> None:
    """A quote inside an unquoted field (5" screen) is literal; lines stay exact."""
    text = HEADER + '2024-01-01,ann,bob\n2024-01-01,ann 5" screen,bob\n2024-01-01,ann\n2024-01-02,ann,cy\n'
    ds = read_dataset(dataset("emails.csv", text=text))
    assert ds.tables["emails"].column("line").to_pylist() == [2, 3, 5]
    assert ds.tables["emails"].column("sender_address").to_pylist()[1] == 'ann 5" screen'
    assert [(r.line, r.reason) for r in ds.report.rejected] == [(4, "has 2 fields but the header has 3")]


def test_unclosed_quote_at_end_is_rejected(dataset: Writer) -> None:
    text = HEADER + '2024-01-01,ann,bob\n2024-01-01,ann,"bob\n2024-01-01,ann,cy\n'
    ds = read_dataset(dataset("emails.csv", text=text))
    assert ds.tables["emails"].column("line").to_pylist() == [2]
    assert [(r.line, r.reason) for r in ds.report.rejected] == [
        (3, "a quoted field is not closed before the end of the file")
    ]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "emails.csv: the file is empty"),
        (b"\n \n", "emails.csv: the header names no column (the first row must name the columns)"),
        (HEADER.encode() + b"2024-01-01,ann,bob\n2024-01-01,\xe9ric,bob\n", "emails.csv line 3: the text is not UTF-8"),
        (b"times\xfftamp,sender,recipients\n", "emails.csv line 1: the text is not UTF-8"),
        (b"timestamp,recipients\n2024-01-01,bob\n", "emails.csv: missing required column 'sender' (columns found: timestamp, recipients)"),
    ],
)
def test_whole_file_errors(dataset: Writer, raw: bytes, message: str) -> None:
    with pytest.raises(DatasetError) as err:
        read_dataset(dataset("emails.csv", text=raw))
    assert str(err.value).startswith(message)
    assert err.value.file == "emails.csv"


def test_header_only_file_has_no_rows(dataset: Writer) -> None:
    ds = read_dataset(dataset("emails.csv", text=HEADER))
    assert ds.tables["emails"].num_rows == 0
    assert ds.report.files["emails.csv"].rows_read == 0


# ---------------------------------------------------------------- property test
# A CSV is built record by record, so the line of every record is known
# without parsing; the reader must find exactly those lines.

cell = st.text(alphabet=st.sampled_from(list('ab ,"\n;é')), max_size=6)
record = st.tuples(
    st.lists(cell, min_size=1, max_size=4),  # fields (3 = well-formed)
    st.integers(0, 2),  # blank lines before the record
    st.booleans(),  # quote every field
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(records=st.lists(record, max_size=12), crlf=st.booleans(), final_newline=st.booleans())
def test_lines_match_construction(tmp_path: Path, records: list, crlf: bool, final_newline: bool) -> None:
    eol = "\r\n" if crlf else "\n"
    text = "a,b,c" + eol
    line = 2
    good: list[int] = []
    good_values: list[list[str]] = []
    bad: list[int] = []
    for fields, blanks, quote_all in records:
        out = io.StringIO()
        style = csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL
        csv.writer(out, lineterminator="\n", quoting=style).writerow(fields)
        written = out.getvalue()[:-1]
        if written == "":
            continue  # a single empty field is a blank line, not a row
        text += eol * blanks + written + eol
        line += blanks
        if len(fields) == 3:
            good.append(line)
            good_values.append(fields)
        else:
            bad.append(line)
        line += written.count("\n") + 1
    if not final_newline:
        text = text[: -len(eol)]
    raw = read_csv(write_text(tmp_path, "t.csv", text), "t.csv")
    assert raw.table.column("line").to_pylist() == good, repr(text)
    values = [[raw.table.column(f"c{i}")[r].as_py() for i in range(3)] for r in range(raw.table.num_rows)]
    assert values == good_values, repr(text)
    assert raw.rejects.column("line").to_pylist() == bad, repr(text)
    assert raw.rows_read == len(good) + len(bad)


loose = st.text(alphabet=st.sampled_from(list('ab "')), max_size=5).map(lambda s: "x" + s)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(st.lists(loose, min_size=1, max_size=4), st.integers(0, 1)), max_size=8))
def test_loose_quotes_keep_exact_lines(tmp_path: Path, rows: list) -> None:
    """Quotes inside unquoted fields (not RFC 4180) are literal; lines stay exact."""
    text = "a,b,c\n"
    line = 2
    good: list[tuple[int, list[str]]] = []
    bad: list[int] = []
    for fields, blanks in rows:
        text += "\n" * blanks + ",".join(fields) + "\n"
        line += blanks
        if len(fields) == 3:
            good.append((line, fields))
        else:
            bad.append(line)
        line += 1
    raw = read_csv(write_text(tmp_path, "t.csv", text), "t.csv")
    assert raw.table.column("line").to_pylist() == [ln for ln, _ in good], repr(text)
    values = [[raw.table.column(f"c{i}")[r].as_py() for i in range(3)] for r in range(raw.table.num_rows)]
    assert values == [f for _, f in good], repr(text)
    assert raw.rejects.column("line").to_pylist() == bad, repr(text)


def test_chunk_and_block_boundaries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tiny numpy chunks and pyarrow blocks: records straddle every boundary, in parallel."""
    import random

    from ona.io import csv_reader, records

    monkeypatch.setattr(records, "CHUNK", 97)
    monkeypatch.setattr(csv_reader, "BLOCK_SIZE", 512)

    def no_fallback(*args: object) -> None:
        raise AssertionError("an RFC 4180 file must be read by pyarrow")

    monkeypatch.setattr(csv_reader, "_read_python", no_fallback)
    rng = random.Random(7)
    text = "a,b,c\r\n"
    line = 2
    good: list[tuple[int, list[str]]] = []
    bad: list[int] = []
    for _ in range(3000):
        if rng.random() < 0.05:
            text += "\r\n"
            line += 1
        fields = ["".join(rng.choice('ab ,"\n') for _ in range(rng.randint(0, 5))) for _ in range(rng.choice([3, 3, 3, 3, 2, 4]))]
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerow(fields)
        written = out.getvalue()[:-1]
        if written == "":
            continue
        text += written + "\r\n"
        if len(fields) == 3:
            good.append((line, fields))
        else:
            bad.append(line)
        line += written.count("\n") + 1
    raw = read_csv(write_text(tmp_path, "t.csv", text), "t.csv")
    assert raw.table.column("line").to_pylist() == [ln for ln, _ in good]
    assert raw.rejects.column("line").to_pylist() == bad
    got = [list(r.values())[:3] for r in raw.table.to_pylist()]
    assert got == [f for _, f in good]
