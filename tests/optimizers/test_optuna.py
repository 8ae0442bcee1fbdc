"""OptunaOptimizer: the optimizer contract, Optuna specifics, and the missing extra."""

from __future__ import annotations

import importlib
import logging
import math
import sys
from typing import Any

import numpy as np
import pytest

import nasbench_kit as nbk
from nasbench_kit.errors import (
    NasBenchKitError,
    OptionalDependencyError,
    OutOfDomainError,
    UnknownMetricError,
)
from nasbench_kit.optimizers import Optimizer
from nasbench_kit.optimizers import optuna_sampler as mod
from nasbench_kit.optimizers.optuna_sampler import OptunaMultiObjective, OptunaOptimizer
from nasbench_kit.optimizers.testing import HashBenchmark
from nasbench_kit.results import EvalResult
from nasbench_kit.spaces import Architecture, get_space, list_spaces

optuna = pytest.importorskip("optuna", reason="optuna is an optional extra (nasbench_kit[optuna])")
TrialState = optuna.trial.TrialState


def _available_spaces() -> list[str]:
    out = []
    for name in list_spaces():
        try:
            get_space(name).decision_sizes()
        except (ImportError, NasBenchKitError, NotImplementedError):  # a space still being written
            continue
        out.append(name)
    return out


SPACES = _available_spaces()
VARIANTS = ("tpe", "random", "nsga2-mo")


def build(variant: str, space: str, seed: int = 0, **kw: Any) -> OptunaOptimizer:
    if variant == "nsga2-mo":
        kw.setdefault("sampler_options", {"population_size": 6})
        return OptunaMultiObjective(space, seed=seed, **kw)
    return OptunaOptimizer(space, variant, seed=seed, **kw)


def run(variant: str, bench: Any, seed: int = 0, **kw: Any) -> Any:
    mo = variant == "nsga2-mo"
    kw.setdefault("max_queries", 25)
    return nbk.run_search(build(variant, bench.space.name, seed), bench,
                          ("val_acc", "latency") if mo else "val_acc",
                          maximize=(True, False) if mo else True, **kw)  # fmt: skip


class ConstSampler(optuna.samplers.BaseSampler):
    """Always proposes the last choice of every distribution (NB101: all 21 edges -> invalid)."""

    def infer_relative_search_space(self, study: Any, trial: Any) -> dict[str, Any]:
        return {}

    def sample_relative(self, study: Any, trial: Any, search_space: Any) -> dict[str, Any]:
        return {}

    def sample_independent(self, study: Any, trial: Any, name: str, dist: Any) -> Any:
        return dist.choices[-1]


# ---- the optimizer contract (the properties tests/optimizers/test_contract.py checks) ----
@pytest.mark.parametrize("variant", VARIANTS)
def test_ask_tell_protocol(variant: str) -> None:
    opt = build(variant, "nb201")
    assert isinstance(opt, Optimizer)
    opt.prepare(fidelities=(12.0, 200.0), n_objectives=2 if opt.multi_objective else 1)
    for i in range(12):
        arch = opt.ask()
        assert isinstance(arch, Architecture) and arch.space_name == "nb201"
        assert opt.next_fidelity is None
        result: Any = [float(i), float(-i)] if opt.multi_objective else float(i)
        if i % 4 == 1:
            result = (float(i), 1.0) if opt.multi_objective else EvalResult(
                float(i), "%", 1.0, 200.0, None, "table:x")  # fmt: skip
        if i % 4 == 2:
            result = (math.nan, math.nan) if opt.multi_objective else math.nan
        opt.tell(arch, result)
    assert opt.n_asked == opt.n_told == 12
    assert opt.best_value > -math.inf and opt.best_arch is not None
    states = [t.state for t in opt.study.trials]
    assert states.count(TrialState.FAIL) == 3 and TrialState.RUNNING not in states
    with pytest.raises(OutOfDomainError):
        opt.tell("not an arch", 1.0)  # type: ignore[arg-type]


