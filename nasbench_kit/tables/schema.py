"""The in-memory form every converter produces and the store writes.

A converter (``tables/convert/*.py``) reads one upstream format and returns a
:class:`TableData`; ``tables/store.py`` writes it to HDF5 atomically; the reader
(``Benchmark``) reads only the HDF5 form. Converters never touch the store's
file layout, readers never parse upstream formats.

Conventions
-----------
- ``values`` is float32, shape ``(n_archs, n_seeds, n_fidelities, n_metrics)``,
  NaN where absent. Static metrics (params, flops, latency) are repeated along
  the seed and fidelity axes.
- ``seeds``: the seed labels of axis 1. An empty tuple means the source only
  published the mean over seeds; axis 1 then has length 1 and holds that mean.
- ``fidelities``: axis-2 labels, in epochs (ascending), e.g. ``(200.0,)`` or
  ``(12.0, 200.0)``.
- ``hashes[i]`` is ``arch.hash`` and ``notations[i]`` is ``space.to_string(arch)``
  for row ``i``; hashes are unique.
- ``cost_metric``: the metric holding the cumulative simulated seconds to train
  an architecture to that fidelity (``None`` when the source has no timing).
- Standard metric names: ``val_acc``, ``test_acc``, ``train_acc`` (%),
  ``val_loss``, ``test_loss``, ``train_loss``, ``train_time`` (s), ``params``
  (millions), ``flops`` (millions), ``latency`` (ms); source-specific metrics
  keep descriptive names.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

SCHEMA_VERSION = 1


@dataclass
class TableData:
    """One benchmark table, ready to be written to the store."""

    name: str
    space: str
    dataset: str
    hashes: list[str]
    notations: list[str]
    seeds: tuple[int, ...]
    fidelities: tuple[float, ...]
    metrics: tuple[str, ...]
    units: dict[str, str]
    values: np.ndarray
    source: str = ""
    licence: str = ""
    citation: str = ""
    source_checksum: str = ""
    cost_metric: str | None = None
    extra: dict[str, str] = field(default_factory=dict)
