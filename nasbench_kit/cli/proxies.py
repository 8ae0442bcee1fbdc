"""Compute zero-cost proxies on built networks and cache them as a table.

``compute`` samples N distinct random architectures (with --sample-seed),
scores the ones the cached table lacks, and adds them to it; the table
(``proxies/<space>-<dataset>/<proxies>/s<seed>-b<batch>``) joins with accuracy
tables and feeds predictors. Data-dependent proxies need --dataset.
``list`` prints the registered proxies.

    nasbench-kit proxies list
    nasbench-kit proxies compute --space nb201 --proxies synflow,params --n 1000
    nasbench-kit proxies compute --space nb201 --proxies synflow,nwot --n 1000 --dataset fashion-mnist
    nasbench-kit proxies compute --space nb201 --proxies all --n 100 --dataset fashion-mnist \
        --input-shape 3,32,32 --option num_classes=10
"""

from __future__ import annotations

import argparse
from typing import Any

from nasbench_kit.cli._common import HELP_FORMAT, parse_options, positive_int
from nasbench_kit.errors import OutOfDomainError


def _list(args: argparse.Namespace) -> int:
    from nasbench_kit.proxies import PROXIES

    print(f"{'name':<10} {'kind':<9} {'data':<5} {'higher':<6} {'unit':<7} summary")
    for name, p in PROXIES.items():
        data = "no" if p.data_free else "yes"
        print(f"{name:<10} {p.kind:<9} {data:<5} {str(p.higher_is_better):<6} {p.unit:<7} "
              f"{p.summary}")  # fmt: skip
    return 0


def _sample(space: Any, n: int, seed: int) -> list[Any]:
    from nasbench_kit._rng import as_rng

    rng = as_rng(seed)
    total = getattr(space, "n_architectures", None)
    n = min(n, int(total)) if isinstance(total, int) else n
    seen: dict[str, Any] = {}
    for _ in range(50 * n):
        if len(seen) >= n:
            break
        a = space.sample(rng)
        seen.setdefault(a.hash, a)
    return list(seen.values())


def _shape(text: str | None) -> tuple[int, ...] | None:
    if text is None:
        return None
    try:
        shape = tuple(int(v) for v in text.split(","))
    except ValueError:
        shape = ()
    if len(shape) != 3 or min(shape) < 1:
        raise OutOfDomainError(
            f"--input-shape {text!r} must be three positive ints C,H,W (e.g. 3,32,32)"
        )
    return shape


def _compute(args: argparse.Namespace) -> int:
    from nasbench_kit.proxies import proxy_table
    from nasbench_kit.spaces import get_space

    space = get_space(args.space)
    archs = _sample(space, args.n, args.sample_seed)
    table = proxy_table(archs, args.proxies, space=space, dataset=args.dataset,
                        batch_size=args.batch_size, seed=args.seed, num_threads=args.threads,
                        input_shape=_shape(args.input_shape),
                        progress=None, **parse_options(args.option))  # fmt: skip
    print(f"table: {table.name}   rows: {len(table)}")
    held = set(table.hashes)
    rows = [table.row_of(a) for a in archs if a.hash in held]
    for m in table.metrics:
        if m.startswith("seconds_"):
            continue
        col = table.values[rows, 0, 0, table.metrics.index(m)]
        secs = table.values[rows, 0, 0, table.metrics.index(f"seconds_{m}")]
        print(f"{m:<10} mean {col.mean():>12.6g}   seconds/arch {secs.mean():.4f}")
    return 0


def add_parser(subparsers: Any) -> None:
    """Register ``proxies`` (``list`` and ``compute``)."""
    p = subparsers.add_parser("proxies", help=__doc__.splitlines()[0], description=__doc__,
                              formatter_class=HELP_FORMAT)  # fmt: skip
    sub = p.add_subparsers(dest="proxies_command", required=True, metavar="ACTION")
    lp = sub.add_parser("list", help="print the registered proxies")
    lp.set_defaults(func=_list)
    cp = sub.add_parser("compute", help="score N random architectures into the cached table",
                        formatter_class=HELP_FORMAT)  # fmt: skip
    cp.add_argument("--space", required=True, help="nb201, nb101 or darts")
    cp.add_argument(
        "--proxies",
        required=True,
        help="comma-separated names (see `nasbench-kit proxies list`) or 'all'",
    )
    cp.add_argument("--n", type=positive_int, default=100, help="random architectures to score")
    cp.add_argument("--dataset", help="dataset for data-dependent proxies (e.g. fashion-mnist)")
    cp.add_argument("--batch-size", type=positive_int, default=32,
                    help="training images per batch for data-dependent proxies")  # fmt: skip
    cp.add_argument(
        "--input-shape",
        metavar="C,H,W",
        help="network input (e.g. 3,32,32 for the CIFAR-10 network); the batch is fitted to it",
    )
    cp.add_argument("--seed", type=int, default=0, help="batch draw and weight init seed")
    cp.add_argument("--sample-seed", type=int, default=0, help="seed of the architecture sample")
    cp.add_argument("--threads", type=positive_int, default=1, help="torch intra-op threads")
    cp.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="network keyword for build_model (JSON values), e.g. C=16",
    )
    cp.set_defaults(func=_compute)
