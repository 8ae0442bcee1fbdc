"""Progress bars: shown for long work on a terminal, silent otherwise.

``progress(iterable, total=..., desc=..., enabled=None)`` wraps tqdm. With
``enabled=None`` a bar appears only when stderr is a TTY, and tqdm's
``delay=1.0`` keeps it hidden for work that ends within a second.
``enabled=False`` (a function's ``progress=False``) never shows one.

>>> list(progress(range(3), enabled=False))
[0, 1, 2]
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

__all__ = ["progress", "progress_bar"]

T = TypeVar("T")


def _show(enabled: bool | None) -> bool:
    if enabled is None:
        return bool(getattr(sys.stderr, "isatty", lambda: False)())
    return bool(enabled)


def progress(
    iterable: Iterable[T],
    *,
    total: int | None = None,
    desc: str = "",
    unit: str = "it",
    enabled: bool | None = None,
) -> Iterator[T]:
    """Iterate ``iterable`` with a bar when :func:`_show` allows (see module docs)."""
    if not _show(enabled):
        yield from iterable
        return
    from tqdm.auto import tqdm

    yield from tqdm(iterable, total=total, desc=desc, unit=unit, delay=1.0, leave=False)


def progress_bar(*, total: int, desc: str = "", unit: str = "it", enabled: bool | None = None) -> Any:
    """A manual bar (``.update(n)``, ``.close()``, context manager); a no-op when hidden."""
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit=unit, delay=1.0, leave=False,
                disable=not _show(enabled))  # fmt: skip
