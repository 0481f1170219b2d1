"""Same seed, same bytes; chunked writing keeps files ordered; bad parameters are refused."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ona.errors import ParameterError
from ona.synth import (
    FILES,
    emails,
    meetings,
    synthesize,
    tickets,
)

ALL = (*FILES, "manifest.json")


def _make(folder: Path, **kw: object) -> dict[str, bytes]:
    synthesize(folder, people=kw.pop("people", 90), **kw)  # type: ignore[arg-type]
    return {name: (folder / name).read_bytes() for name in ALL}


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    first = _make(tmp_path / "a", seed=11)
    second = _make(tmp_path / "b", seed=11)
    assert first == second


def test_other_seed_other_files(tmp_path: Path) -> None:
    first = _make(tmp_path / "a", seed=11)
    other = _make(tmp_path / "b", seed=12)
    assert all(first[name] != other[name] for name in ALL)


def test_progress_is_reported(tmp_path: Path) -> None:
    calls: list[tuple[str, int, int]] = []
    synthesize(tmp_path, people=90, seed=1, on_progress=lambda s, d, t: calls.append((s, d, t)))
    stages = [c[0] for c in calls]
    assert stages[0] == "people" and {"emails", "meetings", "tickets"} <= set(stages)
    assert all(d == t for s, d, t in calls if s in ("emails", "meetings"))  # last call of each is complete


def test_chunked_files_stay_ordered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(emails, "CHUNK_ROWS", 500)
    monkeypatch.setattr(meetings, "CHUNK_ROWS", 40)
    monkeypatch.setattr(tickets, "CHUNK_ROWS", 30)
    stages: list[str] = []
    synthesize(tmp_path, people=90, seed=2, bad_rows=False, on_progress=lambda s, d, t: stages.append(s))
    assert stages.count("emails") > 5 and stages.count("meetings") > 3 and stages.count("tickets") > 3
    e = pd.read_csv(tmp_path / "emails.csv", dtype=str)
    assert pd.to_datetime(e["timestamp"], format="ISO8601").is_monotonic_increasing
    assert list(e["message_id"]) == [f"M{i:06d}" for i in range(1, len(e) + 1)]
    m = pd.read_csv(tmp_path / "meetings.csv", dtype=str)
    assert pd.to_datetime(m["start"], format="ISO8601").is_monotonic_increasing
    assert m["meeting_id"].is_unique
    t = pd.read_csv(tmp_path / "tickets.csv", dtype=str)
    first = t.groupby("ticket_id", sort=False)["timestamp"].first()
    assert list(first.index) == sorted(first.index)
    assert pd.to_datetime(first, format="ISO8601").is_monotonic_increasing


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"people": 59}, "people"),
        ({"emails_per_person": -1}, "emails_per_person"),
        ({"start": "2024-02-30"}, "start"),
        ({"months": 0}, "months"),
    ],
)
def test_bad_parameters_are_refused(tmp_path: Path, kw: dict[str, object], field: str) -> None:
    with pytest.raises(ParameterError) as err:
        synthesize(tmp_path, **kw)  # type: ignore[arg-type]
    assert err.value.field == field
