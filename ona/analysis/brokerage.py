"""Gould-Fernandez brokerage roles of every person, relative to the groups.

Input: a :class:`~ona.graph.model.CollabGraph` and its group
:class:`~ona.graph.model.Partition`. Output: five count arrays, one value
per vertex.

A broker ``b`` sits in the middle of an *open two-path* ``a - b - c``:
``a`` and ``c`` are both tied to ``b`` but not to each other, so whatever
passes between them passes through ``b``. The role depends on the groups
``g(a), g(b), g(c)`` (Gould & Fernandez 1989):

============== =================================== ==========================
role           groups                              ``b`` ...
============== =================================== ==========================
coordinator    g(a) = g(b) = g(c)                  brokers inside its group
consultant     g(a) = g(c) != g(b)                 serves another group
liaison        g(a), g(b), g(c) all different      links two other groups
gatekeeper     g(b) = g(c) != g(a)                 lets outsiders into its group
representative g(a) = g(b) != g(c)                 speaks for its group outside
============== =================================== ==========================

Convention for undirected ties. The collaboration graph has no direction,
so a two-path is the unordered pair ``{a, c}`` of b's neighbours and is
counted **once**. When b shares its group with exactly one of ``a, c`` the
path reads as a gatekeeper path one way and a representative path the other
way, and nothing in the data prefers one reading: such a path adds 1 to
**both** ``gatekeeper`` and ``representative``, which are therefore always
equal. The number of distinct open two-paths through b is
``coordinator + consultant + liaison + gatekeeper`` (do not add
``representative`` again). Compared with treating each tie as two directed
arcs (as R's ``sna::brokerage`` does with symmetric data), coordinator,
consultant and liaison are half as large and gatekeeper and representative
the same.

How it is computed, without enumerating pairs: with ``N_x(b)`` the number
of b's neighbours in group x and ``h = g(b)``, the pairs of neighbours by
group combination are ``C(N_h, 2)`` (coordinator), ``sum_{x != h} C(N_x,
2)`` (consultant), ``N_h (deg - N_h)`` (gatekeeper) and the rest (liaison).
The closed pairs (``a ~ c``, triangles through b) are subtracted per role;
they come from the compiled pass over the triangles through every tie
(:func:`ona.analysis.ego.ego_sums`), which counts, for every tie ``(b, a)``,
the common neighbours ``c`` in a's group and outside it (see
:func:`_closed_pairs`).

References
----------
Gould, R. V. & Fernandez, R. M. (1989). Structures of mediation: a formal
approach to brokerage in transaction networks. *Sociological Methodology*
19, 89-126.
"""

from __future__ import annotations

import numpy as np

from ona.analysis.ego import EgoSums, Neighbours, ego_sums, group_counts, neighbours
from ona.graph.model import CollabGraph, Partition

#: The roles, in the order of :class:`ona.results.Brokerage`'s fields.
ROLES = ("coordinator", "gatekeeper", "representative", "consultant", "liaison")


