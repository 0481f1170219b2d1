"""people: required fields, duplicates, aliases (case-insensitive, claimed), attributes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ona.errors import DatasetError
from ona.io import read_dataset
from tests.io.conftest import write_text


def people_only(tmp_path: Path, text: str):
    write_text(tmp_path / "ds", "people.csv", text)
    return read_dataset(tmp_path / "ds")


def test_good_people_and_attributes_sorted_json(tmp_path: Path) -> None:
    ds = people_only(
        tmp_path,
        "person_id,department,email,team,location,name\n"
        " ann , HR ,Ann@Corp.org;ann.s@corp.org,t1,Paris,Ann\n"
        "bob,IT,,t2,,Bob\n",
    )
    people = ds.tables["people"].to_pylist()
    assert [p["person_id"] for p in people] == ["ann", "bob"]
    assert people[0]["department"] == "HR"
    assert people[0]["emails"] == "Ann@Corp.org;ann.s@corp.org"
    assert people[1]["emails"] is None
    assert [p["line"] for p in people] == [2, 3]
    # every extra column is kept, keys sorted, empty -> null
    assert people[0]["attributes"] == '{"location":"Paris","name":"Ann","team":"t1"}'
    assert json.loads(people[1]["attributes"]) == {"location": None, "name": "Bob", "team": "t2"}
    aliases = ds.tables["aliases"].to_pylist()
    assert aliases == [
        {"address": "ann@corp.org", "person_id": "ann"},
        {"address": "ann.s@corp.org", "person_id": "ann"},
    ]


def test_no_extra_columns_gives_empty_object(tmp_path: Path) -> None:
    ds = people_only(tmp_path, "person_id,department\na,HR\n")
    assert ds.tables["people"].column("attributes").to_pylist() == ["{}"]


def test_rejects_name_line_and_reason(tmp_path: Path) -> None:
    ds = people_only(
        tmp_path,
        "person_id,department,email\n"
        "ann,HR,ann@x.org\n"  # 2 ok
        ",HR,\n"  # 3 empty id
        "bob,,\n"  # 4 empty department
        "ann,IT,\n"  # 5 duplicate of line 2
        "cy,IT,ANN@X.org\n"  # 6 address of ann, other case
        "dee,IT,dee@x.org;DEE@x.org\n",  # 7 ok: one person listing an address twice
    )
    assert ds.tables["people"].column("person_id").to_pylist() == ["ann", "dee"]
    assert [(r.line, r.reason) for r in ds.report.rejected] == [
        (3, "person_id is empty"),
        (4, "department is empty"),
        (5, "person_id 'ann' is already defined on line 2"),
        (6, "email 'ann@x.org' already belongs to person 'ann' (line 2)"),
    ]
    rep = ds.report.files["people.csv"]
    assert (rep.rows_read, rep.accepted, rep.rejected, rep.duplicates) == (6, 2, 4, 0)
    assert ds.tables["aliases"].column("address").to_pylist() == ["ann@x.org", "dee@x.org"]


def test_duplicate_after_invalid_first_row_is_the_definition(tmp_path: Path) -> None:
    """A first row that is itself rejected does not block a later valid one."""
    ds = people_only(tmp_path, "person_id,department\nann,\nann,HR\n")
    assert ds.tables["people"].column("line").to_pylist() == [3]
    assert [(r.line, r.reason) for r in ds.report.rejected] == [(2, "department is empty")]


def test_rejected_row_frees_its_addresses(tmp_path: Path) -> None:
    """Line 3 loses a@x to line 2, so its b@x stays free for line 4."""
    ds = people_only(
        tmp_path,
        "person_id,department,email\np1,HR,a@x\np2,HR,a@x;b@x\np3,HR,b@x\n",
    )
    assert ds.tables["people"].column("person_id").to_pylist() == ["p1", "p3"]
    assert [r.line for r in ds.report.rejected] == [3]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("person_id,email\na,a@x\n", "people.csv: missing required column 'department' (columns found: person_id, email)"),
        ("id;department;email\na;b;c\n", "people.csv: missing required column 'person_id'"),
        ("", "people.csv: the file is empty"),
        ("\n\n", "people.csv: the file is empty (no header row)"),
        ("person_id,department,Person_ID\n", "people.csv: column 'Person_ID' appears twice (columns 1 and 3)"),
    ],
)
def test_whole_file_errors(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(DatasetError) as err:
        people_only(tmp_path, text)
    assert str(err.value).startswith(message)
    assert err.value.file == "people.csv"


def test_semicolon_separated_file_gets_a_hint(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="separated by ';'"):
        people_only(tmp_path, "person_id;department\na;HR\n")


def test_column_names_trimmed_and_case_insensitive(tmp_path: Path) -> None:
    ds = people_only(tmp_path, " Person_ID , DEPARTMENT ,Team \na,HR,x\n")
    assert ds.tables["people"].to_pylist()[0] | {"line": 0} == {
        "person_id": "a",
        "department": "HR",
        "emails": None,
        "attributes": '{"Team":"x"}',
        "line": 0,
    }
