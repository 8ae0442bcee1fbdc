"""The evaluator contract suite: one function every implementation's tests call.

``check_evaluator(ev, archs, metric)`` asserts the rules written in
:mod:`nasbench_kit.evaluators.protocol` on a few architectures the evaluator
can answer. Each implementation's test module calls it (tables, surrogates,
live training with a tiny preset, fallback chains, the test doubles), so one
written contract is checked everywhere.

>>> import nasbench_kit as nbk
>>> bench = nbk.load("analognas/cifar10")
>>> check_evaluator(bench, bench.archs()[:3], "test_acc")
"""

from __future__ import annotations

import copy
import math
import pickle
from collections.abc import Sequence
from typing import Any

import numpy as np

from nasbench_kit.errors import (
    NasBenchKitError,
    OutOfDomainError,
    UnknownFidelityError,
    UnknownMetricError,
)
from nasbench_kit.evaluators.protocol import Evaluator
from nasbench_kit.results import EvalResult, provenance_kind

__all__ = ["check_evaluator"]


def _fail(ev: Any, rule: str) -> AssertionError:
    return AssertionError(f"{type(ev).__name__} {getattr(ev, 'name', '?')!r} breaks the contract: {rule}")


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


def check_evaluator(
    ev: Any,
    archs: Sequence[Any],
    metric: str,
    *,
    check_pickle: bool = True,
    kinds: Sequence[str] = ("table", "surrogate", "live"),
    mixed: bool = False,
) -> None:
    """Raise ``AssertionError`` naming the broken rule if ``ev`` breaks the contract.

    ``archs`` must be architectures ``ev`` can answer (``arch in ev``).
    ``kinds``: the provenance kinds its answers may carry. ``mixed=True`` is for
    a ``Fallback`` whose links differ in fidelities or cost metric: then
    ``fidelity=None`` may answer any listed fidelity, and an answer may carry
    its link's cost although the chain has no ``cost_metric`` (see the protocol).
    """
    if not isinstance(ev, Evaluator):
        raise _fail(ev, "it lacks attributes/methods of the Evaluator protocol")
    if not isinstance(ev.name, str) or not ev.name:
        raise _fail(ev, "name must be a non-empty string")
    metrics = tuple(ev.metrics)
    if metric not in metrics:
        raise _fail(ev, f"metric {metric!r} is not in metrics {metrics}")
    if set(ev.units) - set(metrics):
        raise _fail(ev, "units names a metric outside metrics")
    fids = tuple(ev.fidelities)
    if not fids or list(fids) != sorted(set(fids)):
        raise _fail(ev, f"fidelities {fids} must be non-empty and ascending")
    if ev.cost_metric is not None and ev.cost_metric not in metrics:
        raise _fail(ev, f"cost_metric {ev.cost_metric!r} is not a metric")
    archs = list(archs)
    if not archs:
        raise _fail(ev, "the contract check needs at least one architecture")
    for a in archs:
        if a not in ev:
            raise _fail(ev, f"{a!r} given to the check is not `in` the evaluator")

    results = [ev.query(a, metric) for a in archs]
    for r in results:
        if not isinstance(r, tuple) or tuple(r._fields) != EvalResult._fields:  # type: ignore[attr-defined]
            raise _fail(ev, f"query returned {type(r).__name__}, not an EvalResult")
        if r.fidelity != fids[-1] and not (mixed and r.fidelity in fids):
            raise _fail(ev, f"fidelity=None answered fidelity {r.fidelity}, not the largest {fids[-1]}")
        if provenance_kind(r.provenance) not in kinds:
            raise _fail(ev, f"provenance {r.provenance!r} does not start with one of {list(kinds)}")
        if r.unit != ev.units.get(metric, r.unit):
            raise _fail(ev, f"unit {r.unit!r} differs from units[{metric!r}]")
        if ev.cost_metric is None and r.cost != 0.0 and not mixed:
            raise _fail(ev, "an evaluator without cost_metric must report cost 0.0")
        if not (math.isnan(r.cost) or r.cost >= 0):
            raise _fail(ev, f"cost {r.cost} is negative")

    many = np.asarray(ev.query_many(archs, metric))
    if many.shape != (len(archs),) or many.dtype != np.float64:
        raise _fail(ev, f"query_many gave shape {many.shape} dtype {many.dtype}, want float64 (n,)")
    for a, r, v in zip(archs, results, many.tolist()):
        if not _same(r.value, v):
            raise _fail(ev, f"query_many disagrees with query for {a!r}: {v} vs {r.value}")
    again = ev.query(archs[0], metric)
    if not _same(again.value, results[0].value):
        raise _fail(ev, "two identical queries gave different values")
    # Notations are accepted as well as Architecture objects.
    text = ev.space.to_string(ev.space.parse(archs[0]))
    if not _same(ev.query(text, metric).value, results[0].value):
        raise _fail(ev, "query by the canonical string differs from query by Architecture")

    _check_errors(ev, archs[0], metric, fids)
    opt = ev.optimum(metric)
    if opt is not None and not isinstance(opt, float):
        raise _fail(ev, f"optimum must be a float or None, got {type(opt).__name__}")
    if check_pickle:
        # A worker receives the evaluator by pickle: the bytes must be made, and a copy
        # rebuilt through the same __reduce_ex__ protocol must answer alike (deepcopy
        # rebuilds from reduce without unpickling any bytes).
        pickle.dumps(ev)
        clone = copy.deepcopy(ev)
        if not _same(clone.query(archs[0], metric).value, results[0].value):
            raise _fail(ev, "a pickled copy answers differently")


def _expect(ev: Any, exc: type[BaseException], call: Any, rule: str) -> None:
    try:
        call()
    except exc:
        return
    except NasBenchKitError as other:
        raise _fail(ev, f"{rule}: raised {type(other).__name__}, expected {exc.__name__}") from other
    except Exception as other:
        raise _fail(ev, f"{rule}: raised {type(other).__name__} outside the package's tree") from other
    raise _fail(ev, f"{rule}: nothing was raised")


def _check_errors(ev: Any, arch: Any, metric: str, fids: tuple[float, ...]) -> None:
    bad_fid = max(fids) + 12345.0
    _expect(ev, UnknownMetricError, lambda: ev.query(arch, "no_such_metric"), "unknown metric")
    _expect(ev, UnknownFidelityError, lambda: ev.query(arch, metric, fidelity=bad_fid),
            "unknown fidelity")  # fmt: skip
    _expect(ev, OutOfDomainError, lambda: ev.query("not an architecture", metric),
            "invalid notation")  # fmt: skip
    _expect(ev, NasBenchKitError, lambda: ev.query_many(5, metric), "query_many of a non-list")
