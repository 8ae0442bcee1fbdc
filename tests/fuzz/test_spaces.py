"""Fuzz every space's parsers: each call returns a valid architecture or raises ours.

A seeded fuzzer mutates valid notations of every space (strings: inserted,
deleted and replaced characters, unicode digits, 5,000-digit numbers; NB101
matrices: wrong shapes, values 2/-1/NaN, cycles, ragged rows; tuples, dicts,
NumPy arrays, deeply nested lists, huge ints, NaN/inf/bool/bytes/None) and
feeds each input to every parser and converter of the space. Every call must
either return a valid architecture (one that round-trips through its string
notation and its decision vector) or raise a ``NasBenchKitError``; any other
exception, or a call running past the per-call time limit, is a failure.

Environment: ``NBK_FUZZ_N`` inputs (default 2,000: about 10 s on one core, plus importing torch),
``NBK_FUZZ_SEED`` (default 0), ``NBK_FUZZ_CALL_S`` per-call time limit
(default 5 s), ``NBK_FUZZ_REPORT`` (a file to append a JSON summary line to). The full run (tens of thousands of inputs) sets a large
``NBK_FUZZ_N``::

    NBK_FUZZ_N=50000 python -m pytest -q tests/fuzz/test_spaces.py
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

from nasbench_kit.errors import NasBenchKitError
from nasbench_kit.spaces import Architecture, SearchSpace, get_space, list_spaces
from nasbench_kit.spaces._checks import show

N_INPUTS = int(os.environ.get("NBK_FUZZ_N", "2000"))
SEED = int(os.environ.get("NBK_FUZZ_SEED", "0"))
CALL_LIMIT_S = float(os.environ.get("NBK_FUZZ_CALL_S", "5"))
MAX_REPORTED = 20

_CHARS = list("0123456789,|~+-()[]{}'\" _:.#\\") + [
    "²", "٣", "߁", "Ⅻ", "½", "🙂", "\x00", "\n", "\u200b", "é", "Ｇ", "ǅ",
]  # fmt: skip


class CallTimeout(BaseException):
    """Raised by the alarm inside a call that ran too long (not an Exception: never caught)."""


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Interrupt the block after ``seconds`` (main thread on POSIX; elsewhere only timed)."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(
        signal, "setitimer"
    ):
        yield
        return

    def _alarm(signum: int, frame: Any) -> None:
        raise CallTimeout(f"call ran past {seconds} s")

    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# ---- inputs ---------------------------------------------------------------------
def deep_list(depth: int) -> list[Any]:
    root: list[Any] = []
    node = root
    for _ in range(depth):
        child: list[Any] = []
        node.append(child)
        node = child
    return root


def junk(rng: np.random.Generator) -> Any:
    """One hostile value."""
    options: list[Callable[[], Any]] = [
        lambda: None, lambda: True, lambda: False, lambda: float("nan"), lambda: float("inf"),
        lambda: -float("inf"), lambda: 10**5000, lambda: -(10**40), lambda: -1, lambda: 2**63,
        lambda: 1.5, lambda: complex(1, 1), lambda: b"\x00\xff", lambda: "", lambda: "²",
        lambda: "9" * 5000, lambda: "٣", lambda: object(), lambda: [], lambda: (), lambda: {},
        lambda: {1, 2}, lambda: deep_list(int(rng.integers(50, 5000))), lambda: np.array(3),
        lambda: np.array([]), lambda: np.zeros((2, 3)), lambda: np.array(["a", "b"]),
        lambda: np.array([np.nan]), lambda: np.uint64(2**64 - 1), lambda: np.int8(-1),
        lambda: np.float32(1.0), lambda: range(6), lambda: np.bool_(True), lambda: Ellipsis,
    ]  # fmt: skip
    return options[int(rng.integers(len(options)))]()


def mutate_str(s: str, rng: np.random.Generator) -> str:
    kind = int(rng.integers(8))
    pos = int(rng.integers(len(s) + 1))
    if kind == 0:  # insert a character
        return s[:pos] + _CHARS[int(rng.integers(len(_CHARS)))] + s[pos:]
    if kind == 1 and s:  # delete a slice
        return s[:pos] + s[pos + int(rng.integers(1, 4)) :]
    if kind == 2 and s:  # replace a character
        return s[:pos] + _CHARS[int(rng.integers(len(_CHARS)))] + s[pos + 1 :]
    if kind == 3:  # a huge number
        return s[:pos] + "1" * int(rng.choice([20, 400, 4400, 5000])) + s[pos:]
    if kind == 4:  # replace a digit by a unicode digit
        digits = [i for i, c in enumerate(s) if c.isdigit()]
        if digits:
            i = digits[int(rng.integers(len(digits)))]
            return s[:i] + str(rng.choice(["²", "٣", "߁", "𝟙", "０"])) + s[i + 1 :]
    if kind == 5:  # duplicate a slice
        end = min(len(s), pos + int(rng.integers(1, 40)))
        return s[:end] + s[pos:end] + s[end:]
    if kind == 6:
        return s[: int(rng.integers(len(s) + 1))]
    return s.swapcase() if rng.random() < 0.5 else " " + s + "\t"


def mutate_array(a: np.ndarray, rng: np.random.Generator) -> Any:
    kind = int(rng.integers(9))
    if kind == 0 and a.size:
        flat = a.astype(np.float64).ravel()
        flat[int(rng.integers(flat.size))] = rng.choice([2, -1, np.nan, np.inf, 0.5])
        return flat.reshape(a.shape)
    if kind == 1:
        return a.T  # below the diagonal: not upper-triangular (cycles)
    if kind == 2:
        return a.ravel()
    if kind == 3:
        return a[..., :-1] if a.ndim else a
    if kind == 4:
        return np.pad(a, 1) if a.ndim else a
    if kind == 5:
        return a.astype(rng.choice([np.int8, np.uint8, np.float16, np.bool_, np.complex64, object]))
    if kind == 6:
        return a.astype(str)
    if kind == 7:
        return a.reshape(1, *a.shape)
    rows = a.tolist() if a.ndim >= 1 else [a.tolist()]
    if rows:  # ragged
        rows[int(rng.integers(len(rows)))] = [1]
    return rows


def mutate(x: Any, rng: np.random.Generator, depth: int = 0) -> Any:
    """``x`` with one random edit, recursing into containers (junk when an edit fails)."""
    try:
        return _mutate(x, rng, depth)
    except Exception:  # noqa: BLE001 - e.g. casting a ragged or deeply nested array
        return junk(rng)


def _mutate(x: Any, rng: np.random.Generator, depth: int) -> Any:
    if rng.random() < 0.06:
        return junk(rng)
    if isinstance(x, str):
        return mutate_str(x, rng)
    if isinstance(x, bool) or x is None:
        return junk(rng)
    if isinstance(x, (int, np.integer)):
        return int(rng.choice([-1, 0, 1, 7, 15624, 15625, 26206, 90000, 2**31, 2**64])) + int(
            x
        ) * int(rng.integers(0, 2))
    if isinstance(x, float):
        return junk(rng)
    if isinstance(x, np.ndarray):
        return mutate_array(x, rng)
    if isinstance(x, dict):
        d = dict(x)
        if d and rng.random() < 0.5:
            key = list(d)[int(rng.integers(len(d)))]
            if rng.random() < 0.3:
                del d[key]
            else:
                d[key] = mutate(d[key], rng, depth + 1)
        else:
            name = str(
                rng.choice(
                    [
                        "matrix",
                        "ops",
                        "links",
                        "link",
                        "module_adjacency",
                        "NetworkSelectorDatasetInfo:network",
                    ]
                )
            )
            d[name if rng.random() < 0.7 else mutate_str(name, rng)] = junk(rng)
        if rng.random() < 0.2:  # a ConfigSpace-style key with a huge or unicode number
            d[
                "NetworkSelectorDatasetInfo:darts:edge_normal_"
                + str(rng.choice(["1" * 5000, "²", "14", "-1"]))
            ] = "skip_connect"
        return d
    if hasattr(x, "_fields"):  # a NamedTuple (DARTS Genotype)
        field = x._fields[int(rng.integers(len(x._fields)))]
        return x._replace(**{field: mutate(getattr(x, field), rng, depth + 1)})
    if isinstance(x, (list, tuple)):
        items = list(x)
        kind = int(rng.integers(6))
        if kind <= 2 and items and depth < 4:
            i = int(rng.integers(len(items)))
            items[i] = mutate(items[i], rng, depth + 1)
        elif kind == 3:
            if items and rng.random() < 0.5:
                del items[int(rng.integers(len(items)))]
            else:
                items.insert(int(rng.integers(len(items) + 1)), junk(rng))
        elif kind == 4:
            arr = np.empty(len(items), dtype=object)
            arr[:] = items
            try:
                return np.array(items)
            except (ValueError, TypeError):
                return arr
        else:
            return [items] if rng.random() < 0.5 else tuple(items)
        return type(x)(items) if isinstance(x, tuple) else items
    return junk(rng)


def corpus(space: SearchSpace, n: int = 12) -> list[Any]:
    """Valid inputs of ``space``: every notation of a few architectures, and more."""
    out: list[Any] = []
    for seed in range(n):
        arch = space.sample(seed)
        out += [
            v for k, v in space.notations(arch).items() if k not in ("num_vertices", "num_edges")
        ]
        out.append(space.to_decisions(arch))
        out.append(list(space.to_decisions(arch)))
        if space.name == "nb101":
            out += [np.array(arch.matrix), (np.array(arch.matrix), list(arch.ops))]  # type: ignore[attr-defined]
    return out


# ---- calls ----------------------------------------------------------------------
def _pair(x: Any) -> tuple[Any, Any]:
    if isinstance(x, (list, tuple)) and len(x) == 2:
        return x[0], x[1]
    return x, ["input", "conv3x3-bn-relu", "output"]


def calls(space: SearchSpace) -> dict[str, Callable[[Any], Any]]:
    """Each parser and converter of ``space`` as a one-argument call."""
    table: dict[str, Callable[[Any], Any]] = {
        "parse": space.parse,
        "from_string": space.from_string,
        "from_decisions": space.from_decisions,
        "to_graph": space.to_graph,
        "to_decisions": space.to_decisions,
        "to_onehot": space.to_onehot,
    }
    for name in (
        "from_naslib",
        "from_index",
        "from_key",
        "from_ops",
        "from_genotype",
        "from_configspace",
    ):
        if hasattr(space, name):
            table[name] = getattr(space, name)
    if hasattr(space, "from_spec"):
        table["from_spec"] = lambda x: space.from_spec(*_pair(x))  # type: ignore[attr-defined]
    return table


def check_result(space: SearchSpace, method: str, out: Any) -> str | None:
    """None when ``out`` is what ``method`` must return, else what is wrong."""
    if method == "to_graph":
        return None if hasattr(out, "edge_index") and hasattr(out, "x") else f"returned {show(out)}"
    if method == "to_decisions":
        return None if space.from_decisions(out) is not None else "no arch"
    if method == "to_onehot":
        return None if out.shape == (space.onehot_size,) else f"shape {out.shape}"
    if not isinstance(out, space.arch_type) or not isinstance(out, Architecture):
        return f"returned {show(out)}, not a {space.arch_type.__name__}"
    if space.parse(out.to_string()) != out:
        return f"{show(out)} does not round-trip through its string"
    if space.from_decisions(space.to_decisions(out)) != out:
        return f"{show(out)} does not round-trip through its decision vector"
    return None


def run_fuzz(n_inputs: int, seed: int, call_limit_s: float) -> tuple[list[str], dict[str, int]]:
    """Fuzz every space with ``n_inputs`` inputs in all; returns failures and counts.

    Warnings (NumPy casting hostile values) are silenced: they are not failures.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _run_fuzz(n_inputs, seed, call_limit_s)