def brokerage_counts(
    g: CollabGraph, partition: Partition, *, nb: Neighbours | None = None, sums: EgoSums | None = None,
) -> dict[str, np.ndarray]:
    """Open two-paths through every person, by Gould-Fernandez role.

    Parameters
    ----------
    g : CollabGraph
        Undirected collaboration graph; weights are ignored (a path is open
        or closed whatever the tie strengths).
    partition : Partition
        The groups; ``partition.membership[i]`` is vertex i's group.
    nb : Neighbours, optional
        ``neighbours(g)`` when the caller already has them.
    sums : EgoSums, optional
        ``ego_sums(nb, partition.membership)`` when the caller already has
        them (the same groups: the closed pairs depend on them).

    Returns
    -------
    dict of str to numpy.ndarray
        For each role of :data:`ROLES`, an int64 array with one count per
        vertex (0 for isolates and people with fewer than two contacts).
        ``gatekeeper == representative`` by the undirected convention of the
        module docstring.

    Examples
    --------
    ann and bob (sales) and cat, dan (ops) in a path ann - bob - cat - dan:
    bob links ann (his group) to cat (ops): one gatekeeper/representative
    path; cat links bob (sales) to dan (her group): the same.

    >>> import igraph as ig
    >>> from ona.graph.model import CollabGraph, Partition
    >>> gr = ig.Graph(n=4, edges=[(0, 1), (1, 2), (2, 3)]); gr.es["weight"] = [1.0] * 3
    >>> g = CollabGraph(gr, ("ann", "bob", "cat", "dan"))
    >>> counts = brokerage_counts(g, Partition.from_labels(["sales", "sales", "ops", "ops"]))
    >>> counts["gatekeeper"].tolist(), counts["representative"].tolist(), counts["coordinator"].tolist()
    ([0, 1, 1, 0], [0, 1, 1, 0], [0, 0, 0, 0])

    With a third group, a star centred on bob with one contact in each of
    three groups gives bob three liaison paths (pairs {a, c} of
    different groups, none his own):

    >>> gr = ig.Graph(n=4, edges=[(1, 0), (1, 2), (1, 3)]); gr.es["weight"] = [1.0] * 3
    >>> g = CollabGraph(gr, ("ann", "bob", "cat", "dan"))
    >>> brokerage_counts(g, Partition.from_labels(["a", "hub", "c", "d"]))["liaison"].tolist()
    [0, 3, 0, 0]
    """
    n = g.n
    if len(partition.membership) != n:
        raise ValueError(f"partition has {len(partition.membership)} members, graph has {n} vertices")
    group = np.asarray(partition.membership, dtype=np.int64)
    nb = neighbours(g) if nb is None else nb
    deg = nb.degree()
    own, square_sum = group_counts(nb, group)  # N_h(b) and sum_x N_x(b)^2
    same_pairs = (square_sum - deg) // 2  # sum_x C(N_x, 2), as sum_x N_x = deg
    other = deg - own

    coordinator = own * (own - 1) // 2
    consultant = same_pairs - coordinator
    gatekeeper = own * other
    liaison = (other * other - (square_sum - own * own)) // 2

    closed = _closed_pairs(ego_sums(nb, group) if sums is None else sums)
    coordinator = coordinator - closed["coordinator"]
    consultant = consultant - closed["consultant"]
    gatekeeper = gatekeeper - closed["gatekeeper"]
    liaison = liaison - closed["liaison"]
    return {
        "coordinator": coordinator,
        "gatekeeper": gatekeeper,
        "representative": gatekeeper.copy(),
        "consultant": consultant,
        "liaison": liaison,
    }


def _closed_pairs(sums: EgoSums) -> dict[str, np.ndarray]:
    """Closed pairs {a, c} of b's neighbours (triangles a-b-c), per role.

    For every tie (b, a), ``c_in(b, a)`` counts common neighbours c with
    g(c) = g(a) and ``c_out(b, a)`` those with g(c) != g(a) (the sums of
    :class:`~ona.analysis.ego.EgoSums` add them up over b's ties). Then,
    with h = g(b):

    - coordinator: sum over same-group ties (b, a) of c_in / 2 (a, c in h);
    - consultant: sum over all ties of c_in / 2, minus the coordinator ones
      (same-group tie a ~ c in a group other than h);
    - gatekeeper: sum over same-group ties (b, a) of c_out (a in h, c not;
      each triangle is seen once, from its end a inside h);
    - liaison: every remaining triangle (cross-group tie a ~ c, neither in h).
    """
    coordinator = sums.coordinator // 2
    triangles_in = sums.triangles_in // 2
    return {
        "coordinator": coordinator,
        "consultant": triangles_in - coordinator,
        "gatekeeper": sums.gatekeeper,
        "liaison": sums.triangles // 2 - triangles_in - sums.gatekeeper,
    }
