"""Is a link's concentration on few people beyond chance? A carrier-draw test.

Input: the a-b ties of the links to test (their two ends and weights), the
people's outside weights and the partition; output: one raw p-value per
link (the caller adjusts them over the links it tests).

A link of three ties is always carried by a few people; a link between two
groups whose every outside tie goes through one liaison is carried by that
liaison however healthy it is. So a link is called fragile only when its top
carriers hold far more of it than the link's size and the two groups' ways
of working would give by chance.

The null (stated so a consultant can defend it): the link keeps its ties and
their weights, and each tie's a-end is redrawn among a's members with
probability proportional to each member's *other* outside weight (their
weight with groups other than a and b: how the group's outside
collaboration is spread), the b-end likewise among b's members. When no
member of a side has other outside weight, its members' total weight is
used, and if that is zero too, every member is equally likely.

The statistic is the share of the link's weight that its top ``c`` carriers
(by the weight they hold, ``c`` the link's observed cut size) would take
away if they left: every tie touching one of them. With S draws,
``p_raw = (1 + #{draws with share >= observed share}) / (S + 1)``.

All draws of all links are made at once in batches: the Python loops are
over the links (to build each side's distribution) and over batches, never
over ties or draws.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["CarrierTies", "carrier_test", "top_carriers_share"]

#: (draws x ties) entries per batch: bounds the memory of one pass
_BATCH_ENTRIES = 2_000_000


@dataclass(frozen=True)
class CarrierTies:
    """The a-b ties of the links under test.

    ``link`` numbers each tie's link (0 .. L-1), ``a`` / ``b`` its person on
    each side (vertex indices), ``w`` its weight. ``side_a`` / ``side_b``
    give each link's two group indices, ``top`` its number of carriers c.
    """

    link: np.ndarray
    a: np.ndarray
    b: np.ndarray
    w: np.ndarray
    side_a: np.ndarray
    side_b: np.ndarray
    top: np.ndarray


def top_carriers_share(link: np.ndarray, a: np.ndarray, b: np.ndarray, w: np.ndarray,
                       top: np.ndarray, links: int, n: int) -> np.ndarray:
    """Per link: the share of its weight on ties touching its ``top`` heaviest carriers.

    Carriers are ranked by the link weight they hold (a tie counts for both
    its ends), ties between equal holders broken by vertex index. ``link``
    may number links across several draws (link * draws); ``top`` is per
    link number.

    >>> share = top_carriers_share(np.array([0, 0, 0]), np.array([0, 0, 1]), np.array([2, 3, 4]),
    ...                            np.array([1.0, 1.0, 2.0]), np.array([1]), 1, 5)
    >>> float(share[0])  # person 0 holds 2.0, person 1 and 4 hold 2.0 too: the lowest index wins
    0.5
    """
    keys = np.concatenate([link * n + a, link * n + b])
    uniq, inverse = np.unique(keys, return_inverse=True)
    held = np.bincount(inverse, weights=np.concatenate([w, w]), minlength=uniq.size)
    owner = uniq // n
    order = np.lexsort((uniq % n, -np.round(held, 12), owner))
    start = np.searchsorted(owner[order], np.arange(links))
    rank = np.empty(uniq.size, dtype=np.int64)
    rank[order] = np.arange(uniq.size) - start[owner[order]]
    chosen = rank < top[owner]
    hit = chosen[inverse].reshape(2, link.size).any(axis=0)
    total = np.bincount(link, weights=w, minlength=links)
    cut = np.bincount(link[hit], weights=w[hit], minlength=links)
    return np.divide(cut, total, out=np.zeros(links), where=total > 0)


def carrier_test(ties: CarrierTies, membership: np.ndarray, outside: np.ndarray, strength: np.ndarray,
                 *, draws: int, seed: int) -> np.ndarray:
    """Raw one-sided p-values of every link's top-carrier share (module docstring).

    Parameters
    ----------
    ties : CarrierTies
        The links' a-b ties.
    membership : numpy.ndarray
        Group index of every vertex.
    outside : numpy.ndarray
        Every vertex's weight with people of other groups.
    strength : numpy.ndarray
        Every vertex's total weight.
    draws : int
        Redraws of the carriers (at least 1).
    seed : int
        Seed of the draws (a generator of its own: no global state).

    Returns
    -------
    numpy.ndarray
        ``p_raw`` per link, in (0, 1].
    """
    links, n = ties.top.size, membership.size
    if links == 0:
        return np.zeros(0)
    observed = top_carriers_share(ties.link, ties.a, ties.b, ties.w, ties.top, links, n)
    held_key, held_inverse = np.unique(np.concatenate([ties.link * n + ties.a, ties.link * n + ties.b]),
                                       return_inverse=True)
    held = np.bincount(held_inverse, weights=np.concatenate([ties.w, ties.w]), minlength=held_key.size)
    members = np.argsort(membership, kind="stable")
    bounds = np.searchsorted(membership[members], np.arange(membership.max() + 2))
    cdf_parts, who_parts, offsets = [], [], np.zeros(2 * links + 1, dtype=np.int64)
    for side, groups in enumerate((ties.side_a, ties.side_b)):
        for l_ in range(links):
            people = members[bounds[groups[l_]]:bounds[groups[l_] + 1]]
            key = l_ * n + people
            at = np.minimum(np.searchsorted(held_key, key), held_key.size - 1)
            mine = np.where(held_key[at] == key, held[at], 0.0)
            p = np.clip(outside[people] - mine, 0.0, None)
            if p.sum() <= 0:
                p = strength[people].astype(float)
            if p.sum() <= 0:
                p = np.ones(people.size)
            cdf_parts.append(np.cumsum(p) / p.sum() + (side * links + l_))
            who_parts.append(people)
            offsets[side * links + l_ + 1] = people.size
    cdf, who = np.concatenate(cdf_parts), np.concatenate(who_parts)
    np.cumsum(offsets, out=offsets)
    rng = np.random.default_rng(seed)
    exceed = np.zeros(links, dtype=np.int64)
    tol = 1e-9
    batch = max(1, _BATCH_ENTRIES // max(1, ties.w.size))
    for first in range(0, draws, batch):
        rows = min(batch, draws - first)
        link = (np.arange(rows)[:, None] * links + ties.link[None, :]).ravel()
        base = np.tile(ties.link, rows)
        ends = []
        for side in (0, 1):
            u = rng.random(base.size) + (side * links + base)
            segment = side * links + base
            pos = np.clip(np.searchsorted(cdf, u, side="right"), offsets[segment], offsets[segment + 1] - 1)
            ends.append(who[pos])
        share = top_carriers_share(link, ends[0], ends[1], np.tile(ties.w, rows),
                                   np.tile(ties.top, rows), rows * links, n)
        exceed += (share.reshape(rows, links) >= observed[None, :] - tol).sum(axis=0)
    return (1 + exceed) / (draws + 1)

