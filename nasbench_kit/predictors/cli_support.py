"""Library side of ``nasbench-kit predict``: run the study protocol on one table.

>>> from nasbench_kit.predictors.cli_support import default_metric
>>> default_metric(("train_acc", "val_acc", "test_acc"))
'val_acc'
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from nasbench_kit.errors import OutOfDomainError

#: Metrics tried in order when the user names none.
PREFERRED_METRICS: tuple[str, ...] = ("val_acc", "test_acc", "valid_acc", "accuracy")


def default_metric(metrics: Sequence[str], cost_metric: str | None = None) -> str:
    """The metric a study predicts when none is given (validation accuracy first)."""
    for m in PREFERRED_METRICS:
        if m in metrics:
            return m
    rest = [m for m in metrics if m != cost_metric]
    if not rest:
        raise OutOfDomainError("the table has no metric to predict; pass --metric")
    return rest[0]


def run_predict_cli(
    bench_name: str,
    predictor: str | Any,
    train_size: int,
    seeds: int | Iterable[int],
    metric: str | None = None,
    out: str | Path | None = None,
) -> pd.DataFrame:
    """Fit ``predictor`` (a short name such as ``"xgb"``, or an instance) on
    ``train_size`` archs of table ``bench_name`` for each seed, score it on the
    rest of the table (other isomorphism classes), and return one row per seed
    (:data:`nasbench_kit.study.STUDY_COLUMNS`). ``out``: also write the frame as CSV.
    """
    from nasbench_kit.predictors import make_predictor
    from nasbench_kit.study import predictor_study
    from nasbench_kit.tables import load

    bench = load(bench_name)
    name = predictor if isinstance(predictor, str) else type(predictor).__name__
    model = make_predictor(predictor) if isinstance(predictor, str) else predictor
    chosen = metric or default_metric(bench.metrics, bench.cost_metric)
    df = predictor_study(bench, chosen, {name: model}, [int(train_size)], seeds)
    df.insert(0, "metric", chosen)
    df.insert(0, "bench", bench.name)
    if out is not None:
        path = Path(out)
        path.parent.mkdir(parents=True, exist_ok=True)
        df.to_csv(path, index=False)
    return df
