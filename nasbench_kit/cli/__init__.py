"""nasbench-kit: the command line, a thin layer over the library.

Every subcommand calls library functions and prints what they return. Errors
(the package's own, a refused command line, a file that cannot be written) are
printed as one line on stderr with exit code 2. ``nasbench-kit COMMAND --help``
describes every argument and lists the valid choices.

    nasbench-kit spaces
    nasbench-kit spaces show nb201 1
    nasbench-kit tables list
    nasbench-kit tables import nb201-csv FILE --name nb201/cifar10-valid
    nasbench-kit query analognas/cifar10 "|nor_conv_3x3~0|+|..."
    nasbench-kit predict --bench nb201/cifar10-valid --predictor xgb --train-size 100 --seeds 5
    nasbench-kit search --bench analognas/cifar10 --optimizer rea --queries 300 --seeds 20 --out runs/

Adding a subcommand: write ``nasbench_kit/cli/<name>.py`` with a module
docstring (its first line is the command's one-line help) and
``add_parser(subparsers)``, which adds the command's parser (use
``subparsers.add_parser(NAME, ...)``) and sets ``func=run`` with
``run(args) -> int`` (the exit code); then add ``"<name>"`` to
:data:`COMMANDS` below -- that one line registers it. Library code never
imports ``nasbench_kit.cli``.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Sequence

from nasbench_kit.cli._common import OneLineParser
from nasbench_kit.errors import NasBenchKitError

__all__ = ["COMMANDS", "build_parser", "main"]

#: Subcommand modules, in the order ``--help`` lists them.
COMMANDS: tuple[str, ...] = ("spaces", "tables", "query", "predict", "search", "surrogate", "proxies")


def build_parser() -> OneLineParser:
    """The argument parser with every registered subcommand (exposed for tests and docs)."""
    parser = OneLineParser(prog="nasbench-kit", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND",
                                title="commands")  # fmt: skip
    for name in COMMANDS:
        importlib.import_module(f"nasbench_kit.cli.{name}").add_parser(sub)
    return parser


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``nasbench-kit`` console script; returns the exit code."""
    try:
        args = build_parser().parse_args(argv)
        return int(args.func(args))
    except SystemExit as exc:  # --help / --version print and exit 0
        return exc.code if isinstance(exc.code, int) else 0
    except BrokenPipeError:  # output piped into e.g. `head`: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except (NasBenchKitError, OSError) as exc:
        print(f"nasbench-kit: error: {_one_line(exc)}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
