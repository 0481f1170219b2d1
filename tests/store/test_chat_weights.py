"""Chat pair weights: every rule of the chat channel, hand-computed as exact fractions.

People a, b, c, d (Finance), e (Legal); "x@ext.com" is an external party.
Each event's contribution is in its comment; the totals below add them up.
"""

from __future__ import annotations

import csv
from fractions import Fraction as F
from pathlib import Path

import pytest

from ona.io import read_dataset
from ona.params import AnalysisParams
from ona.store import PairWeights, Store
from tests.io.imports import smallorg

PEOPLE = [("a", "Finance"), ("b", "Finance"), ("c", "Finance"), ("d", "Finance"), ("e", "Legal")]

# timestamp, sender, conversation_id, recipients, thread_author, message_id, kind
CHATS = [
    ("2024-01-02T09:00:00Z", "a", "dm-ab", "b", "", "1", "dm"),  # DM: (a,b) += 1
    ("2024-01-02T10:00:00Z", "a", "grp4", "b;c;d", "", "2", "group"),  # k=3: (a,b),(a,c),(a,d) += 1/3
    ("2024-01-02T10:05:00Z", "b", "grp4", "a;c;d", "a", "3", "group"),  # reply to a: (a,b) += 1
    ("2024-01-02T11:00:00Z", "a", "grp5", "b;c;d;e", "", "4", ""),  # k=4 > broadcast 3: skipped
    ("2024-01-03T09:00:00Z", "c", "general", "d;e", "", "5", "channel"),  # channel post: 0, or 1/2 opted in
    ("2024-01-03T09:30:00Z", "d", "general", "c", "c", "6", "channel"),  # reply in a channel: (c,d) += 1
    ("2024-01-04T09:00:00Z", "e", "grp-x", "d;x@ext.com", "", "7", ""),  # k=2: (d,e) += 1/2, external 1/2
    ("2024-01-04T09:10:00Z", "a", "dm-ab", "b", "a", "8", "dm"),  # own thread: a plain message, (a,b) += 1
    ("2024-01-05T09:00:00Z", "x@ext.com", "grp-x", "d;e", "e", "9", ""),  # external replies to e: external 1
    ("2024-01-05T09:05:00Z", "a", "dm-ab", "b", "", "1", "dm"),  # message_id 1 again: a duplicate
]


def write(folder: Path, chats: list[tuple[str, ...]] = CHATS) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "people.csv").open("w", newline="") as f:
        csv.writer(f).writerows([("person_id", "department"), *PEOPLE])
    with (folder / "chats.csv").open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["timestamp", "sender", "conversation_id", "recipients", "thread_author", "message_id", "kind"])
        w.writerows(chats)
    return folder


def weights(folder: Path, **params: object) -> PairWeights:
    store = Store()
    info = store.save_dataset(read_dataset(folder))
    return store.pair_weights(info.dataset_id, AnalysisParams(**params))


def chat_of(pw: PairWeights, column: str = "chat") -> dict[tuple[str, str], float]:
    t = pw.table.to_pydict()
    return {(a, b): v for a, b, v in zip(t["a"], t["b"], t[column])}


def assert_exact(got: dict[tuple[str, str], float], expected: dict[tuple[str, str], F]) -> None:
    assert set(got) == set(expected)
    for pair, value in expected.items():
        assert got[pair] == pytest.approx(float(value), abs=1e-9), pair


def test_every_chat_rule(tmp_path: Path) -> None:
    pw = weights(write(tmp_path), broadcast_limit=3)
    assert_exact(
        chat_of(pw),
        {
            ("a", "b"): F(1) + F(1, 3) + F(1) + F(1),  # DM, group of 4, b's reply, a's own-thread message
            ("a", "c"): F(1, 3),
            ("a", "d"): F(1, 3),
            ("c", "d"): F(1),  # d's reply in the channel counts without the opt-in
            ("d", "e"): F(1, 2),  # e's message with an external member: k = 2
        },
    )
    # email, meeting and ticket carry nothing; weight = chat with chat_weight 1
    assert chat_of(pw, "weight") == chat_of(pw) and set(chat_of(pw, "email").values()) == {0.0}
    assert pw.events["chats"] == 9  # the duplicate counts once (it was never loaded)
    assert pw.events["chat_replies"] == 3  # messages 3, 6 and 9
    assert pw.events["chats_broadcast"] == 1  # message 4
    assert pw.events["chat_channel_posts"] == 1  # message 5
    assert pw.events["chats_external_sender"] == 1  # message 9
    assert pw.external["chat"] == pytest.approx(0.5 + 1)  # e-x 1/2 (message 7), x's reply to e (message 9)