@pytest.mark.parametrize("variant", VARIANTS)
def test_budgets_are_respected(variant: str) -> None:
    bench = HashBenchmark("nb201", fidelities=(12.0, 200.0))
    df = run(variant, bench, max_queries=17)
    assert len(df) == 17 and df["step"].tolist() == list(range(1, 18))
    df = run(variant, bench, max_queries=None, max_seconds=5000.0)
    assert df["time"].iloc[-1] <= 5000.0 and (np.diff(df["time"]) >= 0).all()
    assert df.attrs["stopped"] == "max_seconds"


@pytest.mark.parametrize("variant", VARIANTS)
def test_same_seed_same_trajectory(variant: str) -> None:
    bench = HashBenchmark("nb201")
    a = run(variant, bench, seed=3, max_queries=30)
    b = run(variant, bench, seed=3, max_queries=30)
    c = run(variant, bench, seed=4, max_queries=30)
    assert a.equals(b)
    assert a["arch"].tolist() != c["arch"].tolist()


@pytest.mark.parametrize("space", SPACES)
@pytest.mark.parametrize("variant", ("tpe", "nsga2-mo"))
def test_works_on_every_space(variant: str, space: str) -> None:
    df = run(variant, HashBenchmark(space), max_queries=15, dedupe_isomorphic=True)
    assert len(df) == 15 and df["value"].notna().all()
    for s in df["arch"]:
        assert get_space(space).from_string(s).to_string() == s


@pytest.mark.parametrize("variant", VARIANTS)
def test_unknown_metric_fails_before_any_query(variant: str) -> None:
    bench, opt = HashBenchmark("nb201"), build(variant, "nb201")
    with pytest.raises(UnknownMetricError, match="val_acc"):
        nbk.run_search(opt, bench, "no_such_metric", max_queries=5)
    assert bench.n_queries == 0 and opt.n_asked == 0


@pytest.mark.parametrize("variant", VARIANTS)
def test_failures_and_missing_rows_do_not_break_the_search(variant: str) -> None:
    df = run(variant, HashBenchmark("nb201", missing_every=3), max_queries=30)
    assert len(df) == 30 and df["value"].isna().any()
    if variant != "nsga2-mo":
        assert (np.diff(df["incumbent"].dropna()) >= 0).all()


def test_single_objective_refuses_two_objectives() -> None:
    with pytest.raises(OutOfDomainError, match="multi-objective"):
        OptunaOptimizer("nb201", seed=0).prepare(n_objectives=2)


# ---- Optuna specifics ---------------------------------------------------------
def test_asks_follow_the_trials_and_tells_finish_them() -> None:
    opt = OptunaOptimizer("nb201", seed=0)
    space = opt.space
    for i in range(15):
        arch = opt.ask()
        trial = opt.study.trials[-1]
        assert trial.state == TrialState.RUNNING
        vec = [trial.params[n] for n in space.decision_names()]
        assert space.from_decisions(vec) == arch
        opt.tell(arch, 80.0 + i)
        assert opt.study.trials[trial.number].value == 80.0 + i  # maximised as told
    assert opt.study.direction == optuna.study.StudyDirection.MAXIMIZE
    assert opt.study.best_value == 94.0


def test_sampler_seed_fixes_the_asks_and_instances_are_copied() -> None:
    sampler = optuna.samplers.TPESampler(seed=7, n_startup_trials=5)

    def asks(opt: OptunaOptimizer) -> list[str]:
        bench, out = HashBenchmark("nb201"), []
        for _ in range(20):
            arch = opt.ask()
            opt.tell(arch, bench.query(arch, "val_acc").value)
            out.append(arch.hash)
        return out

    first = asks(OptunaOptimizer("nb201", sampler, seed=1))
    assert asks(OptunaOptimizer("nb201", sampler, seed=2)) == first  # seed drives the fallback only
    named = [asks(OptunaOptimizer("nb201", "tpe", seed=s)) for s in (1, 1, 2)]
    assert named[0] == named[1] != named[2]  # a named sampler is seeded from `seed`


