"""The deliberately bad rows are few, listed in the manifest, and really bad."""

from __future__ import annotations

import pandas as pd

from .conftest import Generated


def _ts(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, format="ISO8601", utc=True, errors="coerce")


def _bad_mask(frame: pd.DataFrame, name: str) -> pd.Series:
    """Independent reading of what makes a row unusable (what a validator should reject)."""
    if name == "emails":
        no_recipient = (frame[["recipients", "cc", "bcc"]] == "").all(axis=1)
        return _ts(frame["timestamp"]).isna() | (frame["sender"] == "") | no_recipient
    if name == "meetings":
        start, end = _ts(frame["start"]), _ts(frame["end"])
        return start.isna() | end.isna() | (end < start)
    return _ts(frame["timestamp"]).isna() | (frame["assignee"] == "")


def _all_bad(generated: Generated) -> set[tuple[str, int]]:
    bad = set()
    for name in ("emails", "meetings", "tickets"):
        mask = _bad_mask(generated.data[name], name).to_numpy()
        bad |= {(f"{name}.csv", int(i) + 2) for i in mask.nonzero()[0]}  # header is line 1
    return bad


def test_bad_rows_are_listed_and_are_the_only_bad_ones(spoiled: Generated) -> None:
    listed = {(b.file, b.line) for b in spoiled.manifest.bad_rows}
    assert 3 <= len(listed) < 10
    assert {f for f, _ in listed} == {"emails.csv", "meetings.csv", "tickets.csv"}
    assert _all_bad(spoiled) == listed
    problems = " ".join(b.problem for b in spoiled.manifest.bad_rows)
    for word in ("month 13", "empty sender", "end is before start", "empty assignee"):
        assert word in problems


def test_duplicate_message_repeats_previous_line(spoiled: Generated) -> None:
    (dup,) = spoiled.manifest.duplicate_rows
    emails = spoiled.data["emails"]
    i = dup.line - 2
    assert emails.iloc[i].equals(emails.iloc[i - 1])
    assert emails["message_id"].duplicated().sum() == 1


def test_clean_data_has_no_bad_row(planted: Generated) -> None:
    assert _all_bad(planted) == set()
    assert not planted.data["emails"]["message_id"].duplicated().any()
