"""nasbench_kit: tabular and surrogate NAS benchmarks, predictors and search.

>>> import nasbench_kit as nbk
>>> sp = nbk.get_space("nb201")
>>> len(sp)
15625
"""

from __future__ import annotations

import importlib
from typing import Any

from nasbench_kit.errors import (
    CorruptFileError,
    NasBenchKitError,
    NotFittedError,
    NotInTableError,
    OutOfDomainError,
    UnknownBenchmarkError,
    UnknownMetricError,
    UnknownSpaceError,
    UnsafeFileError,
)
from nasbench_kit.spaces import Architecture, SearchSpace, get_space, list_spaces

__version__ = "0.1.0"

# Heavy pieces load on first use so `import nasbench_kit` stays fast
# (search workers start in milliseconds).
_LAZY: dict[str, str] = {
    "list_benchmarks": "nasbench_kit.tables:list_benchmarks",
    "load": "nasbench_kit.tables:load",
    "import_table": "nasbench_kit.tables:import_table",
    "join": "nasbench_kit.tables:join",
    "list_sources": "nasbench_kit.tables:list_sources",
    "list_formats": "nasbench_kit.tables:list_formats",
    "Benchmark": "nasbench_kit.tables:Benchmark",
    "EvalResult": "nasbench_kit.results:EvalResult",
    "Evaluator": "nasbench_kit.evaluators.protocol:Evaluator",
    "fit_surrogate": "nasbench_kit.evaluators.surrogate:fit_surrogate",
    "load_surrogate": "nasbench_kit.evaluators.surrogate:load_surrogate",
    "SurrogateBenchmark": "nasbench_kit.evaluators.surrogate:SurrogateBenchmark",
    "Fallback": "nasbench_kit.evaluators.fallback:Fallback",
    "LiveEvaluator": "nasbench_kit.training.live:LiveEvaluator",
    "build_model": "nasbench_kit.models:build_model",
    "SimulatedClock": "nasbench_kit.tables.clock:SimulatedClock",
    "run_search": "nasbench_kit.search:run_search",
    "run_many": "nasbench_kit.search:run_many",
    "list_predictors": "nasbench_kit.predictors:list_predictors",
    "make_predictor": "nasbench_kit.predictors:make_predictor",
    "list_optimizers": "nasbench_kit.optimizers:list_optimizers",
    "make_optimizer": "nasbench_kit.optimizers:make_optimizer",
    "study": "nasbench_kit.study:",
}


def __getattr__(name: str) -> Any:
    target = _LAZY.get(name)
    if target is None:
        raise AttributeError(f"module 'nasbench_kit' has no attribute {name!r}")
    module, attr = target.split(":")
    mod = importlib.import_module(module)
    value = getattr(mod, attr) if attr else mod
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(list(globals()) + list(_LAZY))


__all__ = [
    "Architecture",
    "CorruptFileError",
    "NasBenchKitError",
    "NotFittedError",
    "NotInTableError",
    "OutOfDomainError",
    "SearchSpace",
    "UnknownBenchmarkError",
    "UnknownMetricError",
    "UnknownSpaceError",
    "UnsafeFileError",
    "get_space",
    "list_spaces",
    *_LAZY,
]
