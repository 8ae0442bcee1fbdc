"""``train``: one explicit training loop (no framework) for image classifiers.

``train(net, data, config, seed=0, device="cpu")`` trains ``net`` on
``data.train`` with the hyper-parameters in ``config`` and evaluates on
``data.val`` and ``data.test`` after every epoch. It returns a
:class:`TrainResult`: per-epoch train/val/test accuracy (%) and mean loss,
wall seconds per epoch (training pass and evaluation apart), parameter count,
FLOPs and every setting used.

Determinism (CPU): the call fixes the thread count (``threads``), switches on
``torch.use_deterministic_algorithms`` and runs under a forked torch RNG
seeded with ``seed`` (dropout, drop path); shuffling and augmentation draw
from a local ``torch.Generator`` seeded with ``seed``. Every global setting is
restored on return, so the same seed gives identical numbers, run after run,
in any process, on the same machine and torch build. On CUDA the same steps
are taken but some kernels are not bit-reproducible (a warning, not an error).
Those settings and torch's RNG are process-wide, so trainings in *threads* of
one process hold a lock (:data:`TORCH_GLOBALS`) and run one at a time: they
stay deterministic, but only processes (or Ray) train in parallel.
Weight initialisation happens where the network is built: wrap it in
:func:`seeded` to make it part of the seed.

Training accuracy and loss are averaged over the epoch's minibatches in
training mode (with augmentation), as NAS-Bench-201 reported them; with mixup
the accuracy is against the first mixed label. A non-finite training loss
raises :class:`~nasbench_kit.errors.TrainingError`.

>>> import numpy as np, torch
>>> from types import SimpleNamespace
>>> rng = np.random.default_rng(0)
>>> x = rng.normal(size=(64, 1, 4, 4)).astype(np.float32)
>>> y = (x.mean((1, 2, 3)) > 0).astype(np.int64)
>>> data = SimpleNamespace(name="toy", checksum="0" * 64, num_classes=2, input_shape=(1, 4, 4),
...                        train=(x, y), val=(x, y), test=(x, y))
>>> net = seeded(lambda: torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(16, 2)), 0)
>>> from nasbench_kit.training.config import TrainConfig
>>> r = train(net, data, TrainConfig(epochs=2, batch_size=16, lr=0.1), seed=0)
>>> len(r.val_acc), r.params
(2, 34)
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from typing import Any, Protocol, TypeVar

import numpy as np
import torch
import torch.nn.functional as F

from nasbench_kit._progress import progress_bar
from nasbench_kit.errors import OutOfDomainError, TrainingError
from nasbench_kit.training.augment import cutout, hflip, random_crop
from nasbench_kit.training.config import TrainConfig
from nasbench_kit.training.optim import lr_at, make_optimizer
from nasbench_kit.training.result import TrainResult

__all__ = [
    "DEFAULT_THREADS", "TORCH_GLOBALS", "ImageDataLike", "TrainResult", "fixed_subset",
    "prepare_split", "seeded", "train",
]  # fmt: skip

#: Threads a training run uses unless told otherwise: fixed (numbers must not depend on
#: the machine's core count) and 1, so parallel workers never oversubscribe the CPU.
DEFAULT_THREADS = 1

#: Held while a thread uses torch's process-wide RNG, thread count and determinism flags.
TORCH_GLOBALS = threading.RLock()

T = TypeVar("T")


class ImageDataLike(Protocol):
    """What ``train`` reads from a dataset (``nasbench_kit.datasets.ImageData``)."""

    name: str
    checksum: str
    num_classes: int
    input_shape: tuple[int, int, int]
    train: tuple[np.ndarray, np.ndarray]
    val: tuple[np.ndarray, np.ndarray]
    test: tuple[np.ndarray, np.ndarray]


def check_seed(seed: Any) -> int:
    """``seed`` as an int >= 0, else :class:`OutOfDomainError`."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise OutOfDomainError(f"seed={seed!r} must be an int >= 0; pass e.g. seed=0")
    return int(seed)


