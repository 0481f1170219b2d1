"""Stability and sensitivity of flags: the closed-form shuffle null, the silo rule, the carrier test."""

from __future__ import annotations

import itertools
import math
from collections import defaultdict

import numpy as np
import pytest

from ona.analysis import fragility, stability, week_sums
from ona.analysis.fragility import CarrierTies, carrier_test, top_carriers_share
from ona.analysis.silos import flag_silos
from ona.analysis.silos import silo_mask
from ona.analysis.stability import shuffle_moments
from ona.params import AnalysisParams
from ona.results import GroupMetrics


def _falling(x: int, n: int, j: int) -> float:
    return math.perm(x, j) / math.perm(n, j) if n >= j else 0.0


def test_closed_form_shuffle_moments_equal_every_labelling() -> None:
    # 7 people, groups of 3, 2 and 2, a random weighted graph: enumerate every distinct labelling
    rng = np.random.default_rng(3)
    n = 7
    edges = [(u, v, float(rng.integers(1, 5))) for u, v in itertools.combinations(range(n), 2) if rng.random() < 0.6]
    labels = [0, 0, 0, 1, 1, 2, 2]
    inside: dict[int, list[float]] = defaultdict(list)
    between: dict[tuple[int, int], list[float]] = defaultdict(list)
    for perm in set(itertools.permutations(labels)):
        sums: dict[tuple[int, int], float] = defaultdict(float)
        for u, v, w in edges:
            sums[tuple(sorted((perm[u], perm[v])))] += w
        for d in range(3):
            inside[d].append(sums[(d, d)])
        for a, b in itertools.combinations(range(3), 2):
            between[(a, b)].append(sums[(a, b)])
    w = np.array([x for *_, x in edges])
    strength = np.zeros(n)
    for u, v, x in edges:
        strength[u] += x
        strength[v] += x
    total, squares, s2 = w.sum(), (w * w).sum(), (strength * strength).sum()
    sizes = [3, 2, 2]
    for d, size in enumerate(sizes):
        p = [np.array([_falling(size, n, j)]) for j in (2, 3, 4)]
        mean, sd = shuffle_moments(total, squares, s2, *p)
        assert mean[0] == pytest.approx(np.mean(inside[d]), abs=1e-9)
        assert sd[0] == pytest.approx(np.std(inside[d]), abs=1e-9)
    for (a, b), values in between.items():
        na, nb = sizes[a], sizes[b]
        p2 = 2 * na * nb / (n * (n - 1))
        p3 = na * nb * (na + nb - 2) / (n * (n - 1) * (n - 2))
        p4 = 4 * na * (na - 1) * nb * (nb - 1) / (n * (n - 1) * (n - 2) * (n - 3))
        mean, sd = shuffle_moments(total, squares, s2, np.array([p2]), np.array([p3]), np.array([p4]))
        assert mean[0] == pytest.approx(np.mean(values), abs=1e-9)
        assert sd[0] == pytest.approx(np.std(values), abs=1e-9)


def _group(name: str, ei: float | None, z: float | None, p: float | None) -> GroupMetrics:
    return GroupMetrics(group=name, headcount=10, active=10, internal_weight=1.0, external_weight=1.0,
                        internal_ties=1, external_ties=1, ei_index=ei, ei_index_ties=0.0, volume=3.0,
                        internal_share=None, expected_internal_share=None, insularity=None, conductance=None,
                        z=z, p_value=p)  # fmt: skip


@pytest.mark.parametrize("seed", range(40))
def test_vectorized_silo_rule_equals_flag_silos(seed: int) -> None:
    rng = np.random.default_rng(seed)
    k = int(rng.integers(1, 9))
    ei = np.round(rng.uniform(-1, 1, k), 1)  # rounded: ties between groups' values happen
    ei[rng.random(k) < 0.15] = np.nan
    z = rng.normal(1, 2, k)
    p = rng.uniform(0, 0.1, k)
    params = AnalysisParams(silo_ei_margin=float(rng.choice([0.0, 0.2, 0.5])), silo_max_ei=float(rng.choice([0.0, 0.3])))
    groups = [_group(f"g{i}", None if np.isnan(ei[i]) else float(ei[i]), float(z[i]), float(p[i])) for i in range(k)]
    want = [g.silo for g in flag_silos(groups, params)]
    assert silo_mask(ei, z, p, params).tolist() == want
    # and both equal the rule written as a plain loop over groups
    loop = []
    for d in range(k):
        others = [x for j, x in enumerate(ei) if j != d and not np.isnan(x)]
        loop.append(bool(not np.isnan(ei[d]) and others and p[d] < params.alpha and z[d] > 0
                         and ei[d] <= params.silo_max_ei and ei[d] <= np.median(others) - params.silo_ei_margin))
    assert want == loop


