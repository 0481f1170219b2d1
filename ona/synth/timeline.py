"""The generated period: days, working hours, and day-range chunks.

Input: a start date and a number of months. Output: a :class:`Period`
whose helpers draw timestamps (numpy ``datetime64[s]``, UTC) and split the
days into chunks of bounded row counts, so that each event file is written
in time order, one chunk at a time.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from ona.errors import ParameterError

DAY = 86_400
HOUR = 3_600
WEEKEND_WEIGHT = 0.04  # a little weekend email


@dataclass(frozen=True)
class Period:
    """Days ``[start, end)`` of the generated logs."""

    start: np.datetime64
    end: np.datetime64

    @classmethod
    def of(cls, start: str, months: int) -> Period:
        """The period of ``months`` calendar months from ``start`` (YYYY-MM-DD).

        Raises
        ------
        ParameterError
            When ``start`` is not a date or ``months`` is below 1.
        """
        try:
            day = np.datetime64(start, "D")
        except ValueError as exc:
            raise ParameterError("start", f"'{start}' is not a date (YYYY-MM-DD)") from exc
        if months < 1:
            raise ParameterError("months", f"must be at least 1, got {months}")
        month = day.astype("datetime64[M]")
        end = (month + months).astype("datetime64[D]") + (day - month.astype("datetime64[D]"))
        return cls(day, end)

    @property
    def days(self) -> np.ndarray:
        """Every day of the period (``datetime64[D]``)."""
        return np.arange(self.start, self.end, dtype="datetime64[D]")

    @property
    def weekday(self) -> np.ndarray:
        """True for Monday..Friday, per day."""
        return np.is_busday(self.days)

    @property
    def end_s(self) -> np.datetime64:
        """The end of the period as ``datetime64[s]``."""
        return self.end.astype("datetime64[s]")

    def day_weights(self, weekend: float) -> np.ndarray:
        """Per-day probability: weekdays 1, weekend days ``weekend`` (normalized)."""
        w = np.where(self.weekday, 1.0, weekend)
        return w / w.sum()

    def per_day(self, total: int, weekend: float, rng: np.random.Generator) -> np.ndarray:
        """Split ``total`` events over the days (multinomial)."""
        return rng.multinomial(total, self.day_weights(weekend))

    def month_index(self) -> np.ndarray:
        """Per day, its month number from the start (0, 1, ...)."""
        months = self.days.astype("datetime64[M]")
        return (months - months[0]).astype(np.int64)


def chunks(per_day: np.ndarray, target: int) -> Iterator[tuple[int, int]]:
    """Consecutive day ranges ``[lo, hi)`` holding about ``target`` events each.

    A range closes as soon as it reaches ``target``; a single day is never split.

    Examples
    --------
    >>> list(chunks(np.array([3, 3, 3, 3, 3]), 5))
    [(0, 2), (2, 4), (4, 5)]
    """
    lo, acc = 0, 0
    for d, count in enumerate(per_day.tolist()):
        acc += count
        if acc >= target:
            yield lo, d + 1
            lo, acc = d + 1, 0
    if lo < per_day.shape[0]:
        yield lo, per_day.shape[0]


def office_seconds(n: int, rng: np.random.Generator) -> np.ndarray:
    """Seconds into the day of ``n`` emails: office hours, some early or late."""
    busy = rng.normal(11.5 * HOUR, 2.6 * HOUR, size=n)
    busy = np.clip(busy, 6.5 * HOUR, 21 * HOUR)
    anytime = rng.random(n) * DAY
    return np.where(rng.random(n) < 0.9, busy, anytime).astype(np.int64)


def stamp(days: np.ndarray, seconds: np.ndarray) -> np.ndarray:
    """``datetime64[s]`` timestamps from days and seconds into the day."""
    return days.astype("datetime64[s]") + seconds.astype("timedelta64[s]")
