"""Ray vs the local process pool: many seeds of REA on NB-201 (CIFAR-10 valid, 200 epochs).

Measured in one process, in this order:

1. ``run_many(..., workers=W)`` -- the local fork pool (``--repeats`` times);
2. an embedded Ray from cold: ``import ray``, ``ray.init`` (through
   ``nasbench_kit.parallel.ensure_ray``) and the first ``executor="ray"`` run,
   which also pays Ray's worker processes importing nasbench_kit;
3. the same run again on the warm Ray (``--repeats`` times);

and every trajectory frame is checked to be identical to the pool's. The
table is imported from the shared data folder into a private
``NASBENCH_KIT_HOME`` (a temporary folder unless ``--home``).

Writes ``<out>/scaling.json`` and ``<out>/scaling.md``. Timings depend on the
machine's load (the load average is recorded): re-run on a quiet machine
before quoting.

Usage: ``python benchmarks/scaling.py [--seeds 100] [--queries 1000] [--workers 2]
[--repeats 2] [--out DIR] [--home DIR]``
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
CSV = "nb201/nb201_cifar10-valid_200ep_seedavg.csv"
OUT = Path(__file__).resolve().parent / "results"


def _rea(seed: int) -> Any:
    from nasbench_kit.optimizers import RegularizedEvolution

    return RegularizedEvolution("nb201", seed=seed)


def _timed(fn: Any) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def measure(bench: Any, seeds: int, queries: int, workers: int, repeats: int) -> dict[str, Any]:
    """Every timing of the module docstring, plus the equality check."""
    import pandas as pd

    import nasbench_kit as nbk

    kw = dict(seeds=range(seeds), max_queries=queries, workers=workers)
    out: dict[str, Any] = {"load_before": os.getloadavg()[0]}
    pool_times, ref = [], None
    for _ in range(repeats):
        t, df = _timed(lambda: nbk.run_many(_rea, bench, "val_acc", **kw))
        pool_times.append(t)
        ref = df if ref is None else ref
    out["pool_s"] = pool_times
    t_import, _ = _timed(lambda: __import__("ray"))
    from nasbench_kit.parallel.ray_backend import ensure_ray

    t_init, _ = _timed(lambda: ensure_ray(workers))
    t_first, first = _timed(lambda: nbk.run_many(_rea, bench, "val_acc", executor="ray", **kw))
    warm_times, frames = [], [first]
    for _ in range(repeats):
        t, df = _timed(lambda: nbk.run_many(_rea, bench, "val_acc", executor="ray", **kw))
        warm_times.append(t)
        frames.append(df)
    for df in frames:
        pd.testing.assert_frame_equal(ref, df)
    out.update(
        ray_import_s=t_import, ray_init_s=t_init, ray_first_run_s=t_first,
        ray_cold_total_s=t_import + t_init + t_first, ray_warm_s=warm_times,
        identical=True, rows=len(ref), load_after=os.getloadavg()[0],
    )  # fmt: skip
    return out


def report(res: dict[str, Any], args: argparse.Namespace) -> list[str]:
    pool = min(res["pool_s"])
    cold = res["ray_cold_total_s"]
    warm = min(res["ray_warm_s"])
    return [
        "# Scaling: Ray executor vs the local process pool", "",
        f"Command: `python benchmarks/scaling.py --seeds {args.seeds} --queries {args.queries} "
        f"--workers {args.workers} --repeats {args.repeats}`", "",
        f"{args.seeds} seeds x REA x {args.queries} queries on nb201/cifar10-valid "
        f"({res['rows']:,} rows), {args.workers} workers, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, ray {res['ray_version']}. Load average "
        f"{res['load_before']:.1f} before, {res['load_after']:.1f} after "
        "(timings are only comparable on a quiet machine).", "",
        "| run | seconds |", "|---|---|",
        f"| local fork pool (`workers={args.workers}`), best of {args.repeats} | {pool:.2f} |",
        f"| Ray cold: `import ray` | {res['ray_import_s']:.2f} |",
        f"| Ray cold: `ray.init` (embedded, {args.workers} CPUs) | {res['ray_init_s']:.2f} |",
        f"| Ray cold: first run (worker processes start and import) | "
        f"{res['ray_first_run_s']:.2f} |",
        f"| **Ray cold total** (start-up included) | **{cold:.2f}** |",
        f"| Ray warm (Ray reused in the same process), best of {args.repeats} | {warm:.2f} |",
        "",
        f"Ray cold - pool = {cold - pool:+.2f} s (target: <= +2 s); Ray warm - pool = "
        f"{warm - pool:+.2f} s. Every Ray trajectory is identical to the pool's: "
        f"{res['identical']}.", "",
    ]  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--seeds", type=int, default=100)
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--shared", type=Path, default=SHARED, help="shared benchmark data folder")
    ap.add_argument("--home", type=Path, default=None, help="NASBENCH_KIT_HOME (default: temp)")
    args = ap.parse_args(argv)
    path = args.shared / CSV
    if not path.exists():
        sys.exit(f"scaling: {path} not found (the shared data folder beside the checkout)")
    os.environ["NASBENCH_KIT_HOME"] = str(args.home or tempfile.mkdtemp(prefix="nbk-scaling-"))
    import nasbench_kit as nbk

    bench = nbk.load(nbk.import_table("nb201-csv", path, name="nb201/cifar10-valid"))
    res = measure(bench, args.seeds, args.queries, args.workers, args.repeats)
    import ray

    res["ray_version"] = ray.__version__
    args.out.mkdir(parents=True, exist_ok=True)
    lines = report(res, args)
    (args.out / "scaling.json").write_text(json.dumps(res, indent=2) + "\n")
    (args.out / "scaling.md").write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
