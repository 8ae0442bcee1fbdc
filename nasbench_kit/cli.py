"""``nasbench-kit``: a thin command-line layer over the library.

Every command calls one library function; errors from the package's tree are
printed as one line on stderr with exit code 2.

    nasbench-kit spaces
    nasbench-kit spaces show nb201 "|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|"
    nasbench-kit tables list
    nasbench-kit tables import nb201-csv FILE --name nb201/cifar10-valid
    nasbench-kit query analognas/cifar10 "|nor_conv_3x3~0|+|..."
    nasbench-kit predict --bench nb201/cifar10-valid --predictor xgb --train-size 100 --seeds 5
    nasbench-kit search --bench analognas/cifar10 --optimizer rea --queries 300 --seeds 20 --out runs/
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence
from typing import Any

from nasbench_kit.errors import NasBenchKitError


def _parse_arch(space: Any, text: str) -> Any:
    """Parse a command-line architecture: any notation, or a bare integer (index / key)."""
    try:
        return space.parse(text)
    except NasBenchKitError:
        if text.strip().isdigit():
            return space.parse(int(text))
        raise


def _space_size(space: Any) -> str:
    try:
        return f"{len(space):,}"
    except NasBenchKitError:
        n = getattr(space, "n_architectures", None)
        return f"~{float(n):.3g}" if n else "infinite"


def _cmd_spaces(args: argparse.Namespace) -> int:
    from nasbench_kit.spaces import get_space, list_spaces

    if args.action == "show":
        if not args.space or args.arch is None:
            raise NasBenchKitError("usage: nasbench-kit spaces show SPACE ARCH")
        space = get_space(args.space)
        try:
            arch = _parse_arch(space, args.arch)
        except NasBenchKitError as exc:
            print(f"space:     {space.name}\ninput:     {args.arch}\nvalid:     no\nreason:    {exc}")
            return 1
        print(f"space:     {space.name}")
        print("valid:     yes")
        print(f"canonical: {space.to_string(arch)}")
        print(f"hash:      {arch.hash}")
        print(f"iso_hash:  {arch.iso_hash}")
        for key, value in space.notations(arch).items():
            if key in ("hash", "string"):
                continue  # printed above
            print(f"{key + ':':<10} {value}")
        return 0
    print(f"{'space':<10} {'architectures':>15}")
    for name in list_spaces():
        print(f"{name:<10} {_space_size(get_space(name)):>15}")
    return 0


def _parse_options(pairs: Sequence[str]) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise NasBenchKitError(
                f"--option {pair!r} is not KEY=VALUE; write e.g. --option dataset=cifar100"
            )
        try:
            options[key] = json.loads(value)
        except json.JSONDecodeError:
            options[key] = value
    return options


def _cmd_tables(args: argparse.Namespace) -> int:
    from nasbench_kit import tables

    if args.action == "list":
        for name in tables.list_benchmarks():
            print(name)
        return 0
    if args.action == "import":
        if not args.format or not args.path:
            raise NasBenchKitError("usage: nasbench-kit tables import FORMAT PATH [--name NAME]")
        name = tables.import_table(
            args.format, args.path, name=args.name, force_reload=args.force,
            **_parse_options(args.option),
        )
        bench = tables.load(name)
        print(f"imported {name}: {len(bench):,} architectures, metrics {', '.join(bench.metrics)}")
        return 0
    if args.action == "formats":
        for fmt in tables.list_formats():
            print(fmt)
        return 0
    raise NasBenchKitError(f"unknown tables action {args.action!r}; use list, import or formats")


def _fmt(value: float) -> str:
    return "nan" if math.isnan(value) else f"{value:.6g}"


def _cmd_query(args: argparse.Namespace) -> int:
    from nasbench_kit import tables

    bench = tables.load(args.name)
    metrics = [args.metric] if args.metric else list(bench.metrics)
    arch = _parse_arch(bench.space, args.arch)
    print(f"benchmark: {bench.name}   arch: {bench.space.to_string(arch)}")
    for metric in metrics:
        r = bench.query(arch, metric, fidelity=args.fidelity, seed=args.seed)
        print(f"{metric:<28} {_fmt(r.value):>12} {r.unit:<10} (fidelity {r.fidelity:g})")
    return 0


def _cmd_predict(args: argparse.Namespace) -> int:
    from nasbench_kit.predictors.cli_support import run_predict_cli

    df = run_predict_cli(
        args.bench, args.predictor, args.train_size, args.seeds, metric=args.metric, out=args.out
    )
    print(df.to_string(index=False))
    return 0


def _cmd_search(args: argparse.Namespace) -> int:
    from nasbench_kit.optimizers.cli_support import run_search_cli, summarize

    df = run_search_cli(
        args.bench, args.optimizer, args.queries, args.seeds, args.out,
        metric=args.metric, workers=args.workers,
    )
    summary = summarize(df)
    for key in ("final_mean", "final_ci95", "optimum", "found_optimum_fraction",
                "queries_to_optimum_median"):
        if key in summary:
            print(f"{key:<26} {summary[key]}")
    print(f"trajectories ({len(df):,} rows) and summary.json written to {args.out}/")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for tests and docs)."""
    p = argparse.ArgumentParser(prog="nasbench-kit", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("spaces", help="list search spaces, or show one architecture")
    s.add_argument("action", nargs="?", choices=["list", "show"], default="list")
    s.add_argument("space", nargs="?")
    s.add_argument("arch", nargs="?")
    s.set_defaults(func=_cmd_spaces)

    t = sub.add_parser("tables", help="list, import benchmark tables")
    t.add_argument("action", choices=["list", "import", "formats"])
    t.add_argument("format", nargs="?")
    t.add_argument("path", nargs="?")
    t.add_argument("--name")
    t.add_argument("--force", action="store_true", help="re-import even if cached")
    t.add_argument("--option", action="append", default=[], metavar="KEY=VALUE",
                   help="converter option, e.g. --option dataset=cifar100 (repeatable)")
    t.set_defaults(func=_cmd_tables)

    q = sub.add_parser("query", help="print one architecture's metrics with units")
    q.add_argument("name")
    q.add_argument("arch")
    q.add_argument("--metric")
    q.add_argument("--fidelity", type=float)
    q.add_argument("--seed", type=int)
    q.set_defaults(func=_cmd_query)

    pr = sub.add_parser("predict", help="run the predictor study protocol on one table")
    pr.add_argument("--bench", required=True)
    pr.add_argument("--predictor", default="xgb")
    pr.add_argument("--train-size", type=int, default=100)
    pr.add_argument("--seeds", type=int, default=5)
    pr.add_argument("--metric")
    pr.add_argument("--out")
    pr.set_defaults(func=_cmd_predict)

    se = sub.add_parser("search", help="run one optimizer over many seeds")
    se.add_argument("--bench", required=True)
    se.add_argument("--optimizer", default="rea")
    se.add_argument("--queries", type=int, default=300)
    se.add_argument("--seeds", type=int, default=20)
    se.add_argument("--metric")
    se.add_argument("--workers", type=int, default=2)
    se.add_argument("--out", default="search-results")
    se.set_defaults(func=_cmd_search)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``nasbench-kit`` console script."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except NasBenchKitError as exc:
        print(f"nasbench-kit: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
