"""``ProxyEncoder``: proxy scores from a table as encoder columns.

Concatenated with an architecture encoding (``ConcatEncoder``), it gives any
encoder-based predictor (e.g. ``XGBPredictor``) the proxies as extra features,
with the model otherwise unchanged -- the "encoding + proxies" predictors of
NAS-Bench-Suite-Zero. Missing scores stay NaN (XGBoost treats NaN as missing);
an architecture the table does not hold raises ``NotInTableError``.

>>> import numpy as np
>>> from nasbench_kit.tables import Benchmark
>>> from nasbench_kit.spaces import get_space
>>> archs = [get_space("nb201").from_index(i) for i in range(3)]
>>> t = Benchmark.from_arrays(name="proxies/demo", space="nb201", dataset="none", archs=archs,
...                           metrics=["synflow"], values=np.array([[1.0], [2.0], [3.0]]))
>>> ProxyEncoder(t, ["synflow"]).fit_transform(archs).ravel().tolist()
[1.0, 2.0, 3.0]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from nasbench_kit.encoders._base import Encoder
from nasbench_kit.errors import OutOfDomainError

__all__ = ["ProxyEncoder"]


class ProxyEncoder(Encoder):
    """Columns ``features`` of the proxy table ``source`` (a ``Benchmark``), float32."""

    def __init__(
        self, source: Any = None, features: Sequence[str] | None = None, space: Any = None
    ) -> None:
        self.source = source
        self.features = features
        self.space = space

    def _setup(self, archs: list[Any]) -> None:
        metrics = tuple(getattr(self.source, "metrics", ()))
        if not metrics:
            raise OutOfDomainError("ProxyEncoder needs source= a proxy table (a Benchmark)")
        missing = [f for f in self.features or () if f not in metrics]
        if not self.features or missing:
            raise OutOfDomainError(
                f"features={self.features!r} must name metrics of {self.source.name!r} "
                f"(missing {missing}); it holds {list(metrics)}"
            )
        if self.source.space.name != self.space_.name:
            raise OutOfDomainError(
                f"table {self.source.name!r} holds {self.source.space.name!r} architectures, "
                f"not {self.space_.name!r}"
            )
        self.n_features_ = len(self.features)

    def _encode(self, archs: list[Any]) -> np.ndarray:
        cols = [self.source.query_many(archs, f) for f in self.features or ()]
        return np.column_stack(cols).astype(np.float32)