def _run_fuzz(n_inputs: int, seed: int, call_limit_s: float) -> tuple[list[str], dict[str, int]]:
    rng = np.random.default_rng(seed)
    spaces = [get_space(name) for name in list_spaces()]
    seeds = {sp.name: corpus(sp) for sp in spaces}
    tables = {sp.name: calls(sp) for sp in spaces}
    for sp in spaces:  # import torch and build caches outside the time limit
        sp.to_graph(sp.sample(0))
    failures: list[str] = []
    stats = {"inputs": 0, "calls": 0, "valid": 0, "refused": 0, "failures": 0}
    for case in range(n_inputs):
        space = spaces[case % len(spaces)]
        pool = seeds[space.name]
        x = pool[int(rng.integers(len(pool)))]
        for _ in range(int(rng.integers(1, 4))):
            x = mutate(x, rng)
        stats["inputs"] += 1
        for method, call in tables[space.name].items():
            stats["calls"] += 1
            start = time.perf_counter()
            try:
                with time_limit(call_limit_s):
                    out = call(x)
                    problem = check_result(space, method, out)
            except NasBenchKitError:
                stats["refused"] += 1
                continue
            except (Exception, CallTimeout) as err:  # noqa: BLE001 - what the fuzzer hunts
                problem = f"raised {type(err).__name__}: {str(err)[:200]}"
            else:
                stats["valid"] += problem is None
            elapsed = time.perf_counter() - start
            if problem is None and elapsed > call_limit_s:
                problem = f"took {elapsed:.1f} s"
            if problem is not None:
                stats["failures"] += 1
                if len(failures) < MAX_REPORTED:
                    failures.append(f"case {case} {space.name}.{method}({show(x)}): {problem}")
    return failures, stats


