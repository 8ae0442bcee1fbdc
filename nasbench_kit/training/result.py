"""``TrainResult``: what one training run measured, as plain JSON-ready data.

Per-epoch sequences (index ``k`` = after epoch ``k + 1``): accuracies in %,
mean cross-entropy losses, the wall seconds of the training pass and of the
evaluation pass. ``seconds`` is the whole call (evaluation and setup
included) and ``cpu_seconds`` the process CPU time it used (all threads; on a
busy machine it is the better guide to what the run costs on a quiet one).
``params`` counts trainable parameters; ``flops`` is MFLOPs of one forward
pass by ``nasbench_kit.models.count_flops`` (NaN when unknown).
``config`` is every training hyper-parameter (``TrainConfig.to_dict()``).
A split the dataset does not have (e.g. ``load_dataset("cifar10")``, NB201's
``cifar10`` setting, has no validation rows) gives NaN for that split's
accuracy and loss at every epoch; NaN is stored as JSON ``null`` and read back
as NaN. No torch import: a result read from the store needs none.

>>> r = TrainResult(train_acc=(50.0,), train_loss=(1.0,), val_acc=(60.0,), val_loss=(0.9,),
...     test_acc=(58.0,), test_loss=(0.95,), train_seconds=(2.0,), eval_seconds=(0.5,),
...     seconds=2.6, cpu_seconds=2.5, params=1000, flops=float("nan"), config={"epochs": 1},
...     seed=0, device="cpu", threads=2, torch_version="2.x", dataset="digits", data_checksum="ab")
>>> TrainResult.from_dict(r.to_dict()).val_acc, r.epochs, r.cumulative_train_seconds
((60.0,), 1, (2.0,))
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

from nasbench_kit.errors import CorruptFileError

__all__ = ["CURVES", "TrainResult"]

#: The per-epoch sequences of a result.
CURVES: tuple[str, ...] = (
    "train_acc", "train_loss", "val_acc", "val_loss", "test_acc", "test_loss",
    "train_seconds", "eval_seconds",
)  # fmt: skip


def _nan_to_none(x: float) -> float | None:
    return None if isinstance(x, float) and math.isnan(x) else x


@dataclass(frozen=True)
class TrainResult:
    """Measured numbers of one run (see the module docstring)."""

    train_acc: tuple[float, ...]
    train_loss: tuple[float, ...]
    val_acc: tuple[float, ...]
    val_loss: tuple[float, ...]
    test_acc: tuple[float, ...]
    test_loss: tuple[float, ...]
    train_seconds: tuple[float, ...]
    eval_seconds: tuple[float, ...]
    seconds: float
    cpu_seconds: float
    params: int
    flops: float
    config: Mapping[str, Any]
    seed: int
    device: str
    threads: int
    torch_version: str
    dataset: str
    data_checksum: str

    @property
    def epochs(self) -> int:
        """Number of epochs recorded."""
        return len(self.val_acc)

    @property
    def cumulative_train_seconds(self) -> tuple[float, ...]:
        """Training-pass seconds summed up to each epoch (the cost of that fidelity)."""
        return tuple(accumulate(self.train_seconds))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (tuples as lists, NaN as None)."""
        out = dataclasses.asdict(self)
        for name in CURVES:
            out[name] = [_nan_to_none(float(v)) for v in getattr(self, name)]
        out["config"] = dict(self.config)
        out["flops"] = _nan_to_none(self.flops)
        return out

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> TrainResult:
        """Inverse of :meth:`to_dict`; a malformed mapping raises ``CorruptFileError``."""
        names = [f.name for f in dataclasses.fields(cls)]
        missing = [n for n in names if n not in d]
        if missing:
            raise CorruptFileError(f"training record lacks field(s) {missing}; it is not ours")
        kw = {n: d[n] for n in names}
        try:
            for name in CURVES:
                kw[name] = tuple(float("nan") if v is None else float(v) for v in kw[name])
            kw["flops"] = float("nan") if kw["flops"] is None else float(kw["flops"])
            kw["seconds"], kw["cpu_seconds"] = float(kw["seconds"]), float(kw["cpu_seconds"])
            kw["params"], kw["seed"], kw["threads"] = int(kw["params"]), int(kw["seed"]), int(
                kw["threads"])  # fmt: skip
        except (TypeError, ValueError) as err:
            raise CorruptFileError(f"training record has a malformed value: {err}") from err
        lengths = {len(kw[name]) for name in CURVES}
        if len(lengths) != 1 or 0 in lengths:
            raise CorruptFileError(f"training record curves have lengths {sorted(lengths)}")
        kw["config"] = dict(kw["config"])
        return cls(**kw)
