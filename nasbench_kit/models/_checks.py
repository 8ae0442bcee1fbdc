"""Argument checks shared by the model builders (raise the package's own errors)."""

from __future__ import annotations

from typing import Any

import numpy as np

from nasbench_kit.errors import OutOfDomainError


def positive_int(name: str, value: Any, minimum: int = 1) -> int:
    """``value`` as an int, or :class:`OutOfDomainError` naming the rule.

    >>> positive_int("C", 16)
    16
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise OutOfDomainError(
            f"{name}={value!r} must be an int >= {minimum}; pass e.g. {name}={max(minimum, 1) * 16}"
        )
    return int(value)


def probability(name: str, value: Any) -> float:
    """``value`` as a float in ``[0, 1)``.

    >>> probability("dropout", 0.5)
    0.5
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating)) or not (
        0.0 <= float(value) < 1.0
    ):
        raise OutOfDomainError(f"{name}={value!r} must be a float in [0, 1); pass e.g. {name}=0.0")
    return float(value)


def one_of(name: str, value: Any, choices: tuple[Any, ...]) -> Any:
    """``value`` if it is one of ``choices``.

    >>> one_of("preset", "nb301", ("nb301", "darts"))
    'nb301'
    """
    if value not in choices:
        raise OutOfDomainError(f"{name}={value!r} is not one of {list(choices)}; pick one of those")
    return value
