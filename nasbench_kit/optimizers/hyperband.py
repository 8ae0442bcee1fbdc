"""Successive halving and Hyperband on the fidelity (training epochs) axis.

The *ladder* of fidelities comes from the table (the runner calls
``prepare(fidelities=...)``; e.g. ``(12.0, 200.0)`` for a join of the 12- and
200-epoch NB-201 imports) or is given explicitly, optionally clipped to
``[min_fidelity, max_fidelity]``. A *bracket* evaluates ``n`` new architectures
at its first rung, promotes the best ``1/eta`` to the next rung, and so on up
to the highest fidelity. Successive halving repeats one bracket shape;
Hyperband cycles through brackets that start at every rung. With a single
fidelity both reduce to random search in batches.

Each ask sets ``next_fidelity``; a promoted architecture is asked again at the
higher fidelity (the runner charges only the extra training, see
``run_search``).

>>> from nasbench_kit.optimizers import SuccessiveHalving
>>> opt = SuccessiveHalving("nb201", eta=3, seed=0)
>>> opt.prepare(fidelities=(12.0, 200.0))
>>> asks = []
>>> for i in range(4):
...     a = opt.ask(); asks.append(opt.next_fidelity); opt.tell(a, float(i))
>>> asks
[12.0, 12.0, 12.0, 200.0]
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from nasbench_kit.errors import OutOfDomainError
from nasbench_kit.optimizers._base import Optimizer, sample_unseen
from nasbench_kit.spaces import Architecture, SearchSpace

__all__ = ["Hyperband", "SuccessiveHalving"]


class _Bracket:
    """One run of successive halving over ``rungs`` with ``sizes`` configs per rung."""

    def __init__(self, rungs: list[float | None], sizes: list[int]) -> None:
        self.rungs = rungs
        self.sizes = sizes
        self.level = 0
        self.todo: list[Architecture] = []
        self.waiting: dict[str, Architecture] = {}
        self.results: list[tuple[Architecture, float]] = []
        self.to_sample = sizes[0]
        self.done = False

    @property
    def fidelity(self) -> float | None:
        return self.rungs[self.level]

    def record(self, arch: Architecture, value: float) -> None:
        del self.waiting[arch.hash]
        self.results.append((arch, value))
        if self.todo or self.waiting or self.to_sample:
            return
        if self.level + 1 >= len(self.rungs):
            self.done = True
            return
        self.level += 1
        ranked = sorted(self.results, key=lambda t: t[1], reverse=True)
        self.todo = [a for a, _ in ranked[: self.sizes[self.level]]][::-1]
        self.results = []


class SuccessiveHalving(Optimizer):
    """Repeated successive-halving brackets from the lowest to the highest fidelity.

    ``n_initial`` architectures start each bracket (default ``eta ** (rungs-1)``,
    so one survives to the top rung).
    """

    name = "sh"
    multi_fidelity = True

    def __init__(
        self,
        space: str | SearchSpace,
        *,
        eta: int = 3,
        n_initial: int | None = None,
        fidelities: Sequence[float] | None = None,
        min_fidelity: float | None = None,
        max_fidelity: float | None = None,
        seed: int | np.random.Generator | None = None,
    ) -> None:
        super().__init__(space, seed=seed)
        if eta < 2:
            raise OutOfDomainError(f"eta={eta} must be an integer >= 2 (e.g. 3)")
        if n_initial is not None and n_initial < 1:
            raise OutOfDomainError(f"n_initial={n_initial} must be >= 1")
        self.eta = eta
        self.n_initial = n_initial
        self._given = tuple(sorted(float(f) for f in fidelities)) if fidelities else None
        self.min_fidelity = min_fidelity
        self.max_fidelity = max_fidelity
        self.ladder: list[float | None] = [None]
        self._brackets: list[_Bracket] = []
        self._waiting: dict[str, list[_Bracket]] = {}
        self._proposed: set[str] = set()
        self.n_brackets = 0
        self._set_ladder(self._given or ())

    def prepare(self, *, fidelities: Sequence[float] = (), n_objectives: int = 1) -> None:
        super().prepare(fidelities=fidelities, n_objectives=n_objectives)
        if self._given is None:
            self._set_ladder(self.fidelities)

    def _set_ladder(self, fids: Sequence[float]) -> None:
        lo = -math.inf if self.min_fidelity is None else self.min_fidelity
        hi = math.inf if self.max_fidelity is None else self.max_fidelity
        ladder: list[float | None] = [float(f) for f in sorted(fids) if lo <= f <= hi]
        if fids and not ladder:
            raise OutOfDomainError(
                f"no fidelity of {tuple(fids)} lies in [min_fidelity={self.min_fidelity}, "
                f"max_fidelity={self.max_fidelity}]; widen the range"
            )
        self.ladder = ladder or [None]

    # ---- bracket shapes ------------------------------------------------------
    def _shape(self, index: int) -> tuple[list[float | None], list[int]]:
        rungs = self.ladder
        n0 = self.n_initial or self.eta ** (len(rungs) - 1)
        return rungs, [max(1, n0 // self.eta**i) for i in range(len(rungs))]

    def _new_bracket(self) -> _Bracket:
        rungs, sizes = self._shape(self.n_brackets)
        self.n_brackets += 1
        b = _Bracket(rungs, sizes)
        self._brackets.append(b)
        return b

    # ---- protocol ----------------------------------------------------------------
    def _ask(self) -> Architecture:
        bracket = next((b for b in self._brackets if b.todo or b.to_sample), None)
        if bracket is None:
            bracket = self._new_bracket()
        if bracket.todo:
            arch = bracket.todo.pop()
        else:
            bracket.to_sample -= 1
            arch = sample_unseen(self.space, self.rng, self._proposed)
            self._proposed.add(arch.iso_hash)
        bracket.waiting[arch.hash] = arch
        self._waiting.setdefault(arch.hash, []).append(bracket)
        self.next_fidelity = bracket.fidelity
        return arch

    def _tell(self, arch: Architecture, value: Any) -> None:
        queue = self._waiting.get(arch.hash)
        if not queue:
            return  # a result nobody asked for (e.g. told twice): ignore
        bracket = queue.pop(0)
        if not queue:
            del self._waiting[arch.hash]
        bracket.record(arch, float(value))
        if bracket.done:
            self._brackets.remove(bracket)


class Hyperband(SuccessiveHalving):
    """Hyperband: cycles successive-halving brackets that start at each rung.

    Bracket ``s`` (``s = R-1 .. 0`` for ``R`` rungs) starts
    ``ceil(R / (s + 1) * eta ** s)`` architectures at rung ``R-1-s``.
    """

    name = "hb"

    def _shape(self, index: int) -> tuple[list[float | None], list[int]]:
        n_rungs = len(self.ladder)
        s = n_rungs - 1 - index % n_rungs
        start = n_rungs - 1 - s
        n0 = self.n_initial or math.ceil(n_rungs / (s + 1) * self.eta**s)
        rungs = self.ladder[start:]
        return rungs, [max(1, n0 // self.eta**i) for i in range(len(rungs))]
