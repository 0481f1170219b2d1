"""Assignment-group changes of the ServiceNow and Zendesk fixtures in the handoff analytics (counted by hand)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ona.analysis.pipeline import handoff_analytics
from ona.io import read_dataset
from ona.io.imports import import_export
from ona.io.imports.base import ImportOptions
from ona.params import AnalysisParams
from ona.results import HandoffAnalytics
from ona.store import Store
from tests.io.imports import ticketfiles as tk
from tests.io.imports.smallorg import write_canonical


def imported(tmp: Path, kind: str, sources: list[Path]) -> HandoffAnalytics:
    people = write_canonical(tmp / "org", chats=False) / "people.csv"
    out = tmp / f"out-{kind}"
    import_export(kind, sources, out, ImportOptions(), people=people)
    with Store() as store:
        info = store.save_dataset(read_dataset(out))
        return handoff_analytics(store, info.dataset_id, AnalysisParams())


def pair(h: HandoffAnalytics, a: str, b: str) -> dict:
    found = [p.model_dump() for p in h.pairs if (p.from_group, p.to_group) == (a, b)]
    return found[0] if found else {"handoffs": 0, "tickets": 0, "group_handoffs": 0}


def test_servicenow_group_only_change_adds_a_pair_handoff(tmp_path: Path) -> None:
    base = imported(tmp_path / "base", "servicenow", tk.write_servicenow(tmp_path / "sn0"))
    paths = tk.write_servicenow(tmp_path / "sn")
    rows = tk.servicenow_rows()
    # T7: hal (Sales) holds it from 08:00; at 12:00 it moves to Legal's queue, hal still assigned;
    # hal resolves it at 17:00, which closes Legal's stay (5 h)
    extra = {**rows[0], "sys_id": tk.sys_id("extra"), "documentkey": tk.sys_id("T7"), "fieldname": "assignment_group",
             "oldvalue": tk.sys_id("grp-Sales"), "newvalue": tk.sys_id("grp-Legal"), "sys_created_on": "2024-03-06 12:00:00"}
    tk.write_csv(paths[0], tk.AUDIT_FIELDS, rows + [extra])
    h = imported(tmp_path / "extra", "servicenow", paths)
    # every other group change goes with a person handoff between the same departments: counted once
    assert base.summary.group_handoffs == 0
    before, after = pair(base, "Sales", "Legal"), pair(h, "Sales", "Legal")
    assert (before["handoffs"], before["tickets"]) == (1, 1)  # T9: fay -> eve
    assert (after["handoffs"], after["tickets"], after["group_handoffs"]) == (2, 2, 1)
    assert after["median_hours"] == pytest.approx(5.5)  # T7 5 h (12:00 -> 17:00), T9 6 h (10:00 -> 16:00)
    assert h.summary.group_handoffs == 1 and h.summary.group_handoffs_unmatched == 0
    assert h.summary.cross_group_handoffs == base.summary.cross_group_handoffs + 1
    assert h.summary.handoffs == base.summary.handoffs + 1
    others = [p for p in h.pairs if (p.from_group, p.to_group) != ("Sales", "Legal")]
    assert others == [p for p in base.pairs if (p.from_group, p.to_group) != ("Sales", "Legal")]


def test_zendesk_ticket_sent_to_a_group_and_back(tmp_path: Path) -> None:
    eve, dan = str(tk.numeric_id("eve")), str(tk.numeric_id("dan"))
    audits = [
        {"id": 1, "ticket_id": 50, "created_at": "2024-03-04T09:00:00Z", "events": [
            {"id": 1, "type": "Create", "field_name": "assignee_id", "value": eve},
            {"id": 2, "type": "Create", "field_name": "group_id", "value": "701"}]},
        {"id": 2, "ticket_id": 50, "created_at": "2024-03-04T10:00:00Z", "events": [  # to the Sales queue, nobody
            {"id": 3, "type": "Change", "field_name": "assignee_id", "value": None, "previous_value": eve},
            {"id": 4, "type": "Change", "field_name": "group_id", "value": "702", "previous_value": "701"}]},
        {"id": 3, "ticket_id": 50, "created_at": "2024-03-04T12:00:00Z", "events": [  # back to Legal, to dan
            {"id": 5, "type": "Change", "field_name": "group_id", "value": "701", "previous_value": "702"},
            {"id": 6, "type": "Change", "field_name": "assignee_id", "value": dan, "previous_value": None}]},
    ]  # fmt: skip
    folder = tmp_path / "zd"
    folder.mkdir()
    src = folder / "audits.json"
    src.write_text(json.dumps({"audits": audits}))
    users = folder / "users.json"
    users.write_text(json.dumps({"users": tk.zendesk_users()}))
    groups = folder / "groups.json"
    groups.write_text(json.dumps({"groups": [{"id": 701, "name": "Legal"}, {"id": 702, "name": "Sales"}]}))
    h = imported(tmp_path, "zendesk", [src, users, groups])
    # Legal (eve) -> Sales's queue (10:00 -> 12:00, 2 h) -> Legal (dan): a bounce and a ping-pong;
    # eve -> dan is a handoff within Legal
    there, back = pair(h, "Legal", "Sales"), pair(h, "Sales", "Legal")
    assert (there["handoffs"], there["tickets"], there["group_handoffs"], there["closed"]) == (1, 1, 1, 1)
    assert there["median_hours"] == pytest.approx(2.0)
    assert (back["handoffs"], back["group_handoffs"], back["bounces"], back["ping_pongs"], back["open"]) == (1, 1, 1, 1, 1)
    s = h.summary
    assert (s.handoffs, s.within_group_handoffs, s.cross_group_handoffs, s.external_handoffs) == (3, 1, 2, 0)
    assert (s.group_handoffs, s.tickets_bounced, s.tickets_ping_pong) == (2, 1, 1)
