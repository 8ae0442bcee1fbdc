"""Run one optimizer on one table over many seeds; write trajectories and a summary.

Writes OUT/trajectories.csv (every query of every seed, columns as in
nasbench_kit.search.trajectory plus a leading seed column) and OUT/summary.json
(final incumbent mean and 95% interval, queries to the table optimum), and
prints the summary.

    nasbench-kit search --bench analognas/cifar10 --optimizer rea --queries 300 --seeds 20 --out runs/
    nasbench-kit search --bench nbgraph/cora --optimizer bananas --metric latency --minimize
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from nasbench_kit.cli._common import positive_int, write_output
from nasbench_kit.cli.predict import DEFAULT_METRIC_HELP

SUMMARY_KEYS = ("final_mean", "final_ci95", "optimum", "found_optimum_fraction",
                "queries_to_optimum_median")  # fmt: skip


def run(args: argparse.Namespace) -> int:
    """Run the seeds, write OUT/trajectories.csv and OUT/summary.json, print the summary."""
    from nasbench_kit.metrics import default_maximize, default_metric
    from nasbench_kit.optimizers import OptimizerFactory
    from nasbench_kit.search import run_many, summarize
    from nasbench_kit.tables import load

    bench = load(args.bench)
    metric = args.metric or default_metric(bench.metrics, bench.cost_metric)
    maximize = default_maximize(metric) if args.maximize is None else args.maximize
    make = OptimizerFactory(args.optimizer, bench.space)
    make(0)  # refuse bad options before any work
    df = run_many(make, bench, metric,
                  seeds=range(args.seeds), workers=args.workers, max_queries=args.queries,
                  maximize=maximize, dedupe_isomorphic=args.dedupe_isomorphic,
                  executor=args.executor, sim_workers=args.sim_workers)  # fmt: skip
    summary = {"bench": bench.name, "optimizer": args.optimizer, "metric": metric,
               "maximize": maximize, **summarize(df)}  # fmt: skip
    out = Path(args.out)
    write_output(out / "trajectories.csv", lambda p: df.to_csv(p, index=False))
    text = json.dumps(summary, indent=2, default=str) + "\n"
    write_output(out / "summary.json", lambda p: p.write_text(text))
    for key in SUMMARY_KEYS:
        print(f"{key:<26} {summary[key]}")
    print(f"trajectories ({len(df):,} rows) and summary.json written to {out}/")
    return 0


def add_parser(subparsers: Any) -> None:
    """Register ``search``."""
    from nasbench_kit.optimizers import ALIASES, list_optimizers

    names = list_optimizers()
    p = subparsers.add_parser("search", help=__doc__.splitlines()[0], description=__doc__)
    p.add_argument("--bench", required=True, metavar="NAME",
                   help="table name (see `nasbench-kit tables list`)")  # fmt: skip
    p.add_argument("--optimizer", default="rea", choices=[*names, *ALIASES], metavar="NAME",
                   help=f"optimizer: one of {', '.join(names)} (default %(default)s; also "
                   f"accepted: {', '.join(f'{a}={t}' for a, t in ALIASES.items())})")  # fmt: skip
    p.add_argument("--queries", type=positive_int, default=300, metavar="N",
                   help="queries per seed, N >= 1 (default %(default)s)")  # fmt: skip
    p.add_argument("--seeds", type=positive_int, default=20, metavar="N",
                   help="runs with seeds 0..N-1, N >= 1 (default %(default)s)")  # fmt: skip
    p.add_argument("--metric", help=DEFAULT_METRIC_HELP.replace("predict", "optimise"))
    direction = p.add_mutually_exclusive_group()
    direction.add_argument("--maximize", dest="maximize", action="store_true", default=None,
                           help="larger is better (default for accuracies)")  # fmt: skip
    direction.add_argument("--minimize", dest="maximize", action="store_false",
                           help="smaller is better (default for losses, latency, time, "
                           "params, flops)")  # fmt: skip
    p.add_argument("--workers", type=positive_int, default=2, metavar="N",
                   help="worker processes, N >= 1 (default %(default)s)")  # fmt: skip
    p.add_argument("--executor", choices=["ray"], default=None,
                   help="run seeds as Ray tasks (needs `pip install 'nasbench_kit[ray]'`; a "
                   "local Ray is started unless RAY_ADDRESS names a cluster); default: a "
                   "local process pool")  # fmt: skip
    p.add_argument("--sim-workers", type=positive_int, default=1, metavar="K",
                   help="simulated asynchronous workers per run, K >= 1: results are told in "
                   "simulated-completion order (default %(default)s = sequential)")  # fmt: skip
    p.add_argument("--dedupe-isomorphic", action="store_true",
                   help="tell repeats of an evaluated isomorphism class for free "
                   "(they are not counted as queries)")  # fmt: skip
    p.add_argument("--out", default="search-results", metavar="DIR",
                   help="output folder (created; default %(default)s)")
    p.set_defaults(func=run)
