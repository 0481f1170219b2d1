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

All draws of all links are made at once in batches over one array of
positions (every link's two groups' members): the Python loop is over
batches only, never over links, ties or draws.
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
                 *, draws: int, seed: int, alpha: float = 0.05) -> np.ndarray:
    """Raw one-sided p-values of every link's top-carrier share (module docstring).

    The draws are sequential: after the first :data:`_FIRST_DRAWS`, a link
    whose p-value estimate is already above the larger of :data:`_CLEARLY_NOT`
    and four times ``alpha`` (Benjamini-Hochberg only raises p-values, so such
    a link is not fragile at the ``alpha`` level) keeps that estimate; the
    others get all ``draws``.

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
    alpha : float
        The significance level the p-values are judged at (the analysis'
        ``alpha``): it sets when a link's draws may stop early.

    Returns
    -------
    numpy.ndarray
        ``p_raw`` per link, in (0, 1].
    """
    links = ties.top.size
    if links == 0:
        return np.zeros(0)
    # ties in link order: each row's draws then search the cdf in increasing order, which numpy does fast
    order = np.argsort(ties.link, kind="stable")
    ties = CarrierTies(ties.link[order], ties.a[order], ties.b[order], ties.w[order], ties.side_a, ties.side_b,
                       ties.top)
    space = _Positions.of(ties, membership, outside, strength)
    observed = space.share(space.pos_a[None, :], space.pos_b[None, :], ties)[0]
    rng = np.random.default_rng(seed)
    exceed = np.zeros(links, dtype=np.int64)
    done = np.zeros(links, dtype=np.int64)
    first = min(draws, _FIRST_DRAWS)
    space.count(ties, observed, first, rng, exceed, done, np.ones(links, dtype=bool))
    going = (1 + exceed) / (done + 1) <= max(_CLEARLY_NOT, 4 * alpha)
    if draws > first and going.any():
        space.count(ties, observed, draws - first, rng, exceed, done, going)
    return (1 + exceed) / (done + 1)


#: draws before the links that are clearly not fragile stop
_FIRST_DRAWS = 49
#: a p-value estimate above this (or four times alpha) after the first draws is final
_CLEARLY_NOT = 0.2


@dataclass(frozen=True)
class _Positions:
    """Every link's two sides laid out as segments of one array of positions.

    Segment 2l holds the members of link l's a-side group, segment 2l + 1
    those of its b-side (members in vertex order), so each link's positions
    are one contiguous run; ``cdf`` is each segment's cumulative draw
    probability plus the segment number, so one ``searchsorted`` draws every
    tie's ends at once. ``pos_a`` / ``pos_b`` are the observed ties' ends as
    positions.
    """

    cdf: np.ndarray
    offsets: np.ndarray
    link_of: np.ndarray
    pos_a: np.ndarray
    pos_b: np.ndarray

    @classmethod
    def of(cls, ties: CarrierTies, membership: np.ndarray, outside: np.ndarray,
           strength: np.ndarray) -> "_Positions":
        links = ties.top.size
        members = np.argsort(membership, kind="stable")
        bounds = np.searchsorted(membership[members], np.arange(membership.max() + 2))
        local = np.empty(membership.size, dtype=np.int64)
        local[members] = np.arange(membership.size) - bounds[membership[members]]
        group = np.column_stack([ties.side_a, ties.side_b]).ravel()
        size = bounds[group + 1] - bounds[group]
        offsets = np.concatenate([[0], np.cumsum(size)])
        segment = np.repeat(np.arange(2 * links), size)
        who = members[bounds[group[segment]] + np.arange(offsets[-1]) - offsets[segment]]
        pos_a = offsets[2 * ties.link] + local[ties.a]
        pos_b = offsets[2 * ties.link + 1] + local[ties.b]
        held = (np.bincount(pos_a, weights=ties.w, minlength=offsets[-1])
                + np.bincount(pos_b, weights=ties.w, minlength=offsets[-1]))
        p = np.clip(outside[who] - held, 0.0, None)
        for fallback in (strength[who].astype(float), np.ones(who.size)):
            empty = np.bincount(segment, weights=p, minlength=2 * links) <= 0
            p = np.where(empty[segment], fallback, p)
        cum = np.cumsum(p)
        before = np.concatenate([[0.0], cum[offsets[1:-1] - 1]])
        total = np.bincount(segment, weights=p, minlength=2 * links)
        cdf = (cum - before[segment]) / total[segment] + segment
        return cls(cdf, offsets, segment // 2, pos_a, pos_b)

    def share(self, pos_a: np.ndarray, pos_b: np.ndarray, ties: CarrierTies) -> np.ndarray:
        """(rows, links): the share of each link held by its top carriers, ends given as positions."""
        rows, links, size = pos_a.shape[0], ties.top.size, self.offsets[-1]
        row = np.arange(rows)[:, None] * size
        w = np.broadcast_to(ties.w, pos_a.shape).ravel()
        held = (np.bincount((row + pos_a).ravel(), weights=w, minlength=rows * size)
                + np.bincount((row + pos_b).ravel(), weights=w, minlength=rows * size))
        # the top carriers of every (row, link) run, one per pass: the first (lowest position) of the largest
        value = np.round(held, 12)
        starts = (row + self.offsets[0:-1:2][None, :]).ravel()
        run = np.repeat(np.arange(rows * links), np.tile(np.diff(self.offsets[0::2]), rows))
        top = np.tile(ties.top, rows)
        index = np.arange(held.size)
        chosen = np.zeros(held.size, dtype=bool)
        for j in range(int(top.max(initial=0))):
            largest = np.maximum.reduceat(value, starts)
            first = np.minimum.reduceat(np.where((value == largest[run]) & (value > 0), index, held.size), starts)
            pick = first[(first < held.size) & (j < top)]
            chosen[pick] = True
            value[pick] = -1.0
        hit = chosen[(row + pos_a).ravel()] | chosen[(row + pos_b).ravel()]
        key = (np.arange(rows)[:, None] * links + ties.link[None, :]).ravel()
        cut = np.bincount(key[hit], weights=w[hit], minlength=rows * links).reshape(rows, links)
        total = np.bincount(ties.link, weights=ties.w, minlength=links)
        return np.divide(cut, total[None, :], out=np.zeros((rows, links)), where=total[None, :] > 0)

    def count(self, ties: CarrierTies, observed: np.ndarray, draws: int, rng: np.random.Generator,
              exceed: np.ndarray, done: np.ndarray, going: np.ndarray) -> None:
        """Draw ``draws`` times the ends of the ties of the links still ``going``; count the exceedances."""
        keep = going[ties.link]
        sub = CarrierTies(ties.link[keep], ties.a[keep], ties.b[keep], ties.w[keep], ties.side_a, ties.side_b,
                          np.where(going, ties.top, 0))
        batch = max(1, _BATCH_ENTRIES // max(1, sub.w.size, self.offsets[-1]))
        links = ties.top.size
        for first in range(0, draws, batch):
            rows = min(batch, draws - first)
            ends = []
            for segment in (2 * sub.link, 2 * sub.link + 1):
                u = rng.random((rows, sub.w.size)) + segment[None, :]
                ends.append(np.clip(np.searchsorted(self.cdf, u, side="right"),
                                    self.offsets[segment], self.offsets[segment + 1] - 1))
            share = self.share(ends[0], ends[1], sub)
            exceed += np.where(going, (share >= observed[None, :] - 1e-9).sum(axis=0), 0)
            done += np.where(going, rows, 0)
