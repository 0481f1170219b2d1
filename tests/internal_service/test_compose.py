"""Every service analysis composed as the pipeline composes them: typed, JSON-safe."""

from __future__ import annotations

import json

from ona.analysis.keyperson import key_person_risk
from ona.analysis.links import link_metrics
from ona.analysis.people import person_metrics
from ona.analysis.pipeline import compare_windows, handoff_analytics, load_graph, trend
from ona.analysis.recommend import recommend, recommendations_for_viewer
from ona.analysis.window import judged_groups
from ona.params import AnalysisParams
from ona.store import Store
from tests.orgs import at, dependency_pair, saved


def test_compose_on_a_stored_dataset() -> None:
    params = AnalysisParams(permutations=100, seed=1)
    with Store() as store:
        dataset_id = saved(store, dependency_pair())
        g, partition, _ = load_graph(store, dataset_id, params)
        groups = judged_groups(g, partition, params)
        handoffs = handoff_analytics(store, dataset_id, params)
        links = link_metrics(g, partition, params=params)
        people = person_metrics(g, partition, params=params)
        recs = recommend(g, partition, groups, links, people, params=params)
        risks = key_person_risk(g, partition, betweenness={p.person_id: p.betweenness for p in people})
        weekly = trend(store, dataset_id, params, period="week")
        comparison = compare_windows(store, dataset_id, params, split=at(250))
    assert links[0].source == "A" and links[0].target == "B" and recs and recs[0].groups == ["A", "B"]
    assert len(risks) == 10 and risks[0].rank == 1
    documents = {
        "handoffs": handoffs.model_dump(mode="json"),
        "links": [lk.model_dump(mode="json") for lk in links],
        "recommendations": [r.model_dump(mode="json") for r in recs],
        "recommendations_viewer": [v.model_dump(mode="json") for v in recommendations_for_viewer(recs)],
        "key_people": [r.model_dump(mode="json") for r in risks],
        "trends": weekly.model_dump(mode="json"),
        "comparison": comparison.model_dump(mode="json"),
    }
    json.dumps(documents, allow_nan=False)  # no NaN or infinity anywhere
