"""LiveEvaluator on Ray: records equal the serial ones; a dead worker's training is re-run."""

from __future__ import annotations

import dataclasses
import os
from typing import Any

import pytest

from nasbench_kit.training.live import LiveEvaluator
from nasbench_kit.training.livejob import TrainSpec

pytest.importorskip("ray", reason="ray is not installed (pip install 'nasbench_kit[ray]')")

CELLS = [
    "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|",
    "|nor_conv_1x1~0|+|skip_connect~0|nor_conv_3x3~1|+|avg_pool_3x3~0|none~1|nor_conv_1x1~2|",
    "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_3x3~0|none~1|skip_connect~2|",
]


@dataclasses.dataclass(frozen=True, eq=False)
class _DiesOnce(TrainSpec):
    """Kills its worker process the first time it trains CELLS[1] (a marker file remembers)."""

    marker: str = ""

    def train(self, arch: Any, seed: int) -> Any:
        if self.space.to_string(arch) == CELLS[1] and not os.path.exists(self.marker):
            open(self.marker, "w").close()
            os._exit(1)  # the worker dies mid-task, as on an OOM kill or a lost node
        return super().train(arch, seed)


@pytest.fixture(scope="module")
def ray_up() -> Any:
    from nasbench_kit.parallel.ray_backend import ensure_ray

    return ensure_ray(2)  # embedded, shared by every Ray test in this process


def test_ray_records_equal_serial_and_a_dead_worker_is_retried(ray_up, tiny_preset, tmp_path):
    serial = LiveEvaluator(
        "nb201", dataset="digits", preset=tiny_preset, store=tmp_path / "s.sqlite"
    )
    want = [r.result for r in serial.evaluate_many(CELLS)]
    live = LiveEvaluator("nb201", dataset="digits", preset=tiny_preset,
                         store=tmp_path / "r.sqlite", executor="ray", workers=2)  # fmt: skip
    fields = {f.name: getattr(live.spec, f.name) for f in dataclasses.fields(TrainSpec)}
    marker = tmp_path / "died"
    live._spec = _DiesOnce(**fields, marker=str(marker))
    got = [r.result for r in live.evaluate_many(CELLS + CELLS[1:2])]
    assert marker.exists()  # a worker really died during the batch
    for a, b in zip(want + want[1:2], got):
        assert (a.train_loss, a.val_acc, a.test_loss, a.params) == (
            b.train_loss,
            b.val_acc,
            b.test_loss,
            b.params,
        )
    assert len(live.store) == 3 and live.store.verify() == (3, 0)  # written once each
