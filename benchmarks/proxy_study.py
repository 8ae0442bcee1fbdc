"""Zero-cost proxy study: agreement with NAS-Bench-Suite-Zero, correlation with
accuracy, cost, proxies as predictor features, and a proxy pre-filter in search.

Steps (each reruns cheaply: scores are cached in proxy tables under
``$NASBENCH_KIT_HOME`` and a rerun computes only what is missing)::

    python benchmarks/proxy_study.py compute --workers 2       # the scores (hours on 2 cores)
    python benchmarks/proxy_study.py cost                      # seconds per proxy (quiet machine!)
    python benchmarks/proxy_study.py analyse                   # (a) agreement, (b) accuracy
    python benchmarks/proxy_study.py predictors                # (c) XGB +- proxies
    python benchmarks/proxy_study.py search                    # (d) ProxyFilter vs RS / REA

Results: ``benchmarks/results/proxy_study*.{csv,md,png}``. Data: the shared files
beside the checkout (``../shared/data``): NASLib's ``zc_nasbench{201,301,101}.json``
(recorded Suite-Zero scores) and the NB201 accuracy CSVs. The recorded scores were
computed on CIFAR batches; we have no CIFAR here, so data-dependent proxies use
Fashion-MNIST batches fitted to the network input (1 channel repeated to 3,
28x28 resized bilinearly to 32x32, or 16x16 for ImageNet16-120).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"
RESULTS = REPO / "benchmarks" / "results"
sys.path.insert(0, str(REPO / "benchmarks"))

DATASET = "fashion-mnist"
BATCH = 32
ALL13 = ["epe_nas", "fisher", "flops", "grad_norm", "grasp", "jacov", "l2_norm", "nwot",
         "params", "plain", "snip", "synflow", "zen"]  # fmt: skip
FREE = ["params", "flops", "synflow", "l2_norm"]
DATA_DEP = ["epe_nas", "fisher", "grad_norm", "grasp", "jacov", "nwot", "plain", "snip"]
#: NB201 network per dataset (classes, input) as NAS-Bench-201 built it.
NB201_NET = {
    "cifar10": {"num_classes": 10, "input_shape": (3, 32, 32)},
    "cifar100": {"num_classes": 100, "input_shape": (3, 32, 32)},
    "imagenet16-120": {"num_classes": 120, "input_shape": (3, 16, 16)},
}
ZC_FILES = {
    "nb201": ("nb201/naslib_zc_nasbench201.json", ("cifar10", "cifar100", "ImageNet16-120")),
    "nb301": ("nb301/naslib_zc_nasbench301.json", ("cifar10",)),
    "nb101": ("nb101/naslib_zc_nasbench101.json", ("cifar10",)),
}


# ---- data ----------------------------------------------------------------------------
def recorded(space: str, dataset: str = "cifar10") -> Any:
    """The Suite-Zero table (val_acc, flops, params, zc_<proxy>) imported into the cache."""
    import nasbench_kit as nbk

    rel, datasets = ZC_FILES[space]
    source = next(d for d in datasets if d.lower() == dataset)
    return nbk.load(nbk.import_table("zc-json", DATA / rel, name=f"zc/{space}/{dataset}",
                                     dataset=source))  # fmt: skip


def accuracy_tables() -> dict[str, Any]:
    """NB201 accuracy: 200-epoch cifar10-valid (seed mean) and the 12-epoch table."""
    import nasbench_kit as nbk

    out = {"c10-200ep": nbk.load(nbk.import_table(
        "nb201-csv", DATA / "nb201/nb201_cifar10-valid_200ep_seedavg.csv",
        name="nb201/cifar10-valid-200ep", dataset="cifar10-valid"))}  # fmt: skip
    for ds, col in (("c10", "cifar10"), ("c100", "cifar100"), ("in16", "imagenet")):
        out[f"{ds}-12ep"] = nbk.load(nbk.import_table(
            "nb201-csv", DATA / "nb201/nb201_12ep_accuracy.csv", name=f"nb201/{ds}-12ep",
            dataset=col, metrics={f"{col}-val": "val_acc", f"{col}-test": "test_acc"}))  # fmt: skip
    return out


def study_archs(n_random: int = 300) -> list[Any]:
    """Suite-Zero's 725 NB201 cells plus ``n_random`` more uniform random cells (seed 0)."""
    from nasbench_kit.spaces import get_space

    archs = recorded("nb201").archs()
    held = {a.hash for a in archs}
    rng = np.random.default_rng(0)
    sp = get_space("nb201")
    extra: dict[str, Any] = {}
    while len(extra) < n_random:
        a = sp.sample(rng)
        if a.hash not in held:
            extra.setdefault(a.hash, a)
    return archs + list(extra.values())


