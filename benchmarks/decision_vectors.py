"""Decision vectors: how many uniform vectors are valid, ``from_decisions`` cost, Optuna on DARTS.

1. Per space, the share of ``--vectors`` uniformly drawn in-range decision
   vectors that ``from_decisions`` accepts, and how many distinct
   architectures (``hash``) they name.
2. Per space, microseconds per ``from_decisions`` call: on the vectors of
   sampled architectures (all valid) and on uniform vectors (some refused).
3. Optuna's random sampler and TPE on ``HashBenchmark("darts")``,
   ``--queries`` queries per run, ``--seeds`` seeds, ``dedupe_isomorphic=True``:
   wall seconds per run and the optimizer's ``n_invalid`` / ``n_repeats`` /
   ``n_fallback`` counters (needs the ``optuna`` extra; skipped without it).

Writes ``<out>/decision_vectors.md`` (and prints it). Timings on a busy
machine are noisy: re-run on a quiet one before quoting them.

Usage: ``python benchmarks/decision_vectors.py [--vectors 20000] [--seeds 3]
[--queries 100] [--no-optuna] [--out DIR]``
"""

from __future__ import annotations

import argparse
import importlib.util
import time
from pathlib import Path
from typing import Any

import numpy as np

import nasbench_kit as nbk
from nasbench_kit._io import atomic_write_text
from nasbench_kit.errors import OutOfDomainError
from nasbench_kit.optimizers.testing import HashBenchmark
from nasbench_kit.spaces import get_space, list_spaces

OUT = Path(__file__).resolve().parent / "results"


def validity(name: str, n: int, seed: int = 0) -> dict[str, Any]:
    """Share of ``n`` uniform vectors that are valid, distinct archs, and us per call."""
    space = get_space(name)
    sizes = np.asarray(space.decision_sizes())
    rng = np.random.default_rng(seed)
    vecs = [tuple(int(v) for v in row) for row in rng.integers(0, sizes, size=(n, len(sizes)))]
    archs = []
    t0, c0 = time.perf_counter(), time.process_time()
    for vec in vecs:
        try:
            archs.append(space.from_decisions(vec))
        except OutOfDomainError:
            pass
    uniform = (1e6 * (time.perf_counter() - t0) / n, 1e6 * (time.process_time() - c0) / n)
    valid = [space.to_decisions(space.sample(seed=s)) for s in range(min(n, 2000))]
    t0, c0 = time.perf_counter(), time.process_time()
    for vec in valid:
        space.from_decisions(vec)
    m = len(valid)
    valid_t = (1e6 * (time.perf_counter() - t0) / m, 1e6 * (time.process_time() - c0) / m)
    return {"space": name, "positions": len(sizes), "valid": len(archs) / n,
            "distinct": len({a.hash for a in archs}), "uniform_us": uniform,
            "valid_us": valid_t}  # fmt: skip


def optuna_runs(sampler: str, seeds: int, queries: int) -> dict[str, Any]:
    """``sampler`` on HashBenchmark('darts'): mean seconds and counters per run."""
    from nasbench_kit.optimizers.optuna_sampler import OptunaOptimizer

    bench = HashBenchmark("darts")
    walls, cpus, invalid, repeats, fallback = [], [], [], [], []
    for seed in range(seeds):
        opt = OptunaOptimizer("darts", sampler, seed=seed)
        t0, c0 = time.perf_counter(), time.process_time()
        nbk.run_search(opt, bench, "val_acc", max_queries=queries, dedupe_isomorphic=True)
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
        invalid.append(opt.n_invalid)
        repeats.append(opt.n_repeats)
        fallback.append(opt.n_fallback)
    return {"sampler": sampler, "wall_s": float(np.mean(walls)), "cpu_s": float(np.mean(cpus)),
            "invalid": float(np.mean(invalid)), "repeats": float(np.mean(repeats)),
            "fallback": float(np.mean(fallback)), "seeds": seeds}  # fmt: skip


def report(valid: list[dict[str, Any]], runs: list[dict[str, Any]], args: Any) -> str:
    lines = [
        "# Decision vectors",
        "",
        f"{args.vectors:,} uniform in-range vectors per space (seed 0); `from_decisions` "
        "time per call (wall / CPU microseconds) on those (uniform) and on the vectors of "
        "2,000 sampled architectures (valid).",
        "",
        "| space | positions | valid share | distinct archs | us/call uniform | us/call valid |",
        "|---|---|---|---|---|---|",
    ]
    for r in valid:
        (uw, uc), (vw, vc) = r["uniform_us"], r["valid_us"]
        lines.append(f"| {r['space']} | {r['positions']} | {r['valid']:.3f} | {r['distinct']:,} | "
                     f"{uw:.0f} / {uc:.0f} | {vw:.0f} / {vc:.0f} |")  # fmt: skip
    if runs:
        lines += [
            "",
            f'Optuna on `HashBenchmark("darts")`, {args.queries} queries, '
            f"`dedupe_isomorphic=True`, mean over {runs[0]['seeds']} seeds:",
            "",
            "| sampler | wall s per run | CPU s per run | invalid proposals | repeats | fallbacks |",
            "|---|---|---|---|---|---|",
        ]
        for r in runs:
            lines.append(f"| {r['sampler']} | {r['wall_s']:.1f} | {r['cpu_s']:.1f} | {r['invalid']:.1f} | "
                         f"{r['repeats']:.1f} | {r['fallback']:.1f} |")  # fmt: skip
    lines += [
        "",
        "Command: `python benchmarks/decision_vectors.py "
        f"--vectors {args.vectors} --seeds {args.seeds} --queries {args.queries}`",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--vectors", type=int, default=20_000)
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--queries", type=int, default=100)
    ap.add_argument("--no-optuna", action="store_true")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    valid = [validity(name, args.vectors) for name in list_spaces()]
    runs = []
    if not args.no_optuna and importlib.util.find_spec("optuna") is not None:
        runs = [optuna_runs(s, args.seeds, args.queries) for s in ("random", "tpe")]
    text = report(valid, runs, args)
    args.out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(args.out / "decision_vectors.md", text)
    print(text)


if __name__ == "__main__":
    main()
