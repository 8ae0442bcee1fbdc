"""summarize: final incumbents and queries to the optimum over seeds."""

from __future__ import annotations

import math

import pandas as pd

import nasbench_kit as nbk
from nasbench_kit.optimizers import RandomSearch
from nasbench_kit.optimizers.testing import HashBenchmark
from nasbench_kit.search import summarize


def test_summary_of_a_hand_made_run() -> None:
    runs = pd.DataFrame({"seed": [0, 0, 0, 1, 1, 1], "step": [1, 2, 3] * 2,
                         "incumbent": [1.0, 3.0, 5.0, 2.0, 5.0, 5.0]})  # fmt: skip
    runs.attrs.update(optimum=5.0, maximize=[True])
    s = summarize(runs)
    assert s["seeds"] == 2 and s["queries"] == 3 and s["final_mean"] == 5.0
    assert s["queries_to_optimum"] == [3, 2] and s["found_optimum_fraction"] == 1.0
    assert s["queries_to_optimum_median"] == 2.5 and s["final_ci95"] == 0.0
    runs.attrs.update(optimum=1.0, maximize=[False])
    assert summarize(runs)["queries_to_optimum"] == [1, None]


def test_unknown_optimum_is_nan_not_zero() -> None:
    df = nbk.run_many(lambda s: RandomSearch("nb201", seed=s), HashBenchmark("nb201"), "val_acc",
                      seeds=range(3), max_queries=5)  # fmt: skip
    s = summarize(df)
    assert math.isnan(s["optimum"]) and math.isnan(s["found_optimum_fraction"])
    assert s["queries_to_optimum"] == [None] * 3 and s["queries_to_optimum_median"] is None
