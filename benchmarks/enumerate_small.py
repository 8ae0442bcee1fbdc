"""Enumerate the two small spaces and time it: NB201 cells, NB201 classes, NB-Graph.

Each figure is a cold first pass in this process (the spaces' caches are cleared
first): ``*_cells``/``nbgraph`` time ``list(space.enumerate())`` (building every
architecture value, iso ids included; for NB-Graph also finding the canonical
keys); ``nb201_iso`` times computing the 4,930 functional classes alone;
``nb201_paper_unique`` times ``iso_classes(rule="nb201")`` (6,466 classes).

    python benchmarks/enumerate_small.py

>>> result = enumerate_small_spaces()  # doctest: +SKIP
>>> result["nb201_cells"], result["nb201_iso_classes"], result["nbgraph_archs"]  # doctest: +SKIP
(15625, 4930, 26206)
"""

from __future__ import annotations

import json
import time
from typing import Any

from nasbench_kit.spaces import get_space
from nasbench_kit.spaces import nb201 as _nb201
from nasbench_kit.spaces import nbgraph as _nbgraph


def _clear_caches() -> None:
    _nb201._index_tables.cache_clear()
    _nb201._functional_class.cache_clear()
    _nbgraph._all_keys.cache_clear()


def enumerate_small_spaces() -> dict[str, Any]:
    """Counts and wall seconds for enumerating NB201 (cells and classes) and NB-Graph."""
    _clear_caches()
    nb201 = get_space("nb201")
    start = time.perf_counter()
    cells = list(nb201.enumerate())
    t_cells = time.perf_counter() - start

    # iso_hash is computed at construction (so it is inside t_cells too); time it alone here
    _nb201._functional_class.cache_clear()
    start = time.perf_counter()
    n_iso = len({_nb201._functional_class(a.code) for a in cells})
    t_iso = time.perf_counter() - start
    start = time.perf_counter()
    n_paper = len(nb201.iso_classes(rule="nb201"))
    t_paper = time.perf_counter() - start

    nbgraph = get_space("nbgraph")
    start = time.perf_counter()
    graphs = list(nbgraph.enumerate())
    t_graph = time.perf_counter() - start
    return {
        "nb201_cells": len(cells),
        "nb201_cells_seconds": round(t_cells, 4),
        "nb201_iso_classes": n_iso,
        "nb201_iso_seconds": round(t_iso, 4),
        "nb201_paper_unique": n_paper,
        "nb201_paper_unique_seconds": round(t_paper, 4),
        "nbgraph_archs": len(graphs),
        "nbgraph_seconds": round(t_graph, 4),
    }


if __name__ == "__main__":
    print(json.dumps(enumerate_small_spaces(), indent=2))
