"""One rule for the default metric and its direction (used by search and predict alike)."""

from __future__ import annotations

import pytest

import nasbench_kit as nbk
from nasbench_kit.errors import OutOfDomainError
from nasbench_kit.metrics import STANDARD_METRICS, default_maximize, default_metric


def test_validation_then_test_accuracy_then_the_only_other_metric() -> None:
    assert default_metric(("test_acc", "val_acc", "latency")) == "val_acc"
    assert default_metric(("ptq_acc", "test_acc")) == "test_acc"
    assert default_metric(("latency", "train_time"), cost_metric="train_time") == "latency"
    assert default_metric(("score",)) == "score"


@pytest.mark.parametrize("metrics", [("ptq_acc", "qat_acc"), ("a", "b", "cost"), ()])
def test_ambiguous_tables_are_refused_with_the_list(metrics: tuple[str, ...]) -> None:
    with pytest.raises(OutOfDomainError, match="metric=NAME") as err:
        default_metric(metrics, cost_metric="cost")
    assert all(m in str(err.value) for m in metrics)


def test_every_embedded_table_has_a_default_metric() -> None:
    for name in ("analognas/cifar10", "nbgraph/cora"):
        bench = nbk.load(name)
        assert default_metric(bench.metrics, bench.cost_metric) in bench.metrics


def test_direction() -> None:
    for name, (_, _, maximize) in STANDARD_METRICS.items():
        assert default_maximize(name) is maximize
    assert default_maximize("latency_pixel3") is False and default_maximize("energy_mj") is False
    assert default_maximize("analog_drift_acc_1d") is True and default_maximize("ptq_acc") is True
