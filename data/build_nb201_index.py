"""Build ``nasbench_kit/spaces/data/nb201_index.npy``: official NB201 index -> cell code.

NAS-Bench-201 numbers its 15,625 cells 0..15624 in the order its authors
generated them; that order is not a formula of the ops (index 0 is
``|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|``).
This script reads one published table that lists every ``(index, arch_str)``
pair and writes the mapping as a ``uint16`` array ``a`` of length 15,625 with
``a[index] = code``, where ``code`` is the cell's six ops (edge order
1<-0, 2<-0, 2<-1, 3<-0, 3<-1, 3<-2) read as a base-5 number, most significant
first, over the op order ``none, skip_connect, nor_conv_1x1, nor_conv_3x3,
avg_pool_3x3``.

Source of the mapping: ``data/accuracy/cifar10_avg.csv`` of the
gabro8a/NAS-Landscapes repository (MIT licence), columns ``index`` and
``arch_str``; the same pairs appear in every NB201 release (NAS-Bench-201,
Dong & Yang, ICLR 2020). The output holds only the index permutation, no
benchmark results.

Usage::

    python data/build_nb201_index.py path/to/nb201_cifar10-valid_200ep_seedavg.csv
    python data/build_nb201_index.py CSV --out nasbench_kit/spaces/data/nb201_index.npy

The script refuses input that does not list every cell exactly once.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import numpy as np

OP_NAMES = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")
N_CELLS = 5**6
DEFAULT_OUT = (
    Path(__file__).resolve().parents[1] / "nasbench_kit" / "spaces" / "data" / "nb201_index.npy"
)


def arch_str_to_code(arch_str: str) -> int:
    """Base-5 code of an NB201 arch string (sources checked, ops in edge order)."""
    ops: list[str] = []
    nodes = arch_str.strip().split("+")
    if len(nodes) != 3:
        raise ValueError(f"{arch_str!r}: expected 3 '+'-separated nodes")
    for target, node in enumerate(nodes, start=1):
        edges = node.strip("|").split("|")
        if len(edges) != target:
            raise ValueError(f"{arch_str!r}: node {target} must have {target} inputs")
        for source, edge in enumerate(edges):
            op, _, src = edge.partition("~")
            if src != str(source) or op not in OP_NAMES:
                raise ValueError(f"{arch_str!r}: bad edge {edge!r}")
            ops.append(op)
    code = 0
    for op in ops:
        code = code * 5 + OP_NAMES.index(op)
    return code


def build(csv_path: Path) -> np.ndarray:
    """Read ``index, arch_str`` columns and return the index -> code array."""
    table = np.full(N_CELLS, -1, dtype=np.int64)
    with open(csv_path, newline="") as fh:
        for row in csv.DictReader(fh):
            index = int(row["index"])
            if not 0 <= index < N_CELLS or table[index] != -1:
                raise ValueError(f"index {index} out of range or repeated in {csv_path}")
            table[index] = arch_str_to_code(row["arch_str"])
    if (table < 0).any() or len(np.unique(table)) != N_CELLS:
        raise ValueError(f"{csv_path} does not list each of the {N_CELLS} cells exactly once")
    return table.astype(np.uint16)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", type=Path, help="CSV with columns 'index' and 'arch_str'")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output .npy path")
    args = parser.parse_args(argv)
    table = build(args.csv)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.save(args.out, table, allow_pickle=False)
    print(f"wrote {args.out} ({table.size} entries, dtype {table.dtype})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
