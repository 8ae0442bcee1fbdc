"""List, import and inspect benchmark tables.

    nasbench-kit tables list                  # embedded and imported tables
    nasbench-kit tables formats               # importer names
    nasbench-kit tables import nb201-csv FILE --name nb201/cifar10-valid [--option dataset=cifar100]
"""

from __future__ import annotations

import argparse
from typing import Any

from nasbench_kit.cli._common import parse_options


def run_list(args: argparse.Namespace) -> int:
    """Print every table name (embedded first-use tables and imported ones)."""
    from nasbench_kit.tables import list_benchmarks

    for name in list_benchmarks():
        print(name)
    return 0


def run_formats(args: argparse.Namespace) -> int:
    """Print every importer format name."""
    from nasbench_kit.tables import list_formats

    for fmt in list_formats():
        print(fmt)
    return 0


def run_import(args: argparse.Namespace) -> int:
    """Convert a source file into the cache and print what it holds."""
    from nasbench_kit.tables import import_table, load

    name = import_table(args.format, args.path, name=args.name, force_reload=args.force,
                        **parse_options(args.option))  # fmt: skip
    bench = load(name)
    print(f"imported {name}: {len(bench):,} architectures, metrics {', '.join(bench.metrics)}")
    return 0


def add_parser(subparsers: Any) -> None:
    """Register ``tables list``, ``tables formats`` and ``tables import``."""
    from nasbench_kit.tables import list_formats

    p = subparsers.add_parser("tables", help=__doc__.splitlines()[0], description=__doc__)
    actions = p.add_subparsers(dest="action", metavar="ACTION", title="actions", required=True)
    actions.add_parser("list", help="list embedded and imported tables",
                       description="List every table name that load() accepts.",
                       ).set_defaults(func=run_list)  # fmt: skip
    actions.add_parser("formats", help="list importer formats",
                       description="List every format name that `tables import` accepts.",
                       ).set_defaults(func=run_formats)  # fmt: skip
    imp = actions.add_parser(
        "import", help="import a source file as a table",
        description="Convert FILE (in FORMAT) into the local cache as a table that "
        "`query`, `predict`, `search` and nasbench_kit.load() can open.",
    )
    imp.add_argument("format", metavar="FORMAT", choices=list_formats(),
                     help="importer: one of %(choices)s")  # fmt: skip
    imp.add_argument("path", metavar="PATH", help="the source file (or folder, for some formats)")
    imp.add_argument("--name", help="table name to store it under (default: derived from the file)")
    imp.add_argument("--force", action="store_true",
                     help="convert again even if a table of that name is cached")  # fmt: skip
    imp.add_argument("--option", action="append", default=[], metavar="KEY=VALUE",
                     help="converter option, e.g. --option dataset=cifar100 (repeatable; "
                     "VALUE is read as JSON when it parses)")  # fmt: skip
    imp.set_defaults(func=run_import)
