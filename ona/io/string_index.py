"""A hash index of strings, built once and probed by whole Arrow columns.

Input: the strings to index (an Arrow string array, e.g. the person_ids of
``people``). Output: :meth:`StringIndex.positions`, the position of each
probed string among the indexed ones (-1 when absent or null).

Why not ``pyarrow.compute.index_in``: it builds its hash table of the value
set on every call. A dataset is read in pieces, and every piece of every
event file is resolved against the same people: at 250,000 people,
building those tables again for every piece took most of the reading time.
This index is built once and probed by a compiled loop: an FNV-1a hash of
the bytes mixed by MurmurHash3's finalizer, open addressing with linear
probing, each slot holding the upper half of its string's hash beside the
string's position, and the bytes of a candidate compared before it is
taken: a hash collision can never give a wrong position. Lookups run in
passes over the probed column (hashes, first slots, candidates' bytes), so
that their cache misses overlap instead of waiting on each other.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np
import pyarrow as pa

_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)
_LOW = np.uint64(0xFFFFFFFF)


@dataclass(frozen=True)
class StringIndex:
    """The positions of distinct strings, for lookups (the first position of a repeated string).

    Examples
    --------
    >>> index = StringIndex.build(pa.array(["ann", "bob", "ann", "cy"]))
    >>> index.positions(pa.array(["cy", "ann", None, "dan", ""])).tolist()
    [3, 0, -1, -1, -1]
    """

    offsets: np.ndarray  # int64, len(strings) + 1
    data: np.ndarray  # uint8, the strings' UTF-8 bytes
    slots: np.ndarray  # uint64: hash >> 32 << 32 | position + 1; 0 is an empty slot; a power of two long

    @classmethod
    def build(cls, values: pa.Array | pa.ChunkedArray) -> StringIndex:
        """Index ``values`` (nulls are never found)."""
        offsets, data, valid = _buffers(values)
        slots = np.zeros(_capacity(len(offsets) - 1), np.uint64)
        _insert_all(offsets, data, valid, slots)
        return cls(offsets, data, slots)

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def positions(self, values: pa.Array | pa.ChunkedArray) -> np.ndarray:
        """Position of every value among the indexed strings (int64), -1 when absent or null."""
        offsets, data, valid = _buffers(values)
        out = np.empty(len(offsets) - 1, np.int64)
        _probe_all(self.offsets, self.data, self.slots, offsets, data, valid, out)
        return out


def _capacity(n: int) -> int:
    """Slots for ``n`` strings: a power of two at least twice ``n`` (load factor at most 1/2)."""
    return 1 << max(4, int(2 * max(n, 1) - 1).bit_length())


def _buffers(values: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Offsets (int64), bytes (uint8) and validity (bool) of a string column."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks() if values.num_chunks != 1 else values.chunk(0)
    if not pa.types.is_large_string(values.type):
        values = values.cast(pa.large_string())  # one offset type for the kernels
    n = len(values)
    _, offset_buffer, data_buffer = values.buffers()
    offsets = np.frombuffer(offset_buffer, np.int64)[values.offset : values.offset + n + 1]
    data = np.frombuffer(data_buffer, np.uint8) if data_buffer is not None else np.zeros(0, np.uint8)
    valid = values.is_valid().to_numpy(zero_copy_only=False) if values.null_count else np.ones(n, bool)
    return offsets, data, valid


@numba.njit(cache=True, nogil=True, inline="always")
def _hash(data, lo, hi):  # noqa: ANN001, ANN202 # pragma: no cover - compiled
    h = _FNV_OFFSET
    for i in range(lo, hi):
        h = (h ^ np.uint64(data[i])) * _FNV_PRIME
    # MurmurHash3's finalizer: FNV's multiply carries bits only upwards, and a slot is the low bits
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xFF51AFD7ED558CCD)
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xC4CEB9FE1A85EC53)
    return h ^ (h >> np.uint64(33))


@numba.njit(cache=True, nogil=True, inline="always")
def _same(a, alo, ahi, b, blo, bhi):  # noqa: ANN001, ANN202 # pragma: no cover - compiled
    if ahi - alo != bhi - blo:
        return False
    for i in range(ahi - alo):
        if a[alo + i] != b[blo + i]:
            return False
    return True


@numba.njit(cache=True, nogil=True, inline="always")
def _find(ioffsets, idata, slots, data, lo, hi, h):  # noqa: ANN001, ANN202 # pragma: no cover - compiled
    """(slot, position) of the string ``data[lo:hi]`` of hash ``h``: position -1 and its empty slot if absent."""
    mask = np.uint64(len(slots) - 1)
    tag = h & ~_LOW
    s = h & mask
    while True:
        entry = slots[s]
        if entry == 0:
            return s, -1
        if entry & ~_LOW == tag:
            j = np.int64(entry & _LOW) - 1
            if _same(idata, ioffsets[j], ioffsets[j + 1], data, lo, hi):
                return s, j
        s = (s + np.uint64(1)) & mask


@numba.njit(cache=True, nogil=True)
def _insert_all(offsets, data, valid, slots):  # noqa: ANN001, ANN202 # pragma: no cover - compiled
    for i in range(len(offsets) - 1):
        if valid[i]:
            h = _hash(data, offsets[i], offsets[i + 1])
            s, j = _find(offsets, data, slots, data, offsets[i], offsets[i + 1], h)
            if j < 0:  # a repeat keeps its first position
                slots[s] = (h & ~_LOW) | np.uint64(i + 1)


@numba.njit(cache=True, nogil=True)
def _probe_all(ioffsets, idata, slots, offsets, data, valid, out):  # noqa: ANN001, ANN202 # pragma: no cover
    # In passes, so that each pass's memory reads are independent of each other and overlap: probed
    # one by one, every lookup would wait for three dependent cache misses (slot, offset, bytes).
    n = len(offsets) - 1
    mask = np.uint64(len(slots) - 1)
    hashes = np.empty(n, np.uint64)
    for i in range(n):
        hashes[i] = _hash(data, offsets[i], offsets[i + 1])
    entry = np.empty(n, np.uint64)
    for i in range(n):
        entry[i] = slots[hashes[i] & mask]
    for i in range(n):  # the first slot's string, when its hash matches
        out[i] = -1
        if valid[i] and entry[i] != 0 and entry[i] & ~_LOW == hashes[i] & ~_LOW:
            out[i] = np.int64(entry[i] & _LOW) - 1
    for i in range(n):
        j = out[i]
        if j >= 0 and not _same(idata, ioffsets[j], ioffsets[j + 1], data, offsets[i], offsets[i + 1]):
            out[i] = -1
    for i in range(n):  # the rest: a string not in the first slot that is not empty, probed on
        if valid[i] and out[i] < 0 and entry[i] != 0:
            out[i] = _find(ioffsets, idata, slots, data, offsets[i], offsets[i + 1], hashes[i])[1]
