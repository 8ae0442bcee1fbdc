"""Throughput of ``nasbench_kit.training.train`` against a bare PyTorch loop.

Same network (an NB201 cell built by ``build_model``, weights seeded the same),
same minibatches (the same seeded permutation), same thread count, same
deterministic-algorithms setting, in the same process; the two loops
alternate ``--repeats`` times so machine noise hits both alike. Compared: the
wall seconds of one training pass over the data (the trainer's own per-epoch
``train_seconds``, which exclude its evaluation pass) vs the bare loop's
``zero_grad / forward / cross_entropy / backward / step`` over the same
batches. The trainer's extra work per step is its learning-rate update and
on-device accuracy/loss accumulation. Target: within 10%.

Results: ``benchmarks/results/trainer_throughput.{json,md}``.

Run: ``python benchmarks/trainer_throughput.py [--dataset fashion-mnist] [--n 10000]
[--repeats 5] [--threads 1]``
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from nasbench_kit.datasets import load_dataset
from nasbench_kit.models import build_model
from nasbench_kit.spaces import get_space
from nasbench_kit.training.presets import get_preset
from nasbench_kit.training.trainer import prepare_split, seeded, train

RESULTS = Path(__file__).resolve().parents[1] / "benchmarks" / "results"
CELL = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"


def bare_epoch(net: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, batch: int, seed: int,
               lr: float) -> float:  # fmt: skip
    """One plain epoch over the batches the trainer draws for ``seed``; wall seconds."""
    opt = torch.optim.SGD(net.parameters(), lr=lr, momentum=0.9, nesterov=True, weight_decay=5e-4)
    gen = torch.Generator().manual_seed(seed)
    net.train()
    start = time.perf_counter()
    perm = torch.randperm(len(x), generator=gen)
    for i in range(len(x) // batch + (1 if len(x) % batch > 1 else 0)):
        idx = perm[i * batch : (i + 1) * batch]
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(net(x[idx]), y[idx])
        loss.backward()
        opt.step()
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dataset", default="fashion-mnist")
    ap.add_argument("--n", type=int, default=10000, help="training images per epoch")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()

    data = load_dataset(args.dataset, seed=0)
    preset = get_preset("fast-fashion-mnist")
    cfg = preset.train.replace(epochs=1, train_subset=args.n, eval_subset=2, augment="none")
    arch = get_space("nb201").from_string(CELL)
    model = {**preset.model, "in_channels": data.input_shape[0], "num_classes": data.num_classes}
    # The bare loop trains on exactly the tensors the trainer uses (same subset, same size).
    x, y = prepare_split(data.train, cfg.train_subset, cfg.resize, torch.device("cpu"), "train")
    ours, bare = [], []
    for rep in range(args.repeats):
        net = seeded(lambda: build_model(arch, **model), rep)
        ours.append(train(net, data, cfg, seed=rep, threads=args.threads).train_seconds[0])
        net = seeded(lambda: build_model(arch, **model), rep)
        old = torch.get_num_threads(), torch.are_deterministic_algorithms_enabled()
        torch.set_num_threads(args.threads)
        torch.use_deterministic_algorithms(True)
        try:
            bare.append(bare_epoch(net, x, y, cfg.batch_size, rep, cfg.lr))
        finally:
            torch.set_num_threads(old[0])
            torch.use_deterministic_algorithms(old[1])
        print(f"repeat {rep}: trainer {ours[-1]:.2f} s, bare loop {bare[-1]:.2f} s", flush=True)
    med_ours, med_bare = statistics.median(ours), statistics.median(bare)
    ratios = [o / b for o, b in zip(ours, bare)]
    out = {
        "dataset": args.dataset, "train_images": len(x), "batch_size": cfg.batch_size,
        "model": model, "cell": CELL, "threads": args.threads, "repeats": args.repeats,
        "trainer_seconds": ours, "bare_seconds": bare, "median_trainer_s": med_ours,
        "median_bare_s": med_bare, "ratio_of_medians": med_ours / med_bare,
        "median_pairwise_ratio": statistics.median(ratios),
        "trainer_images_per_s": len(x) / med_ours, "bare_images_per_s": len(x) / med_bare,
        "target": "trainer within 10% of the bare loop (ratio <= 1.10)",
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
                   f"torch {torch.__version__}, load average {os.getloadavg()[0]:.1f} at the end",
    }  # fmt: skip
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "trainer_throughput.json").write_text(json.dumps(out, indent=2) + "\n")
    md = [
        "# Trainer throughput vs a bare PyTorch loop", "",
        f"NB201 cell `{CELL}` at {model}, {args.dataset} ({len(x)} images of "
        f"{tuple(x.shape[1:])}, batch "
        f"{cfg.batch_size}), {args.threads} thread(s), {args.repeats} alternating repeats.", "",
        "| loop | median s / epoch | images / s |", "|---|---|---|",
        f"| nasbench_kit `train` | {med_ours:.3f} | {len(x) / med_ours:.0f} |",
        f"| bare PyTorch loop | {med_bare:.3f} | {len(x) / med_bare:.0f} |", "",
        f"Ratio (trainer / bare): {med_ours / med_bare:.3f} of medians, "
        f"{statistics.median(ratios):.3f} median of pairs. Target <= 1.10.", "",
        f"Machine: {out['machine']}.", "",
    ]  # fmt: skip
    (RESULTS / "trainer_throughput.md").write_text("\n".join(md))
    print("\n".join(md))


if __name__ == "__main__":
    main()
