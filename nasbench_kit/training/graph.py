"""``train_graph``: full-batch node classification (NAS-Bench-Graph's networks).

``train_graph(net, data, config, seed=0, device="cpu")`` trains a GNN on a
PyG ``Data`` with boolean ``train_mask`` / ``val_mask`` / ``test_mask``
(:func:`nasbench_kit.datasets.load_graph`), the way node classification is
trained on Planetoid graphs: every epoch is *one* optimiser step on the
cross-entropy of the training nodes, computed from a forward pass over the
whole graph; then one forward pass in evaluation mode (no dropout) gives the
accuracy (%) and mean loss on the validation and test nodes. It returns the
same :class:`~nasbench_kit.training.result.TrainResult` as the image trainer:
per-epoch curves, wall seconds of the training step and of the evaluation,
parameter count (``flops`` is NaN: graph FLOPs depend on the graph, they are
not counted), every setting and the graph's checksum
(:func:`~nasbench_kit.datasets.graph_checksum`).

Conventions shared with :func:`~nasbench_kit.training.trainer.train`: the
training accuracy and loss come from the training-mode forward pass of each
step (dropout on), the learning rate follows ``config.schedule`` per epoch,
``weight_decay`` is L2 on every parameter, and the run is deterministic on CPU
(fixed threads, deterministic algorithms, a forked torch RNG seeded with
``seed`` for dropout; everything restored). A non-finite training loss raises
:class:`~nasbench_kit.errors.TrainingError`.

The config must say ``batch_size=0`` (full batch) and leave the image-only
settings off (``augment="none"``, no cutout, mixup, auxiliary head, drop path,
subsets or resize); anything else raises ``OutOfDomainError`` naming the field.

>>> from nasbench_kit.datasets import load_graph
>>> from nasbench_kit.models import build_model
>>> from nasbench_kit.training.config import TrainConfig
>>> from nasbench_kit.training.trainer import seeded
>>> g = load_graph("karate", seed=0)
>>> net = seeded(lambda: build_model("0,0,1,1|gcn,sage,skip,fc", space="nbgraph",
...     in_features=34, num_classes=4, hidden=8), 0)
>>> cfg = TrainConfig(epochs=3, batch_size=0, lr=0.01, optimizer="adam", schedule="constant")
>>> r = train_graph(net, g, cfg, seed=0, name="karate")
>>> len(r.val_acc), r.dataset, r.epochs
(3, 'karate', 3)
"""

from __future__ import annotations

import math
import time
from typing import Any

import torch
import torch.nn.functional as F

from nasbench_kit._progress import progress_bar
from nasbench_kit.errors import OutOfDomainError, TrainingError
from nasbench_kit.training.config import TrainConfig
from nasbench_kit.training.optim import lr_at, make_optimizer
from nasbench_kit.training.result import TrainResult
from nasbench_kit.training.trainer import (
    DEFAULT_THREADS,
    check_device,
    check_seed,
    deterministic,
)

__all__ = ["GRAPH_NEUTRAL", "check_graph_config", "train_graph"]

#: TrainConfig fields that mean nothing for full-batch node classification, and the
#: only value each may have there.
GRAPH_NEUTRAL: dict[str, Any] = {
    "batch_size": 0, "augment": "none", "cutout": 0, "mixup_alpha": 0.0, "aux_weight": 0.0,
    "drop_path_prob": 0.0, "train_subset": None, "eval_subset": None, "resize": None,
}  # fmt: skip


def check_graph_config(config: Any) -> TrainConfig:
    """``config`` if it is a TrainConfig fit for full-batch graph training, else raise."""
    if not isinstance(config, TrainConfig):
        raise OutOfDomainError(
            f"config must be a TrainConfig, got {type(config).__name__}; use "
            "get_preset('nbgraph-gcn').train or TrainConfig(..., batch_size=0)"
        )
    for name, want in GRAPH_NEUTRAL.items():
        if getattr(config, name) != want:
            raise OutOfDomainError(
                f"TrainConfig {name}={getattr(config, name)!r} has no meaning for full-batch "
                f"node classification; set {name}={want!r} for graph training"
            )
    return config


