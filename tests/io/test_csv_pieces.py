"""A CSV file read a piece of bytes at a time gives the rows, lines and rejects of the whole-file reader."""

from __future__ import annotations

import random
from pathlib import Path

import pyarrow as pa
import pytest

from ona.errors import DatasetError
from ona.io import csv_reader
from ona.io.csv_reader import read_csv, read_csv_pieces


def _write(path: Path, seed: int, *, crlf: bool) -> None:
    rnd = random.Random(seed)
    rows = ["timestamp,sender,recipients"]
    for i in range(400):
        kind = rnd.random()
        if kind < 0.05:
            rows.append("")  # a blank line: not a row
        elif kind < 0.10:
            rows.append(f"2024-01-0{1 + i % 9},a{i}")  # too few fields
        elif kind < 0.25:
            rows.append(f'2024-01-02,"x{i},\ny",b;c')  # a quoted comma and line break
        elif kind < 0.30:
            rows.append(f'2024-01-02,"say ""hi""",d{i}')  # escaped quotes
        else:
            rows.append(f"2024-01-0{1 + i % 9}T09:00:00Z,s{i},r{i};q{i}")
    text = ("\r\n" if crlf else "\n").join(rows) + "\n"
    path.write_bytes(text.encode())


def _all(pieces: list) -> tuple[pa.Table, pa.Table, int]:
    table = pa.concat_tables([p.table for p in pieces])
    rejects = pa.concat_tables([p.rejects for p in pieces]).sort_by("line")
    return table, rejects, sum(p.rows_read for p in pieces)


@pytest.mark.parametrize("crlf", [False, True])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_pieces_equal_the_whole_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int, crlf: bool) -> None:
    path = tmp_path / "emails.csv"
    _write(path, seed, crlf=crlf)
    whole = read_csv(path, "emails.csv")
    monkeypatch.setattr(csv_reader, "PIECE_BYTES", 97)
    pieces = list(read_csv_pieces(path, "emails.csv"))
    assert len(pieces) > 10  # the file was really cut
    assert all(p.names == whole.names for p in pieces)
    table, rejects, rows_read = _all(pieces)
    assert table.equals(whole.table)
    assert rejects.equals(whole.rejects.sort_by("line"))
    assert rows_read == whole.rows_read


def test_non_rfc4180_quoting_reads_the_file_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "emails.csv"
    path.write_text("timestamp,sender,recipients\n" + "".join(f'2024-01-02,5" screen{i},b\n' for i in range(50)))
    monkeypatch.setattr(csv_reader, "PIECE_BYTES", 97)
    pieces = list(read_csv_pieces(path, "emails.csv"))
    assert len(pieces) == 1
    assert pieces[0].table.equals(read_csv(path, "emails.csv").table)
    assert pieces[0].table.column("line").to_pylist() == list(range(2, 52))


def test_a_bad_byte_names_its_line_in_a_later_piece(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "emails.csv"
    lines = [b"timestamp,sender,recipients"] + [b"2024-01-02,a,b"] * 200
    lines[150] = b"2024-01-02,\xff,b"
    path.write_bytes(b"\n".join(lines) + b"\n")
    monkeypatch.setattr(csv_reader, "PIECE_BYTES", 97)
    with pytest.raises(DatasetError) as info:
        list(read_csv_pieces(path, "emails.csv"))
    assert str(info.value) == "emails.csv line 151: the text is not UTF-8 (save the file as UTF-8 and load it again)"
