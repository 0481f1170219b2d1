"""Datasets in the store: save, read back, atomicity, persistence, delete."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import duckdb
import pyarrow as pa
import pytest

from ona.errors import DatasetError, NotFoundError, OnaError, ParameterError
from ona.io.schema import TABLES
from ona.params import AnalysisParams
from ona.store import Store, ingest

PEOPLE = {"b": "Sales", "a": "Sales", "c": "IT"}


def day(d: float) -> datetime:
    return datetime(2024, 1, 1, tzinfo=UTC) + timedelta(days=d)


@pytest.fixture
def small(make_dataset):  # type: ignore[no-untyped-def]
    """3 people, 2 emails, 1 meeting, 2 tickets (3 rows), 2 rejected rows."""
    return make_dataset(
        PEOPLE,
        emails=[(day(1), "a", ["b", "x@ext.com"]), (day(3), "c", ["a"])],
        meetings=[(day(2), 1.0, ["a", "b", "c"])],
        tickets=[("T1", day(1), "a"), ("T1", day(2), "c"), ("T2", day(4), "b")],
        attributes={"a": {"team": "north", "floor": 3}, "b": {"team": ""}},
        rejects=[("tickets.csv", 5, "no assignee"), ("emails.csv", 9, "bad timestamp")],
        name="acme",
    )


def test_save_returns_what_the_dataset_holds(store, small):
    info = store.save_dataset(small)
    assert (info.name, info.people, info.emails, info.email_recipients) == ("acme", 3, 2, 3)  # 2 + 1 recipients
    assert (info.meetings, info.meeting_attendees, info.tickets, info.ticket_rows) == (1, 3, 2, 3)
    assert info.rejected == 2
    assert (info.first_event, info.last_event) == (day(1), day(4))
    assert re.fullmatch(r"[0-9a-f]{12}", info.dataset_id), info.dataset_id
    assert info.created_at.tzinfo is not None
    assert store.get_dataset(info.dataset_id) == info
    assert store.list_datasets() == [info]


def test_explicit_id_and_duplicate_id(store, small):
    info = store.save_dataset(small, dataset_id="acme-2024")
    assert info.dataset_id == "acme-2024"
    before = store.row_counts()
    with pytest.raises(ParameterError, match="already exists"):
        store.save_dataset(small, dataset_id="acme-2024")
    assert store.row_counts() == before


def test_unknown_dataset_is_not_found(store):
    for call in (store.get_dataset, store.delete_dataset, store.person_ids, store.people_table):
        with pytest.raises(NotFoundError):
            call("nope")


def test_people_ids_table_and_order(store, make_dataset):
    ds = make_dataset({"p9": "X", "p10": "X", "B": "Y", "a": "Y"})
    info = store.save_dataset(ds)
    assert store.person_ids(info.dataset_id) == ["B", "a", "p10", "p9"]  # byte order
    table = store.people_table(info.dataset_id)
    assert table.schema == TABLES["people"]
    assert table.column("person_id").to_pylist() == ["B", "a", "p10", "p9"]
    assert table.column("department").to_pylist() == ["Y", "Y", "X", "X"]


def test_group_labels_on_department_and_attributes(store, small):
    info = store.save_dataset(small)
    assert store.group_labels(info.dataset_id, "department") == {"a": "Sales", "b": "Sales", "c": "IT"}
    # b's team is empty and c has no attributes at all
    assert store.group_labels(info.dataset_id, "team") == {"a": "north", "b": "(unassigned)", "c": "(unassigned)"}
    assert store.group_labels(info.dataset_id, "floor") == {"a": "3", "b": "(unassigned)", "c": "(unassigned)"}


def test_group_labels_unknown_column_names_the_available_ones(store, small):
    info = store.save_dataset(small)
    with pytest.raises(ParameterError) as err:
        store.group_labels(info.dataset_id, "region")
    assert err.value.field == "group_by"
    assert "available: department, floor, team" in str(err.value)


def test_validation_report_paginates_rejects_in_file_line_order(store, small):
    info = store.save_dataset(small)
    full = store.validation_report(info.dataset_id)
    assert [(r.file, r.line) for r in full.rejected] == [("emails.csv", 9), ("tickets.csv", 5)]
    assert full.files == small.report.files and full.rejected_count == 2
    page = store.validation_report(info.dataset_id, offset=1, limit=1)
    assert [(r.file, r.line, r.reason) for r in page.rejected] == [("tickets.csv", 5, "no assignee")]
    assert store.validation_report(info.dataset_id, offset=2).rejected == []
    with pytest.raises(ParameterError):
        store.validation_report(info.dataset_id, offset=-1)
    with pytest.raises(NotFoundError):
        store.validation_report("nope")


def test_an_event_naming_an_unknown_person_is_refused_and_nothing_is_written(store, small):
    bad = small.tables["tickets"].to_pylist()
    bad[0]["assignee_id"] = "zed"
    small.tables["tickets"] = pa.Table.from_pylist(bad, schema=TABLES["tickets"])
    with pytest.raises(DatasetError, match="'zed' is not in people"):
        store.save_dataset(small)
    assert set(store.row_counts().values()) == {0, 1}  # only schema_version's row


def test_a_repeated_person_id_is_refused(store, make_dataset):
    ds = make_dataset({"a": "X"})
    ds.tables["people"] = pa.concat_tables([ds.tables["people"], ds.tables["people"]])
    with pytest.raises(DatasetError, match="'a' appears more than once"):
        store.save_dataset(ds)


# ------------------------------------------------------------- atomicity


def test_save_is_atomic_when_an_insert_fails_part_way(store, small, make_dataset):
    kept = store.save_dataset(make_dataset({"z": "Z"}, emails=[(day(1), "z", ["x@ext.com"])]))
    before = store.row_counts()
    # a ticket row without ts passes the Arrow schema but not the store's NOT
    # NULL: people, emails and meetings are inserted before tickets fail
    rows = small.tables["tickets"].to_pylist()
    rows[-1]["ts"] = None
    small.tables["tickets"] = pa.Table.from_pylist(rows, schema=TABLES["tickets"])
    with pytest.raises(duckdb.ConstraintException):
        store.save_dataset(small)
    assert store.row_counts() == before
    assert store.list_datasets() == [kept]


def test_save_is_atomic_when_the_last_insert_fails(store, small, monkeypatch):
    before = store.row_counts()
    bad = pa.table({"seq": [0], "file": [None], "line": [1], "reason": ["x"]})  # file NOT NULL
    monkeypatch.setattr(ingest, "_rejects_table", lambda rejects: bad)
    with pytest.raises(duckdb.ConstraintException):
        store.save_dataset(small)
    assert store.row_counts() == before


# ----------------------------------------------------------- persistence


def test_a_file_store_keeps_everything_across_close_and_reopen(tmp_path, small):
    path = tmp_path / "ona.duckdb"
    params = AnalysisParams(since=day(0), email_weight=2.0)
    with Store(path) as store:
        info = store.save_dataset(small)
        weights = store.pair_weights(info.dataset_id, params)
        job = store.create_analysis(info.dataset_id, params)
        store.save_result(job.analysis_id, '{"summary": {}}')
        report = store.validation_report(info.dataset_id)
        counts = store.row_counts()
    with Store(path) as store:
        assert store.list_datasets() == [info]
        assert store.row_counts() == counts
        again = store.pair_weights(info.dataset_id, params)
        assert again.table.equals(weights.table) and again.events == weights.events
        assert store.get_analysis(job.analysis_id).parameters == params
        assert store.get_result_json(job.analysis_id) == '{"summary": {}}'
        assert store.validation_report(info.dataset_id) == report


def test_a_store_of_another_schema_version_is_refused(tmp_path):
    path = tmp_path / "old.duckdb"
    Store(path).close()
    con = duckdb.connect(str(path))
    con.execute("UPDATE schema_version SET version = 99")
    con.close()
    with pytest.raises(OnaError, match="schema version 99"):
        Store(path)


# ---------------------------------------------------------------- delete


def test_delete_dataset_removes_its_rows_analyses_and_results(store, small, make_dataset):
    other_ds = make_dataset({"z": "Z", "y": "Z"}, emails=[(day(1), "z", ["y"])], rejects=[("emails.csv", 3, "x")])
    with Store() as reference:  # what the store must hold after the delete
        reference.create_analysis(reference.save_dataset(other_ds).dataset_id, AnalysisParams())
        expected = reference.row_counts()
    gone = store.save_dataset(small)
    other = store.save_dataset(other_ds)
    job = store.create_analysis(gone.dataset_id, AnalysisParams())
    store.save_result(job.analysis_id, "{}")
    store.create_analysis(other.dataset_id, AnalysisParams())
    store.delete_dataset(gone.dataset_id)
    assert store.row_counts() == expected
    assert store.list_datasets() == [other]
    assert [a.dataset_id for a in store.list_analyses()] == [other.dataset_id]
    with pytest.raises(NotFoundError):
        store.get_analysis(job.analysis_id)
    assert store.person_ids(other.dataset_id) == ["y", "z"]
