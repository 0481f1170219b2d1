"""Identity resolution: who is behind a sender, recipient, attendee or assignee.

Input: the accepted ``people`` and ``aliases`` tables (from
:mod:`ona.io.people`). Output: a :class:`Directory` that resolves any column
of references, with Arrow hash lookups over the distinct references only.

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


@dataclass(frozen=True)
class Resolved:
    """References resolved; ``rid`` indexes the per-distinct-reference arrays."""

    rid: np.ndarray  # one per input reference
    person_id: pa.Array  # one per distinct reference; null when external
    address: pa.Array  # one per distinct reference, lower-cased
    ident: np.ndarray  # one per distinct reference

    def references(self, key_name: str, keys: np.ndarray, chosen: np.ndarray) -> pa.Table:
        """A canonical participants table (recipients, attendees): one row per chosen reference.

        ``keys`` is the event key of each chosen reference, ``chosen`` its
        index into the distinct references (``rid`` values).
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
    ci_keys: pa.Array
    ci_person: np.ndarray

    @classmethod
    def build(cls, people: pa.Table, aliases: pa.Table) -> Directory:
        """From canonical people (in file order) and aliases (lower-cased, in people order).

        Examples
        --------
        >>> people = pa.table({"person_id": ["ann", "Bob"]})
        >>> aliases = pa.table({"address": ["ann@x.org"], "person_id": ["ann"]})
        >>> d = Directory.build(people, aliases)
        >>> r = d.resolve(pa.chunked_array([["ANN@x.org", "bob", "Bob", "eve@y.org"]]))
        >>> r.person_id.take(pa.array(r.rid)).to_pylist()
        ['ann', 'Bob', 'Bob', None]
        """
        ids = people.column("person_id").combine_chunks()
        alias_person = pc.index_in(aliases.column("person_id"), value_set=ids).to_numpy(zero_copy_only=False)
        keys = pa.chunked_array(
            [*aliases.column("address").chunks, pc.utf8_lower(ids)], pa.string()
        ).combine_chunks()
        persons = np.concatenate([alias_person.astype(np.int64), np.arange(len(ids), dtype=np.int64)])
        first = first_occurrence(keys)
        return cls(ids, keys.filter(pa.array(first)), persons[first])

    def resolve(self, refs: pa.ChunkedArray | pa.Array) -> Resolved:
        """Resolve trimmed references (see the module docstring for the rules)."""
        distinct = pc.unique(refs)
        rid = _positions(refs, distinct)
        exact = _positions(distinct, self.person_ids)
        lower = pc.utf8_lower(distinct)
        ci = _positions(lower, self.ci_keys)
        person = np.where(exact >= 0, exact, np.where(ci >= 0, self.ci_person[np.maximum(ci, 0)], -1))
        external = person < 0
        ext_code = _positions(lower, pc.unique(lower.filter(pa.array(external))))
        ident = np.where(external, len(self.person_ids) + ext_code, person)
        person_id = pc.take(self.person_ids, pa.array(np.maximum(person, 0), mask=external))
        return Resolved(rid=rid, person_id=person_id, address=lower, ident=ident.astype(np.int32))


def _positions(values: pa.ChunkedArray | pa.Array, value_set: pa.Array) -> np.ndarray:
    """Index of each value in ``value_set`` (int32, as Arrow gives it), -1 when absent."""
    if len(value_set) == 0:
        return np.full(len(values), -1, np.int32)
    found = pc.fill_null(pc.index_in(values, value_set=value_set), -1)
    if isinstance(found, pa.ChunkedArray):
        found = found.combine_chunks()
    return found.to_numpy(zero_copy_only=False)
