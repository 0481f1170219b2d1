"""Numbers, shares, p-values and durations as readers see them, and the small joins of a sentence.

Input: numbers (or none). Output: plain strings. Part of
:mod:`ona.report.words`, imported from there.
"""

from __future__ import annotations

from collections.abc import Sequence


def number(x: float | None, digits: int = 2) -> str:
    """A figure as the report and the pages print it: thousands separated, no "-0.00", "—" for none.

    >>> number(12345), number(-0.001), number(None), number(3.14159, 1)
    ('12,345', '0.00', '—', '3.1')
    """
    if x is None:
        return "—"
    if isinstance(x, int):
        return f"{x:,}"
    text = f"{x:,.{digits}f}"
    return text[1:] if text.startswith("-") and float(text.replace(",", "")) == 0 else text


def pct(x: float | None) -> str:
    """A share as a whole percentage: 0.884 -> ``"88%"``; none -> ``"—"``."""
    return "—" if x is None else f"{100 * x:.0f}%"


def pval(p: float | None) -> str:
    """An (adjusted) p-value: three decimals, ``"< 0.001"`` below that, ``"—"`` for none."""
    return "—" if p is None else ("< 0.001" if p < 0.001 else f"{p:.3f}")


def hours(h: float | None) -> str:
    """A duration given in hours, for readers (every face prints durations with this one function).

    >>> [hours(x) for x in (0.4, 1.0, 21.3, 47.9, 60.0, None)]
    ['under an hour', '1 hour', '21 hours', '48 hours', '2.5 days', '—']
    """
    if h is None:
        return "—"
    if h < 1:
        return "under an hour"
    if h < 48:
        return plural(round(h), "hour")
    return f"{h / 24:.1f} days"


def plural(n: int, one: str, many: str | None = None) -> str:
    """A count and its noun: ``plural(1, "link")`` -> ``"1 link"``, ``plural(1200, "person", "people")``
    -> ``"1,200 people"``."""
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def join(names: Sequence[str]) -> str:
    """``["A", "B", "C"]`` -> ``"A, B and C"``.

    >>> join(["Finance", "Legal", "Sales"]), join(["Finance"]), join([])
    ('Finance, Legal and Sales', 'Finance', '')
    """
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def in_ten(share: float) -> str:
    """A share as an executive reads it.

    >>> [in_ten(x) for x in (0.97, 0.88, 0.2, 0.03, 0.004)]
    ['nearly all', '9 in 10', '2 in 10', 'fewer than 1 in 20', 'almost none']
    """
    if share >= 0.95:
        return "nearly all"
    if share < 0.05:
        return "almost none" if share < 0.01 else "fewer than 1 in 20"
    return f"{max(1, round(share * 10))} in 10"


def times(x: float) -> str:
    """A ratio in words.

    >>> times(0.18), times(3.04)
    ('0.18 times', '3.0 times')
    """
    return f"{x:.2f} times" if x < 1 else f"{x:.1f} times"


def share_of_chance(ratio: float) -> str:
    """An observed / expected ratio below 1 in words.

    >>> share_of_chance(0.034), share_of_chance(0.004)
    ('3% of', 'less than 1% of')
    """
    share = 100 * ratio
    return "less than 1% of" if share < 1 else f"{share:.0f}% of"
