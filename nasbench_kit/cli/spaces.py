"""List the search spaces, or show one architecture in every notation.

    nasbench-kit spaces                       # every space with its size
    nasbench-kit spaces show nb201 1          # canonical form, hashes, notations
"""

from __future__ import annotations

import argparse
from typing import Any

from nasbench_kit.cli._common import parse_arch
from nasbench_kit.errors import NasBenchKitError
from nasbench_kit.spaces import get_space, list_spaces


def _size(space: Any) -> str:
    n = int(space.n_architectures)
    return f"{n:,}" if n < 10**9 else f"~{float(n):.3g}"


def run_list(args: argparse.Namespace) -> int:
    """Print every space with its number of architectures."""
    print(f"{'space':<10} {'architectures':>15}")
    for name in list_spaces():
        print(f"{name:<10} {_size(get_space(name)):>15}")
    return 0


def run_show(args: argparse.Namespace) -> int:
    """Print one architecture's canonical form, hashes and notations (exit 1 if invalid)."""
    space = get_space(args.space)
    try:
        arch = parse_arch(space, args.arch)
    except NasBenchKitError as exc:
        print(f"space:     {space.name}\ninput:     {args.arch}\nvalid:     no\nreason:    {exc}")
        return 1
    print(f"space:     {space.name}")
    print("valid:     yes")
    print(f"canonical: {space.to_string(arch)}")
    print(f"hash:      {arch.hash}")
    print(f"iso_hash:  {arch.iso_hash}")
    for key, value in space.notations(arch).items():
        if key not in ("hash", "string"):  # printed above
            print(f"{key + ':':<10} {value}")
    return 0


def add_parser(subparsers: Any) -> None:
    """Register ``spaces`` (default action: list) and ``spaces show``."""
    p = subparsers.add_parser("spaces", help=__doc__.splitlines()[0], description=__doc__)
    p.set_defaults(func=run_list)
    actions = p.add_subparsers(dest="action", metavar="ACTION", title="actions")
    ls = actions.add_parser("list", help="list every space with its size (the default)",
                            description="List every search space with its number of architectures.")  # fmt: skip
    ls.set_defaults(func=run_list)
    show = actions.add_parser(
        "show", help="show one architecture: validity, canonical form, hashes, notations",
        description="Parse ARCH in SPACE and print its canonical form, hash, isomorphism-class "
        "hash and every notation (exit 1 and the reason when it is not valid).",
    )
    show.add_argument("space", metavar="SPACE", choices=list_spaces(),
                      help="search space: one of %(choices)s")  # fmt: skip
    show.add_argument("arch", metavar="ARCH",
                      help="an architecture in any notation of SPACE, or its integer index")
    show.set_defaults(func=run_show)
