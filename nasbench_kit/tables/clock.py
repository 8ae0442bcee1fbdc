"""``SimulatedClock``: the simulated wall time of a search.

Table queries return a ``cost`` (simulated seconds); the runner -- and only
the runner -- advances a clock by it. The clock only moves forward.

>>> clock = SimulatedClock()
>>> clock.advance(12.5)
12.5
>>> clock.advance_to(20.0)
20.0
>>> clock.now
20.0
"""

from __future__ import annotations

import math
from numbers import Real

from nasbench_kit.errors import OutOfDomainError

__all__ = ["SimulatedClock"]


def _as_time(value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise OutOfDomainError(f"{what}={value!r} is not a number of seconds; pass a float")
    out = float(value)
    if not math.isfinite(out):
        raise OutOfDomainError(f"{what}={value!r} is not finite; pass a finite number of seconds")
    return out


class SimulatedClock:
    """Monotone simulated time in seconds, starting at ``start`` (>= 0)."""

    __slots__ = ("_now",)

    def __init__(self, start: float = 0.0) -> None:
        start = _as_time(start, "start")
        if start < 0:
            raise OutOfDomainError(f"start={start!r} is negative; a clock starts at >= 0 seconds")
        self._now = start

    @property
    def now(self) -> float:
        """Seconds elapsed on the simulated clock."""
        return self._now

    def advance(self, seconds: float) -> float:
        """Move forward by ``seconds`` (>= 0, finite) and return the new time."""
        seconds = _as_time(seconds, "seconds")
        if seconds < 0:
            raise OutOfDomainError(
                f"seconds={seconds!r} is negative; simulated time only moves forward "
                "(pass a cost >= 0)"
            )
        self._now += seconds
        return self._now

    def advance_to(self, t: float) -> float:
        """Move forward to time ``t`` (must not be earlier than ``now``); return it."""
        t = _as_time(t, "t")
        if t < self._now:
            raise OutOfDomainError(
                f"t={t!r} is earlier than now={self._now!r}; simulated time only moves forward"
            )
        self._now = t
        return self._now

    def __repr__(self) -> str:
        return f"SimulatedClock(now={self._now!r})"
