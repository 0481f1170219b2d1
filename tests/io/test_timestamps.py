"""ISO 8601 timestamps: what is accepted, and the UTC instant it means."""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow as pa
import pytest

from ona.io.checks import parse_times
from ona.io.sqlkit import connect

# (text, expected UTC instant); the oracle is datetime.fromisoformat where it applies
ACCEPTED = [
    ("2024-03-01", datetime(2024, 3, 1, tzinfo=UTC)),
    ("2024-03-01T10:15", datetime(2024, 3, 1, 10, 15, tzinfo=UTC)),
    ("2024-03-01 10:15:30", datetime(2024, 3, 1, 10, 15, 30, tzinfo=UTC)),
    ("2024-03-01T10:15:30Z", datetime(2024, 3, 1, 10, 15, 30, tzinfo=UTC)),
    ("2024-03-01t10:15:30z", datetime(2024, 3, 1, 10, 15, 30, tzinfo=UTC)),
    ("2024-03-01T10:15:30.5Z", datetime(2024, 3, 1, 10, 15, 30, 500000, tzinfo=UTC)),
    ("2024-03-01T10:15:30.1234567+00:00", datetime(2024, 3, 1, 10, 15, 30, 123456, tzinfo=UTC)),
    ("2024-03-01T10:15:30+02:00", datetime.fromisoformat("2024-03-01T10:15:30+02:00")),
    ("2024-03-01T10:15:30+0200", datetime(2024, 3, 1, 8, 15, 30, tzinfo=UTC)),
    ("2024-03-01T10:15:30+02", datetime(2024, 3, 1, 8, 15, 30, tzinfo=UTC)),
    ("2024-03-01T00:15:30-05:30", datetime.fromisoformat("2024-03-01T00:15:30-05:30")),
    ("2024-03-01T10:15+01:00", datetime(2024, 3, 1, 9, 15, tzinfo=UTC)),
    ("2024-02-29", datetime(2024, 2, 29, tzinfo=UTC)),
    ("1999-12-31T23:59:59", datetime(1999, 12, 31, 23, 59, 59, tzinfo=UTC)),
]

REFUSED = [
    "",
    "2024-13-01",
    "2024-02-30",
    "2023-02-29",
    "2024-1-5",
    "20240301",
    "2024-03-01T10",
    "2024-03-01T24:00:00",
    "2024-03-01T10:15:60",
    "2024-03-01 10:15:30 +02:00",
    "2024-03-01T10:15:30+25:00",
    "2024-03-01T10:15:30 Europe/Paris",
    "2024-03-01T10:15:30 UTC",
    "0000-01-01",
    "yesterday",
    "today",
    "now",
    "infinity",
    "-infinity",
    "epoch",
    "01/03/2024",
    "2024-03-01T10:15:30+02:00:00",
]


def test_accepted_instants() -> None:
    got = parse_times(connect(), pa.array([text for text, _ in ACCEPTED])).to_pylist()
    for (text, want), value in zip(ACCEPTED, got):
        assert value == want.astimezone(UTC), text


@pytest.mark.parametrize("text", REFUSED)
def test_refused(text: str) -> None:
    assert parse_times(connect(), pa.array([text])).to_pylist() == [None]


def test_order_is_kept_on_many_rows() -> None:
    texts = [f"2024-01-01T00:00:{i % 60:02d}Z" if i % 7 else "bad" for i in range(50_000)]
    got = parse_times(connect(), pa.array(texts)).to_pylist()
    expected = [
        datetime(2024, 1, 1, 0, 0, i % 60, tzinfo=UTC) if i % 7 else None for i in range(50_000)
    ]
    assert got == expected
