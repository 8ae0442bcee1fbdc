"""Count the NAS-Bench-101 space (423,624 unique cells) fast, and cross-check it with MD5.

Run:  .venv/bin/python benchmarks/enumerate_nb101.py [--workers 2] [--md5-all]

The published count is the number of distinct official module hashes over all
labelled cells with <= 7 vertices and <= 9 edges in which every vertex lies on
an input -> output path. Hashing all ~1.3M labelled DAGs with MD5 in Python is
slow, so the count is made in three vectorised steps:

1. **Structures.** Per vertex count n, every edge bitmask is filtered with bit
   operations: at most 9 edges, every non-output vertex has an out-edge and
   every non-input vertex an in-edge (exactly the pruning-invariant cells).
2. **Exact isomorphism classes.** Each structure is coded under all (n-2)!
   permutations of its internal vertices; the minimum code names its class and
   the permutations fixing the code are its automorphisms. Labellings of one
   representative are reduced to one per automorphism orbit. This yields one
   representative per isomorphism class of labelled cells (I classes).
3. **WL = MD5 partition.** The official hash is a Weisfeiler-Lehman refinement:
   colour (out-degree, in-degree, label), then n rounds of (sorted in-colours,
   sorted out-colours, own colour), fingerprint = sorted colours, each step
   through MD5. ``_graph.wl_fingerprints`` runs the same refinement, the same n
   rounds, with MD5 replaced by exact interning (equal inputs <-> equal ids,
   checked row by row). Both encodings are injective on what they hash (MD5 up
   to collisions; the joined 32-hex strings and ``str(sorted(...))`` are
   unambiguous), so two cells get equal MD5 hashes iff equal integer
   fingerprints. Isomorphic cells always get equal fingerprints, hence
   #hashes <= I; the step counts distinct fingerprints W over the
   representatives, and W == I proves the hash separates every class, i.e. the
   number of distinct official hashes is exactly I. The work is split over
   processes by (n, label multiset): the final fingerprint determines the
   round-0 colour multiset, so cells in different parts never collide.

Cross-checks against the real MD5 hash: a random subset of representatives
must have distinct MD5 hashes and a randomly relabelled copy of each must hash
the same; ``--md5-all`` hashes every representative (about a minute on 2 cores).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nasbench_kit.spaces import _graph as G  # noqa: E402
from nasbench_kit.spaces.nb101 import MAX_EDGES, MAX_VERTICES, OPS  # noqa: E402

PUBLISHED = 423_624


def _parts(matrices: np.ndarray, labels: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Split one vertex count by label multiset; full labels include input -1 and output -2."""
    g = len(matrices)
    full = np.concatenate([np.full((g, 1), -1), labels, np.full((g, 1), -2)], axis=1)
    counts = np.stack([(labels == k).sum(1) for k in range(len(OPS))], axis=1)
    _, part = np.unique(counts, axis=0, return_inverse=True)
    for p in np.unique(part):
        sel = part.reshape(-1) == p
        yield matrices[sel], full[sel]


def _md5_of(matrices: np.ndarray, labels: np.ndarray) -> list[str]:
    return [G.module_hash(m, [-1, *lab.tolist(), -2]) for m, lab in zip(matrices, labels)]


def _relabelled(
    m: np.ndarray, lab: list[int], rng: np.random.Generator
) -> tuple[np.ndarray, list[int]]:
    perm = rng.permutation(len(lab))
    return m[np.ix_(perm, perm)], [lab[v] for v in perm]


def enumerate_nb101(
    workers: int = 2, md5_sample: int = 3000, md5_all: bool = False, seed: int = 0
) -> dict[str, tuple[int, float]]:
    """Count the NB101 space; returns ``{quantity: (count, seconds)}`` (see module docs)."""
    t0 = time.perf_counter()
    reps: list[tuple[np.ndarray, np.ndarray]] = []
    n_dags = n_labelled = n_struct = 0
    for n in range(2, MAX_VERTICES + 1):
        dags = G.full_dags(n, MAX_EDGES)
        struct, autos = G.structure_classes(dags)
        orbits = G.labelling_orbits(n, autos, len(OPS))
        matrices = np.repeat(struct, [len(o) for o in orbits], axis=0)
        reps.append((matrices, np.concatenate(orbits).reshape(len(matrices), n - 2)))
        n_dags += len(dags)
        n_struct += len(struct)
        n_labelled += len(dags) * len(OPS) ** (n - 2)
    n_iso = sum(len(m) for m, _ in reps)
    t_iso = time.perf_counter() - t0

    t1 = time.perf_counter()
    tasks = [part for m, lab in reps for part in _parts(m, lab)]
    tasks.sort(key=lambda t: -len(t[0]))  # biggest first balances the pool
    if workers > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            fps = list(pool.map(G.wl_fingerprints, *zip(*tasks)))
    else:
        fps = [G.wl_fingerprints(m, lab) for m, lab in tasks]
    n_wl = sum(len(np.unique(f)) for f in fps)
    t_wl = time.perf_counter() - t1
    if n_wl != n_iso:
        raise RuntimeError(f"WL separates {n_wl} of {n_iso} isomorphism classes")

    t2 = time.perf_counter()
    rng = np.random.default_rng(seed)
    flat = [(m, lab) for ms, labs in reps for m, lab in zip(ms, labs)]
    pick = rng.choice(len(flat), size=min(md5_sample, len(flat)), replace=False)
    hashes = {}
    for i in pick:
        m, lab = flat[int(i)]
        full = [-1, *lab.tolist(), -2]
        h = G.module_hash(m, full)
        hashes[h] = i
        if G.module_hash(*_relabelled(m, full, rng)) != h:
            raise RuntimeError(f"MD5 hash of representative {i} changed under relabelling")
    if len(hashes) != len(pick):
        raise RuntimeError("two sampled isomorphism classes share an MD5 hash")
    t_md5 = time.perf_counter() - t2

    out = {
        "nb101 unlabelled full DAGs (<= 9 edges)": (n_dags, t_iso),
        "nb101 labelled full DAGs (before dedup)": (n_labelled, t_iso),
        "nb101 structure classes": (n_struct, t_iso),
        "nb101 isomorphism classes (exact)": (n_iso, t_iso),
        "nb101 WL fingerprint classes (integer refinement step)": (n_wl, t_wl),
        "nb101 unique cells": (n_wl, time.perf_counter() - t0 - t_md5),
        f"nb101 MD5 cross-check (sample of {len(pick)} classes + relabelled copies)": (
            len(hashes),
            t_md5,
        ),
    }
    if md5_all:
        t3 = time.perf_counter()
        chunks = [
            (m, lab)
            for ms, labs in reps
            for m, lab in zip(np.array_split(ms, 8), np.array_split(labs, 8))
        ]
        with ProcessPoolExecutor(max_workers=max(workers, 1)) as pool:
            all_hashes = {h for hs in pool.map(_md5_of, *zip(*chunks)) for h in hs}
        out["nb101 distinct official MD5 hashes (all classes)"] = (
            len(all_hashes),
            time.perf_counter() - t3,
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--md5-sample", type=int, default=3000)
    parser.add_argument("--md5-all", action="store_true")
    args = parser.parse_args()
    result = enumerate_nb101(args.workers, args.md5_sample, args.md5_all)
    for name, (count, seconds) in result.items():
        print(f"{name:75s} {count:>10,d}  {seconds:7.2f} s")
    ok = result["nb101 unique cells"][0] == PUBLISHED
    print(f"published {PUBLISHED:,}: {'match' if ok else 'MISMATCH'}")
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
