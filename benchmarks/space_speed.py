"""Architecture construction speed: every space and notation, old code against new.

Measures CPU microseconds per call (``time.process_time``, best of the
repeats) of ``sample``, ``mutate``, ``neighbors``, ``from_string``,
``parse`` (of a string and of an architecture), ``from_decisions`` and the
per-space constructors (NB201 ``from_index``, NB-Graph ``from_key``), with and
without reading ``iso_hash`` afterwards. Each measurement runs in a child
process; with ``--baseline REF`` the same children also run the package as it
is in git revision ``REF`` (extracted with ``git archive``), interleaved with
the new ones, on the same input architectures (given as strings), so both
see the same machine load.

Every repeat uses its own slice of inputs, so caches do not turn a repeat into
pure cache hits; ``(warm)`` rows repeat the same inputs on purpose (parsing
the same strings again, as surrogate training does). ``from_index all once``
times the first call for each of the 15,625 NB201 cells in a fresh process
(what a table import does). The memory section uses ``tracemalloc``.

Writes ``<out>/space_speed.md`` and ``space_speed.json``. CPU time on a busy
machine still varies (shared caches, frequency): compare old and new of one
run, and re-run on a quiet machine before quoting absolute numbers.

Usage: ``python benchmarks/space_speed.py [--baseline 4c43a90] [--n 200]
[--repeats 3] [--rounds 2] [--out DIR]``
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = Path(__file__).resolve().parent / "results"
SPACES = ("nb201", "nb101", "darts", "nbgraph")
#: neighbors() is ~100x dearer than the rest: it gets fewer calls.
FEW = {"neighbors", "neighbors+iso"}


# ---- the child: measures one code tree ---------------------------------------------
def _per_call(fn: Callable[[Any], Any], slices: Iterable[list[Any]]) -> float:
    """Best CPU microseconds per call of ``fn`` over the slices (one slice per repeat)."""
    best = float("inf")
    for items in slices:
        gc.collect()
        start = time.process_time()
        for x in items:
            fn(x)
        best = min(best, (time.process_time() - start) / max(len(items), 1))
    return 1e6 * best


def _cold_from_index() -> float:
    from nasbench_kit.spaces import get_space

    space = get_space("nb201")
    space.from_index(0)  # loads the index file
    start = time.process_time()
    for i in range(1, space.n_architectures):
        space.from_index(i)
    return 1e6 * (time.process_time() - start) / (space.n_architectures - 1)


def _space_timings(name: str, strings: list[str], n: int, repeats: int) -> dict[str, float]:
    import numpy as np

    from nasbench_kit.spaces import get_space

    space = get_space(name)
    few = max(n // 30, 3)
    slices = [strings[r * n : (r + 1) * n] for r in range(repeats)]
    archs = [[space.parse(s) for s in sl] for sl in slices]  # built before timing
    fresh = [strings[(repeats + r) * n : (repeats + r + 1) * n] for r in range(repeats)]
    decisions = [[space.to_decisions(a) for a in sl] for sl in archs]
    rng = np.random.default_rng(0)
    iso = "iso_hash"
    out = {
        "sample": _per_call(lambda _: space.sample(rng), [range(n)] * repeats),
        "sample+iso": _per_call(lambda _: getattr(space.sample(rng), iso), [range(n)] * repeats),
        "mutate": _per_call(lambda a: space.mutate(a, rng), archs),
        "mutate+iso": _per_call(lambda a: getattr(space.mutate(a, rng), iso), archs),
        "neighbors": _per_call(space.neighbors, [sl[:few] for sl in archs]),
        "neighbors+iso": _per_call(
            lambda a: [getattr(b, iso) for b in space.neighbors(a)],
            [sl[few : 2 * few] for sl in archs],
        ),
        "from_string": _per_call(space.from_string, fresh),
        "parse(str) (warm)": _per_call(space.parse, [fresh[0]] * repeats),
        "parse(arch)": _per_call(space.parse, archs),
        "from_decisions": _per_call(space.from_decisions, decisions),
    }
    if name == "nb201":
        idx = [rng.integers(0, space.n_architectures, n).tolist() for _ in range(repeats)]
        out["from_index (warm)"] = _per_call(space.from_index, idx)
    if name == "nbgraph":
        out["from_key"] = _per_call(space.from_key, [[a.key for a in sl] for sl in archs])
    return out


def _memory() -> dict[str, float]:
    """KB per architecture kept, and what the caches hold, by tracemalloc (fresh process)."""
    import numpy as np

    from nasbench_kit.spaces import get_space

    out: dict[str, float] = {}
    tracemalloc.start()
    nb201 = get_space("nb201")
    nb201.from_index(0)  # the index file
    before = tracemalloc.get_traced_memory()[0]
    cells = [nb201.from_index(i) for i in range(nb201.n_architectures)]
    out["nb201 all 15,625 cells MB"] = (tracemalloc.get_traced_memory()[0] - before) / 2**20
    del cells
    darts = get_space("darts")
    rng = np.random.default_rng(1)
    before = tracemalloc.get_traced_memory()[0]
    kept = [darts.sample(rng) for _ in range(5000)]
    mid = tracemalloc.get_traced_memory()[0]
    for a in kept:
        _ = a.iso_hash
    after = tracemalloc.get_traced_memory()[0]
    out["darts KB/arch"] = (mid - before) / 5000 / 1024
    out["darts KB/arch after iso_hash"] = (after - before) / 5000 / 1024
    del kept
    nb101 = get_space("nb101")
    gc.collect()
    before = tracemalloc.get_traced_memory()[0]
    for _ in range(5000):
        nb101.mutate(nb101.sample(rng), rng)
    gc.collect()
    out["nb101 held after 5,000 sample+mutate MB"] = (
        tracemalloc.get_traced_memory()[0] - before
    ) / 2**20
    tracemalloc.stop()
    return out


def child(inputs: Path, n: int, repeats: int, spaces: list[str]) -> dict[str, Any]:
    """Timings of ``spaces`` (``["memory"]``: the memory section) with this process's package."""
    import nasbench_kit

    result: dict[str, Any] = {"package": str(Path(nasbench_kit.__file__).parent)}
    if spaces == ["memory"]:
        result["memory"] = _memory()
        return result
    strings = json.loads(inputs.read_text())
    if "nb201" in spaces:
        result["nb201 from_index all once (cold)"] = _cold_from_index()
    for name in spaces:
        result[name] = _space_timings(name, strings[name], n, repeats)
    return result


