"""run_many(executor="ray"): the local pool's trajectories; a dead worker's seeds are re-run."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import nasbench_kit as nbk
from nasbench_kit.optimizers import RegularizedEvolution

pytest.importorskip("ray", reason="ray is not installed (pip install 'nasbench_kit[ray]')")


def _rea(s: int) -> RegularizedEvolution:
    return RegularizedEvolution("nb201", population_size=10, sample_size=3, seed=s)


class _DiesOnce:
    """A factory whose worker process dies the first time it builds seed 1's optimizer."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __call__(self, seed: int) -> RegularizedEvolution:
        if seed == 1 and not self.marker.exists():
            self.marker.write_text(str(os.getpid()))
            os._exit(1)  # the worker process dies mid-task, as if killed
        return _rea(seed)


@pytest.fixture(scope="module")
def ray_up() -> Any:
    from nasbench_kit.parallel.ray_backend import ensure_ray

    return ensure_ray(2)  # embedded, reused by every Ray test in this process


def test_ray_executor_equals_the_local_pool(table, ray_up) -> None:
    kw = dict(seeds=range(4), max_queries=40, dedupe_isomorphic=True, sim_workers=2)
    pool = nbk.run_many(_rea, table, "val_acc", workers=2, **kw)
    on_ray = nbk.run_many(lambda s: _rea(s), table, "val_acc", workers=2, executor="ray", **kw)
    pd.testing.assert_frame_equal(pool, on_ray)


def test_a_dead_worker_is_retried_nothing_lost_or_duplicated(table, ray_up, tmp_path) -> None:
    marker = tmp_path / "died"
    kw = dict(seeds=range(3), max_queries=20)
    serial = nbk.run_many(_rea, table, "val_acc", **kw)
    on_ray = nbk.run_many(_DiesOnce(marker), table, "val_acc", executor="ray", workers=2, **kw)
    assert marker.exists()  # a worker really died on the first attempt
    pd.testing.assert_frame_equal(serial, on_ray)
