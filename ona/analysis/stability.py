"""How much each flag can be trusted: week resamples and channels left out.

Input: the graph, the partition, the flagged groups and links and, for
stability, the weight of every tie per week (:attr:`ona.store.PairWeights.weekly`);
output: the same groups and links with ``stability``, ``tentative``,
intervals, ``holds_without`` and ``supported_by`` filled in.

**Stability** (a circular block bootstrap over time). The weeks with events,
in time order, are read as a circle; a resample strings together runs of
``stability_block_weeks`` consecutive weeks (default: half the weeks,
rounded up) that start at random weeks, until it holds as many weeks as
the data (``numpy.random.default_rng(seed)``, a generator of its own). A
tie's weight in the resample is the sum of its weights in the drawn weeks
(a tie of the ties table without a period counts once in every resample).
Runs of half the period keep time together: a silo that formed in the
second half is absent from the resamples built mostly of the first half,
so it comes out tentative, where weeks drawn one by one would always mix
both halves and call it stable. The
per-week weights are aggregated once, to group pairs per week and to the
few sums below, so a resample costs a few k x k operations and never
re-reads events. Every rule is applied again to each resample:

- silo: the three conditions of :mod:`ona.analysis.silos`;
- under-connected, dependency without relationship and explained by a
  silo: the rules of :mod:`ona.analysis.links`, with the median ratio and
  the materiality threshold recomputed; which pairs are judged
  (``min_link_ties``) and the headcounts stay as observed;
- fragile: the link still matters and its top ``fragile_carriers``
  carriers in the resample still hold ``fragile_share`` of it.

In a resample the significance tests use the label-shuffle null's exact
mean and variance (closed forms below) with a normal tail instead of
shuffles, which would cost a thousand shuffles per resample. For a statistic
``X = sum_e w_e 1[e lands in the pair]`` under shuffled labels (sizes kept),
with ``p2``, ``p3``, ``p4`` the chances that one tie, two ties sharing a
person, two disjoint ties land there::

    E[X]   = W p2
    E[X^2] = Q p2 + (S - 2Q) p3 + (W^2 - Q - (S - 2Q)) p4

where ``W = sum w_e``, ``Q = sum w_e^2`` and ``S = sum_v s_v^2`` (s_v a
person's weight). Inside group d: ``p2 = (n_d)_2 / (n)_2``, ``p3 = (n_d)_3 /
(n)_3``, ``p4 = (n_d)_4 / (n)_4``; between a and b: ``p2 = 2 n_a n_b /
(n)_2``, ``p3 = n_a n_b (n_a + n_b - 2) / (n)_3``, ``p4 = 4 (n_a)_2 (n_b)_2 /
(n)_4``. W, Q and S of a resample are quadratic forms of its week counts,
so they come from two small Gram matrices.

A flag's ``stability`` is the share of resamples giving the same verdict as
the analysis (flagged or not); ``flag_stability`` the share in which each
of a link's flags holds; a flag below ``stable_share`` is ``tentative``.
The intervals are the central ``stability_interval`` quantiles of the E-I
index and the ratio over the resamples.

**Sensitivity.** The rules are applied again with each channel left out
(its coefficient set to 0; leaving tickets out also removes the handoffs)
and with each channel alone: ``holds_without[c]`` says whether a flag
survives without channel c (for a link: one of its own flags, not merely
some weakness), and ``supported_by`` lists the channels that
show it: those on which alone it holds, or without which it fails (a
dependency without relationship rests on tickets, which alone cannot show
a missing relationship). Only channels with weight in the data are reported.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np
import pyarrow as pa
import scipy.sparse as sp
from scipy.stats import norm

from ona.analysis.fragility import top_carriers_share
from ona.analysis.groups import GroupEdges, group_edges
from ona.analysis.links import explaining_silo, judged_pairs
from ona.analysis.significance import benjamini_hochberg
from ona.analysis.silos import silo_mask
from ona.analysis.week_sums import column, week_blocks, week_sums
from ona.graph.model import CHANNELS, CollabGraph, Partition
from ona.params import AnalysisParams
from ona.results import GroupMetrics, LinkMetrics

__all__ = ["flag_stability", "flag_sensitivity", "shuffle_moments"]


def shuffle_moments(total: float, squares: float, strength_squares: float,
                    p2: np.ndarray, p3: np.ndarray, p4: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation of a landing-weight statistic under shuffled labels.

    ``total`` W, ``squares`` Q and ``strength_squares`` S as in the module
    docstring; ``p2``, ``p3``, ``p4`` per statistic.

    >>> # a triangle of weight-1 ties, one group of 2 among 3 people: X = 1 always
    >>> mean, sd = shuffle_moments(3.0, 3.0, 12.0, np.array([1 / 3]), np.array([0.0]), np.array([0.0]))
    >>> float(mean[0]), round(float(sd[0]), 12)
    (1.0, 0.0)
    """
    shared = strength_squares - 2 * squares
    second = squares * p2 + shared * p3 + (total * total - squares - shared) * p4
    mean = total * p2
    return mean, np.sqrt(np.clip(second - mean * mean, 0.0, None))


