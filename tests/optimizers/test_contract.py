"""Contract suite: every registered optimizer, on every space that is available.

A new optimizer registered in ``nasbench_kit.optimizers.OPTIMIZERS`` is picked
up automatically. Predictor-guided ones use a cheap stand-in predictor here
(the real default is exercised in ``test_guided.py``).
"""

from __future__ import annotations

import math
import zlib
from typing import Any

import numpy as np
import pytest

import nasbench_kit as nbk
from nasbench_kit.errors import NasBenchKitError, OutOfDomainError, UnknownMetricError
from nasbench_kit.optimizers import (
    ALIASES,
    OPTIMIZERS,
    Optimizer,
    list_optimizers,
    make_optimizer,
)
from nasbench_kit.optimizers.testing import HashBenchmark, MeanPredictor
from nasbench_kit.results import EvalResult
from nasbench_kit.spaces import Architecture, get_space, list_spaces


def _available_spaces() -> list[str]:
    out = []
    for name in list_spaces():
        try:
            get_space(name)
        except (ImportError, NasBenchKitError):  # a space still being written
            continue
        out.append(name)
    return out


SPACES = _available_spaces()
NAMES = sorted(OPTIMIZERS)
OPTUNA = {"tpe", "optuna-nsga2"}  # optional extra
MO = {"nsga2", "optuna-nsga2"}  # multi-objective: told (val_acc, latency)
OPTUNA_SKIP = 'optional extra: pip install "nasbench_kit[optuna]"'


def build(name: str, space: str, seed: int = 0, **kw: Any) -> Optimizer:
    if name in OPTUNA:
        pytest.importorskip("optuna", reason=OPTUNA_SKIP)
    if name == "optuna-nsga2":
        kw.setdefault("sampler_options", {"population_size": 6})
    if name in ("bananas", "npenas"):
        kw.setdefault("predictor", lambda rng: MeanPredictor())
        kw.setdefault("n_init", 4)
    if name == "bananas":  # one acquisition round: the protocol, not the search quality
        kw.setdefault("acq_rounds", 1)
    if name == "npenas":  # fewer children per ask (nbgraph's mutate builds all neighbours)
        kw.setdefault("n_candidates", 20)
    if name == "nsga2":
        kw.setdefault("population_size", 6)
    if name == "rea":
        kw.setdefault("population_size", 8)
        kw.setdefault("sample_size", 3)
    if name == "proxy-filter":  # a free stand-in score (the real proxies: test_proxy_filter.py)
        kw.setdefault("proxy", lambda archs: [zlib.crc32(a.hash.encode()) for a in archs])
        kw.setdefault("n_candidates", 4)
        kw.setdefault("base_options", {"population_size": 8, "sample_size": 3})
    return make_optimizer(name, space, seed=seed, **kw)


def run(name: str, bench: Any, seed: int = 0, **kw: Any) -> Any:
    metric = ("val_acc", "latency") if name in MO else "val_acc"
    maximize = (True, False) if name in MO else True
    kw.setdefault("max_queries", 25)
    return nbk.run_search(build(name, bench.space.name, seed), bench, metric,
                          maximize=maximize, **kw)


@pytest.mark.parametrize("name", NAMES)
def test_ask_tell_protocol(name: str) -> None:
    opt = build(name, "nb201")
    opt.prepare(fidelities=(12.0, 200.0), n_objectives=2 if opt.multi_objective else 1)
    for i in range(12):
        arch = opt.ask()
        assert isinstance(arch, Architecture) and arch.space_name == "nb201"
        assert opt.next_fidelity is None or opt.next_fidelity in (12.0, 200.0)
        result: Any = [float(i), float(-i)] if opt.multi_objective else float(i)
        if i % 4 == 1:
            result = EvalResult(float(i), "%", 1.0, 200.0, None, "table:x")
            if opt.multi_objective:
                result = (float(i), 1.0)
        if i % 4 == 2:
            result = (math.nan, math.nan) if opt.multi_objective else math.nan  # a failure
        opt.tell(arch, result)
    assert opt.n_asked == opt.n_told == 12
    assert opt.best_value > -math.inf and opt.best_arch is not None
    with pytest.raises(OutOfDomainError):
        opt.tell("not an arch", 1.0)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", NAMES)
def test_budgets_are_respected(name: str) -> None:
    bench = HashBenchmark("nb201", fidelities=(12.0, 200.0))
    df = run(name, bench, max_queries=17)
    assert len(df) == 17 and df["step"].tolist() == list(range(1, 18))
    df = run(name, bench, max_queries=None, max_seconds=5000.0)
    assert df["time"].iloc[-1] <= 5000.0
    assert (np.diff(df["time"]) >= 0).all()
    assert df.attrs["stopped"] == "max_seconds"


@pytest.mark.parametrize("name", NAMES)
def test_same_seed_same_trajectory(name: str) -> None:
    bench = HashBenchmark("nb201", fidelities=(12.0, 200.0))
    a = run(name, bench, seed=3, max_queries=30)
    b = run(name, bench, seed=3, max_queries=30)
    c = run(name, bench, seed=4, max_queries=30)
    assert a.equals(b)
    assert a["arch"].tolist() != c["arch"].tolist()


@pytest.mark.parametrize("space", SPACES)
@pytest.mark.parametrize("name", NAMES)
def test_works_on_every_space(name: str, space: str) -> None:
    bench = HashBenchmark(space)
    df = run(name, bench, max_queries=20, dedupe_isomorphic=True)
    assert len(df) == 20
    assert df["value"].notna().all()
    for s in df["arch"]:
        assert get_space(space).from_string(s).to_string() == s


@pytest.mark.parametrize("name", NAMES)
def test_unknown_metric_fails_before_any_query(name: str) -> None:
    bench = HashBenchmark("nb201")
    opt = build(name, "nb201")
    with pytest.raises(UnknownMetricError, match="val_acc"):
        nbk.run_search(opt, bench, "no_such_metric", max_queries=5)
    assert bench.n_queries == 0 and opt.n_asked == 0


@pytest.mark.parametrize("name", NAMES)
def test_failures_and_missing_rows_do_not_break_the_search(name: str) -> None:
    bench = HashBenchmark("nb201", missing_every=3)
    df = run(name, bench, max_queries=30)
    assert len(df) == 30
    assert df["value"].isna().any()
    finite = df["incumbent"].dropna()
    assert (np.diff(finite) >= 0).all() if name not in MO else True


def test_registry_names_aliases_and_errors() -> None:
    assert list_optimizers()[:10] == ["rs", "rea", "ls", "bananas", "npenas", "sh", "hb", "nsga2",
                                      "tpe", "optuna-nsga2"]
    assert nbk.list_optimizers() == list_optimizers() and nbk.make_optimizer is make_optimizer
    for alias, name in ALIASES.items():
        if name in OPTUNA:
            pytest.importorskip("optuna", reason=OPTUNA_SKIP)
        assert type(make_optimizer(alias, "nb201", seed=0)) is OPTIMIZERS[name]
    with pytest.raises(OutOfDomainError, match="rea"):
        make_optimizer("no-such-optimizer", "nb201")
    with pytest.raises(OutOfDomainError, match="multi-objective"):
        make_optimizer("rea", "nb201").prepare(n_objectives=2)


@pytest.mark.parametrize("name", NAMES)
def test_class_name_is_the_registry_key(name: str) -> None:
    assert OPTIMIZERS[name].name == name
