"""Print one architecture's metrics from a table, with units.

    nasbench-kit query analognas/cifar10 "|nor_conv_3x3~0|+|...|"
    nasbench-kit query nb201/cifar10-valid 1 --metric val_acc --fidelity 200 --seed 777
"""

from __future__ import annotations

import argparse
from typing import Any

from nasbench_kit.cli._common import fmt_value, parse_arch


def run(args: argparse.Namespace) -> int:
    """Print every metric (or ``--metric``) of ``ARCH`` in table ``NAME``."""
    from nasbench_kit.tables import load

    bench = load(args.name)
    metrics = [args.metric] if args.metric else list(bench.metrics)
    arch = parse_arch(bench.space, args.arch)
    print(f"benchmark: {bench.name}   arch: {bench.space.to_string(arch)}")
    for metric in metrics:
        r = bench.query(arch, metric, fidelity=args.fidelity, seed=args.seed)
        print(f"{metric:<28} {fmt_value(r.value):>12} {r.unit:<10} (fidelity {r.fidelity:g})")
    return 0


def add_parser(subparsers: Any) -> None:
    """Register ``query``."""
    p = subparsers.add_parser("query", help=__doc__.splitlines()[0], description=__doc__)
    p.add_argument("name", metavar="NAME", help="table name (see `nasbench-kit tables list`)")
    p.add_argument("arch", metavar="ARCH",
                   help="an architecture in any notation of the table's space, or its index")
    p.add_argument("--metric", help="print only this metric (default: every metric)")
    p.add_argument("--fidelity", type=float,
                   help="fidelity in epochs (default: the table's largest)")
    p.add_argument("--seed", type=int,
                   help="one training seed of the table (default: the mean over seeds)")
    p.set_defaults(func=run)
