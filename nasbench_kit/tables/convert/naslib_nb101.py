"""Import NASLib's NAS-Bench-101 pickle (format ``"naslib-nb101"``).

NASLib's TensorFlow-free NB101 API loads a pickled dict keyed by the official
module hash; each value is the pair the official API calls
``(fixed_stats, computed_stats)``::

    {module_hash: ({"module_adjacency": ndarray (n, n), "module_operations": [str] * n,
                    "trainable_parameters": int},
                   {epochs: [{"halfway_training_time", "halfway_train_accuracy",
                              "halfway_validation_accuracy", "halfway_test_accuracy",
                              "final_training_time", "final_train_accuracy",
                              "final_validation_accuracy", "final_test_accuracy"}, ...]})}

with one dict per repeat (3) and accuracies as fractions. The output matches
the ``nb101-tfrecord`` converter: ``seeds`` = repeat index, ``fidelities`` =
the epoch budgets present, metrics ``train_acc``/``val_acc``/``test_acc`` (%),
``train_time`` (s, the cost metric), ``params`` (millions), plus
``halfway_*`` with ``halfway=True``. The hash recomputed from each adjacency
and op list must equal its key. The file is read with the restricted
unpickler (plain containers and numpy arrays only).

>>> from nasbench_kit.tables.convert import naslib_nb101  # doctest: +SKIP
>>> t = naslib_nb101.convert("nb101_full_training.pickle")  # doctest: +SKIP
>>> t.space, t.cost_metric  # doctest: +SKIP
('nb101', 'train_time')
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from nasbench_kit.errors import CorruptFileError
from nasbench_kit.tables.convert import _common as C
from nasbench_kit.tables.convert import _inputs as I
from nasbench_kit.tables.convert.nb101_tfrecord import HALFWAY, METRICS, NB101_CITATION
from nasbench_kit.tables.schema import TableData

FORMAT = "naslib-nb101"
#: Our metric -> NASLib's per-repeat key (``params`` comes from fixed_stats).
KEYS: dict[str, str] = {
    "train_acc": "final_train_accuracy",
    "val_acc": "final_validation_accuracy",
    "test_acc": "final_test_accuracy",
    "train_time": "final_training_time",
    "halfway_train_acc": "halfway_train_accuracy",
    "halfway_val_acc": "halfway_validation_accuracy",
    "halfway_test_acc": "halfway_test_accuracy",
    "halfway_train_time": "halfway_training_time",
}
_PROVENANCE = {
    "source": "NASLib NAS-Bench-101 pickle (automl/NASLib data files)",
    "licence": "Apache-2.0 (NASLib and NAS-Bench-101)",
    "citation": f"{C.NASLIB_CITATION} {NB101_CITATION}",
}


def _entry(key: Any, value: Any, where: str) -> tuple[Mapping[str, Any], Mapping[Any, Any]]:
    if not (isinstance(value, Sequence) and len(value) == 2):
        raise CorruptFileError(
            f"{where} holds {type(value).__name__}, not NASLib's (fixed_stats, computed_stats) "
            "pair; it is not a NASLib NB101 pickle"
        )
    fixed, computed = value
    if not isinstance(fixed, Mapping) or not isinstance(computed, Mapping):
        raise CorruptFileError(f"{where}: fixed_stats and computed_stats must both be dicts")
    if "module_adjacency" not in fixed or "module_operations" not in fixed:
        raise CorruptFileError(f"{where}: fixed_stats lacks module_adjacency/module_operations")
    return fixed, computed


def _arch(space: Any, key: str, fixed: Mapping[str, Any], where: str) -> Any:
    return C.verified_nb101_arch(
        space, fixed["module_adjacency"], fixed["module_operations"], key, where
    )


def convert(
    path: str | Path,
    name: str | None = None,
    *,
    halfway: bool = False,
    source: str | None = None,
    licence: str | None = None,
    citation: str | None = None,
    **unknown: Any,
) -> TableData:
    """Read a NASLib NB101 pickle into a :class:`TableData` (space ``nb101``, ``cifar10``)."""
    from nasbench_kit.tables._safe_pickle import safe_load

    C.check_options(FORMAT, unknown, ("halfway",))
    p = C.as_path(path, FORMAT)
    I.expect_kind(FORMAT, p, I.PICKLE_KINDS, "a NASLib NB101 pickle")
    data = safe_load(p)
    if not isinstance(data, Mapping) or not data:
        raise CorruptFileError(
            f"{FORMAT}: {str(p)!r} holds {type(data).__name__}, not NASLib's non-empty "
            "{module_hash: (fixed_stats, computed_stats)} dict"
        )
    with I.malformed(f"{FORMAT}: {str(p)!r}", "a NASLib NB101 pickle"):
        return _convert(p, data, name, bool(halfway), source, licence, citation)


def _convert(
    p: Path, data: Mapping[Any, Any], name: str | None, halfway: bool, source: str | None,
    licence: str | None, citation: str | None,
) -> TableData:  # fmt: skip
    from nasbench_kit.spaces import get_space

    space = get_space("nb101")
    metrics = METRICS + (HALFWAY if halfway else ())
    entries = []
    epochs: set[int] = set()
    n_seeds = 0
    for key, value in data.items():
        where = f"{FORMAT}: {str(p)!r} key {key!r}"
        fixed, computed = _entry(key, value, where)
        entries.append((str(key), fixed, computed, where))
        for e, runs in computed.items():
            if not isinstance(runs, Sequence) or not all(isinstance(r, Mapping) for r in runs):
                raise CorruptFileError(f"{where} epochs {e!r}: expected a list of per-repeat dicts")
            epochs.add(I.epochs_count(e, f"{where} epochs key"))
            n_seeds = max(n_seeds, len(runs))
    if not epochs or not n_seeds:
        raise CorruptFileError(f"{FORMAT}: {str(p)!r} holds no training results")
    fids = sorted(epochs)
    f_index = {e: i for i, e in enumerate(fids)}
    values = np.full((len(entries), n_seeds, len(fids), len(metrics)), np.nan, dtype=np.float32)
    archs = []
    for i, (key, fixed, computed, where) in enumerate(entries):
        archs.append(_arch(space, key, fixed, where))
        params = C.to_float(fixed.get("trainable_parameters")) / 1e6
        for e, runs in computed.items():
            for s, run in enumerate(runs):
                for k, metric in enumerate(metrics):
                    if metric == "params":
                        values[i, s, f_index[int(e)], k] = params
                        continue
                    v = C.to_float(run.get(KEYS[metric]))
                    values[i, s, f_index[int(e)], k] = v if metric.endswith("time") else 100.0 * v
    return C.build_table(
        fmt=FORMAT,
        path=p,
        name=name or "naslib-nb101/cifar10",
        space=space,
        dataset="cifar10",
        archs=archs,
        row_labels=[f"key {key!r}" for key, *_ in entries],
        seeds=tuple(range(n_seeds)),
        fidelities=tuple(float(e) for e in fids),
        metrics=metrics,
        values=values,
        cost_metric="train_time",
        provenance=C.provenance(_PROVENANCE, source, licence, citation),
        checksum=C.source_checksum(p),
        extra={"seed_meaning": "repeat index as stored", "halfway": str(halfway)},
    )
