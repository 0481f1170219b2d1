"""The planted problems: what the generator hides in the organization.

Input: an :class:`~ona.synth.org.Org`. Output: a :class:`Plan`, the
department affinity and ticket handoff matrices it implies, and each
person's collaboration mix. The four problems (unless ``well_mixed``):

1. silos: Legal and Finance keep almost all collaboration inside;
2. dependency without contact: Customer Support and Logistics hand each
   other many tickets but barely email or meet;
3. a fragile link: Engineering <-> Security rests on one Security person;
4. a cut-off team: the last Engineering team talks only to itself, with a
   single tie (``liaison`` - ``counterpart``) to the rest of Engineering.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ona.synth import catalog
from ona.synth.catalog import DEPT
from ona.synth.org import Org

SILO_DEPARTMENTS: tuple[str, ...] = ("Legal", "Finance")
DEPENDENCY_PAIR: tuple[str, str] = ("Customer Support", "Logistics")
FRAGILE_PAIR: tuple[str, str] = ("Engineering", "Security")

# How strongly the problems are planted.
SILO_AFFINITY = 0.1  # others' propensity to pick a silo member, relative to normal
DEPENDENCY_AFFINITY = 0.02  # the dependency pair's affinity, absolute (normal: 2.5)
DEPENDENCY_HANDOFF = 2.0  # ticket handoff weight between the pair (normal: 1.0)
# Collaboration mix (team, department, other departments) of each kind of person.
MIX_NORMAL = (0.50, 0.25, 0.25)
# Engineering reaches out a little more: it is large, few others seek it out
# beyond Product, and its cut-off team keeps to itself, so with the usual mix
# it would look inward (and be flagged) without being planted as a silo.
MIX_ENGINEERING = (0.46, 0.22, 0.32)
# The executive team works with the department heads who report to it.
MIX_EXECUTIVE = (0.30, 0.20, 0.50)
MIX_SILO = (0.55, 0.42, 0.03)
MIX_BRIDGE = (0.30, 0.15, 0.55)
MIX_CUTOFF = (1.0, 0.0, 0.0)
MIX_LIAISON = (0.96, 0.0, 0.04)
MIX_WELL_MIXED = (0.0, 0.0, 1.0)


@dataclass(frozen=True)
class Plan:
    """Which departments, team and people carry the planted problems.

    All fields are indices (departments into :data:`catalog.DEPARTMENTS`,
    people and teams into the :class:`Org` arrays). With ``well_mixed`` the
    fields still name the candidates, but nothing is planted.
    """

    well_mixed: bool
    silo_depts: tuple[int, ...]
    dependency: tuple[int, int]
    fragile: tuple[int, int]
    bridge: int
    cutoff_team: int
    liaison: int
    counterpart: int

    @property
    def planted(self) -> bool:
        """True when the problems are planted."""
        return not self.well_mixed


def make_plan(org: Org, rng: np.random.Generator, *, well_mixed: bool) -> Plan:
    """Choose the liaison of the cut-off team and their one outside counterpart."""
    eng = DEPT["Engineering"]
    t = org.cutoff_team
    lo, size = int(org.team_start[t]), int(org.team_size[t])
    liaison = lo + 1 + int(rng.integers(size - 1))
    # Anyone in Engineering outside the cut-off team but its head.
    outside_lo = int(org.dept_start[eng]) + 1
    counterpart = outside_lo + int(rng.integers(lo - outside_lo))
    return Plan(
        well_mixed=well_mixed,
        silo_depts=tuple(DEPT[d] for d in SILO_DEPARTMENTS),
        dependency=(DEPT[DEPENDENCY_PAIR[0]], DEPT[DEPENDENCY_PAIR[1]]),
        fragile=(DEPT[FRAGILE_PAIR[0]], DEPT[FRAGILE_PAIR[1]]),
        bridge=org.bridge,
        cutoff_team=t,
        liaison=liaison,
        counterpart=counterpart,
    )


def affinity(plan: Plan) -> np.ndarray:
    """The department affinity matrix with the problems planted (symmetric)."""
    a = catalog.affinity_matrix()
    if plan.planted:
        silos = list(plan.silo_depts)
        a[:, silos] *= SILO_AFFINITY
        a[silos, :] *= SILO_AFFINITY
        x, y = plan.dependency
        a[x, y] = a[y, x] = DEPENDENCY_AFFINITY
    return a


def handoffs(plan: Plan) -> np.ndarray:
    """Where a ticket goes when it leaves a department, problems planted (rows sum to 1)."""
    h = catalog.handoff_matrix()
    if plan.planted:
        x, y = plan.dependency
        h[x, y] = h[y, x] = DEPENDENCY_HANDOFF
        h[:, list(plan.silo_depts)] *= SILO_AFFINITY
        e, s = plan.fragile
        h[e, s] = h[s, e] = 0.0
    return h / h.sum(axis=1, keepdims=True)


def cutoff_members(org: Org, plan: Plan) -> np.ndarray:
    """Boolean mask of the cut-off team's members (all False when well mixed)."""
    mask = org.team == plan.cutoff_team
    return mask & plan.planted


def outside_pools(org: Org, plan: Plan) -> tuple[np.ndarray, np.ndarray]:
    """Per department, the index range others draw partners from: ``(lo, n)``.

    It is the whole department, except that the cut-off team (last in
    Engineering) is out of reach when planted.
    """
    lo = org.dept_start.copy()
    n = org.dept_size.copy()
    if plan.planted:
        n[DEPT["Engineering"]] -= org.team_size[plan.cutoff_team]
    return lo, n


def collaboration_mix(org: Org, plan: Plan) -> np.ndarray:
    """Each person's probabilities of picking a partner in (team, department, elsewhere).

    Returns
    -------
    numpy.ndarray
        Shape ``(N, 3)``, rows summing to 1.
    """
    mix = np.tile(np.array(MIX_WELL_MIXED if plan.well_mixed else MIX_NORMAL), (org.n, 1))
    if plan.planted:
        mix[org.dept == plan.fragile[0]] = MIX_ENGINEERING
        mix[org.dept == DEPT["Executive"]] = MIX_EXECUTIVE
        mix[np.isin(org.dept, plan.silo_depts)] = MIX_SILO
        mix[plan.bridge] = MIX_BRIDGE
        mix[cutoff_members(org, plan)] = MIX_CUTOFF
        mix[plan.liaison] = MIX_LIAISON
    return mix
