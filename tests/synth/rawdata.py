"""An independent reading of a synthetic dataset with pandas, for the synth tests.

It does not use ona.io: it resolves addresses itself (person_id or any alias,
case-insensitively) and builds the pair weights of DESIGN.md "The collaboration
graph" (email 1/k, meeting h/(n-1), one per ticket handoff), so that the tests
check the generator against the contract, not against itself.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

BROADCAST_LIMIT = 50
LARGE_MEETING_LIMIT = 25


def read(folder: Path) -> dict[str, pd.DataFrame]:
    """The four CSV files as string DataFrames (empty cells as '')."""
    return {
        name: pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False)
        for name in ("people", "emails", "meetings", "tickets")
    }


def address_book(people: pd.DataFrame) -> dict[str, str]:
    """Lower-cased address or person_id -> person_id."""
    book = {pid.lower(): pid for pid in people["person_id"]}
    for pid, cell in zip(people["person_id"], people["email"], strict=True):
        for address in cell.split(";"):
            book[address.strip().lower()] = pid
    return book


def _explode(frame: pd.DataFrame, key: str, columns: list[str], name: str) -> pd.DataFrame:
    parts = [frame[[key, c]].rename(columns={c: name}) for c in columns]
    long = pd.concat(parts, ignore_index=True)
    long[name] = long[name].str.split(";")
    long = long.explode(name)
    long[name] = long[name].str.strip().str.lower()
    return long[long[name] != ""].drop_duplicates()


def email_edges(data: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Directed email weights: ``src, dst, w`` (w = 1/k), broadcasts skipped."""
    book = address_book(data["people"])
    emails = data["emails"].drop_duplicates("message_id").copy()
    emails["sender_l"] = emails["sender"].str.lower()
    long = _explode(emails, "message_id", ["recipients", "cc", "bcc"], "address")
    long = long.merge(emails[["message_id", "sender_l"]], on="message_id")
    long = long[long["address"] != long["sender_l"]]
    k = long.groupby("message_id")["address"].transform("size")
    long = long.assign(k=k)
    long = long[long["k"] <= BROADCAST_LIMIT]
    long["src"] = long["sender_l"].map(book)
    long["dst"] = long["address"].map(book)
    long = long.dropna(subset=["src", "dst"])
    return pd.DataFrame(
        {"src": long["src"], "dst": long["dst"], "w": 1.0 / long["k"], "message_id": long["message_id"]}
    )


def meeting_pairs(data: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Meeting weights per attendee pair: ``a, b, w`` (w = hours / (n - 1))."""
    book = address_book(data["people"])
    meetings = data["meetings"]
    hours = (pd.to_datetime(meetings["end"]) - pd.to_datetime(meetings["start"])).dt.total_seconds() / 3600
    long = _explode(meetings, "meeting_id", ["attendees"], "address")
    long["n"] = long.groupby("meeting_id")["address"].transform("size")
    long = long[(long["n"] >= 2) & (long["n"] <= LARGE_MEETING_LIMIT)]
    long["pid"] = long["address"].map(book)
    long = long.dropna(subset=["pid"])
    long["h"] = long["meeting_id"].map(dict(zip(meetings["meeting_id"], hours, strict=True)))
    pairs = long.merge(long[["meeting_id", "pid"]], on="meeting_id", suffixes=("_a", "_b"))
    pairs = pairs[pairs["pid_a"] < pairs["pid_b"]]
    return pd.DataFrame({"a": pairs["pid_a"], "b": pairs["pid_b"], "w": pairs["h"] / (pairs["n"] - 1)})


def handoffs(data: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Ticket handoffs ``a, b`` (one row per change of assignee)."""
    t = data["tickets"].sort_values(["ticket_id", "timestamp"], kind="stable")
    prev = t.groupby("ticket_id")["assignee"].shift()
    change = prev.notna() & (prev != t["assignee"])
    return pd.DataFrame({"a": prev[change].to_numpy(), "b": t.loc[change, "assignee"].to_numpy()})


def undirected(edges: pd.DataFrame, a: str, b: str) -> pd.DataFrame:
    """Sum weights per unordered pair, self-pairs dropped: ``a, b, w``."""
    x, y = edges[a].to_numpy(dtype=object), edges[b].to_numpy(dtype=object)
    lo, hi = np.where(x < y, x, y), np.where(x < y, y, x)
    w = edges["w"] if "w" in edges else pd.Series(1.0, index=edges.index)
    out = pd.DataFrame({"a": lo, "b": hi, "w": w.to_numpy()})
    return out[out["a"] != out["b"]].groupby(["a", "b"], as_index=False)["w"].sum()


def collaboration(
    data: dict[str, pd.DataFrame], channels: tuple[str, ...] = ("email", "meeting", "ticket")
) -> pd.DataFrame:
    """The undirected pair weights of the chosen channels."""
    parts = []
    if "email" in channels:
        parts.append(undirected(email_edges(data), "src", "dst"))
    if "meeting" in channels:
        parts.append(undirected(meeting_pairs(data), "a", "b"))
    if "ticket" in channels:
        parts.append(undirected(handoffs(data), "a", "b"))
    return pd.concat(parts).groupby(["a", "b"], as_index=False)["w"].sum()


def ei_index(pairs: pd.DataFrame, group: dict[str, str]) -> pd.Series:
    """Krackhardt's E-I index per group: (E - I) / (E + I) on weights."""
    ga, gb = pairs["a"].map(group), pairs["b"].map(group)
    internal = pairs[ga == gb].groupby(ga[ga == gb])["w"].sum()
    cross = pairs[ga != gb]
    external = (
        pd.concat([cross.groupby(ga[ga != gb])["w"].sum(), cross.groupby(gb[ga != gb])["w"].sum()])
        .groupby(level=0)
        .sum()
    )
    frame = pd.DataFrame({"I": internal, "E": external}).fillna(0.0)
    return (frame["E"] - frame["I"]) / (frame["E"] + frame["I"])
