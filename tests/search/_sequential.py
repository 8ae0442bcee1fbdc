"""The sequential search loop as it was before simulated workers: the workers=1 oracle.

Kept verbatim (plus the ``worker`` column) so that ``run_search(..., workers=1)``
can be checked against it row for row.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from nasbench_kit._rng import as_rng
from nasbench_kit.search.loop import _ask, _evaluate
from nasbench_kit.search.spec import RunSpec
from nasbench_kit.search.trajectory import Trajectory
from nasbench_kit.tables.clock import SimulatedClock


def sequential(optimizer: Any, ev: Any, spec: RunSpec) -> pd.DataFrame:
    """One query at a time: ask, evaluate, advance the clock, record, tell."""
    optimizer.prepare(fidelities=spec.fidelities, n_objectives=len(spec.metrics))
    train_seeds = tuple(ev.seeds)
    seed_rng = as_rng(spec.seed) if spec.seed is not None and train_seeds else None
    signs = [1.0 if f else -1.0 for f in spec.maximize]
    traj = Trajectory(spec.metrics, spec.maximize, spec.target, spec.optimum, spec.hv_ref)
    clock = SimulatedClock()
    told_cache: dict[tuple[str, float], Any] = {}
    paid: dict[str, tuple[float, float]] = {}
    limit = math.inf if spec.max_queries is None else spec.max_queries
    free, stopped = 0, "max_queries"
    while len(traj) < limit:
        arch, fid = _ask(optimizer, spec, ev)
        key = (arch.iso_hash, fid) if spec.dedupe_isomorphic else None
        if key is not None and key in told_cache:
            free += 1
            if free > spec.max_free_asks:
                stopped = "exhausted"
                break
            optimizer.tell(arch, told_cache[key])
            continue
        free = 0
        tseed = train_seeds[int(seed_rng.integers(len(train_seeds)))] if seed_rng else None
        values, cost, provenance = _evaluate(ev, arch, fid, tseed, spec)
        cost_s = 0.0 if cost != cost else cost
        charge = cost_s
        prev = paid.get(arch.hash) if spec.resume else None
        if prev is not None and prev[0] < fid:
            charge = max(charge - prev[1], 0.0)
        if spec.max_seconds is not None and clock.now + charge > spec.max_seconds:
            stopped = "max_seconds"
            break
        clock.advance(charge)
        if spec.resume and values[0] == values[0] and (prev is None or prev[0] < fid):
            paid[arch.hash] = (fid, cost_s)
        traj.record(values, time=clock.now, arch=arch, cost=cost, fidelity=fid,
                    provenance=provenance, worker=0)  # fmt: skip
        told = values[0] * signs[0] if len(values) == 1 else tuple(
            v * s for v, s in zip(values, signs))  # fmt: skip
        optimizer.tell(arch, told)
        if key is not None:
            told_cache[key] = told
    return traj.frame(stopped=stopped, bench=ev.name)
