"""Small input checks the spaces share: bounded reprs for messages, int tests.

Error messages quote the offending value; :func:`show` keeps that quote short
and safe for any input (deeply nested lists, huge ints, megabyte strings,
objects whose ``repr`` fails), so building a message never raises itself.

>>> show("x" * 1000)[:12], show(10**5000)
("'xxxxxxxxxxx", '<int of 16610 bits>')
>>> is_int(True), is_int(3), int_in(4, 0, 5)
(False, True, True)
"""

from __future__ import annotations

import reprlib
from typing import Any

import numpy as np

__all__ = ["as_array", "int_in", "is_int", "show", "sized"]

_REPR = reprlib.Repr()
_REPR.maxstring = 120
_REPR.maxother = 120
_REPR.maxlevel = 4
_REPR.maxlist = _REPR.maxtuple = _REPR.maxdict = _REPR.maxset = 12


def show(value: Any) -> str:
    """A short ``repr`` of ``value`` for an error message; never raises."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 256:
        return f"<int of {value.bit_length()} bits>"
    try:
        return " ".join(_REPR.repr(value).split())
    except Exception:  # a hostile __repr__: name the type instead
        return f"<{type(value).__name__} object>"


def is_int(value: Any) -> bool:
    """True for Python and NumPy integers, False for bools and everything else."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def int_in(value: Any, low: int, high: int) -> bool:
    """True when ``value`` is an int (see :func:`is_int`) with ``low <= value < high``."""
    return is_int(value) and low <= value < high


def sized(value: Any) -> bool:
    """True when ``len(value)`` works (0-d arrays and scalars say False)."""
    if isinstance(value, np.ndarray):
        return value.ndim > 0
    try:
        len(value)
    except Exception:
        return False
    return True


def as_array(value: Any, dtype: Any = None) -> np.ndarray | None:
    """``np.asarray(value, dtype)``, or None when NumPy cannot read it (ragged, too deep ...)."""
    try:
        return np.asarray(value, dtype=dtype)
    except (ValueError, TypeError, OverflowError, RecursionError, MemoryError):
        return None
