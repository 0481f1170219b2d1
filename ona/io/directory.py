"""Identity resolution: who is behind a sender, recipient, attendee or assignee.

Input: the accepted ``people`` and ``aliases`` tables (from
:mod:`ona.io.people`). Output: a :class:`Directory` that resolves any column
of references, with hash indexes of the people built once
(:mod:`ona.io.string_index`).

Rules, in order (references arrive trimmed):

1. a reference equal to a person_id is that person;
2. else, if its lower-case form equals one of a person's email addresses
   (lower-cased), it is that person;
3. else, if its lower-case form equals a lower-cased person_id, it is that
   person (the first in people's order when two ids differ only in case);
4. anyone else is an external party: null person_id.

``address`` is always the lower-cased reference. ``ident`` is an integer
identity, one per person and one per distinct external address, used to
count distinct recipients or attendees: two aliases of one person are one
ident.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ona.io.checks import first_occurrence
from ona.io.string_index import StringIndex


@dataclass(frozen=True)
class Resolved:
    """References resolved: one entry per reference."""

    person_id: pa.Array  # null when external
    address: pa.Array  # lower-cased
    ident: np.ndarray

    def references(self, key_name: str, keys: np.ndarray, chosen: np.ndarray) -> pa.Table:
        """A canonical participants table (recipients, attendees): one row per chosen reference.

        ``keys`` is the event key of each chosen reference, ``chosen`` its
        position among the resolved references.
        """
        picked = pa.array(chosen)
        return pa.table(
            {
                key_name: pa.array(keys),
                "person_id": pc.take(self.person_id, picked),
                "address": pc.take(self.address, picked),
            }
        )


@dataclass(frozen=True)
class Directory:
    """The accepted people, as lookup tables for :meth:`resolve`."""

    person_ids: pa.Array
    ci_keys: pa.Array  # lower-cased addresses, then lower-cased person_ids: each key once
    ci_person: np.ndarray  # the person of each ci key (the first in people's order)
    exact_index: StringIndex  # of person_ids
    ci_index: StringIndex  # of ci_keys

    @classmethod
    def build(cls, people: pa.Table, aliases: pa.Table) -> Directory:
        """From canonical people (in file order) and aliases (lower-cased, in people order).

        Examples
        --------
        >>> people = pa.table({"person_id": ["ann", "Bob"]})
        >>> aliases = pa.table({"address": ["ann@x.org"], "person_id": ["ann"]})
        >>> d = Directory.build(people, aliases)
        >>> r = d.resolve(pa.chunked_array([["ANN@x.org", "bob", "Bob", "eve@y.org"]]))
        >>> r.person_id.to_pylist(), r.ident.tolist()
        (['ann', 'Bob', 'Bob', None], [0, 1, 1, 2])
        """
        ids = people.column("person_id").combine_chunks()
        alias_person = pc.index_in(aliases.column("person_id"), value_set=ids).to_numpy(zero_copy_only=False)
        keys = pa.chunked_array(
            [*aliases.column("address").chunks, pc.utf8_lower(ids)], pa.string()
        ).combine_chunks()
        persons = np.concatenate([alias_person.astype(np.int64), np.arange(len(ids), dtype=np.int64)])
        first = first_occurrence(keys)
        ci_keys = keys.filter(pa.array(first))
        return cls(ids, ci_keys, persons[first], StringIndex.build(ids), StringIndex.build(ci_keys))

    def resolve(self, refs: pa.ChunkedArray | pa.Array) -> Resolved:
        """Resolve trimmed references (see the module docstring for the rules).

        Every reference is looked up among the person_ids, then, if not
        found, in lower case among the keys; only the references left, the
        external parties, are numbered by a hash of their own.
        """
        person = self.exact_index.positions(refs)
        address = pc.utf8_lower(refs)
        if isinstance(address, pa.ChunkedArray):
            address = address.combine_chunks()
        other = np.flatnonzero(person < 0)
        if other.size:
            ci = self.ci_index.positions(address.take(pa.array(other)))
            person[other] = np.where(ci >= 0, self.ci_person[np.maximum(ci, 0)], -1)
        external = person < 0
        ident = person.copy()
        if external.any():
            outside = address.filter(pa.array(external))
            ident[external] = len(self.person_ids) + _positions(outside, pc.unique(outside))
        person_id = pc.take(self.person_ids, pa.array(np.maximum(person, 0), mask=external))
        return Resolved(person_id=person_id, address=address, ident=ident.astype(np.int32))


def _positions(values: pa.ChunkedArray | pa.Array, value_set: pa.Array) -> np.ndarray:
    """Index of each value in ``value_set`` (int32, as Arrow gives it), -1 when absent."""
    if len(value_set) == 0:
        return np.full(len(values), -1, np.int32)
    found = pc.fill_null(pc.index_in(values, value_set=value_set), -1)
    if isinstance(found, pa.ChunkedArray):
        found = found.combine_chunks()
    return found.to_numpy(zero_copy_only=False)
