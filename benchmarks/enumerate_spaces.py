"""Count every finite search space and time it; checks the published counts.

Run:  .venv/bin/python benchmarks/enumerate_spaces.py [--nb101-values]
Writes benchmarks/results/enumerate_spaces.csv and .md.

``--nb101-values`` also times ``get_space("nb101").enumerate(progress=True)``,
which builds every one of the 423,624 architecture values (canonical order and
official hash of each); the fast count above does not build them. DARTS is
counted, not enumerated: its row is ``space.n_architectures`` (a formula).

Published counts: NB101 423,624 unique valid cells (<= 7 vertices, <= 9 edges),
NB201 15,625 cells (6,466 unique topologies in the paper), NB-Graph 26,206.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from enumerate_nb101 import enumerate_nb101  # noqa: E402
from enumerate_small import enumerate_small_spaces  # noqa: E402

from nasbench_kit.spaces import get_space  # noqa: E402

PUBLISHED = {
    "nb101 unique cells": 423_624,
    "nb201 cells": 15_625,
    "nb201 classes under the NB201 paper's rule": 6_466,
    "nbgraph architectures": 26_206,
    "nb101 architecture values (space.enumerate())": 423_624,
}


def _nb101_values() -> dict[str, tuple[int, float]]:
    start = time.perf_counter()
    count = sum(1 for _ in get_space("nb101").enumerate(progress=True))
    return {"nb101 architecture values (space.enumerate())": (count, time.perf_counter() - start)}


def _darts_count() -> dict[str, tuple[int, float]]:
    start = time.perf_counter()
    count = get_space("darts").n_architectures
    return {"darts architectures (n_architectures, not enumerated)": (count, time.perf_counter() - start)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nb101-values", action="store_true",
                        help="also time building every NB101 architecture value (1-2 minutes)")
    args = parser.parse_args()
    rows: list[dict[str, object]] = []
    small = enumerate_small_spaces()
    small_pairs = {
        "nb201 cells": (small["nb201_cells"], small["nb201_cells_seconds"]),
        "nb201 isomorphism classes": (small["nb201_iso_classes"], small["nb201_iso_seconds"]),
        "nb201 classes under the NB201 paper's rule": (
            small["nb201_paper_unique"], small["nb201_paper_unique_seconds"]),
        "nbgraph architectures": (small["nbgraph_archs"], small["nbgraph_seconds"]),
    }
    results = [small_pairs, enumerate_nb101(), _darts_count()]
    if args.nb101_values:
        results.append(_nb101_values())
    for result in results:
        for item, (count, seconds) in result.items():
            rows.append({
                "quantity": item,
                "count": count,
                "published": PUBLISHED.get(item, ""),
                "seconds": round(float(seconds), 2),
            })
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    with open(out / "enumerate_spaces.csv", "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    lines = ["| quantity | count | published | seconds |", "|---|---:|---:|---:|"]
    for r in rows:
        pub = f"{r['published']:,}" if r["published"] != "" else ""
        lines.append(f"| {r['quantity']} | {r['count']:,} | {pub} | {r['seconds']} |")
    (out / "enumerate_spaces.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
