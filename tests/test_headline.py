"""The headline counts independent problems that call for action: tentative flags and quiet pairs come after."""

from __future__ import annotations

import pytest

from ona.report import words
from tests.viz.results import two_silos


@pytest.fixture(scope="module")
def result():
    return two_silos()[0]


def _weak(result):
    return [lk for lk in result.links if lk.weak]


def test_a_tentative_link_leaves_the_headline_and_is_named_after_it(result) -> None:
    first = words.weak_links_in_order(result.links)[0]
    links = [lk.model_copy(update={"tentative": True, "stability": 0.64}) if lk is first else lk for lk in result.links]
    shaky = result.model_copy(update={"links": links})
    head, items = words.link_sentences(shaky)
    assert not any(item.startswith(f"{first.source} and {first.target}") for item in items)
    assert head.startswith(f"{len(_weak(result)) - 1} link")
    note = words.link_notes(shaky)
    assert f"1 more link is tentative" in note and f"{first.source} and {first.target} (holds in 64% of resamples)" in note


def test_a_quiet_pair_is_counted_not_described(result) -> None:
    quiet = result.links[-1].model_copy(update={
        "weak": True, "under_connected": True, "fragile": False, "dependency_without_relationship": False,
        "handoffs": 0, "explained_by": None, "tentative": False,
    })
    with_quiet = result.model_copy(update={"links": [*result.links[:-1], quiet]})
    head, items = words.link_sentences(with_quiet)
    assert not any(item.startswith(f"{quiet.source} and {quiet.target}") for item in items)
    assert "1 pair of departments rarely works together" in words.link_notes(with_quiet)
    # with enough handoffs to show the groups need each other, it is a problem again
    needed = quiet.model_copy(update={"handoffs": result.parameters.dependency_min_handoffs})
    head2, _ = words.link_sentences(result.model_copy(update={"links": [*result.links[:-1], needed]}))
    assert head2 != head


def test_a_tentative_silo_says_so(result) -> None:
    silo = next(g for g in result.groups if g.silo)
    groups = [g.model_copy(update={"tentative": True, "stability": 0.7}) if g is silo else g for g in result.groups]
    text = " ".join(words.silo_sentences(result.model_copy(update={"groups": groups})))
    assert f"{silo.group} (holds in 70% of resamples) is tentative" in text