def test_sampler_instances_holding_locks_are_copied() -> None:
    sampler = optuna.samplers.NSGAIISampler(seed=0, population_size=4)  # holds a thread lock

    def asks() -> list[str]:
        opt = OptunaMultiObjective("nb201", sampler, seed=0)
        assert opt.sampler is not sampler
        out = []
        for i in range(10):
            arch = opt.ask()
            opt.tell(arch, (float(i % 5), -float(i % 3)))
            out.append(arch.hash)
        return out

    assert asks() == asks()


def test_invalid_nb101_vectors_are_pruned_then_fall_back() -> None:
    opt = OptunaOptimizer("nb101", ConstSampler(), max_invalid=5, seed=0)
    arch = opt.ask()  # every proposal has 21 edges: invalid
    assert arch.space_name == "nb101" and get_space("nb101").is_valid(arch)
    assert opt.n_invalid == 5 and opt.n_fallback == 1
    assert [t.state for t in opt.study.trials] == [TrialState.PRUNED] * 5
    opt.tell(arch, 93.0)  # the fallback enters the study as a finished trial
    last = opt.study.trials[-1]
    assert last.state == TrialState.COMPLETE and last.value == 93.0
    assert tuple(last.params[n] for n in opt.space.decision_names()) == opt.space.to_decisions(arch)


def test_random_sampler_on_nb101_hits_invalid_vectors_and_returns_valid_archs() -> None:
    opt = OptunaOptimizer("nb101", "random", seed=0)
    space = get_space("nb101")
    for i in range(40):
        arch = opt.ask()
        assert space.is_valid(arch)
        opt.tell(arch, float(i))
    pruned = sum(t.state == TrialState.PRUNED for t in opt.study.trials)
    assert opt.n_invalid == pruned > 0 and opt.n_fallback == 0


def test_unique_never_asks_an_architecture_twice() -> None:
    opt = OptunaOptimizer("nb201", ConstSampler(), max_invalid=3, seed=0)
    first = opt.ask()
    opt.tell(first, 90.0)
    second = opt.ask()  # the sampler repeats itself: told 90.0 again, then fallback
    assert second.iso_hash != first.iso_hash
    assert opt.n_repeats == 3 and opt.n_fallback == 1
    assert [t.value for t in opt.study.trials] == [90.0] * 4
    tpe = OptunaOptimizer("nb201", seed=0)
    seen = set()
    for i in range(60):
        arch = tpe.ask()
        assert arch.iso_hash not in seen
        seen.add(arch.iso_hash)
        tpe.tell(arch, float(i % 7))
    loose = OptunaOptimizer("nb201", ConstSampler(), unique=False, seed=0)
    a = loose.ask()
    loose.tell(a, 1.0)
    assert loose.ask() == a and loose.n_repeats == 0


def test_unknown_arch_tell_adds_a_trial() -> None:
    opt = OptunaOptimizer("nb201", seed=0)
    space = opt.space
    outsider = space.sample(5)
    opt.tell(outsider, 77.0)
    opt.tell(space.sample(6), math.nan)
    done, failed = opt.study.trials
    assert done.state == TrialState.COMPLETE and done.value == 77.0
    assert tuple(done.params[n] for n in space.decision_names()) == space.to_decisions(outsider)
    assert failed.state == TrialState.FAIL
    arch = opt.ask()  # asks keep working and are not the told one (unique)
    assert arch != outsider and opt.study.trials[-1].state == TrialState.RUNNING
    with pytest.raises(OutOfDomainError, match="nb201"):
        opt.tell(get_space("nbgraph").sample(0), 1.0)


def test_multi_objective_study() -> None:
    opt = OptunaMultiObjective("nb201", seed=0, sampler_options={"population_size": 4})
    opt.prepare(n_objectives=3)
    assert len(opt.study.directions) == 3
    for i in range(10):
        opt.tell(opt.ask(), (float(i), -float(i % 3), 1.0))
    assert len(opt.study.best_trials) >= 1
    with pytest.raises(OutOfDomainError, match="objective"):
        opt.tell(opt.ask(), (1.0, 2.0))
    with pytest.raises(OutOfDomainError, match="first ask"):
        opt.prepare(n_objectives=2)


