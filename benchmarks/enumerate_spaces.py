"""Count every finite search space and time it; checks the published counts.

Run:  .venv/bin/python benchmarks/enumerate_spaces.py
Writes benchmarks/results/enumerate_spaces.csv and .md.

Published counts: NB101 423,624 unique valid cells (<= 7 vertices, <= 9 edges),
NB201 15,625 cells (6,466 unique topologies in the paper), NB-Graph 26,206.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from enumerate_nb101 import enumerate_nb101  # noqa: E402
from enumerate_small import enumerate_small_spaces  # noqa: E402

PUBLISHED = {
    "nb101 unique cells": 423_624,
    "nb201 cells": 15_625,
    "nb201 classes under the NB201 paper's rule": 6_466,
    "nbgraph architectures": 26_206,
}


def main() -> None:
    rows: list[dict[str, object]] = []
    small = enumerate_small_spaces()
    small_pairs = {
        "nb201 cells": (small["nb201_cells"], small["nb201_cells_seconds"]),
        "nb201 isomorphism classes": (small["nb201_iso_classes"], small["nb201_iso_seconds"]),
        "nb201 classes under the NB201 paper's rule": (
            small["nb201_paper_unique"], small["nb201_paper_unique_seconds"]),
        "nbgraph architectures": (small["nbgraph_archs"], small["nbgraph_seconds"]),
    }
    for result in (small_pairs, enumerate_nb101()):
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