def jobs(n_random: int, subset: int) -> dict[str, dict[str, Any]]:
    """Every score set the study needs: name -> proxy_table arguments + archs."""

    out: dict[str, dict[str, Any]] = {
        "nb201-c10-all": {"archs": study_archs(n_random), "proxies": ALL13, "dataset": DATASET,
                          "space": "nb201", **NB201_NET["cifar10"]},
    }  # fmt: skip
    for ds in ("cifar100", "imagenet16-120"):
        archs = recorded("nb201", ds).archs()
        out[f"nb201-{ds}-free"] = {"archs": archs, "proxies": FREE, "space": "nb201",
                                   **NB201_NET[ds]}  # fmt: skip
        out[f"nb201-{ds}-data"] = {"archs": archs[:subset], "proxies": DATA_DEP, "space": "nb201",
                                   "dataset": DATASET, **NB201_NET[ds]}  # fmt: skip
    for space, cfg in (("nb301", {"preset": "suitezero"}), ("nb101", {})):
        archs = recorded(space).archs()
        sp = "darts" if space == "nb301" else space
        out[f"{space}-free"] = {"archs": archs, "proxies": FREE, "space": sp, "num_classes": 10,
                                **cfg}  # fmt: skip
        out[f"{space}-data"] = {"archs": archs[: subset // 5], "proxies": DATA_DEP, "space": sp,
                                "dataset": DATASET, "num_classes": 10,
                                "input_shape": (3, 32, 32), **cfg}  # fmt: skip
    return out


def table_of(job: dict[str, Any]) -> Any:
    """The cached proxy table of a job (computing nothing new when it holds every arch)."""
    from nasbench_kit.proxies import proxy_table

    kw = {k: v for k, v in job.items() if k not in ("archs", "proxies")}
    return proxy_table(job["archs"][:1], job["proxies"], batch_size=BATCH, **kw)


# ---- compute -----------------------------------------------------------------------------
def _run_chunk(task: tuple[str, dict[str, Any]]) -> tuple[str, int, float]:
    from nasbench_kit.proxies import proxy_table

    name, job = task
    t0 = time.perf_counter()
    kw = {k: v for k, v in job.items() if k not in ("archs", "proxies")}
    table = proxy_table(job["archs"], job["proxies"], batch_size=BATCH, num_threads=1, **kw)
    return name, len(table), time.perf_counter() - t0


def compute(args: argparse.Namespace) -> None:
    """Fill every job's table, ``chunk`` architectures per task, ``workers`` processes."""
    from nasbench_kit.tables.registry import processed_path

    todo = jobs(args.n_random, args.subset)
    names = args.jobs.split(",") if args.jobs else list(todo)
    tasks = []
    for name in names:
        job = todo[name]
        table = table_of(job)  # creates the table with its first arch
        held = set(table.hashes)
        missing = [a for a in job["archs"] if a.hash not in held]
        print(f"{name}: {len(held)} held, {len(missing)} to compute -> {table.name}", flush=True)
        for i in range(0, len(missing), args.chunk):
            tasks.append((name, {**job, "archs": missing[i : i + args.chunk]}))
        assert processed_path(table.name).exists()
    ctx = mp.get_context("spawn")
    t0 = time.perf_counter()
    with ctx.Pool(args.workers) as pool:
        for k, (name, rows, secs) in enumerate(pool.imap_unordered(_run_chunk, tasks), 1):
            print(f"[{k}/{len(tasks)}] {name}: table has {rows} rows (chunk {secs:.0f} s, "
                  f"total {time.perf_counter() - t0:.0f} s)", flush=True)  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("step", choices=["compute", "cost", "analyse", "predictors", "search"])
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--chunk", type=int, default=20)
    p.add_argument("--jobs", default="", help="comma-separated job names (default: all)")
    p.add_argument("--n-random", type=int, default=300, help="random cells beyond Suite-Zero's 725")
    p.add_argument("--subset", type=int, default=100, help="cells per data-dependent check (NB301/NB101: a fifth)")
    p.add_argument("--seeds", type=int, default=10)
    p.add_argument("--cells", type=int, default=10, help="cells timed by `cost`")
    p.add_argument("--threads", type=int, default=2, help="torch threads for `cost`")
    p.add_argument("--queries", type=int, default=100, help="queries per search run")
    args = p.parse_args(argv)
    RESULTS.mkdir(parents=True, exist_ok=True)
    if args.step == "compute":
        compute(args)
    else:
        import proxy_study_report as report

        getattr(report, args.step)(args)


if __name__ == "__main__":
    main()