@pytest.mark.filterwarnings("ignore::optuna.exceptions.ExperimentalWarning")
def test_other_samplers_and_int_distributions() -> None:
    bench = HashBenchmark("nbgraph")
    for sampler, dist in (("qmc", "int"), ("nsga2", "categorical")):
        opt = OptunaOptimizer("nbgraph", sampler, distribution=dist, seed=0)
        df = nbk.run_search(opt, bench, "val_acc", max_queries=12)
        assert len(df) == 12 and df["value"].notna().all()


def test_bad_arguments_raise_package_errors() -> None:
    with pytest.raises(OutOfDomainError, match="tpe"):
        OptunaOptimizer("nb201", "no-such-sampler")
    with pytest.raises(OutOfDomainError, match="max_invalid"):
        OptunaOptimizer("nb201", max_invalid=0)
    with pytest.raises(OutOfDomainError, match="categorical"):
        OptunaOptimizer("nb201", distribution="float")
    with pytest.raises(OutOfDomainError, match="sampler_options"):
        OptunaOptimizer("nb201", optuna.samplers.RandomSampler(), sampler_options={"seed": 1})
    with pytest.raises(OutOfDomainError, match="sampler_options"):
        OptunaOptimizer("nb201", "tpe", sampler_options={"no_such_option": 1})
    opt = OptunaOptimizer("nb201", seed=0)
    with pytest.raises(OutOfDomainError, match="pass a number"):
        opt.tell(opt.ask(), (1.0, 2.0))  # one objective: the base class refuses a pair


def test_optuna_logging_is_quiet_and_restored() -> None:
    logger = logging.getLogger("optuna")
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    logger.addHandler(handler)
    before = logger.level
    try:
        opt = OptunaOptimizer("nb201", seed=0)
        opt.tell(opt.ask(), 1.0)
        assert records == [] and logger.level == before
        OptunaOptimizer("nb201", seed=0, quiet=False)
        assert any("study" in r.getMessage() for r in records)  # Optuna's own INFO line
    finally:
        logger.removeHandler(handler)


def test_run_search_improves_over_the_first_trial() -> None:
    df = nbk.run_search(OptunaOptimizer("nb201", seed=0), HashBenchmark("nb201"), "val_acc",
                        max_queries=40)  # fmt: skip
    assert len(df) == 40
    assert df["incumbent"].iloc[-1] > df["value"].iloc[0]


# ---- optuna missing -------------------------------------------------------------
def test_missing_optuna_raises_optional_dependency_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import nasbench_kit.optimizers as pkg

    monkeypatch.setitem(sys.modules, "optuna", None)  # `import optuna` now raises ImportError
    with pytest.raises(OptionalDependencyError, match=r'pip install "nasbench_kit\[optuna\]"'):
        OptunaOptimizer("nb201", seed=0)
    with pytest.raises(ImportError):  # still an ImportError for callers that catch that
        mod.import_optuna()
    # the module itself imports without optuna (it is loaded by the optimizer registry)
    monkeypatch.setattr(pkg, "optuna_sampler", mod)
    monkeypatch.delitem(sys.modules, mod.__name__)
    fresh = importlib.import_module(mod.__name__)
    with pytest.raises(OptionalDependencyError, match="optuna"):
        fresh.OptunaOptimizer("nb201")


def test_missing_sampler_package_raises_optional_dependency_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "cmaes", None)
    opt = OptunaOptimizer("nb201", "cmaes", distribution="int", seed=0,
                          sampler_options={"n_startup_trials": 1})  # fmt: skip
    opt.tell(opt.ask(), 1.0)
    with pytest.raises(OptionalDependencyError, match="cmaes"):
        opt.ask()