def check_device(device: Any) -> torch.device:
    """``device`` as a torch.device that exists here, else :class:`OutOfDomainError`."""
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as err:
        raise OutOfDomainError(
            f"device={device!r} is not a torch device; use 'cpu' or 'cuda'"
        ) from err
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise OutOfDomainError(f"device={device!r}: CUDA is not available here; use device='cpu'")
    if dev.type not in ("cpu", "cuda"):
        raise OutOfDomainError(f"device={device!r}: only 'cpu' and 'cuda' are supported")
    return dev


@contextlib.contextmanager
def deterministic(threads: int, device: torch.device, seed: int) -> Iterator[None]:
    """Fixed threads, deterministic algorithms and a seeded, forked torch RNG; all restored."""
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        raise OutOfDomainError(f"threads={threads!r} must be an int >= 1; pass e.g. threads=1")
    with TORCH_GLOBALS:
        old_threads = torch.get_num_threads()
        old_det = torch.are_deterministic_algorithms_enabled()
        old_warn = torch.is_deterministic_algorithms_warn_only_enabled()
        devices = [device.index or 0] if device.type == "cuda" else []
        torch.set_num_threads(threads)
        torch.use_deterministic_algorithms(True, warn_only=device.type != "cpu")
        try:
            with torch.random.fork_rng(devices=devices):
                torch.manual_seed(seed)
                yield
        finally:
            torch.use_deterministic_algorithms(old_det, warn_only=old_warn)
            torch.set_num_threads(old_threads)


def seeded(build: Callable[[], T], seed: int) -> T:
    """Call ``build()`` with torch's global RNG seeded by ``seed``, then restore the RNG.

    Use it to make weight initialisation part of the seed:
    ``net = seeded(lambda: build_model(arch), seed)``.
    """
    seed = check_seed(seed)
    with TORCH_GLOBALS, torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return build()


def fixed_subset(n: int, size: int | None) -> np.ndarray | None:
    """Indices of a seed-independent subset of ``size`` of ``n`` items (None: all)."""
    if size is None or size >= n:
        return None
    return np.sort(np.random.default_rng(0).permutation(n)[:size])


def prepare_split(split: tuple[np.ndarray, np.ndarray], size: int | None, side: int | None,
             dev: torch.device, name: str) -> tuple[torch.Tensor, torch.Tensor]:  # fmt: skip
    """One split as tensors on ``dev``: fixed subset of ``size``, resized to ``side``."""
    x, y = split
    x = np.asarray(x)
    y = np.asarray(y)
    if x.ndim != 4 or len(x) != len(y) or (name == "train" and len(x) < 2):
        raise OutOfDomainError(
            f"{name} split has images of shape {x.shape} and {len(y)} labels; want an "
            "(N, C, H, W) float array and N labels, N >= 2 for training "
            "(see nasbench_kit.datasets.load_dataset)"
        )
    idx = fixed_subset(len(x), size)
    if idx is not None:
        x, y = x[idx], y[idx]
    with warnings.catch_warnings():  # read-only arrays: torch only reads them
        warnings.filterwarnings("ignore", message="The given NumPy array is not writable")
        xt = torch.as_tensor(np.ascontiguousarray(x, dtype=np.float32), device=dev)
    yt = torch.as_tensor(np.ascontiguousarray(y, dtype=np.int64), device=dev)
    if side is not None and len(xt) and tuple(xt.shape[2:]) != (side, side):
        xt = F.interpolate(xt, size=(side, side), mode="bilinear", antialias=True,
                           align_corners=False)  # fmt: skip
    return xt, yt


def _forward(net: torch.nn.Module, x: torch.Tensor, aux: bool) -> tuple[torch.Tensor, Any]:
    if not aux:
        return net(x), None
    try:
        out = net(x, return_aux=True)
    except TypeError as err:
        raise TrainingError(
            f"config.aux_weight > 0 but {type(net).__name__}.forward does not accept "
            "return_aux=True; build the network with its auxiliary head or set aux_weight=0"
        ) from err
    return out[0], out[1]