def test_channel_posts_opt_in(tmp_path: Path) -> None:
    pw = weights(write(tmp_path), broadcast_limit=3, chat_channel_posts=True)
    got = chat_of(pw)
    assert got[("c", "d")] == pytest.approx(1 + 0.5)  # the reply, plus c's post: k = 2
    assert got[("c", "e")] == pytest.approx(0.5)
    assert pw.events["chat_channel_posts"] == 0


def test_broadcast_limit_and_coefficient(tmp_path: Path) -> None:
    folder = write(tmp_path)
    pw = weights(folder, chat_weight=2.0)  # broadcast_limit 50: message 4 counts, 1/4 per pair
    got = chat_of(pw)
    assert got[("a", "b")] == pytest.approx(float(F(10, 3) + F(1, 4)))
    assert got[("a", "e")] == pytest.approx(0.25)
    assert chat_of(pw, "weight")[("a", "b")] == pytest.approx(2 * float(F(10, 3) + F(1, 4)))
    assert pw.events["chats_broadcast"] == 0


def test_window(tmp_path: Path) -> None:
    pw = weights(write(tmp_path), broadcast_limit=3, since="2024-01-03T00:00:00Z", until="2024-01-04T09:05:00Z")
    # messages 5, 6, 7 are in the window: the channel post is skipped
    assert_exact(chat_of(pw), {("c", "d"): F(1), ("d", "e"): F(1, 2)})
    assert pw.events["chats"] == 3


def test_total_weight_preserved(tmp_path: Path) -> None:
    # sum over counted messages of (internal members / k), plus 1 per internal-internal reply
    pw = weights(write(tmp_path), broadcast_limit=3)
    total = F(1) + F(3, 3) + F(1) + F(1) + F(1, 2) + F(1)
    assert pw.total_weight == pytest.approx(float(total), abs=1e-8)  # each pair rounded to 9 decimals


def test_smallorg_canonical_chats(tmp_path: Path) -> None:
    """The shared small organization's chats.csv gives these hand-computed chat weights."""
    pw = weights(smallorg.write_canonical(tmp_path / "org"))
    assert_exact(
        {pair: v for pair, v in chat_of(pw).items() if v},
        {
            ("ana", "ben"): F(2),  # c1, c2: a DM each way
            ("fay", "gus"): F(1, 2) + F(1),  # c3 (k=2), c4: gus replies to fay
            ("fay", "hal"): F(1, 2),  # c3
            ("dan", "eve"): F(1),  # c5
            ("eve", "fay"): F(1, 3),  # c6: k = 3
            ("ana", "eve"): F(1, 3),
            ("cai", "eve"): F(1, 3),
        },
    )
    assert pw.events["chats"] == len(smallorg.CHATS) and pw.events["chat_replies"] == 1


def test_dataset_counts_and_delete(tmp_path: Path) -> None:
    store = Store()
    info = store.save_dataset(read_dataset(write(tmp_path)))
    assert (info.chats, info.chat_recipients) == (9, 19)  # 1+3+3+4+2+1+2+1+2 counted members
    store.delete_dataset(info.dataset_id)
    with store._cursor() as cur:  # the store has no public row access
        assert cur.execute("SELECT count(*) FROM chats").fetchall()[0][0] == 0
        assert cur.execute("SELECT count(*) FROM chat_recipients").fetchall()[0][0] == 0


def test_a_store_written_before_the_chat_channel_opens(tmp_path: Path) -> None:
    """A version-2 store whose datasets table has no chat counts gets them (0) on opening."""
    import duckdb

    path = tmp_path / "old.duckdb"
    store = Store(path)
    info = store.save_dataset(read_dataset(smallorg.write_canonical(tmp_path / "org", chats=False)))
    store.close()
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE d2 AS SELECT * EXCLUDE (chats, chat_recipients) FROM datasets")
    con.execute("DROP TABLE datasets")
    con.execute("ALTER TABLE d2 RENAME TO datasets")
    con.close()
    with Store(path) as again:
        (found,) = again.list_datasets()
        assert (found.dataset_id, found.chats, found.chat_recipients) == (info.dataset_id, 0, 0)
