"""Property: on generated organizations with groups under K, no subtraction gives a hidden figure back.

Each example is a real analysis (:func:`tests.privacy.orgs.analysed`) of an
organization with one to three groups under K (pooled or not, depending on
their sizes) and links carried by one or two people; its viewer version
(:func:`ona.privacy.for_viewer`) must pass every check of
:mod:`tests.privacy.checks`.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, note, settings

from ona.privacy import for_viewer
from tests.privacy.checks import check_viewer
from tests.privacy.orgs import Org, analysed, orgs


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(orgs())
def test_no_sum_or_difference_of_viewer_figures_is_a_hidden_figure(org: Org) -> None:
    note(f"{org!r}")
    full = analysed(org)
    viewer = for_viewer(full)
    assert viewer.privacy.suppressed_groups == len(org.hidden)
    assert (viewer.privacy.pool is not None) == org.pooled
    check_viewer(viewer.model_dump(mode="json"), full, org.k)