def _brute_top_share(link, a, b, w, top, links):
    out = []
    for lk in range(links):
        held: dict[int, float] = defaultdict(float)
        mine = [(x, y, z) for l_, x, y, z in zip(link, a, b, w) if l_ == lk]
        for x, y, z in mine:
            held[x] += z
            held[y] += z
        chosen = set(sorted(held, key=lambda p: (-round(held[p], 12), p))[: top[lk]])
        total = sum(z for *_, z in mine)
        out.append(sum(z for x, y, z in mine if x in chosen or y in chosen) / total if total else 0.0)
    return out


@pytest.mark.parametrize("seed", range(30))
def test_top_carriers_share_equals_a_loop(seed: int) -> None:
    rng = np.random.default_rng(seed)
    links, ties = 3, int(rng.integers(1, 15))
    link = rng.integers(0, links, ties)
    a, b = rng.integers(0, 4, ties), rng.integers(4, 9, ties)
    w = rng.integers(1, 4, ties).astype(float)
    top = rng.integers(1, 3, links)
    got = top_carriers_share(link, a, b, w, top, links, 9)
    assert got.tolist() == pytest.approx(_brute_top_share(link, a, b, w, top, links))


def _star_link(concentrated: bool) -> tuple[CarrierTies, np.ndarray]:
    """A (people 0-9) and B (10-19); 10 a-b ties. Everyone has other outside weight 1."""
    membership = np.array([0] * 10 + [1] * 10)
    if concentrated:  # every tie goes through person 0 and person 10
        a, b = np.zeros(10, dtype=np.int64), np.arange(10, 20)
    else:
        a, b = np.arange(10), np.arange(10, 20)
    ties = CarrierTies(np.zeros(10, dtype=np.int64), a, b, np.ones(10), np.array([0]), np.array([1]), np.array([1]))
    return ties, membership


def test_a_link_through_one_person_is_beyond_chance_a_spread_one_is_not() -> None:
    for concentrated, expect_small in ((True, True), (False, False)):
        ties, membership = _star_link(concentrated)
        held = np.bincount(np.concatenate([ties.a, ties.b]), minlength=20).astype(float)
        outside = held + 1.0  # one unit of other outside weight each: the group spreads its outside ties
        (p,) = carrier_test(ties, membership, outside, outside, draws=199, seed=0)
        assert (p <= 0.01) if expect_small else (p > 0.5)


def test_a_liaison_that_carries_every_outside_tie_is_no_surprise() -> None:
    # the same concentrated link, but person 0 and person 10 also hold all their groups' other outside ties
    ties, membership = _star_link(True)
    outside = np.zeros(20)
    outside[0] = outside[10] = 20.0
    (p,) = carrier_test(ties, membership, outside, outside, draws=99, seed=0)
    assert p == 1.0


@pytest.mark.parametrize("seed", range(20))
def test_the_carrier_tests_layout_gives_the_same_top_shares(seed: int) -> None:
    # distinct weights: no two carriers hold the same, so both break no tie
    rng = np.random.default_rng(seed)
    membership = rng.integers(0, 4, 30)
    links, rows = [], []
    for number, (x, y) in enumerate([(0, 1), (2, 3), (1, 2)]):
        a, b = np.flatnonzero(membership == x), np.flatnonzero(membership == y)
        for _ in range(int(rng.integers(1, 12))):
            rows.append((number, rng.choice(a), rng.choice(b)))
        links.append((x, y))
    link, a, b = (np.array(col) for col in zip(*rows))
    w = rng.permutation(len(rows)) + rng.random(len(rows))
    top = rng.integers(1, 3, 3)
    ties = CarrierTies(link, a, b, w, np.array([x for x, _ in links]), np.array([y for _, y in links]), top)
    outside = rng.random(30)
    space = fragility._Positions.of(ties, membership, outside, outside)
    got = space.share(space.pos_a[None, :], space.pos_b[None, :], ties)[0]
    assert got.tolist() == pytest.approx(top_carriers_share(link, a, b, w, top, 3, 30).tolist())


