"""Who works with whom: each person's pools of partners, and a vectorized sampler.

Input: an :class:`~ona.synth.org.Org` and a :class:`~ona.synth.plant.Plan`.
Output: :class:`Contacts`. A partner is drawn in one of three ways, with the
person's collaboration mix: a teammate, a colleague of the department, or one
of the person's contacts elsewhere. Contacts elsewhere are a fixed, symmetric
list drawn once (so ties repeat and have realistic weights): each person
draws a few contacts, the department following the affinity matrix weighted
by headcount; the CEO also has every department head (their direct reports).
When well mixed, every contact is anyone in the organization.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ona.synth import plant
from ona.synth.catalog import DEPT
from ona.synth.org import Org
from ona.synth.plant import Plan

CONTACTS_MEAN = 2.5  # contacts elsewhere drawn by a member (leads and heads: twice)
CONTACTS_SILO = 0.6
BRIDGE_EXTRA = 12  # Engineering contacts the bridge draws on top
WELL_MIXED_CONTACTS = 8  # plus a Poisson(4): about a person's usual circle
# Department colleagues come from a personal circle, not the whole department:
# in a department of 2,000 nobody works with a uniform draw of all of them.
# Members are ordered by team, so the circle is the neighbouring teams.
DEPT_CIRCLE = 40


@dataclass
class Contacts:
    """Partner pools per person (index ranges that contain the person) and contacts.

    ``mix_cum`` is the cumulative collaboration mix (team, department,
    elsewhere); ``ptr``/``idx`` the contacts elsewhere in CSR form.
    """

    team_lo: np.ndarray
    team_n: np.ndarray
    dept_lo: np.ndarray
    dept_n: np.ndarray
    mix_cum: np.ndarray
    ptr: np.ndarray
    idx: np.ndarray
    dept_circle: int = 0  # 0: the whole department pool

    def sample(self, who: np.ndarray, width: int, rng: np.random.Generator) -> np.ndarray:
        """Draw ``width`` partners for each person of ``who`` (never the person).

        Parameters
        ----------
        who : numpy.ndarray
            Person indices, shape ``(n,)``.
        width : int
            Partners per person; duplicates are possible (see :func:`dedupe_rows`).
        rng : numpy.random.Generator

        Returns
        -------
        numpy.ndarray
            Shape ``(n, width)``, int64 person indices.
        """
        s = who[:, None]
        u_mix, u_pick = rng.random((2, who.shape[0], width))
        kind = (u_mix[..., None] > self.mix_cum[who][:, None, :]).sum(axis=-1)
        team = _pick_in_pool(s, self.team_lo[s], self.team_n[s], u_pick)
        dept = _pick_in_pool(s, self.dept_lo[s], self.dept_n[s], u_pick, circle=self.dept_circle)
        start, count = self.ptr[s], self.ptr[s + 1] - self.ptr[s]
        has = count > 0
        pos = start + np.minimum((u_pick * count).astype(np.int64), np.maximum(count - 1, 0))
        elsewhere = np.where(has, self.idx[np.where(has, pos, 0)], dept)
        return np.where(kind == 0, team, np.where(kind == 1, dept, elsewhere))


def _pick_in_pool(s: np.ndarray, lo: np.ndarray, n: np.ndarray, u: np.ndarray, *, circle: int = 0) -> np.ndarray:
    """Uniform member of ``[lo, lo + n)`` other than ``s`` (which is in it).

    With ``circle`` > 0, uniform among the ``circle`` members around ``s``
    (cyclically), or all others when the pool is smaller.
    """
    others = np.maximum(n - 1, 1)
    if circle <= 0:
        step = 1 + np.minimum((u * others).astype(np.int64), others - 1)
        return lo + (s - lo + step) % np.maximum(n, 1)
    width = np.minimum(others, circle)
    step = 1 + np.minimum((u * width).astype(np.int64), width - 1)  # 1..width
    offset = step - (width + 1) // 2
    offset = np.where(offset <= 0, offset - 1, offset)  # never 0: never s itself
    return lo + (s - lo + offset) % np.maximum(n, 1)


def dedupe_rows(m: np.ndarray) -> np.ndarray:
    """Replace repeated entries of each row by -1 (rows come back sorted)."""
    m = np.sort(m, axis=1)
    dup = np.zeros_like(m, dtype=bool)
    dup[:, 1:] = m[:, 1:] == m[:, :-1]
    return np.where(dup, -1, m)


def build_contacts(org: Org, plan: Plan, rng: np.random.Generator) -> Contacts:
    """Draw everyone's partner pools and contacts elsewhere.

    Parameters
    ----------
    org : Org
    plan : Plan
    rng : numpy.random.Generator
        The contacts' random stream.

    Returns
    -------
    Contacts
    """
    n = org.n
    team_lo = org.team_start[org.team]
    team_n = org.team_size[org.team]
    out_lo, out_n = plant.outside_pools(org, plan)
    dept_lo, dept_n = out_lo[org.dept], out_n[org.dept]
    cut = plant.cutoff_members(org, plan)
    dept_lo = np.where(cut, team_lo, dept_lo)
    dept_n = np.where(cut, team_n, dept_n)

    if plan.well_mixed:
        src, tgt = _well_mixed_edges(n, rng)
    else:
        src, tgt = _planted_edges(org, plan, out_lo, out_n, cut, rng)
    both_s, both_t = np.concatenate([src, tgt]), np.concatenate([tgt, src])
    order = np.argsort(both_s, kind="stable")
    ptr = np.searchsorted(both_s[order], np.arange(n + 1)).astype(np.int64)
    mix = plant.collaboration_mix(org, plan)
    return Contacts(
        team_lo, team_n, dept_lo, dept_n, np.cumsum(mix, axis=1), ptr, both_t[order],
        dept_circle=0 if plan.well_mixed else DEPT_CIRCLE,
    )  # fmt: skip


def _well_mixed_edges(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    m = WELL_MIXED_CONTACTS + rng.poisson(4.0, size=n)
    src = np.repeat(np.arange(n), m)
    tgt = (src + 1 + (rng.random(src.shape[0]) * (n - 1)).astype(np.int64)) % n
    return src, tgt


def _planted_edges(
    org: Org, plan: Plan, out_lo: np.ndarray, out_n: np.ndarray, cut: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    n, n_dept = org.n, len(org.dept_size)
    eng, sec = plan.fragile
    idx = np.arange(n)
    senior = (idx == org.team_start[org.team]) | (idx == org.dept_start[org.dept])
    lam = np.where(senior, 2 * CONTACTS_MEAN, CONTACTS_MEAN)
    lam = np.where(np.isin(org.dept, plan.silo_depts), CONTACTS_SILO, lam)
    m = np.where(cut, 0, rng.poisson(lam))
    src = np.repeat(idx, m)

    # Target department: affinity x reachable headcount. Row n_dept is for
    # Security people other than the bridge, who never reach Engineering.
    w = plant.affinity(plan) * out_n[None, :]
    w = np.vstack([w, w[sec]])
    w[n_dept, eng] = 0.0
    cum = np.cumsum(w / w.sum(axis=1, keepdims=True), axis=1)
    kind = np.where((org.dept == sec) & (idx != plan.bridge), n_dept, org.dept)
    u_dept, u_pick = rng.random((2, src.shape[0]))
    tdept = np.minimum((u_dept[:, None] > cum[kind[src]]).sum(axis=1), n_dept - 1)
    tgt = out_lo[tdept] + (u_pick * out_n[tdept]).astype(np.int64)
    # Engineering reaches Security only through the bridge.
    tgt = np.where((org.dept[src] == eng) & (tdept == sec), plan.bridge, tgt)

    eng_lo, eng_n = int(out_lo[eng]), int(out_n[eng])
    extra = eng_lo + (rng.random(BRIDGE_EXTRA) * eng_n).astype(np.int64)
    # The CEO works with the department heads, their direct reports.
    ceo = org.head(DEPT["Executive"])
    heads = np.array([org.head(d) for d in range(n_dept) if d != DEPT["Executive"]])
    src = np.concatenate([src, np.full(BRIDGE_EXTRA, plan.bridge), [plan.liaison], np.full(len(heads), ceo)])
    tgt = np.concatenate([tgt, extra, [plan.counterpart], heads])
    return src, tgt
