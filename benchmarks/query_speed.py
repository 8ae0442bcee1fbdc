"""Query speed of nasbench_kit tables against a naive dict-of-dicts baseline.

The baseline stores ``{arch_string: {metric: value}}`` as JSON (the shape the
official APIs and NASLib's data files use) and answers ``data[arch][metric]``.
For each 15,625-architecture NB201 table it measures:

- open time (median over fresh processes; imports excluded, reported apart),
- resident memory added by opening (``/proc/self/statm``) vs the value array bytes,
- single-query median (microseconds) and its ratio to the baseline,
- ``query_many`` over every architecture (ms).

Tables: the embedded ``analognas/cifar10`` and, when the ``shared/data`` folder
sits beside the checkout and the ``nb201-csv`` converter exists, the NB201
``cifar10-valid`` seed-averaged CSV. Results: ``benchmarks/results/query_speed.{csv,md}``.

Run: ``python benchmarks/query_speed.py [--repeats 7] [--processes 5]``
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
RESULTS = REPO / "benchmarks" / "results"
NB201_CSV = "nb201/nb201_cifar10-valid_200ep_seedavg.csv"

_CHILD = r"""
import json, os, sys, time
t0 = time.perf_counter()
import h5py, numpy
from nasbench_kit.tables import Benchmark, load
from nasbench_kit.spaces import get_space
get_space(sys.argv[3])  # the space module is not table memory
page = os.sysconf("SC_PAGE_SIZE")
def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * page
t_import = time.perf_counter() - t0
mode, target = sys.argv[1], sys.argv[2]
before = rss()
t1 = time.perf_counter()
if mode == "ours":
    obj = Benchmark.open(target)
else:
    with open(target) as f:
        obj = json.load(f)
