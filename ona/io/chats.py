"""chats file -> canonical ``chats`` and ``chat_recipients`` tables, and rejects.

Input: a :class:`~ona.io.raw.RawTable` with ``timestamp, sender,
conversation_id, recipients`` and optionally ``thread_author``,
``message_id`` and ``kind``; the people :class:`~ona.io.directory.Directory`.
Output: :data:`ona.io.schema.CHATS`, :data:`ona.io.schema.CHAT_RECIPIENTS`,
the rejects and the duplicate count.

One row is one chat message; ``recipients`` are the other members of its
conversation (a direct message, a group chat or a channel). Rules:

- ``recipients`` is a ``;``-separated list (items trimmed, empty items
  dropped), resolved to people or kept as external addresses
  (:mod:`ona.io.directory`); ``k`` is the number of distinct recipients:
  two aliases of one person count once, the sender is excluded, each
  distinct external address counts once; ``chat_recipients`` has one row
  per counted recipient;
- ``thread_author`` (optional) is the author of the message this one
  replies to in a thread. When it resolves to someone other than the
  sender, the message is a **reply** (it adds 1 to the pair sender-author
  instead of 1/k to each member); a reply in one's own thread, or an empty
  ``thread_author``, is a plain message of the conversation;
- ``kind`` (optional, case-insensitive): ``dm``, ``group`` or ``channel``.
  Empty means a conversation (dm or group). Posts in a channel that are
  not replies count only with the ``chat_channel_posts`` parameter;
- a row is rejected when its timestamp is empty or not ISO 8601, its sender
  or conversation_id is empty, its kind is not one of the above, or it has
  neither a recipient other than the sender nor a thread author other than
  the sender;
- a valid row whose non-empty ``message_id`` was already seen on an earlier
  valid row is a duplicate: not loaded, counted in ``duplicates``;
- ``message_key`` numbers the accepted messages 0, 1, ... in file order.

Examples
--------
>>> from ona.io.raw import keep_named
>>> from ona.io.sqlkit import connect
>>> people = pa.table({"person_id": ["ann", "bob", "cy"]})
>>> d = Directory.build(people, pa.table({"address": ["ann@x.org"], "person_id": ["ann"]}))
>>> raw = keep_named("chats.csv", "csv", ["timestamp", "sender", "conversation_id", "recipients",
...                  "thread_author"], pa.table({
...     "c0": ["2024-01-02T09:00:00Z", "2024-01-02T09:01:00Z", "yesterday"],
...     "c1": ["ANN@x.org", "bob", "bob"], "c2": ["g1", "g1", "g1"],
...     "c3": ["bob;cy;ext@y.com", "ann;cy", "ann"], "c4": ["", "ann", ""],
...     "line": [2, 3, 4]}), 3)
>>> v = validate_chats(connect(), raw, d)
>>> v.tables["chats"].select(["sender_id", "k", "reply", "thread_author_id"]).to_pylist()[1]
{'sender_id': 'bob', 'k': 2, 'reply': True, 'thread_author_id': 'ann'}
>>> v.tables["chats"].column("k").to_pylist(), v.rejects.column("line").to_pylist()
([3, 2], [4])
"""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ona.io.checks import Checks, parse_times, repeated_ids, repeated_in_row
from ona.io.directory import Directory
from ona.io.prep import as_numpy, blank_as_null, exploded, trimmed
from ona.io.raw import RawTable, Validated

#: Values of the optional ``kind`` column ('' = a conversation: dm or group).
KINDS = ("dm", "group", "channel")


def validate_chats(con: duckdb.DuckDBPyConnection, raw: RawTable, people: Directory) -> Validated:
    """Validate and resolve chat rows (see the module docstring for the rules)."""
    cols = raw.require("timestamp", "sender", "conversation_id", "recipients")
    n = raw.table.num_rows
    lines = raw.table.column("line").to_numpy()
    t = trimmed(
        raw,
        {
            "ts": cols["timestamp"],
            "sender": cols["sender"],
            "conv": cols["conversation_id"],
            "author": raw.column("thread_author"),
            "mid": raw.column("message_id"),
            "kind": raw.column("kind"),
        },
    )
    rows, refs = exploded(raw, [cols["recipients"]])
    del raw
    # senders, thread authors and recipients resolved together: [0, n) senders, [n, 2n) authors
    who = people.resolve(pa.chunked_array([*t["sender"].chunks, *t["author"].chunks, *refs.chunks], pa.string()))
    del refs
    has_sender = as_numpy(pc.not_equal(t["sender"], ""))
    has_author = as_numpy(pc.not_equal(t["author"], ""))
    ts = parse_times(con, t["ts"])
    sender_ident = np.where(has_sender, who.ident[:n], -1)
    reply = has_author & has_sender & (who.ident[n : 2 * n] != sender_ident)
    rcpt_ident = who.ident[2 * n :]
    counted = rcpt_ident != sender_ident[rows]
    counted &= ~repeated_in_row(rows, rcpt_ident)
    del rcpt_ident
    k = np.bincount(rows[counted], minlength=n)
    listed = np.bincount(rows, minlength=n) > 0
    kind = pc.utf8_lower(t["kind"])
    known_kind = as_numpy(pc.is_in(kind, value_set=pa.array(["", *KINDS])))

    ts_raw = t["ts"]
    ts_blank = as_numpy(pc.equal(ts_raw, ""))
    checks = Checks(n)
    checks.add(ts_blank, "timestamp is empty")
    checks.add(~ts_blank & as_numpy(ts.is_null()), "timestamp '{}' is not ISO 8601", ts_raw)
    checks.add(~has_sender, "sender is empty")
    checks.add(as_numpy(pc.equal(t["conv"], "")), "conversation_id is empty")
    checks.add(~known_kind, "kind '{}' is not dm, group or channel", t["kind"])
    checks.add(~listed & ~reply, "no recipient (recipients is empty and the message replies to no one else)")
    checks.add(listed & (k == 0) & ~reply, "no recipient other than the sender")
    valid = ~checks.failed

    duplicate = repeated_ids(valid, t["mid"])
    keep = valid & ~duplicate
    accepted = np.flatnonzero(keep)
    keys = np.full(n, -1, np.int64)
    keys[accepted] = np.arange(accepted.size)

    take = pa.array(keep)
    senders = pa.array(accepted)
    is_reply = reply[accepted]
    authors = pa.array(n + accepted, mask=~is_reply)
    chats = pa.table(
        {
            "message_key": pa.array(np.arange(accepted.size, dtype=np.int64)),
            "message_id": blank_as_null(t["mid"].filter(take)),
            "ts": ts.filter(take),
            "conversation_id": t["conv"].filter(take),
            "kind": blank_as_null(kind.filter(take)),
            "sender_id": pc.take(who.person_id, senders),
            "sender_address": pc.take(who.address, senders),
            "k": pa.array(k[accepted].astype(np.int32)),
            "reply": pa.array(is_reply),
            "thread_author_id": pc.take(who.person_id, authors),
            "thread_author_address": pc.take(who.address, authors),
            "line": pa.array(lines[accepted], pa.int64()),
        }
    )
    kept = counted & keep[rows]
    recipients = who.references("message_key", keys[rows[kept]], 2 * n + np.flatnonzero(kept))
    return Validated(
        {"chats": chats, "chat_recipients": recipients},
        checks.rejects(lines),
        int(duplicate.sum()),
    )
