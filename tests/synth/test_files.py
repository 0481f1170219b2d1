"""The generated files follow DESIGN.md "Input: a dataset" and look like a company."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from ona.synth import FILES, SynthManifest
from ona.synth.catalog import COMPANY_DOMAIN, DEPARTMENT_NAMES
from ona.synth.org import department_sizes, team_sizes

from . import rawdata
from .conftest import PEOPLE, Generated

COLUMNS = {
    "people": ["person_id", "name", "email", "department", "team", "manager_id", "location", "title"],
    "emails": ["timestamp", "sender", "recipients", "cc", "bcc", "message_id"],
    "meetings": ["meeting_id", "start", "end", "attendees", "organizer"],
    "tickets": ["ticket_id", "timestamp", "assignee", "status"],
}


def _ts(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, format="ISO8601", utc=True, errors="coerce")


def _addresses(column: pd.Series) -> pd.Series:
    return column[column != ""].str.split(";").explode()


@pytest.mark.parametrize("name", list(COLUMNS))
def test_columns_exactly_as_designed(planted: Generated, name: str) -> None:
    assert list(planted.data[name].columns) == COLUMNS[name]
    header = (planted.folder / f"{name}.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header == ",".join(COLUMNS[name])


def test_department_sizes_realistic() -> None:
    sizes = dict(zip(DEPARTMENT_NAMES, department_sizes(400).tolist(), strict=True))
    assert sum(sizes.values()) == 400
    assert 10 <= len(sizes) <= 14
    assert min(sizes["Legal"], sizes["Security"]) >= 8
    small = max(sizes["Legal"], sizes["Security"], sizes["Executive"])
    assert min(sizes["Engineering"], sizes["Sales"], sizes["Customer Support"]) > 4 * small
    assert sizes["Engineering"] == max(sizes.values())


@pytest.mark.parametrize("size", [3, 5, 8, 12, 13, 25, 57, 85, 300, 2100])
def test_team_sizes_between_3_and_12(size: int) -> None:
    teams = team_sizes(size, np.random.default_rng(size))
    assert sum(teams) == size
    assert all(3 <= t <= 12 for t in teams)


def test_people(planted: Generated) -> None:
    people = planted.data["people"]
    assert len(people) == PEOPLE
    assert people["person_id"].is_unique and (people["person_id"] != "").all()
    assert set(people["department"]) == set(DEPARTMENT_NAMES)
    team_size = people.groupby("team").size()
    assert team_size.between(3, 12).all()
    # A team belongs to one department.
    assert (people.groupby("team")["department"].nunique() == 1).all()
    # One CEO; every manager chain reaches them.
    manager = dict(zip(people["person_id"], people["manager_id"], strict=True))
    assert list(manager.values()).count("") == 1
    for boss in manager.values():
        seen = 0
        while boss:
            boss, seen = manager[boss], seen + 1
            assert seen < 10
    # Addresses: firstname.lastname@company.example, unique, some with an alias.
    addresses = _addresses(people["email"])
    assert addresses.is_unique
    primary = people["email"].str.split(";").str[0]
    assert primary.str.fullmatch(rf"[a-z]+\.[a-z]+\d*@{COMPANY_DOMAIN}").all()
    assert 0.05 < (people["email"].str.contains(";")).mean() < 0.3
    assert people["location"].nunique() >= 3 and people["title"].nunique() >= 20
    # Non-ASCII names survive UTF-8.
    assert not people["name"].map(str.isascii).all()


def test_emails(planted: Generated) -> None:
    emails = planted.data["emails"]
    people = planted.data["people"]
    assert emails["message_id"].is_unique
    ts = _ts(emails["timestamp"])
    assert ts.notna().all() and ts.is_monotonic_increasing
    assert ts.min() >= pd.Timestamp("2024-01-01", tz="UTC") and ts.max() < pd.Timestamp(
        "2024-04-01", tz="UTC"
    )
    assert len(emails) == pytest.approx(PEOPLE * 60, rel=0.01)
    # 1-6 partners, plus an outside party; a few broadcasts of more than 50.
    n = sum(emails[c].str.count("@") for c in ("recipients", "cc", "bcc"))
    assert n.min() >= 1 and (n <= 7).mean() > 0.99
    assert 1 <= (n > 50).sum() < 10
    assert (emails["cc"] != "").mean() > 0.1 and 0 < (emails["bcc"] != "").mean() < 0.05
    # References resolve case-insensitively; some are Mixed.Case, some aliases, some outside.
    book = rawdata.address_book(people)
    refs = pd.concat([emails["sender"], *(_addresses(emails[c]) for c in ("recipients", "cc", "bcc"))])
    internal = refs.str.lower().str.endswith(COMPANY_DOMAIN)
    assert refs[internal].str.lower().isin(book).all()
    assert refs[internal].str.contains("[A-Z]").mean() > 0.05
    assert refs.str.lower().str.endswith("@corp." + COMPANY_DOMAIN).sum() > 0
    assert 0.02 < (~internal).mean() < 0.3
    assert (~internal.iloc[: len(emails)]).sum() > 0  # some emails come in from outside


def test_meetings(planted: Generated) -> None:
    meetings = planted.data["meetings"]
    start, end = _ts(meetings["start"]), _ts(meetings["end"])
    assert start.notna().all() and start.is_monotonic_increasing and meetings["meeting_id"].is_unique
    minutes = (end - start).dt.total_seconds() / 60
    attendees = meetings["attendees"].str.split(";")
    size = attendees.str.len()
    ordinary = size <= 25
    assert minutes[ordinary].isin([15, 30, 45, 60, 90, 120]).all()
    assert size.min() >= 2 and size[ordinary].max() <= 11 and (size <= 10).mean() > 0.95
    assert (size > 25).sum() >= 3  # all-hands
    organizer_in = [
        o.lower() in {a.lower() for a in att} for o, att in zip(meetings["organizer"], attendees, strict=True)
    ]
    assert all(organizer_in)
    assert (
        0
        < (
            ~meetings["attendees"]
            .str.lower()
            .str.split(";")
            .map(lambda xs: all(x.endswith(COMPANY_DOMAIN) for x in xs))
        ).mean()
        < 0.3
    )


def test_tickets(planted: Generated) -> None:
    tickets = planted.data["tickets"]
    people = set(planted.data["people"]["person_id"])
    assert tickets["assignee"].isin(people).all()
    assert set(tickets["status"]) == {"open", "in_progress", "resolved"}
    ts = _ts(tickets["timestamp"])
    assert ts.notna().all()
    by_ticket = tickets.assign(ts=ts).groupby("ticket_id", sort=False)
    assert by_ticket["ts"].apply(lambda s: s.is_monotonic_increasing).all()
    assert (by_ticket["status"].first() == "open").all()
    assert by_ticket.size().between(1, 6).all()
    assignees = by_ticket["assignee"].apply(lambda s: (s != s.shift()).sum())
    assert assignees.between(1, 5).all() and assignees.max() >= 4
    assert len(tickets) == pytest.approx(PEOPLE * 4, rel=0.1)


def test_manifest_matches_files(planted: Generated) -> None:
    manifest = SynthManifest.model_validate_json((planted.folder / "manifest.json").read_text())
    assert manifest == planted.manifest
    assert manifest.files == {f: (planted.folder / f).stat().st_size for f in FILES}
    counts = manifest.counts
    assert counts["emails"] == len(planted.data["emails"])
    assert counts["meetings"] == len(planted.data["meetings"])
    assert counts["ticket_rows"] == len(planted.data["tickets"])
    assert counts["tickets"] == planted.data["tickets"]["ticket_id"].nunique()
    assert manifest.bad_rows == [] and manifest.duplicate_rows == []
    assert json.loads(manifest.to_json())["parameters"]["people"] == PEOPLE
