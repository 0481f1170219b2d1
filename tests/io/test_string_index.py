"""StringIndex against Arrow's index_in: the same positions on any strings."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from hypothesis import given, settings
from hypothesis import strategies as st

from ona.io.string_index import StringIndex

texts = st.lists(st.one_of(st.none(), st.text(max_size=6), st.sampled_from(["", "a", "A", "é", "ann@x.org"])),
                 max_size=60)


def expected(values: pa.Array, value_set: pa.Array) -> np.ndarray:
    """Arrow's answer: first position in ``value_set`` of every value, -1 when absent or null."""
    found = pc.index_in(values, value_set=value_set.filter(pc.is_valid(value_set)), skip_nulls=True)
    first = pc.fill_null(found, -1).to_numpy(zero_copy_only=False).astype(np.int64)
    valid_positions = np.flatnonzero(value_set.is_valid().to_numpy(zero_copy_only=False))
    if valid_positions.size == 0:
        return np.full(len(values), -1)
    return np.where(first >= 0, valid_positions[np.maximum(first, 0)], -1)


@settings(max_examples=300, deadline=None)
@given(indexed=texts, probed=texts, start=st.integers(0, 5))
def test_positions_match_index_in(indexed: list[str | None], probed: list[str | None], start: int) -> None:
    value_set = pa.array(indexed, pa.string())
    values = pa.array(probed + indexed, pa.string()).slice(min(start, len(probed)))  # a sliced array too
    got = StringIndex.build(value_set).positions(values)
    assert got.tolist() == expected(values, value_set).tolist()


def test_many_strings_chunked_and_large_string() -> None:
    rng = np.random.default_rng(3)
    ids = np.array([f"p{i:06d}@corp.example.com" for i in range(50_000)])
    probe = np.concatenate([ids[rng.integers(0, ids.size, 20_000)], [f"x{i}@out.org" for i in range(500)]])
    rng.shuffle(probe)
    index = StringIndex.build(pa.chunked_array([pa.array(ids[:100]), pa.array(ids[100:])]))
    got = index.positions(pa.chunked_array([pa.array(probe[:7], pa.large_string()),
                                            pa.array(probe[7:], pa.large_string())]))
    truth = {s: i for i, s in enumerate(ids)}
    assert got.tolist() == [truth.get(s, -1) for s in probe]
    assert (got == -1).sum() == 500
    assert len(index) == ids.size


def test_empty_index_and_empty_probe() -> None:
    assert StringIndex.build(pa.array([], pa.string())).positions(pa.array(["a", None])).tolist() == [-1, -1]
    assert StringIndex.build(pa.array(["a"])).positions(pa.array([], pa.string())).tolist() == []
