"""Hypothesis strategies: random weighted organizations with a partition.

``orgs()`` draws an :class:`~tests.analysis.graphs_groups.Org`: 1-24 people
in 1-5 groups (so one-person groups and groups without ties occur), any
subset of the pairs as ties with channel weights, handoffs and the odd
zero-weight row (a handoff whose ticket coefficient was 0), people in a
drawn vertex order (not the person_id order).
"""

from __future__ import annotations

from hypothesis import strategies as st

from tests.analysis.graphs_groups import Org, Tie

GROUP_NAMES = ["Audit", "Board", "Crew", "Dock", "Eng"]
_weights = st.sampled_from([0.5, 1.0, 1.5, 2.0, 3.0, 0.25, 1 / 3, 4.0])


@st.composite
def orgs(draw: st.DrawFn, *, max_people: int = 24, min_people: int = 1, zero_weight: bool = True) -> Org:
    n = draw(st.integers(min_people, max_people))
    ids = [f"p{i:02d}" for i in range(n)]
    people = draw(st.permutations(ids))
    k = draw(st.integers(1, len(GROUP_NAMES)))
    groups = {pid: draw(st.sampled_from(GROUP_NAMES[:k])) for pid in ids}
    pairs = [(a, b) for i, a in enumerate(ids) for b in ids[i + 1:]]
    chosen = draw(st.lists(st.sampled_from(pairs), unique=True, max_size=min(len(pairs), 60))) if pairs else []
    ties = []
    for a, b in chosen:
        email = draw(_weights)
        meeting = draw(st.sampled_from([0.0, 0.5, 1.0]))
        ticket = draw(st.sampled_from([0.0, 1.0, 2.0]))
        handoffs = int(ticket)
        weight = email + meeting + ticket
        if zero_weight and draw(st.integers(0, 19)) == 0:
            weight, email, meeting, ticket, handoffs = 0.0, 0.0, 0.0, 1.0, 1
        ties.append(Tie(a, b, weight, email=email, meeting=meeting, ticket=ticket, handoffs=handoffs))
    return Org(list(people), groups, ties)
