"""The full fuzz run: every fuzz test in ``tests/fuzz/`` with many inputs.

Runs each ``tests/fuzz/test_*.py`` (the table side -- importers, store,
queries, names -- and, when present, the space parsers) in its own pytest
process with ``NBK_FUZZ_N`` cases, and writes ``benchmarks/results/fuzz.md``
(and ``fuzz.json``): cases run, failures, seconds, per file. A failure is any
exception outside ``NasBenchKitError``, a call past the time limit, or an
executed pickle payload; the run exits non-zero when there is one.

Run: ``python benchmarks/fuzz.py [--n 20000] [--seed 0] [--only tables]``
(the suite runs the same tests with a small default ``NBK_FUZZ_N``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
FUZZ_DIR = REPO / "tests" / "fuzz"


def run_one(test: Path, n: int, seed: int, call_s: float) -> dict[str, object]:
    """Run one fuzz test file; return its summary."""
    with tempfile.TemporaryDirectory(prefix="nbk-fuzz-") as tmp:
        report = Path(tmp) / "report.jsonl"
        env = dict(os.environ, NBK_FUZZ_N=str(n), NBK_FUZZ_SEED=str(seed),
                   NBK_FUZZ_CALL_S=str(call_s), NBK_FUZZ_REPORT=str(report),
                   NBK_FUZZ_KEEP=str(RESULTS / "fuzz_failures" / test.stem),
                   NASBENCH_KIT_HOME=str(Path(tmp) / "home"))  # fmt: skip
        t0 = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(test)],
            cwd=REPO, env=env, capture_output=True, text=True,
        )  # fmt: skip
        seconds = time.perf_counter() - t0
        lines = report.read_text().splitlines() if report.exists() else []
    summary = [json.loads(line) for line in lines]
    tail = (proc.stdout + proc.stderr).strip().splitlines()
    counts = re.search(r"(\d+) passed", tail[-1]) if tail else None
    failed = re.search(r"(\d+) failed", tail[-1]) if tail else None
    return {
        "file": str(test.relative_to(REPO)),
        "cases": sum(int(s["cases"]) for s in summary) if summary else n,
        "case_failures": sum(int(s["failures"]) for s in summary) if summary else None,
        "tests_passed": int(counts.group(1)) if counts else 0,
        "tests_failed": int(failed.group(1)) if failed else 0,
        "exit_code": proc.returncode,
        "seconds": round(seconds, 1),
        "by_kind": {k: v for s in summary for k, v in s.get("by_kind", {}).items()},
        "examples": [e for s in summary for e in s.get("examples", [])][:10],
        "last_lines": tail[-15:] if proc.returncode else tail[-1:],
    }


def write_results(rows: list[dict[str, object]], args: argparse.Namespace) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "fuzz.json").write_text(json.dumps(rows, indent=2) + "\n")
    lines = [
        "# Fuzz run", "",
        f"`python benchmarks/fuzz.py --n {args.n} --seed {args.seed}` on "
        f"{platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} CPUs.", "",
        "Each case either succeeds or raises a `NasBenchKitError`; a failure is any other "
        "exception, a call past the per-call time limit, or a pickle payload that ran.", "",
        "| fuzz test | cases | failures | pytest | seconds |", "|---|---:|---:|---|---:|",
    ]  # fmt: skip
    for r in rows:
        failures = r["case_failures"] if r["case_failures"] is not None else (
            "see log" if r["exit_code"] else 0)  # fmt: skip
        status = "passed" if r["exit_code"] == 0 else f"exit {r['exit_code']}"
        lines.append(f"| `{r['file']}` | {r['cases']:,} | {failures} | {status} | {r['seconds']} |")
    for r in rows:
        if r["by_kind"]:
            kinds = ", ".join(f"{k} {v:,}" for k, v in r["by_kind"].items())  # type: ignore[union-attr]
            lines += ["", f"`{r['file']}` cases by kind: {kinds}."]
    for r in rows:
        if r["exit_code"]:
            lines += ["", f"## {r['file']}: failures", "", "```", *map(str, r["last_lines"]), "```"]
    path = RESULTS / "fuzz.md"
    path.write_text("\n".join(lines) + "\n")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20000, help="cases per fuzz test (NBK_FUZZ_N)")
    parser.add_argument("--seed", type=int, default=0, help="NBK_FUZZ_SEED")
    parser.add_argument("--call-s", type=float, default=20.0, help="per-call time limit (s)")
    parser.add_argument("--only", default="", help="run only fuzz files whose name contains this")
    args = parser.parse_args(argv)
    tests = [t for t in sorted(FUZZ_DIR.glob("test_*.py")) if args.only in t.stem]
    if not tests:
        print(f"no fuzz tests matching {args.only!r} in {FUZZ_DIR}", file=sys.stderr)
        return 2
    rows = []
    for test in tests:
        print(f"fuzzing {test.name} with {args.n} cases ...", flush=True)
        rows.append(run_one(test, args.n, args.seed, args.call_s))
        print(f"  {rows[-1]['cases']} cases, failures {rows[-1]['case_failures']}, exit "
              f"{rows[-1]['exit_code']}, {rows[-1]['seconds']} s", flush=True)  # fmt: skip
    print(f"wrote {write_results(rows, args)}")
    return 0 if all(r["exit_code"] == 0 for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