def test_fuzz_every_parser_of_every_space() -> None:
    start = time.perf_counter()
    failures, stats = run_fuzz(N_INPUTS, SEED, CALL_LIMIT_S)
    report = os.environ.get("NBK_FUZZ_REPORT")  # benchmarks/fuzz.py collects these lines
    if report:
        summary = {"test": "spaces", "cases": N_INPUTS, "seed": SEED, **stats,
                   "seconds": round(time.perf_counter() - start, 1), "examples": failures}  # fmt: skip
        with open(report, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(summary) + "\n")
    assert not failures, f"{stats['failures']} failing calls, first ones:\n" + "\n".join(failures)
    assert stats["inputs"] == N_INPUTS
    assert stats["valid"] > 0 and stats["refused"] > 0  # the fuzzer reaches both outcomes


def test_time_limit_interrupts_a_hang() -> None:
    if threading.current_thread() is not threading.main_thread() or not hasattr(
        signal, "setitimer"
    ):
        pytest.skip("the per-call alarm needs POSIX signals in the main thread")
    with pytest.raises(CallTimeout), time_limit(0.05):
        while True:
            pass


def hostile_values() -> list[Any]:
    """Hand-picked inputs that once escaped as ValueError, TypeError, MemoryError or a hang."""
    return [
        deep_list(100_000), [deep_list(100_000)] * 2, (deep_list(3000), deep_list(3000)),
        np.array(3), np.array([[1, 2], [3, 4]], dtype=object), [[0, 1], [0]], np.zeros((0, 0)),
        np.zeros((2, 2, 2)), np.full((3, 3), np.nan), np.zeros((3000, 3000), dtype=np.int8),
        float("nan"), 10**5000, -(10**5000), b"", None, True, np.bool_(True), "²",
        "⁰,¹,²,³|gcn,gcn,gcn,gcn", "0,0,0,0|gcn,gcn,gcn,gcn\x00", {"links": 5, "ops": 5},
        {"matrix": np.array(5), "ops": np.array("x")}, [np.array(1)] * 6, (10**5000,) * 6,
        np.array(["none"] * 6), ("0" * 100 + ",") * 100, "Genotype(" + "(" * 1000, "(" * 1500,
        "[" * 1999, "{" * 1000 + "}" * 1000, "1e999", "(" + ",".join(["1"] * 100_000) + ")",
        {"NetworkSelectorDatasetInfo:darts:edge_normal_" + "1" * 5000: "skip_connect"},
        {10**5000: 1}, {"NetworkSelectorDatasetInfo:network": np.array([1, 2])},
    ]  # fmt: skip