def _falling(x: np.ndarray, n: float, j: int) -> np.ndarray:
    """(x)_j / (n)_j: the chance that j given people all fall in a set of x of n."""
    out = np.ones_like(x, dtype=float)
    for i in range(j):
        out = out * np.clip(x - i, 0, None) / (n - i) if n - i > 0 else out * 0.0
    return out


@dataclass(frozen=True)
class _Fixed:
    """What no resample or channel changes: sizes, pairs, judged, tracked fragile links."""

    k: int
    n: int
    sizes: np.ndarray
    source: np.ndarray
    target: np.ndarray
    ties: np.ndarray
    outside_ties: np.ndarray
    judged: np.ndarray
    tiny: np.ndarray
    moves: np.ndarray
    p_inside: tuple[np.ndarray, np.ndarray, np.ndarray]
    p_between: tuple[np.ndarray, np.ndarray, np.ndarray]
    tracked: np.ndarray  # pair index of each tracked fragile link
    tracked_link: np.ndarray  # per tracked a-b tie: its tracked link
    tracked_edge: np.ndarray  # per tracked a-b tie: its edge
    tracked_a: np.ndarray
    tracked_b: np.ndarray


@dataclass(frozen=True)
class _Weights:
    """One set of tie weights seen by groups: k x k sums and the null's moment sums."""

    weight: np.ndarray  # k x k, diagonal I_d
    relationship: np.ndarray
    handoffs: np.ndarray
    moments: tuple[float, float, float]  # W, Q, S of the weights
    relationship_moments: tuple[float, float, float]
    carried: np.ndarray  # per tracked fragile link: share held by its top carriers
    with_moves: bool = True


@dataclass(frozen=True)
class _Verdict:
    silo: np.ndarray
    ei: np.ndarray
    ratio: np.ndarray
    under: np.ndarray  # under-connected and not explained by a silo
    dependency: np.ndarray
    fragile: np.ndarray  # per pair (only tracked links can be)

    @property
    def weak(self) -> np.ndarray:
        return self.under | self.dependency | self.fragile