# ---- the parent: inputs, baseline tree, interleaved children ---------------------------
def make_inputs(path: Path, n: int, repeats: int, spaces: list[str]) -> None:
    """Canonical strings of ``2 * repeats * n`` sampled architectures per space."""
    import numpy as np

    from nasbench_kit.spaces import get_space

    rng = np.random.default_rng(2024)
    data = {}
    for name in spaces:
        space = get_space(name)
        data[name] = [space.to_string(space.sample(rng)) for _ in range(2 * repeats * n)]
    path.write_text(json.dumps(data))


def extract(ref: str, into: Path) -> Path:
    """``nasbench_kit`` as of git revision ``ref`` under ``into``."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref, "nasbench_kit"],
                             check=True, capture_output=True).stdout  # fmt: skip
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def run_child(tree: Path, inputs: Path, n: int, repeats: int, spaces: list[str]) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    cmd = [sys.executable, __file__, "--child", str(inputs), "--n", str(n), "--repeats", str(repeats),
           "--spaces", *spaces]  # fmt: skip
    out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
    return json.loads(out.splitlines()[-1])


def best_of(runs: list[dict[str, Any]], memory: dict[str, Any] | None) -> dict[str, Any]:
    """Per entry, the minimum over runs."""
    out: dict[str, Any] = {"memory": memory or {}, "package": runs[0]["package"]}
    for key, value in runs[0].items():
        if isinstance(value, float):
            out[key] = min(r[key] for r in runs)
        elif isinstance(value, dict):
            out[key] = {op: min(r[key][op] for r in runs) for op in value}
    return out


def render(new: dict[str, Any], old: dict[str, Any] | None, meta: dict[str, Any]) -> str:
    head = "| space | operation | new us/call |" + (" old us/call | old / new |" if old else "")
    rule = "|---|---|---:|" + ("---:|---:|" if old else "")
    rows = [head, rule]

    def row(space: str, op: str, value: float, before: float | None) -> None:
        line = f"| {space} | {op} | {value:,.1f} |"
        if old is not None and before is not None:
            line += f" {before:,.1f} | {before / value:,.1f}x |"
        rows.append(line)

    key = "nb201 from_index all once (cold)"
    if key in new:
        row("nb201", "from_index, all 15,625 once (fresh process)", new[key], old and old[key])
    for name in SPACES:
        for op, value in new.get(name, {}).items():
            row(name, op, value, old[name].get(op) if old else None)
    mem = ["", "| memory (tracemalloc) | new |" + (" old |" if old else ""),
           "|---|---:|" + ("---:|" if old else "")]  # fmt: skip
    for k, v in new["memory"].items():
        mem.append(f"| {k} | {v:,.2f} |" + (f" {old['memory'][k]:,.2f} |" if old else ""))
    if not new["memory"]:
        mem = []
    notes = [
        "# Architecture construction speed",
        "",
        f"Command: `python benchmarks/space_speed.py {meta['argv']}`; "
        f"{meta['rounds']} rounds x {meta['repeats']} repeats, {meta['n']} calls per repeat "
        f"(neighbors: {max(meta['n'] // 30, 3)}); CPU microseconds per call, best of all repeats.",
        f"Load average before / after: {meta['load_before']} / {meta['load_after']} "
        f"on {os.cpu_count()} CPUs; wall {meta['wall_s']:.0f} s.",
        f"Old code: git revision `{meta['baseline']}`." if old else "No baseline run.",
        "",
    ]
    return "\n".join(notes + rows + mem) + "\n"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline", default=None, help="git revision of the old code")
    ap.add_argument("--n", type=int, default=200, help="calls per repeat")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--rounds", type=int, default=2, help="child runs per tree (interleaved)")
    ap.add_argument("--spaces", nargs="+", default=list(SPACES), choices=[*SPACES, "memory"])
    ap.add_argument("--no-memory", action="store_true", help="skip the memory section")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--child", type=Path, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child is not None:
        print(json.dumps(child(args.child, args.n, args.repeats, args.spaces)))
        return
    spaces = [s for s in args.spaces if s != "memory"]
    start, load_before = time.perf_counter(), os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        inputs = Path(tmp) / "inputs.json"
        make_inputs(inputs, args.n, args.repeats, spaces)
        trees = {"new": ROOT}
        if args.baseline:
            trees["old"] = extract(args.baseline, Path(tmp))
        runs: dict[str, list[dict[str, Any]]] = {k: [] for k in trees}
        memory: dict[str, Any] = {}
        for _ in range(args.rounds):
            for label, tree in trees.items():
                runs[label].append(run_child(tree, inputs, args.n, args.repeats, spaces))
        if not args.no_memory:
            for label, tree in trees.items():
                memory[label] = run_child(tree, inputs, args.n, args.repeats, ["memory"])["memory"]
    new = best_of(runs["new"], memory.get("new"))
    old = best_of(runs["old"], memory.get("old")) if "old" in runs else None
    meta = {
        "argv": " ".join(sys.argv[1:] if argv is None else argv),
        "rounds": args.rounds, "repeats": args.repeats, "n": args.n, "baseline": args.baseline,
        "load_before": " ".join(f"{x:.1f}" for x in load_before),
        "load_after": " ".join(f"{x:.1f}" for x in os.getloadavg()),
        "wall_s": time.perf_counter() - start,
    }  # fmt: skip
    args.out.mkdir(parents=True, exist_ok=True)
    text = render(new, old, meta)
    from nasbench_kit._io import atomic_write_text

    atomic_write_text(args.out / "space_speed.md", text)
    atomic_write_text(
        args.out / "space_speed.json", json.dumps({"meta": meta, "new": new, "old": old}, indent=1)
    )
    print(text)


if __name__ == "__main__":
    main()