@pytest.mark.parametrize("name", list_spaces())
def test_hostile_values_raise_our_error_everywhere(name: str) -> None:
    space = get_space(name)
    space.to_graph(space.sample(0))  # import torch outside the time limit
    failures = []
    values = hostile_values()
    for method, call in calls(space).items():
        for x in values:
            try:
                with time_limit(CALL_LIMIT_S):
                    problem = check_result(space, method, call(x))
            except NasBenchKitError:
                continue
            except (Exception, CallTimeout) as err:  # noqa: BLE001 - what the test hunts
                problem = f"raised {type(err).__name__}: {str(err)[:120]}"
            if problem:
                failures.append(f"{name}.{method}({show(x)}): {problem}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(
    ("space", "text"),
    [("nbgraph", "0,0,1,²|gcn,gat,skip,sage"), ("nbgraph", "0,0,1," + "2" * 5000 + "|gcn,gat,skip,sage"),
     ("nbgraph", "0,0,1,٢|gcn,gat,skip,sage"), ("nb201", "(" + "1" * 5000 + ", 0, 0, 0, 0, 0)"),
     ("darts", "({[]}, ())"), ("darts", "Genotype(normal=[], normal_concat=range(0, 999999999999), "
                                        "reduce=[], reduce_concat=[2, 3, 4, 5])")],
)  # fmt: skip
def test_known_hostile_strings_raise_our_error(space: str, text: str) -> None:
    with pytest.raises(NasBenchKitError):
        get_space(space).parse(text)
