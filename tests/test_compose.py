"""The one composition of the pipeline: the per-window judgement and the faces' entries."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

import ona
from ona.analysis.pipeline import (
    analyze_and_keep,
    event_engine,
    load_graph,
    load_source,
    loaded_folder,
    run_analysis,
)
from ona.analysis.window import judged_groups, judged_links
from ona.errors import ParameterError
from ona.params import AnalysisParams
from ona.store import Store
from ona.store.engine import DuckDBEngine
from tests import orgs

PARAMS = AnalysisParams(seed=3, permutations=300, stability_resamples=0)
ANALYSIS = Path(ona.__file__).parent / "analysis"


@pytest.fixture(scope="module")
def two_silos(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return orgs.two_silos(tmp_path_factory.mktemp("org") / "two_silos")


def test_judged_groups_flag_the_planted_silos_in_stage_order(two_silos: Path) -> None:
    stages: list[str] = []
    with loaded_folder(two_silos) as (store, info):
        g, partition, _ = load_graph(store, info.dataset_id, PARAMS)
        groups = judged_groups(g, partition, PARAMS, stage=stages.append)
        links = judged_links(g, partition, groups, PARAMS)
    assert stages == ["groups", "significance"]
    # tests/orgs.py plants Audit and Board (95% of their emails inside), not Crew or Dock
    assert {gm.group for gm in groups if gm.silo} == {"Audit", "Board"}
    for gm in groups:
        if gm.silo:
            assert gm.z is not None and gm.z > 0 and gm.p_value is not None and gm.p_value < PARAMS.alpha
            assert gm.p_value_raw is not None and gm.p_value_raw <= gm.p_value
    # every pair of the 4 groups is listed; Audit and Board never email each other, which their
    # silos explain: under-connected, but not a weak link
    assert len(links) == 6
    (between,) = [lk for lk in links if {lk.source, lk.target} == {"Audit", "Board"}]
    assert between.weight == 0 and not between.weak
    assert any(r.startswith("explained_by_silo: ") for r in between.weak_reasons)


def test_analyze_and_keep_records_and_saves_the_result(two_silos: Path) -> None:
    with Store() as store:
        info = load_source(store, two_silos, workspace="acme")
        kept = analyze_and_keep(store, info.dataset_id, PARAMS)
        record = store.get_analysis(kept.analysis_id)
        saved = store.get_result_json(kept.analysis_id)
        assert store.get_dataset(info.dataset_id).workspace == "acme"
    assert record.status == "done" and record.dataset_id == info.dataset_id
    assert json.loads(saved) == json.loads(kept.result.to_json())
    assert {gm.group for gm in kept.result.groups if gm.silo} == {"Audit", "Board"}


def test_every_loader_and_entry_gives_the_same_result(two_silos: Path) -> None:
    with Store() as store:
        info = load_source(store, two_silos)  # the whole folder read, then saved
        entry = run_analysis(store, info.dataset_id, PARAMS).to_json()
    assert entry == ona.analyze(two_silos, PARAMS).to_json()  # a piece at a time into a scratch store


def test_load_source_rejects_a_bad_workspace_before_reading(two_silos: Path) -> None:
    with Store() as store:
        with pytest.raises(ParameterError) as err:
            load_source(store, two_silos, workspace="not a workspace!")
        assert err.value.field == "workspace"
        assert store.list_datasets() == []


def test_event_engine_by_name() -> None:
    with event_engine("duckdb") as engine:
        assert isinstance(engine, DuckDBEngine)
    with pytest.raises(ParameterError) as err, event_engine("flink"):  # type: ignore[arg-type]
        pass
    assert err.value.field == "engine"


def _first_parameters(path: Path) -> dict[str, str]:
    """Public function name -> the annotation of its first parameter (as written)."""
    out = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.FunctionDef) and not node.name.startswith("_") and node.args.args:
            first = node.args.args[0]
            out[node.name] = ast.unparse(first.annotation) if first.annotation is not None else first.arg
    return out


def test_analysis_functions_take_the_graph_or_tables_not_the_store() -> None:
    """Only the composition (pipeline) fetches from the store; every metric takes what it measures."""
    modules = sorted(p for p in ANALYSIS.glob("*.py") if p.name not in ("pipeline.py", "__init__.py"))
    assert len(modules) > 10
    taking_store = {
        f"{p.stem}.{name}": first
        for p in modules
        for name, first in _first_parameters(p).items()
        if first in ("Store", "store", "ona.store.Store")
    }
    assert taking_store == {}
    assert _first_parameters(ANALYSIS / "pipeline.py")["trend"] == "Store"  # the check sees annotations