class _Graph:
    """The graph's tensors on the device (the caller's ``Data`` is never changed)."""

    def __init__(self, data: Any, dev: torch.device) -> None:
        from torch_geometric.data import Data

        self.data = Data(x=data.x.to(dev), edge_index=data.edge_index.to(dev))
        self.y = data.y.to(dev)
        self.masks = [getattr(data, f"{part}_mask").to(dev) for part in ("train", "val", "test")]


def _scores(logits: torch.Tensor, y: torch.Tensor, mask: torch.Tensor) -> tuple[float, float]:
    out, target = logits[mask], y[mask]
    loss = float(F.cross_entropy(out, target))
    return 100.0 * float((out.argmax(1) == target).double().mean()), loss


def _step(
    net: torch.nn.Module, g: _Graph, opt: Any, c: TrainConfig, epoch: int
) -> tuple[float, float, float]:
    start = time.perf_counter()
    net.train()
    for group in opt.param_groups:
        group["lr"] = lr_at(c, float(epoch))
    opt.zero_grad(set_to_none=True)
    logits = net(g.data)
    train = g.masks[0]
    loss = F.cross_entropy(logits[train], g.y[train], label_smoothing=c.label_smoothing)
    loss.backward()
    if c.grad_clip is not None:
        torch.nn.utils.clip_grad_norm_(net.parameters(), c.grad_clip)
    opt.step()
    value = float(loss.detach())
    if not math.isfinite(value):
        raise TrainingError(
            f"training loss became {value} in epoch {epoch + 1} (lr={c.lr}, "
            f"optimizer={c.optimizer}); lower the learning rate or set grad_clip"
        )
    correct = (logits.detach()[train].argmax(1) == g.y[train]).double().mean()
    return 100.0 * float(correct), value, _elapsed(start, g.y.device)


@torch.inference_mode()
def _evaluate(net: torch.nn.Module, g: _Graph) -> tuple[float, float, float, float]:
    net.eval()
    logits = net(g.data)
    return (*_scores(logits, g.y, g.masks[1]), *_scores(logits, g.y, g.masks[2]))


def _elapsed(start: float, dev: torch.device) -> float:
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)
    return time.perf_counter() - start


def train_graph(
    net: torch.nn.Module,
    data: Any,
    config: TrainConfig,
    *,
    seed: int = 0,
    device: str = "cpu",
    threads: int = DEFAULT_THREADS,
    progress: bool | None = None,
    name: str = "graph",
) -> TrainResult:
    """Train ``net`` on the graph ``data`` with ``config``; see the module docstring.

    ``name`` is recorded as the result's dataset name.
    """
    from nasbench_kit.datasets.graphs import graph_checksum, validate_graph
    from nasbench_kit.models import count_params

    config = check_graph_config(config)
    data = validate_graph(data)
    seed, dev = check_seed(seed), check_device(device)
    checksum = graph_checksum(data)
    start, cpu_start = time.perf_counter(), time.process_time()
    with deterministic(threads, dev, seed):
        params = int(count_params(net))
        net.to(dev)
        g = _Graph(data, dev)
        opt = make_optimizer([p for p in net.parameters() if p.requires_grad], config)
        rows: list[tuple[float, ...]] = []
        with progress_bar(total=config.epochs, desc="train", unit="epoch", enabled=progress) as bar:
            for epoch in range(config.epochs):
                tr_acc, tr_loss, tr_sec = _step(net, g, opt, config, epoch)
                t0 = time.perf_counter()
                va_acc, va_loss, te_acc, te_loss = _evaluate(net, g)
                rows.append((tr_acc, tr_loss, va_acc, va_loss, te_acc, te_loss, tr_sec,
                             _elapsed(t0, dev)))  # fmt: skip
                bar.update(1)
    cols = list(zip(*rows))
    return TrainResult(
        train_acc=cols[0], train_loss=cols[1], val_acc=cols[2], val_loss=cols[3],
        test_acc=cols[4], test_loss=cols[5], train_seconds=cols[6], eval_seconds=cols[7],
        seconds=time.perf_counter() - start, cpu_seconds=time.process_time() - cpu_start,
        params=params, flops=float("nan"), config=config.to_dict(), seed=seed, device=str(dev),
        threads=threads, torch_version=torch.__version__, dataset=str(name), data_checksum=checksum,
    )  # fmt: skip
