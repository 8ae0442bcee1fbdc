"""Fit, query and describe surrogate benchmarks (any architecture of a table's space).

    nasbench-kit surrogate fit nb301/zc --out nb301-sur --metric val_acc
    nasbench-kit surrogate fit nbgraph/cora --out cora-sur --train-size 1000 --seed 0
    nasbench-kit surrogate query nb301-sur "Genotype(normal=[...], ...)" --seed 3
    nasbench-kit surrogate show nb301-sur
"""

from __future__ import annotations

import argparse
from typing import Any

from nasbench_kit.cli._common import fmt_value, parse_arch, positive_int


def _fit(args: argparse.Namespace) -> int:
    import numpy as np

    from nasbench_kit.errors import OutOfDomainError
    from nasbench_kit.evaluators.surrogate import fit_surrogate
    from nasbench_kit.tables import load

    bench = load(args.table)
    archs = None
    if args.train_size is not None:
        rows = np.random.default_rng(args.seed).permutation(len(bench))[: args.train_size]
        archs = [bench.archs()[i] for i in sorted(rows)]
    sur = fit_surrogate(bench, args.metric or None, archs=archs, model=args.model,
                        seed=args.seed, n_members=args.members, memorize=not args.no_memory,
                        name=args.name)  # fmt: skip
    try:
        sur.save(args.out)
    except OSError as exc:
        raise OutOfDomainError(
            f"cannot write the surrogate to {args.out!r}: {exc.strerror or exc}; pass --out a "
            "folder you can write to"
        ) from exc
    print(f"surrogate {sur.name} of {bench.name} ({sur.metadata['table']['n_rows']} archs) "
          f"written to {args.out}")  # fmt: skip
    _print_metrics(sur)
    return 0


def _print_metrics(sur: Any) -> None:
    for metric, info in sur.metadata["metrics"].items():
        print(f"  {metric:<24} {info['blend']:<32} cross-validated Kendall tau "
              f"{info['oof_kendall_tau']:.3f}  noise: {info['noise']}")  # fmt: skip


def _query(args: argparse.Namespace) -> int:
    from nasbench_kit.evaluators.surrogate import load_surrogate

    sur = load_surrogate(args.folder)
    arch = parse_arch(sur.space, args.arch)
    print(f"surrogate: {sur.name}   arch: {sur.space.to_string(arch)}")
    for metric in [args.metric] if args.metric else list(sur.metrics):
        r = sur.query(arch, metric, seed=args.seed)
        print(f"{metric:<28} {fmt_value(r.value):>12} {r.unit:<10} (fidelity {r.fidelity:g})")
    return 0


def _show(args: argparse.Namespace) -> int:
    from nasbench_kit.evaluators.surrogate import load_surrogate

    sur = load_surrogate(args.folder)
    table = sur.metadata["table"]
    print(f"surrogate {sur.name}: {sur.space.name} on {sur.dataset}, fidelity "
          f"{sur.fidelities[0]:g}, seeds {list(sur.seeds)}, cost metric {sur.cost_metric}")
    print(f"fitted on {table['name']} ({table['n_rows']} archs, sha256 {table['sha256']})")
    _print_metrics(sur)
    return 0


def add_parser(subparsers: Any) -> None:
    """Register ``surrogate`` with its ``fit``, ``query`` and ``show`` actions."""
    p = subparsers.add_parser("surrogate", help=__doc__.splitlines()[0], description=__doc__)
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    fit = actions.add_parser("fit", help="fit a surrogate of a table and save it to a folder")
    fit.add_argument("table", metavar="TABLE", help="table name (see `nasbench-kit tables list`)")
    fit.add_argument("--out", required=True, help="folder to write the surrogate to")
    fit.add_argument("--metric", action="append",
                     help="metric to fit (repeatable; default: every metric of the table)")
    fit.add_argument("--model", default="auto", choices=("auto", "xgb", "linear"),
                     help="trees and ridge blended by cross-validation (auto), or one of them")
    fit.add_argument("--train-size", type=positive_int,
                     help="fit on this many random rows of the table (default: all)")
    fit.add_argument("--members", type=int, default=5,
                     help="ensemble members = cross-validation folds (default 5, >= 2)")
    fit.add_argument("--seed", type=int, default=0, help="seed of the fit (default 0)")
    fit.add_argument("--name", help="surrogate name (default: surrogate(TABLE))")
    fit.add_argument("--no-memory", action="store_true",
                     help="do not answer isomorphs of training archs with the table's value")
    fit.set_defaults(func=_fit)
    query = actions.add_parser("query", help="print one architecture's predicted metrics")
    query.add_argument("folder", metavar="FOLDER", help="a folder written by `surrogate fit`")
    query.add_argument("arch", metavar="ARCH", help="an architecture in any notation of the space")
    query.add_argument("--metric", help="print only this metric (default: every metric)")
    query.add_argument("--seed", type=int,
                       help="a reproducible noisy draw for this seed (default: the mean)")
    query.set_defaults(func=_query)
    show = actions.add_parser("show", help="describe a saved surrogate")
    show.add_argument("folder", metavar="FOLDER", help="a folder written by `surrogate fit`")
    show.set_defaults(func=_show)