t_open = time.perf_counter() - t1
print(json.dumps({"import_s": t_import, "open_s": t_open, "rss_delta": rss() - before}))
"""


def _child(mode: str, target: Path, space: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, mode, str(target), space],
        capture_output=True, text=True, check=True, env=dict(os.environ),
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def _index_bytes(bench: Any) -> int:
    """Bytes of the Python row index: hash strings, notations (if distinct), dicts."""
    total = sys.getsizeof(bench.hashes) + sum(map(sys.getsizeof, bench.hashes))
    total += sys.getsizeof(bench._rows)
    if bench.notations is not bench.hashes:
        total += sys.getsizeof(bench.notations) + sum(map(sys.getsizeof, bench.notations))
        total += sys.getsizeof(bench._notation_rows)
    return total


def _per_call_us(stmt: Any, number: int, repeats: int, best: bool = False) -> float:
    """Median (or, with ``best``, minimum) over repeats of the time per call, in µs."""
    times = timeit.repeat(stmt, number=number, repeat=repeats)
    return (min(times) if best else statistics.median(times)) / number * 1e6


def measure(name: str, metric: str, repeats: int, processes: int, work: Path) -> dict[str, Any]:
    import nasbench_kit as nbk

    bench = nbk.load(name)
    archs = bench.archs()
    strings = [bench.space.to_string(a) for a in archs]
    column = bench.query_many(archs, metric)
    baseline = {s: {m: float(v) for m, v in zip(bench.metrics, row)}
                for s, row in zip(strings, bench.to_frame().to_numpy())}  # fmt: skip
    base_path = work / (name.replace("/", "__") + ".json")
    base_path.write_text(json.dumps(baseline))
    path = Path(bench.metadata["path"])

    ours = [_child("ours", path, bench.space.name) for _ in range(processes)]
    base = [_child("baseline", base_path, bench.space.name) for _ in range(processes)]

    order = np.random.default_rng(0).permutation(len(archs))[:4096].tolist()
    pick_archs = [archs[i] for i in order]
    pick_strings = [strings[i] for i in order]
    query = bench.query

    def one_ours() -> None:
        for a in pick_archs:
            query(a, metric)

    def one_ours_str() -> None:
        for s in pick_strings:
            query(s, metric)

    def base_query(arch_string: str, name: str) -> float:  # the naive API: a function call
        return baseline[arch_string][name]

    def one_base() -> None:
        for s in pick_strings:
            base_query(s, metric)

    def many_ours() -> None:
        bench.query_many(archs, metric)

    rows = bench.rows_of(archs)

    def many_rows() -> None:
        bench.query_many(None, metric, rows=rows)

    def many_base() -> None:
        np.array([baseline[s][metric] for s in strings])

    assert np.allclose(np.array([baseline[s][metric] for s in strings]), column, equal_nan=True)
    n = len(pick_archs)
    q_ours = _per_call_us(one_ours, 5, repeats) / n
    q_best = _per_call_us(one_ours, 5, repeats, best=True) / n
    q_str = _per_call_us(one_ours_str, 5, repeats) / n
    q_base = _per_call_us(one_base, 5, repeats) / n
    return {
        "table": name,
        "metric": metric,
        "n_archs": len(bench),
        "n_metrics": len(bench.metrics),
        "array_mb": bench.values.nbytes / 2**20,
        "index_mb": _index_bytes(bench) / 2**20,
        "import_ms": 1e3 * statistics.median(r["import_s"] for r in ours),
        "open_ms": 1e3 * statistics.median(r["open_s"] for r in ours),
        "open_ms_baseline": 1e3 * statistics.median(r["open_s"] for r in base),
        "rss_mb": statistics.median(r["rss_delta"] for r in ours) / 2**20,
        "rss_mb_baseline": statistics.median(r["rss_delta"] for r in base) / 2**20,
        "query_us": q_ours,
        "query_us_best": q_best,
        "query_str_us": q_str,
        "query_us_baseline": q_base,
        "query_ratio": q_ours / q_base,
        "many_ms": _per_call_us(many_ours, 5, repeats) / 1e3,
        "many_rows_ms": _per_call_us(many_rows, 20, repeats) / 1e3,
        "many_ms_baseline": _per_call_us(many_base, 5, repeats) / 1e3,
    }


def _tables() -> list[tuple[str, str]]:
    tables = [("analognas/cifar10", "test_acc")]
    csv_path = SHARED / NB201_CSV
    if not csv_path.is_file():
        print(f"note: {NB201_CSV} not found beside the checkout; measuring the embedded table only")
        return tables
    from nasbench_kit.tables.registry import import_table

    try:
        name = import_table("nb201-csv", csv_path, name="nb201/cifar10-valid-csv")
    except Exception as exc:  # converter missing or failing: skip, say why
        print(f"note: skipped the NB201 CSV table ({type(exc).__name__}: {exc})")
        return tables
    return [*tables, (name, "val_acc")]


def _write(rows: list[dict[str, Any]]) -> str:
    RESULTS.mkdir(parents=True, exist_ok=True)
    with open(RESULTS / "query_speed.csv", "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        for row in rows:
            writer.writerow({k: f"{v:.4g}" if isinstance(v, float) else v for k, v in row.items()})
    head = ("| table | archs | open ms (base) | import ms | RSS MB (base) / array MB / index MB | "
            "query µs arch median, best / str (base) | ratio | query_many ms / rows= (base) |")  # fmt: skip
    lines = [head, "|" + "---|" * 8]
    for r in rows:
        lines.append(
            f"| {r['table']} | {r['n_archs']} | {r['open_ms']:.1f} ({r['open_ms_baseline']:.1f}) "
            f"| {r['import_ms']:.0f} | {r['rss_mb']:.1f} ({r['rss_mb_baseline']:.1f}) / "
            f"{r['array_mb']:.2f} / {r['index_mb']:.2f} | {r['query_us']:.2f}, {r['query_us_best']:.2f} / "
            f"{r['query_str_us']:.2f} "
            f"({r['query_us_baseline']:.2f}) | {r['query_ratio']:.1f}x | {r['many_ms']:.2f} / "
            f"{r['many_rows_ms']:.3f} ({r['many_ms_baseline']:.2f}) |"
        )
    table = "\n".join(lines)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    md = (
        "# Query speed\n\n"
        "Baseline: dict-of-dicts from JSON, `query(s, m)` returning `data[s][m]` (a bare float;\n"
        "ours builds an EvalResult with unit, cost, fidelity, seed, provenance). Open time is the\n"
        "median over fresh processes with imports excluded (`import ms` = importing\n"
        "nasbench_kit.tables and h5py). RSS = resident memory added by opening; array MB =\n"
        "the float32 value array; index MB = the Python strings and dict mapping hash -> row.\n"
        "Single query: median per call over 4,096 random archs (`arch` = Architecture\n"
        "objects, `str` = arch strings). query_many: all archs at once.\n\n"
        f"{table}\n\n"
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}, load average at the end {load:.1f}; "
        f"{time.strftime('%Y-%m-%d')}.\n"
    )
    (RESULTS / "query_speed.md").write_text(md)
    return table


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--processes", type=int, default=5)
    parser.add_argument("--home", default=None, help="cache root (default: a fresh temp dir)")
    args = parser.parse_args(argv)
    os.environ["NASBENCH_KIT_HOME"] = args.home or tempfile.mkdtemp(prefix="nbk-speed-")
    with tempfile.TemporaryDirectory() as work:
        rows = [measure(n, m, args.repeats, args.processes, Path(work)) for n, m in _tables()]
    print(_write(rows))


if __name__ == "__main__":
    main()
