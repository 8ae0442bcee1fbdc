"""Standard metric names and the one rule for a default metric and direction.

Tables name their metrics with the standard names below where the source has
that quantity (importers map ``valid_accuracy``, ``eval_acc1es`` ... onto them).

The default-metric rule (used by ``nasbench-kit search``, ``nasbench-kit
predict`` and anything else that needs a metric the user did not name):

1. validation accuracy (``val_acc``) when the evaluator has it;
2. else test accuracy (``test_acc``) -- some tables publish only that;
3. else the only metric that is not the cost metric, when there is exactly one;
4. else refuse with :class:`~nasbench_kit.errors.OutOfDomainError` listing the
   metrics, so a multi-metric table never has one picked silently.

The direction rule: standard metrics have a known direction
(:data:`STANDARD_METRICS`); any other name is minimised when it contains one of
:data:`MINIMISED_WORDS` (``loss``, ``latency``, ``time`` ...) and maximised
otherwise.

>>> default_metric(("train_acc", "val_acc", "test_acc"))
'val_acc'
>>> default_metric(("latency", "train_time"), cost_metric="train_time")
'latency'
>>> default_maximize("latency_pixel3"), default_maximize("val_acc")
(False, True)
"""

from __future__ import annotations

from collections.abc import Sequence
from types import MappingProxyType

from nasbench_kit.errors import OutOfDomainError

__all__ = [
    "DEFAULT_METRIC_ORDER",
    "MINIMISED_WORDS",
    "STANDARD_METRICS",
    "default_maximize",
    "default_metric",
]

#: Standard metric name -> (meaning, usual unit, maximise?).
STANDARD_METRICS = MappingProxyType({
    "val_acc": ("validation accuracy", "%", True),
    "test_acc": ("test accuracy", "%", True),
    "train_acc": ("training accuracy", "%", True),
    "val_loss": ("validation loss", "", False),
    "test_loss": ("test loss", "", False),
    "train_loss": ("training loss", "", False),
    "train_time": ("training time to this fidelity (the usual cost metric)", "s", False),
    "latency": ("inference latency", "ms", False),
    "params": ("trainable parameters", "M", False),
    "flops": ("floating-point operations per forward pass", "MFLOPs", False),
})  # fmt: skip

#: Metrics tried in order by :func:`default_metric`.
DEFAULT_METRIC_ORDER: tuple[str, ...] = ("val_acc", "test_acc")

#: A non-standard metric whose name contains one of these is minimised.
MINIMISED_WORDS: tuple[str, ...] = (
    "loss", "latency", "time", "params", "flops", "error", "energy", "memory", "size",
)  # fmt: skip


def default_metric(metrics: Sequence[str], cost_metric: str | None = None) -> str:
    """The metric to optimise or predict when none is named (see the module rule)."""
    names = [metrics] if isinstance(metrics, str) else list(metrics)
    for name in DEFAULT_METRIC_ORDER:
        if name in names:
            return name
    rest = [m for m in names if m != cost_metric]
    if len(rest) == 1:
        return rest[0]
    raise OutOfDomainError(
        f"no default metric among {names}: the default is {' or '.join(DEFAULT_METRIC_ORDER)} "
        "(or the only non-cost metric); name one with metric=NAME (--metric NAME)"
    )


def default_maximize(metric: str) -> bool:
    """True when larger ``metric`` values are better (see the module rule)."""
    known = STANDARD_METRICS.get(metric)
    if known is not None:
        return known[2]
    low = metric.lower()
    return not any(word in low for word in MINIMISED_WORDS)
