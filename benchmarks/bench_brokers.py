"""Benchmark: how well sampled betweenness ranks the top brokers, and at what cost.

Builds the collaboration graph of an organization exactly as ``ona analyze``
does, then times and scores two estimates of weighted betweenness (tie
length 1/weight) against the exact values:

- *fixed*: the former method, Brandes & Pich's plain dependencies of
  ``--samples`` (100) uniformly drawn sources;
- *adaptive*: :func:`ona.analysis.centrality.betweenness` with the default
  parameters (linearly scaled dependencies, sources doubled until the top
  brokers of two independent halves agree to the stated tolerance).

For each it prints the wall time, the sources used, the stated error and the
recall of the exact top 10 and top 50 (the share of them the estimate ranks in
its own top 10 / top 50).

The exact values (one shortest-path search per person: minutes at 10,000
people) are computed once and cached outside the repository (``--exact``,
default under /tmp), with the person ids they belong to.

    python benchmarks/bench_brokers.py --org /tmp/b10k/org
    python benchmarks/bench_brokers.py --people 3000          # ona.synth organization, seed 1
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent / "out"


def build(folder: Path):  # -> CollabGraph
    """The collaboration graph of ``ona analyze`` (default parameters)."""
    from ona.analysis.pipeline import load_graph
    from ona.io import read_dataset
    from ona.params import AnalysisParams
    from ona.store import Store

    data = read_dataset(folder)
    with Store(":memory:") as store:
        info = store.save_dataset(data)
        g, _, _ = load_graph(store, info.dataset_id, AnalysisParams(stability_resamples=0))
    return g


def exact_raw(g, path: Path) -> np.ndarray:
    """Exact pair-count betweenness per vertex (igraph), cached at ``path``."""
    ids = np.asarray(g.ids)
    if path.exists():
        cached = np.load(path)
        if np.array_equal(cached["ids"], ids):
            return cached["raw"]
        print(f"{path}: other people, recomputing", file=sys.stderr)
    lengths = (1.0 / g.edge_attr(g.weight)).tolist()
    start = time.perf_counter()
    raw = np.zeros(g.n)
    chunks = np.array_split(np.arange(g.n), max(1, g.n // 200))
    for i, chunk in enumerate(chunks):
        raw += g.graph.betweenness(directed=False, weights=lengths, sources=chunk.tolist())
        print(f"\rexact betweenness: {i + 1}/{len(chunks)} chunks, {time.perf_counter() - start:.0f} s",
              end="", file=sys.stderr, flush=True)  # fmt: skip
    print(file=sys.stderr)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        np.savez(f, ids=ids, raw=raw)
    return raw


def fixed_sampling(g, samples: int, seed: int) -> np.ndarray:
    """The former estimate: plain dependencies of ``samples`` uniform sources (Brandes & Pich 2007)."""
    active = np.flatnonzero(np.asarray(g.graph.degree()) > 0)
    sources = np.sort(np.random.default_rng(seed).choice(active, size=samples, replace=False))
    lengths = (1.0 / g.edge_attr(g.weight)).tolist()
    raw = np.zeros(g.n)
    for batch in np.array_split(sources, min(20, samples)):
        raw += g.graph.betweenness(directed=False, weights=lengths, sources=batch.tolist())
    return raw


def recall(estimate: np.ndarray, exact: np.ndarray, active: np.ndarray, k: int) -> float:
    """Share of the exact top k (active people) that the estimate ranks in its top k."""

    def top(x: np.ndarray) -> set[int]:
        return set(active[np.lexsort((active, -x[active]))[:k]].tolist())

    return len(top(estimate) & top(exact)) / k


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--org", type=Path, help="dataset folder (e.g. one written by shared/bench/gen.py)")
    ap.add_argument("--people", type=int, help="without --org: an ona.synth organization of this size")
    ap.add_argument("--exact", type=Path, help="cache of the exact values (default under /tmp)")
    ap.add_argument("--samples", type=int, default=100, help="sources of the fixed sampling (100)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    if args.org is None:
        if args.people is None:
            ap.error("give --org or --people")
        from ona.synth import synthesize

        args.org = OUT / f"org_{args.people}"
        if not (args.org / "people.csv").exists():
            synthesize(args.org, people=args.people, seed=1, emails_per_person=500, meetings_per_person=40,
                       ticket_events_per_person=10, bad_rows=False)  # fmt: skip
    folder = args.org.resolve()
    tag = hashlib.sha1(str(folder).encode()).hexdigest()[:8]
    cache = args.exact or Path("/tmp/ona_bench_brokers") / f"{folder.name}-{tag}-exact_betweenness.npz"

    from ona.analysis.centrality import betweenness
    from ona.params import AnalysisParams

    t = time.perf_counter()
    g = build(folder)
    print(f"graph: {g.n} people, {g.graph.ecount()} ties ({time.perf_counter() - t:.1f} s to read and build)")
    exact = exact_raw(g, cache)
    active = np.flatnonzero(np.asarray(g.graph.degree()) > 0)

    t = time.perf_counter()
    old = fixed_sampling(g, args.samples, args.seed)
    t_old = time.perf_counter() - t
    p = AnalysisParams(seed=args.seed)
    t = time.perf_counter()
    new = betweenness(
        g, exact_limit=p.betweenness_exact_limit, samples=p.betweenness_samples, seed=p.seed,
        top=p.betweenness_top, tolerance=p.betweenness_tolerance, max_samples=p.betweenness_max_samples,
    )  # fmt: skip
    t_new = time.perf_counter() - t

    rows = [
        (f"fixed {args.samples} sources (former)", t_old, args.samples, "max standard error only", old),
        ("adaptive (default parameters)", t_new, new.sources, new.method, new.values),
    ]
    for name, secs, k, stated, values in rows:
        print(f"{name}: {secs:.1f} s, {k} sources, recall@10 {recall(values, exact, active, 10):.2f}, "
              f"recall@50 {recall(values, exact, active, 50):.2f}\n  stated: {stated}")  # fmt: skip


if __name__ == "__main__":
    main()
