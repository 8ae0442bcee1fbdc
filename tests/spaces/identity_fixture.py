"""Build ``data/identity.json``: the identities every space gave before its speed work.

The file pins, per space, ``hash``, ``iso_hash`` and the canonical string of
inputs in every notation the constructors take, so that speed work can prove
it changed no identity (``test_identity.py`` reads it). It was written by the
code as it was before the speed work (commit 4c43a90); to rewrite it on
purpose, run ``python tests/spaces/identity_fixture.py --write`` and say why
in the change log.

- ``nb201``, ``nbgraph``: a SHA-256 over every architecture of the space
  (index / key order) plus a few lines in clear;
- ``nb101``, ``darts``: seeded random specs (non-canonical vertex orders and
  pair orders, unpruned NB101 vertices, refused NB101 specs), each with the
  first 8 hex digits of its identities, and a SHA-256 over the full values;
- every space: the results of ``sample``, ``mutate`` and ``neighbors`` for
  fixed seeds (the draw streams), as short prefixes or digests. (DARTS
  ``sample`` now reads one draw as the decision vector, so its entries here
  record the old sampler and are not compared; rewriting the file would
  record the new one.)
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

from nasbench_kit.errors import OutOfDomainError
from nasbench_kit.spaces import get_space

FIXTURE = Path(__file__).resolve().parent / "data" / "identity.json"
N_NB101 = 1500
N_DARTS = 1200


def sha(lines: list[str]) -> str:
    """SHA-256 hex of the lines joined by newlines."""
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


# ---- compact input notations (decoded the same way by the builder and the test) ----
def nb101_spec(text: str) -> tuple[list[list[int]], list[str]]:
    """``"n:<upper-triangle bits row by row>|<n-2 op digits>"`` -> (matrix, ops)."""
    from nasbench_kit.spaces.nb101 import OPS

    head, ops = text.split("|")
    n_text, bits = head.split(":")
    n = int(n_text)
    matrix = [[0] * n for _ in range(n)]
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    for (i, j), b in zip(pairs, bits):
        matrix[i][j] = int(b)
    return matrix, ["input", *(OPS[int(c)] for c in ops), "output"]


def darts_cells(text: str) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    """32 digits: per cell 8 edges of (input digit, op digit into OPS), in given order."""
    from nasbench_kit.spaces.darts import OPS

    pairs = [(OPS[int(text[k + 1])], int(text[k])) for k in range(0, 32, 2)]
    return pairs[:8], pairs[8:]


def _nb101_inputs(rng: np.random.Generator) -> list[str]:
    out = []
    for _ in range(N_NB101):
        n = int(rng.choice([2, 3, 4, 5, 6, 7, 7, 7]))
        bits = "".join(str(int(b)) for b in rng.random(n * (n - 1) // 2) < rng.uniform(0.2, 0.7))
        ops = "".join(str(int(o)) for o in rng.integers(0, 3, n - 2))
        out.append(f"{n}:{bits}|{ops}")
    return out


def _darts_inputs(rng: np.random.Generator) -> list[str]:
    out = []
    for _ in range(N_DARTS):
        digits = []
        for _cell in range(2):
            for node in (2, 3, 4, 5):
                inputs = rng.permutation(node)[:2]  # distinct, in random order
                for inp in inputs:
                    digits += [str(int(inp)), str(int(rng.integers(7)))]
        out.append("".join(digits))
    return out


def _nb101(space: Any, rng: np.random.Generator) -> dict[str, Any]:
    inputs = _nb101_inputs(rng)
    short, full = [], []
    for text in inputs:
        try:
            a = space.from_spec(*nb101_spec(text))
        except OutOfDomainError:
            short.append("refused")
            continue
        short.append(a.hash[:8])
        full.append(f"{a.hash} {a.iso_hash} {a.to_string()}")
    return {"inputs": inputs, "hash8": short, "sha256": sha(full), **_moves(space, "hash")}


def _darts(space: Any, rng: np.random.Generator) -> dict[str, Any]:
    inputs = _darts_inputs(rng)
    short, full = [], []
    for text in inputs:
        normal, reduce = darts_cells(text)
        a = space.parse((normal, reduce))
        short.append(f"{a.hash[:8]} {a.iso_hash[:8]}")
        full.append(f"{a.hash} {a.iso_hash} {a.to_string()}")
    return {"inputs": inputs, "hash8_iso8": short, "sha256": sha(full), **_moves(space, "hash")}


def _moves(space: Any, attr: str) -> dict[str, Any]:
    """Seeded ``sample``/``mutate`` results (``attr``; 8 hex of a hash) and ``neighbors`` digests."""

    def key(a: Any) -> str:
        return a.hash[:8] if attr == "hash" else str(getattr(a, attr))

    samples = [space.sample(seed=s) for s in range(20)]
    mutants = [space.mutate(a, seed=s) for s, a in enumerate(samples)]
    neighbors = [sha([f"{b.hash} {b.iso_hash}" for b in space.neighbors(a)]) for a in samples[:4]]
    return {
        "sample": [key(a) for a in samples],
        "mutate": [key(a) for a in mutants],
        "neighbors_sha256": neighbors,
    }


def build() -> dict[str, Any]:
    nb201 = get_space("nb201")
    lines = []
    for i in range(nb201.n_architectures):
        a = nb201.from_index(i)
        lines.append(f"{i} {a.hash} {a.iso_hash}")
    nbgraph = get_space("nbgraph")
    glines = [f"{a.key} {a.hash} {a.iso_hash} {nbgraph.to_string(a)}" for a in nbgraph.enumerate()]
    return {
        "nb201": {"sha256": sha(lines), "first": lines[:5], **_moves(nb201, "index")},
        "nbgraph": {"sha256": sha(glines), "first": glines[:5], **_moves(nbgraph, "key")},
        "nb101": _nb101(get_space("nb101"), np.random.default_rng(101)),
        "darts": _darts(get_space("darts"), np.random.default_rng(301)),
    }


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit("usage: python tests/spaces/identity_fixture.py --write")
    FIXTURE.write_text(json.dumps(build(), indent=0, sort_keys=True) + "\n")
    print(f"wrote {FIXTURE} ({FIXTURE.stat().st_size:,} bytes)")
