"""The upload's ties and people_history fields, and its map field (the people file's own column names)."""

from __future__ import annotations

from tests.api.conftest import Api
from tests.api.test_errors import assert_problem

V1 = "/api/v1"
HR = b"Employee ID,Org Unit,Work Email\np1,Audit,p1@corp.example\np2,Board,p2@corp.example\np3,Audit,\n"
TIES = b"source,target,weight,period_start\np1,p2,2,2024-01-01\np1@corp.example,p3,1,2024-02-01\np1,x@else.org,4,\n"
HISTORY = b"person_id,valid_from,department\np3,2024-01-01,Board\n"
MAP = ["person_id=Employee ID", "department=Org Unit", "email=Work Email"]


def _post(api: Api, files: dict[str, tuple[str, bytes]], mapping: list[str]):  # type: ignore[no-untyped-def]
    return api.client.post(f"{V1}/datasets", headers=api.auth(), files=files, data={"map": mapping})


def test_people_and_ties_with_a_map(api: Api) -> None:
    r = _post(api, {"people": ("hr.csv", HR), "ties": ("ties.csv", TIES),
                    "people_history": ("people_history.csv", HISTORY)}, MAP)  # fmt: skip
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["dataset"]["people"] == 3 and body["dataset"]["ties"] == 3 and body["dataset"]["people_history"] == 1
    assert body["validation"]["external"]["tie_references"] == 1


def test_a_map_naming_a_missing_column_is_refused(api: Api) -> None:
    r = _post(api, {"people": ("hr.csv", HR)}, ["person_id=Employee ID", "department=Org Unit", "email=Mail"])
    assert_problem(r, 422)
    assert "people.csv" in r.text and "'Mail'" in r.text  # the service names files by their table