class _Loop:
    """The state of one run: data on the device, optimiser, generator, config."""

    def __init__(self, net: torch.nn.Module, data: ImageDataLike, config: TrainConfig,
                 seed: int, dev: torch.device) -> None:  # fmt: skip
        self.net, self.cfg, self.dev = net, config, dev
        side = config.resize
        self.xtr, self.ytr = prepare_split(data.train, config.train_subset, side, dev, "train")
        self.xva, self.yva = prepare_split(data.val, config.eval_subset, side, dev, "val")
        self.xte, self.yte = prepare_split(data.test, config.eval_subset, side, dev, "test")
        self.fill = self.xtr.amin(dim=(0, 2, 3))
        self.gen = torch.Generator(device="cpu").manual_seed(seed)
        self.beta = np.random.default_rng(seed)
        self.opt = make_optimizer([p for p in net.parameters() if p.requires_grad], config)
        n = len(self.xtr)
        self.batch = b = config.batch_size or n  # 0: full batch
        self.batches = n // b + (1 if n % b > 1 else 0)  # a lone last example is dropped

    def augment(self, x: torch.Tensor) -> torch.Tensor:
        c = self.cfg
        if c.augment == "crop-flip":
            x = hflip(random_crop(x, c.crop_padding, self.fill, self.gen), self.gen)
        return cutout(x, c.cutout, self.gen) if c.cutout else x

    def loss(self, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        c = self.cfg
        if c.mixup_alpha > 0:
            lam = float(self.beta.beta(c.mixup_alpha, c.mixup_alpha))
            perm = torch.randperm(len(x), generator=self.gen).to(self.dev)
            x = lam * x + (1.0 - lam) * x[perm]
        logits, aux = _forward(self.net, x, c.aux_weight > 0)
        ce = lambda out, t: F.cross_entropy(out, t, label_smoothing=c.label_smoothing)  # noqa: E731
        loss = ce(logits, y)
        if c.mixup_alpha > 0:
            loss = lam * loss + (1.0 - lam) * ce(logits, y[perm])
        if aux is not None:
            aux_loss = ce(aux, y)
            if c.mixup_alpha > 0:
                aux_loss = lam * aux_loss + (1.0 - lam) * ce(aux, y[perm])
            loss = loss + c.aux_weight * aux_loss
        return loss, logits

    def train_epoch(self, epoch: int) -> tuple[float, float, float]:
        c, net = self.cfg, self.net
        net.train()
        if hasattr(net, "drop_path_prob"):
            net.drop_path_prob = c.drop_path_prob * epoch / c.epochs
        start = time.perf_counter()
        perm = torch.randperm(len(self.xtr), generator=self.gen).to(self.dev)
        loss_sum = torch.zeros((), device=self.dev, dtype=torch.float64)
        correct = torch.zeros((), device=self.dev, dtype=torch.int64)
        seen = 0
        for i in range(self.batches):
            idx = perm[i * self.batch : (i + 1) * self.batch]
            x, y = self.augment(self.xtr[idx]), self.ytr[idx]
            t = epoch + (i / self.batches if c.schedule_unit == "iteration" else 0.0)
            for group in self.opt.param_groups:
                group["lr"] = lr_at(c, t)
            self.opt.zero_grad(set_to_none=True)
            loss, logits = self.loss(x, y)
            loss.backward()
            if c.grad_clip is not None:
                torch.nn.utils.clip_grad_norm_(net.parameters(), c.grad_clip)
            self.opt.step()
            loss_sum += loss.detach().double() * len(y)
            correct += (logits.detach().argmax(1) == y).sum()
            seen += len(y)
        total = float(loss_sum)  # one device sync per epoch
        seconds = _elapsed(start, self.dev)
        if not math.isfinite(total):
            raise TrainingError(
                f"training loss became {total} in epoch {epoch + 1} (lr={c.lr}, "
                f"optimizer={c.optimizer}); lower the learning rate or set grad_clip"
            )
        return 100.0 * int(correct) / seen, total / seen, seconds

    @torch.inference_mode()
    def evaluate(self, x: torch.Tensor, y: torch.Tensor) -> tuple[float, float]:
        if len(y) == 0:  # a dataset without this split (e.g. NB201's cifar10: no val)
            return float("nan"), float("nan")
        self.net.eval()
        loss_sum, correct = 0.0, 0
        for i in range(0, len(x), self.cfg.eval_batch_size):
            xb, yb = x[i : i + self.cfg.eval_batch_size], y[i : i + self.cfg.eval_batch_size]
            logits = self.net(xb)
            loss_sum += float(F.cross_entropy(logits, yb, reduction="sum"))
            correct += int((logits.argmax(1) == yb).sum())
        return 100.0 * correct / len(y), loss_sum / len(y)


def _elapsed(start: float, dev: torch.device) -> float:
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)
    return time.perf_counter() - start