def _fixed(g: CollabGraph, partition: Partition, e: GroupEdges, links: list[LinkMetrics],
           moves: dict[tuple[str, str], int], params: AnalysisParams) -> _Fixed:
    k, n = partition.k, g.n
    sizes = partition.sizes().astype(float)
    source, target = np.triu_indices(k, 1)
    tie_pairs = np.bincount(e.gu * k + e.gv, weights=e.tie, minlength=k * k).reshape(k, k).astype(float)
    tie_pairs = tie_pairs + tie_pairs.T - np.diag(np.diag(tie_pairs))
    ties = tie_pairs[source, target]
    tie_volume = tie_pairs.sum(axis=1) + np.diag(tie_pairs)
    outside_ties = tie_pairs.sum(axis=1) - np.diag(tie_pairs)
    judged = judged_pairs(ties, tie_volume[source], tie_volume[target], float(e.tie.sum()), params.min_link_ties)
    tiny = (sizes[source] < params.min_group_size) & (sizes[target] < params.min_group_size)
    index = {name: i for i, name in enumerate(partition.names)}
    move_matrix = np.zeros((k, k))
    for (a, b), count in moves.items():
        if a in index and b in index and a != b:
            move_matrix[index[a], index[b]] += count
            move_matrix[index[b], index[a]] += count
    na, nb = sizes[source], sizes[target]
    p_between = (
        2 * na * nb / (n * (n - 1)) if n > 1 else np.zeros_like(na),
        na * nb * (na + nb - 2) / (n * (n - 1) * (n - 2)) if n > 2 else np.zeros_like(na),
        4 * na * (na - 1) * nb * (nb - 1) / (n * (n - 1) * (n - 2) * (n - 3)) if n > 3 else np.zeros_like(na),
    )
    pair_of = {(int(a), int(b)): p for p, (a, b) in enumerate(zip(source, target))}
    tracked = np.array(sorted(pair_of[tuple(sorted((index[lk.source], index[lk.target])))]
                              for lk in links if lk.fragile), dtype=np.int64)  # fmt: skip
    # each tracked link's number by the groups of a tie's ends (-1: not a tracked link)
    number = np.full((k, k), -1, dtype=np.int64)
    number[source[tracked], target[tracked]] = np.arange(tracked.size)
    number[target[tracked], source[tracked]] = np.arange(tracked.size)
    link = number.ravel()[e.gu * k + e.gv] if tracked.size else np.full(e.u.size, -1, dtype=np.int64)
    mine = np.flatnonzero(link >= 0)
    return _Fixed(
        k=k, n=n, sizes=sizes, source=source, target=target, ties=ties, outside_ties=outside_ties,
        judged=judged, tiny=tiny, moves=move_matrix[source, target],
        p_inside=tuple(_falling(sizes, n, j) for j in (2, 3, 4)), p_between=p_between,
        tracked=tracked, tracked_link=link[mine], tracked_edge=mine,
        tracked_a=e.u[mine], tracked_b=e.v[mine],
    )  # fmt: skip


