"""schemathesis against the app's own OpenAPI document: no 5xx, every answer as documented.

The store holds a real dataset and a finished analysis, and the generated
read requests are pointed at them (random ids would only ever meet 404), so
the query parameters (sort, filters, offset, limit) are fuzzed against real
results. Uploads get generated files; analyses are started only against
generated (absent) datasets, so the single worker stays free.
"""

from __future__ import annotations

import shutil
import tempfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.main import create_app
from api.settings import Settings
from ona.analysis.pipeline import analyze_dataset
from ona.io import read_dataset
from ona.params import AnalysisParams
from ona.store import Store
from tests.api.conftest import make_keys

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    ignored_auth,
]


# The schema is read at collection time, so the app is made at import; its store is
# only opened (by schemathesis' ASGI client, at the first call) after the `service`
# fixture has filled it.
_STORE = Path(tempfile.mkdtemp(prefix="ona-schema-")) / "ona.duckdb"
APP = create_app(Settings(store=_STORE, max_upload_bytes=256 * 1024))
schema = schemathesis.openapi.from_dict(APP.openapi())
schema.app = APP


@dataclass
class Service:
    keys: dict[str, str]
    dataset_id: str
    analysis_id: str


@pytest.fixture(scope="module")
def service(org: Path) -> Iterator[Service]:
    keys = make_keys(_STORE)
    with Store(_STORE) as store:
        info = store.save_dataset(read_dataset(org))
        params = AnalysisParams(permutations=50)
        job = store.create_analysis(info.dataset_id, params)
        store.save_result(job.analysis_id, analyze_dataset(store, info.dataset_id, params).to_json())
    yield Service(keys, info.dataset_id, job.analysis_id)
    from schemathesis.python import asgi

    asgi.shutdown_lifespans()  # the app's shutdown: closes its store
    shutil.rmtree(_STORE.parent, ignore_errors=True)


@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture],
)
def test_openapi_conformance(case: schemathesis.Case, service: Service) -> None:
    if case.method == "GET" and case.path_parameters:
        if "analysis_id" in case.path_parameters:
            case.path_parameters["analysis_id"] = service.analysis_id
        if "dataset_id" in case.path_parameters:
            case.path_parameters["dataset_id"] = service.dataset_id
    # A third of the requests as a viewer (deterministic, so a failure replays).
    role = "viewer" if zlib.crc32(repr((case.path, case.query, case.body)).encode()) % 3 == 0 else "analyst"
    case.call_and_validate(headers={"Authorization": f"Bearer {service.keys[role]}"}, checks=CHECKS)