def count(net: torch.nn.Module, input_shape: tuple[int, ...]) -> tuple[int, float]:
    """(trainable parameters, MFLOPs) via ``nasbench_kit.models`` when it is there."""
    try:
        from nasbench_kit.models import count_flops, count_params
    except ImportError:  # models package not built yet: count here, FLOPs unknown
        return sum(p.numel() for p in net.parameters() if p.requires_grad), float("nan")
    try:
        return int(count_params(net)), float(count_flops(net, tuple(input_shape)))
    except (RuntimeError, OutOfDomainError) as err:  # the network cannot run on this input
        raise TrainingError(
            f"{type(net).__name__} cannot run on inputs of shape {tuple(input_shape)}: {err}; "
            "NB201/NB101/DARTS networks need height and width divisible by 4 "
            "(use a dataset of that size or TrainConfig(resize=...))"
        ) from err


def train(
    net: torch.nn.Module,
    data: ImageDataLike,
    config: TrainConfig,
    *,
    seed: int = 0,
    device: str = "cpu",
    threads: int = DEFAULT_THREADS,
    progress: bool | None = None,
) -> TrainResult:
    """Train ``net`` on ``data`` with ``config``; see the module docstring."""
    if not isinstance(config, TrainConfig):
        raise OutOfDomainError(
            f"config must be a TrainConfig, got {type(config).__name__}; "
            "use get_preset(name).train or TrainConfig(...)"
        )
    seed, dev = check_seed(seed), check_device(device)
    start, cpu_start = time.perf_counter(), time.process_time()
    with deterministic(threads, dev, seed):
        c, h, w = data.input_shape
        side = config.resize
        params, flops = count(net, (c, h, w) if side is None else (c, side, side))
        net.to(dev)
        loop = _Loop(net, data, config, seed, dev)
        rows: list[tuple[float, ...]] = []
        with progress_bar(total=config.epochs, desc="train", unit="epoch", enabled=progress) as bar:
            for epoch in range(config.epochs):
                tr_acc, tr_loss, tr_sec = loop.train_epoch(epoch)
                t0 = time.perf_counter()
                va_acc, va_loss = loop.evaluate(loop.xva, loop.yva)
                te_acc, te_loss = loop.evaluate(loop.xte, loop.yte)
                ev_sec = _elapsed(t0, dev)
                rows.append((tr_acc, tr_loss, va_acc, va_loss, te_acc, te_loss, tr_sec, ev_sec))
                bar.update(1)
    cols = list(zip(*rows))
    return TrainResult(
        train_acc=cols[0], train_loss=cols[1], val_acc=cols[2], val_loss=cols[3],
        test_acc=cols[4], test_loss=cols[5], train_seconds=cols[6], eval_seconds=cols[7],
        seconds=time.perf_counter() - start, cpu_seconds=time.process_time() - cpu_start,
        params=params, flops=flops,
        config=config.to_dict(), seed=seed, device=str(dev), threads=threads,
        torch_version=torch.__version__, dataset=str(data.name), data_checksum=str(data.checksum),
    )  # fmt: skip