def _judge(x: _Weights, f: _Fixed, params: AnalysisParams) -> _Verdict:
    """Every flag of groups and pairs for one set of weights (rules of silos.py and links.py)."""
    inside = np.diag(x.weight).copy()
    external = x.weight.sum(axis=1) - inside
    volume = 2 * inside + external
    total = float(inside.sum() + external.sum() / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        ei = np.where(inside + external > 0, (external - inside) / (inside + external), np.nan)
        mean, sd = shuffle_moments(*x.moments, *f.p_inside)
        z = np.where(sd > 0, (inside - mean) / sd, np.nan)
    p = np.full(f.k, np.nan)
    ok = np.isfinite(z)
    p[ok] = benjamini_hochberg(norm.sf(z[ok]))
    silo = silo_mask(ei, z, p, params)

    s, t = f.source, f.target
    weight = x.weight[s, t]
    expected = volume[s] * volume[t] / (2 * total) if total > 0 else np.zeros(s.size)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(expected > 0, weight / expected, np.nan)
        median_ratio = float(np.median(ratio[expected > 0])) if (expected > 0).any() else 0.0
        typical = f.judged & (expected > 0)
        under = typical & (ratio < params.weak_ratio * median_ratio)
        under &= _lower_tail(weight, x.moments, f.p_between, typical) < params.alpha
        handoffs = x.handoffs[s, t] + (f.moves if x.with_moves else 0.0)
        candidate = typical & (np.rint(handoffs) >= params.dependency_min_handoffs)
        relationship = x.relationship[s, t]
        rel_ratio = np.where(expected > 0, relationship / expected, 0.0)
    dependency = candidate & (rel_ratio < params.dependency_ratio * median_ratio)
    dependency &= _lower_tail(relationship, x.relationship_moments, f.p_between, candidate) < params.alpha
    explainer, _, _ = explaining_silo(weight, f.ties, expected, under, s, t, volume, external, f.outside_ties,
                                      total, silo, params)  # fmt: skip
    rel_inside = np.diag(x.relationship)
    rel_external = x.relationship.sum(axis=1) - rel_inside
    dep_explainer, _, _ = explaining_silo(relationship, f.ties, expected, dependency, s, t, 2 * rel_inside + rel_external,
                                          rel_external, f.outside_ties, float(rel_inside.sum() + rel_external.sum() / 2),
                                          silo, params, level=params.dependency_ratio)  # fmt: skip
    material = weight >= (np.median(weight[weight > 0]) if (weight > 0).any() else np.inf)
    fragile = np.zeros(s.size, dtype=bool)
    tracked = f.tracked
    fragile[tracked] = ((x.carried >= params.fragile_share * (1 - 1e-9)) & material[tracked] & (weight[tracked] > 0)
                        & f.judged[tracked] & ~f.tiny[tracked])  # fmt: skip
    return _Verdict(silo, ei, ratio, under & (explainer < 0), dependency & (dep_explainer < 0), fragile)


def _lower_tail(observed: np.ndarray, moments: tuple[float, float, float],
                p: tuple[np.ndarray, np.ndarray, np.ndarray], tested: np.ndarray) -> np.ndarray:
    """BH-adjusted normal lower-tail p-values of pair statistics over ``tested`` (1 elsewhere)."""
    out = np.ones(observed.size)
    if not tested.any():
        return out
    mean, sd = shuffle_moments(*moments, *(q[tested] for q in p))
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(sd > 0, (observed[tested] - mean) / sd, np.nan)
    raw = np.where(np.isfinite(z), norm.cdf(z), 1.0)
    out[tested] = benjamini_hochberg(raw)
    return out


@dataclass(frozen=True)
class _Basis:
    """Per-edge values (channels, handoffs) seen by groups once; every channel variant is a mix of them.

    Group pair sums and W are linear in the per-edge weights, Q and S
    quadratic, so a variant ``w = sum_c alpha_c x_c`` has pair sums
    ``sum_c alpha_c pairs_c``, ``W = alpha . totals``, ``Q = alpha' squares
    alpha`` and ``S = alpha' strength alpha``: one pass over the edges serves
    every variant.
    """

    names: tuple[str, ...]
    pairs: np.ndarray  # (values, k, k), symmetric, diagonal once
    totals: np.ndarray  # (values,)
    squares: np.ndarray  # (values, values): sum_e x_c x_d
    strength: np.ndarray  # (values, values): sum_p s_c(p) s_d(p)
    tracked: np.ndarray  # (values, tracked edges)

    @classmethod
    def of(cls, values: dict[str, np.ndarray], e: GroupEdges, f: _Fixed) -> _Basis:
        names = tuple(values)
        x = np.stack([values[c] for c in names])
        pairs, squares, strength = _basis_kernel(x, (e.gu * f.k + e.gv).astype(np.int64), e.u, e.v, f.n, f.k)
        pairs = pairs.reshape(len(names), f.k, f.k)
        pairs = pairs + pairs.transpose(0, 2, 1) - np.einsum("cii,ij->cij", pairs, np.eye(f.k))
        return cls(names, pairs, x.sum(axis=1), squares, strength @ strength.T, x[:, f.tracked_edge])

    def mix(self, *chosen: str) -> np.ndarray:
        return np.array([1.0 if c in chosen else 0.0 for c in self.names])

    def moments(self, alpha: np.ndarray) -> tuple[float, float, float]:
        return float(alpha @ self.totals), float(alpha @ self.squares @ alpha), float(alpha @ self.strength @ alpha)

    def weights(self, weight: np.ndarray, relationship: np.ndarray, handoffs: np.ndarray, f: _Fixed,
                params: AnalysisParams, *, with_moves: bool = True) -> _Weights:
        """The group view of one channel variant (mixes of the basis values)."""
        carried = top_carriers_share(f.tracked_link, f.tracked_a, f.tracked_b, weight @ self.tracked,
                                     np.full(f.tracked.size, params.fragile_carriers), f.tracked.size, f.n)
        return _Weights(*(np.tensordot(a, self.pairs, axes=1) for a in (weight, relationship, handoffs)),
                        self.moments(weight), self.moments(relationship), carried, with_moves)  # fmt: skip


@numba.njit(cache=True, nogil=True)
def _basis_kernel(x, cells, u, v, n, k):  # noqa: ANN001, ANN202
    """Per value row of ``x``: k*k pair sums (each edge one way), sum_e x_c x_d, and each person's strength."""
    values, edges = x.shape
    pairs = np.zeros((values, k * k))
    squares = np.zeros((values, values))
    strength = np.zeros((values, n))
    for t in range(edges):
        for c in range(values):
            xc = x[c, t]
            if xc == 0.0:
                continue
            pairs[c, cells[t]] += xc
            strength[c, u[t]] += xc
            strength[c, v[t]] += xc
            for d in range(values):
                squares[c, d] += xc * x[d, t]
    return pairs, squares, strength


def _coefficients(params: AnalysisParams) -> dict[str, float]:
    return {"email": params.email_weight, "meeting": params.meeting_weight, "ticket": params.ticket_weight,
            "chat": params.chat_weight, "ties": params.ties_weight}  # fmt: skip


def flag_sensitivity(g: CollabGraph, partition: Partition, groups: list[GroupMetrics], links: list[LinkMetrics],
                     *, params: AnalysisParams, group_handoffs: dict[tuple[str, str], int] | None = None,
                     ) -> tuple[list[GroupMetrics], list[LinkMetrics]]:
    """``holds_without`` and ``supported_by`` of every silo and weak link (module docstring).

    A channel is reported when it has weight in the data (tickets: handoffs).
    """
    moves = group_handoffs or {}
    e = group_edges(g, partition)
    f = _fixed(g, partition, e, links, moves, params)
    coefficient = _coefficients(params)
    channel = {c: g.edge_attr(c) * coefficient[c] for c in CHANNELS}
    handoffs = g.edge_attr("handoffs")
    present = [c for c in CHANNELS if channel[c].sum() > 0 or (c == "ticket" and (handoffs.sum() > 0 or moves))]
    basis = _Basis.of({**channel, "handoffs": handoffs}, e, f)
    without, alone = {}, {}
    for c in present:
        ticket = c == "ticket"
        others = [d for d in CHANNELS if d != c]
        # leaving tickets out also leaves out their handoffs; the relationship never holds tickets
        without[c] = _judge(basis.weights(basis.mix(*others), basis.mix(*(d for d in others if d != "ticket")),
                                          basis.mix() if ticket else basis.mix("handoffs"), f, params,
                                          with_moves=not ticket), f, params)  # fmt: skip
        alone[c] = _judge(basis.weights(basis.mix(c), basis.mix() if ticket else basis.mix(c),
                                        basis.mix("handoffs") if ticket else basis.mix(), f, params,
                                        with_moves=ticket), f, params)  # fmt: skip
    index = {name: i for i, name in enumerate(partition.names)}
    out_groups = [
        gm.model_copy(update={
            "holds_without": {c: bool(without[c].silo[index[gm.group]]) for c in present},
            "supported_by": [c for c in present
                             if alone[c].silo[index[gm.group]] or not without[c].silo[index[gm.group]]],
        }) if gm.silo else gm
        for gm in groups
    ]  # fmt: skip
    pair = _pair_index(partition, f)
    out_links = []
    for lk in links:
        if not lk.weak:
            out_links.append(lk)
            continue
        p = pair[lk.source, lk.target]
        out_links.append(lk.model_copy(update={
            "holds_without": {c: _link_holds(lk, without[c], p) for c in present},
            "supported_by": [c for c in present if _link_holds(lk, alone[c], p) or not _link_holds(lk, without[c], p)],
        }))  # fmt: skip
    return out_groups, out_links


def _link_holds(lk: LinkMetrics, v: _Verdict, p: int) -> bool:
    """Whether one of the link's own flags (not any weakness) holds under verdict ``v``."""
    return bool((lk.under_connected and lk.explained_by is None and v.under[p])
                or (lk.dependency_without_relationship and v.dependency[p]) or (lk.fragile and v.fragile[p]))


def _pair_index(partition: Partition, f: _Fixed) -> dict[tuple[str, str], int]:
    names = partition.names
    return {(names[a], names[b]) if names[a] < names[b] else (names[b], names[a]): p
            for p, (a, b) in enumerate(zip(f.source.tolist(), f.target.tolist()))}  # fmt: skip


def flag_stability(g: CollabGraph, partition: Partition, groups: list[GroupMetrics], links: list[LinkMetrics],
                   weekly: pa.Table, *, params: AnalysisParams,
                   group_handoffs: dict[tuple[str, str], int] | None = None,
                   ) -> tuple[list[GroupMetrics], list[LinkMetrics]]:
    """Stability, tentative and intervals of every group and link (module docstring).

    ``weekly`` is :attr:`ona.store.PairWeights.weekly` of the pair weights
    ``g`` was built from. With fewer than two weeks of events, or
    ``params.stability_resamples == 0``, the results come back unchanged.
    """
    resamples = params.stability_resamples
    weeks, block = week_blocks(column(weekly, "week"))
    if resamples == 0 or weeks.size < 2:
        return groups, links
    e = group_edges(g, partition)
    f = _fixed(g, partition, e, links, group_handoffs or {}, params)
    blocks = weeks.size + 1  # the last block: timeless ties, in every resample
    edge = column(weekly, "edge")
    k, n = f.k, f.n
    columns = {c: column(weekly, c) for c in ("weight", "relationship", "handoffs")}
    tensors, gram_w, gram_r = week_sums(edge, block, columns, e, n, k, blocks)
    if f.tracked_edge.size:
        tracked_rows = np.flatnonzero(np.isin(edge, f.tracked_edge))
        tracked_by_week = sp.csr_matrix(
            (np.asarray(columns["weight"][tracked_rows], dtype=float),
             (np.searchsorted(f.tracked_edge, edge[tracked_rows]), block[tracked_rows])),
            shape=(f.tracked_edge.size, blocks),
        )  # f.tracked_edge is sorted: np.flatnonzero  # fmt: skip
    else:
        tracked_by_week = sp.csr_matrix((0, blocks))
    rng = np.random.default_rng(params.seed)
    draw = _block_draw(weeks.size, params.stability_block_weeks)
    silo, weak, ei, ratio = [], [], [], []
    flags = {"under_connected": [], "dependency_without_relationship": [], "fragile": []}
    top = np.full(f.tracked.size, params.fragile_carriers)
    for _ in range(resamples):
        c = np.append(draw(rng), 1.0)

        def quad(gram: tuple[np.ndarray, np.ndarray, np.ndarray]) -> tuple[float, float, float]:
            return float(gram[0] @ c), float(c @ gram[1] @ c), float(c @ gram[2] @ c)

        carried = top_carriers_share(f.tracked_link, f.tracked_a, f.tracked_b, tracked_by_week @ c, top,
                                     f.tracked.size, n)  # fmt: skip
        x = _Weights(*(np.tensordot(c, tensors[name], axes=1) for name in ("weight", "relationship", "handoffs")),
                     quad(gram_w), quad(gram_r), carried)  # fmt: skip
        v = _judge(x, f, params)
        silo.append(v.silo)
        weak.append(v.weak)
        ei.append(v.ei)
        ratio.append(v.ratio)
        flags["under_connected"].append(v.under)
        flags["dependency_without_relationship"].append(v.dependency)
        flags["fragile"].append(v.fragile)
    silo_a, weak_a = np.array(silo), np.array(weak)
    ei_a, ratio_a = np.array(ei), np.array(ratio)
    flag_a = {name: np.array(rows) for name, rows in flags.items()}
    low, high = (1 - params.stability_interval) / 2, (1 + params.stability_interval) / 2
    index = {name: i for i, name in enumerate(partition.names)}
    out_groups = []
    for gm in groups:
        d = index[gm.group]
        same = float((silo_a[:, d] == gm.silo).mean())
        out_groups.append(gm.model_copy(update={
            "stability": same,
            "tentative": gm.silo and same < params.stable_share,
            "ei_interval": _interval(ei_a[:, d], low, high),
        }))  # fmt: skip
    pair = _pair_index(partition, f)
    out_links = []
    for lk in links:
        p = pair[lk.source, lk.target]
        same = float((weak_a[:, p] == lk.weak).mean())
        held = {name: float(rows[:, p].mean()) for name, rows in flag_a.items()
                if getattr(lk, name) and (name != "under_connected" or lk.explained_by is None)}  # fmt: skip
        out_links.append(lk.model_copy(update={
            "stability": same,
            "flag_stability": held,
            "tentative": lk.weak and same < params.stable_share,
            "ratio_interval": _interval(ratio_a[:, p], low, high),
        }))  # fmt: skip
    return out_groups, out_links


def _block_draw(weeks: int, block: int | None):  # noqa: ANN202 - a closure
    """How many times each week is drawn in one circular block resample (module docstring)."""
    length = min(weeks, block or -(-weeks // 2))
    runs = -(-weeks // length)

    def draw(rng: np.random.Generator) -> np.ndarray:
        starts = rng.integers(0, weeks, runs)
        picked = ((starts[:, None] + np.arange(length)[None, :]) % weeks).ravel()[:weeks]
        return np.bincount(picked, minlength=weeks).astype(float)

    return draw


def _interval(values: np.ndarray, low: float, high: float) -> list[float] | None:
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return None
    return [float(np.quantile(finite, low)), float(np.quantile(finite, high))]
