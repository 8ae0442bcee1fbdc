"""Run the predictor study protocol on one table and print one row per seed.

Fits PREDICTOR on TRAIN_SIZE architectures drawn at random and scores its
ranking of the rest of the table (Kendall tau, Spearman, ...). The default
split is leakage-safe: test architectures isomorphic to a training one are
dropped (``n_dropped``); ``--split random`` is the literature's protocol
(every other architecture is a test architecture), comparable with NASLib.

    nasbench-kit predict --bench nb201/cifar10-valid --predictor xgb --train-size 100 --seeds 5
    nasbench-kit predict --bench analognas/cifar10 --predictor gp --split random --out tau.csv
"""

from __future__ import annotations

import argparse
from typing import Any

from nasbench_kit.cli._common import positive_int, write_output
from nasbench_kit.errors import OutOfDomainError

DEFAULT_METRIC_HELP = (
    "metric to predict (default: val_acc, else test_acc, else the only non-cost metric; "
    "a table with several others needs --metric)"
)


def run(args: argparse.Namespace) -> int:
    """Fit and score the predictor for every seed; print (and write) the frame."""
    from nasbench_kit.metrics import default_metric
    from nasbench_kit.predictors import make_predictor
    from nasbench_kit.study import predictor_study
    from nasbench_kit.tables import load

    if args.train_size < 2:
        raise OutOfDomainError(f"--train-size {args.train_size} must be >= 2")
    bench = load(args.bench)
    metric = args.metric or default_metric(bench.metrics, bench.cost_metric)
    model = make_predictor(args.predictor)
    df = predictor_study(bench, metric, {args.predictor: model}, [args.train_size],
                         range(args.seeds), test=args.test, split=args.split)  # fmt: skip
    df.insert(0, "metric", metric)
    df.insert(0, "bench", bench.name)
    print(df.to_string(index=False))
    print(f"# {df.attrs['split_note']}")
    if args.out is not None:
        write_output(args.out, lambda p: df.to_csv(p, index=False))
        print(f"# written to {args.out}")
    return 0


def add_parser(subparsers: Any) -> None:
    """Register ``predict``."""
    from nasbench_kit.predictors import list_predictors
    from nasbench_kit.study import SPLITS

    p = subparsers.add_parser("predict", help=__doc__.splitlines()[0], description=__doc__)
    p.add_argument("--bench", required=True, metavar="NAME",
                   help="table name (see `nasbench-kit tables list`)")  # fmt: skip
    p.add_argument("--predictor", default="xgb", choices=list_predictors(), metavar="NAME",
                   help="predictor: one of %(choices)s (default %(default)s)")  # fmt: skip
    p.add_argument("--train-size", type=positive_int, default=100, metavar="N",
                   help="training architectures per run, >= 2 (default %(default)s)")  # fmt: skip
    p.add_argument("--seeds", type=positive_int, default=5, metavar="N",
                   help="runs with seeds 0..N-1, N >= 1 (default %(default)s)")  # fmt: skip
    p.add_argument("--metric", help=DEFAULT_METRIC_HELP)
    p.add_argument("--split", default="iso", choices=SPLITS,
                   help="test-set protocol: one of %(choices)s (default %(default)s; "
                   "'iso' drops test archs isomorphic to a training one, 'random' keeps "
                   "them as NASLib does)")  # fmt: skip
    p.add_argument("--test", type=positive_int, metavar="N",
                   help="score on a random sample of N test architectures "
                   "(default: all of them)")  # fmt: skip
    p.add_argument("--out", metavar="FILE.csv", help="also write the frame as CSV")
    p.set_defaults(func=run)