@pytest.mark.parametrize("groups", [{"A": ["a1", "a2", "a3"]}, {"A": ["a1", "a2"], "B": ["a3"]}])
def test_one_group_or_no_link_to_judge(groups: dict[str, list[str]]) -> None:
    import pyarrow as pa

    from ona.analysis.groups import group_metrics
    from ona.analysis.links import link_metrics
    from ona.analysis.stability import flag_sensitivity, flag_stability
    from tests.analysis.graphs_groups import org

    g, part = org(groups, [("a1", "a2", 2.0), ("a2", "a3", 1.0)]).graph()
    params = AnalysisParams(min_link_ties=0)
    found, links = group_metrics(g, part), link_metrics(g, part, params=params)
    found, links = flag_sensitivity(g, part, found, links, params=params)
    weekly = pa.table({"edge": pa.array([0, 1, 0], pa.int32()), "week": pa.array([0, 7, 7], pa.int32()),
                       "weight": [1.0, 1.0, 1.0], "relationship": [1.0, 1.0, 1.0], "handoffs": [0, 0, 0]})
    found, links = flag_stability(g, part, found, links, weekly, params=params)
    assert all(gm.stability == 1.0 and not gm.tentative for gm in found)
    assert all(lk.stability is not None for lk in links)


def _edges(rng: np.random.Generator, n: int, k: int, density: float):  # noqa: ANN202
    from ona.analysis.groups import GroupEdges

    if n <= 100:
        u, v = np.triu_indices(n, 1)
        keep = rng.random(u.size) < density
        u, v = u[keep], v[keep]
    else:  # a sparse graph on many people
        a, b = rng.integers(0, n, (2, int(density * n * n / 2)))
        pairs = np.unique(np.column_stack([np.minimum(a, b), np.maximum(a, b)])[a != b], axis=0)
        u, v = pairs[:, 0], pairs[:, 1]
    w = rng.integers(0, 5, u.size).astype(float)
    membership = rng.integers(0, k, n)
    return GroupEdges(u, v, w, membership[u], membership[v], w > 0)


