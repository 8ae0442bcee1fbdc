"""The :class:`Proxy` record (kept apart so the registry and combined proxies share it).

>>> p = Proxy("one", lambda net, x, y, loss_fn: 1.0, data_free=True)
>>> p(None, None, None)
1.0
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["Proxy"]


@dataclass(frozen=True)
class Proxy:
    """One zero-cost proxy: the function and what a caller needs to know about it.

    ``data_free``: reads no data (only the input shape); ``higher_is_better``:
    the direction in which the score is used to rank networks; ``unit``: the
    unit of the score; ``kind``: ``"network"`` (one network at a time) or
    ``"combined"`` (ranks a population, see :mod:`~nasbench_kit.proxies.combined`);
    ``components``: the proxies a combined one is made of, ``method`` how
    (``"vote"`` or ``"rank_mean"``); ``takes_seed``: the function draws random
    numbers and takes a keyword ``seed``.
    """

    name: str
    fn: Callable[..., float]
    data_free: bool
    higher_is_better: bool = True
    unit: str = ""
    summary: str = ""
    reference: str = ""
    kind: str = "network"
    components: tuple[str, ...] = ()
    method: str = ""
    takes_seed: bool = False

    def __call__(
        self, net: Any, inputs: Any, targets: Any, loss_fn: Any = None, **kw: Any
    ) -> float:
        return float(self.fn(net, inputs, targets, loss_fn, **kw))