@pytest.mark.parametrize(("n", "k", "weeks"), [(2, 1, 2), (15, 3, 5), (40, 6, 9), (30, 25, 4), (9000, 4, 3)])
@pytest.mark.parametrize("dense", [True, False])
def test_week_sums_equal_dense_products(n: int, k: int, weeks: int, dense: bool,
                                       monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    # oracle: the dense ties x blocks and people x blocks matrices and np.bincount, as the sums are defined
    if not dense:  # P.T P person by person (in shares of people on the threads)
        monkeypatch.setattr(week_sums, "_DENSE_PEOPLE", 0)
    rng = np.random.default_rng(n + k + weeks)
    e = _edges(rng, n, k, 0.5 if n <= 100 else 0.001)
    blocks = weeks + 1
    rows = int(3 * e.u.size)
    edge = rng.integers(0, max(1, e.u.size), rows) if e.u.size else np.zeros(0, dtype=np.int64)
    block = rng.integers(0, blocks, rows)  # repeated (tie, block) rows add up
    columns = {c: rng.integers(0, 4, rows).astype(float) for c in ("weight", "relationship", "handoffs")}
    tensors, gram_w, gram_r = week_sums.week_sums(edge, block, columns, e, n, k, blocks)
    for name, gram in (("weight", gram_w), ("relationship", gram_r)):
        x = np.zeros((e.u.size, blocks))
        np.add.at(x, (edge, block), columns[name])
        p = np.zeros((n, blocks))
        np.add.at(p, (e.u[edge], block), columns[name])
        np.add.at(p, (e.v[edge], block), columns[name])
        np.testing.assert_allclose(gram[0], x.sum(axis=0))
        np.testing.assert_allclose(gram[1], x.T @ x)
        np.testing.assert_allclose(gram[2], p.T @ p)
    for name, m in tensors.items():
        plain = np.zeros((blocks, k, k))
        np.add.at(plain, (block, e.gu[edge], e.gv[edge]), columns[name])
        diagonal = np.einsum("bii->bi", plain).copy()
        plain = plain + plain.transpose(0, 2, 1)
        plain[:, np.arange(k), np.arange(k)] = diagonal
        np.testing.assert_allclose(m, plain)


def test_week_blocks_number_the_weeks_and_put_timeless_rows_last() -> None:
    week = np.array([2861.0, np.nan, 2859, 2861, 2870, np.nan])
    weeks, block = week_sums.week_blocks(week)
    assert weeks.tolist() == [2859, 2861, 2870]
    assert block.tolist() == [1, 3, 0, 1, 2, 3]
    far = np.array([0.0, 1e12, 5])  # too wide a span for a table: the sorting path
    weeks, block = week_sums.week_blocks(far)
    assert weeks.tolist() == [0, 5, 10**12] and block.tolist() == [0, 2, 1]
    assert week_sums.week_blocks(np.array([np.nan]))[0].size == 0
    weeks, block = week_sums.week_blocks(np.array([2865, 2860, 2865], dtype=np.int32))  # the store's type: no nulls
    assert weeks.tolist() == [2860, 2865] and block.tolist() == [1, 0, 1]


def test_channel_basis_equals_each_variant_computed_alone() -> None:
    # every channel variant's k x k sums and W, Q, S, against the per-variant bincounts
    rng = np.random.default_rng(11)
    n, k = 40, 5
    e = _edges(rng, n, k, 0.4)
    values = {c: rng.integers(0, 3, e.u.size) * rng.random(e.u.size) for c in ("email", "meeting", "handoffs")}
    f = stability._Fixed(k=k, n=n, **{name: np.zeros(0, dtype=np.int64) for name in (
        "sizes", "source", "target", "ties", "outside_ties", "judged", "tiny", "moves", "tracked", "tracked_link",
        "tracked_edge", "tracked_a", "tracked_b")}, p_inside=(), p_between=())  # fmt: skip
    basis = stability._Basis.of(values, e, f)
    for chosen in [("email",), ("meeting",), ("email", "meeting"), ("handoffs",), ()]:
        w = sum((values[c] for c in chosen), np.zeros(e.u.size))
        m = np.bincount(e.gu * k + e.gv, weights=w, minlength=k * k).reshape(k, k)
        np.testing.assert_allclose(np.tensordot(basis.mix(*chosen), basis.pairs, axes=1), m + m.T - np.diag(np.diag(m)))
        strength = np.bincount(e.u, weights=w, minlength=n) + np.bincount(e.v, weights=w, minlength=n)
        assert basis.moments(basis.mix(*chosen)) == pytest.approx(
            (w.sum(), (w * w).sum(), (strength * strength).sum()), rel=1e-12, abs=1e-12)


def test_the_carrier_draws_stop_early_only_above_four_times_alpha() -> None:
    """A link well above chance (person 0 carries 3 of its 10 ties: p near 0.9) keeps its estimate of the
    first 49 draws at the usual alpha, but gets every draw when alpha is large enough for such a p-value
    to matter (4 alpha above it)."""
    membership = np.array([0] * 10 + [1] * 10)
    a, b = np.array([0, 0, 0, 1, 2, 3, 4, 5, 6, 7]), np.arange(10, 20)
    ties = CarrierTies(np.zeros(10, dtype=np.int64), a, b, np.ones(10), np.array([0]), np.array([1]), np.array([1]))
    outside = np.bincount(np.concatenate([a, b]), minlength=20).astype(float) + 1.0
    (early,) = carrier_test(ties, membership, outside, outside, draws=999, seed=0, alpha=0.05)
    (full,) = carrier_test(ties, membership, outside, outside, draws=999, seed=0, alpha=0.3)
    assert 0.2 < early < 1 and early * 50 == pytest.approx(round(early * 50))  # 49 draws: (1 + k) / 50
    assert 0.2 < full < 1 and full * 1000 == pytest.approx(round(full * 1000)) and full * 50 != pytest.approx(
        round(full * 50))  # 999 draws: (1 + k) / 1000
