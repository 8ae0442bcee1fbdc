"""Benchmark tables: load embedded or imported tables and query them fast.

>>> import nasbench_kit.tables as tables
>>> bench = tables.load("analognas/cifar10")
>>> r = bench.query(
...     "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|",
...     "test_acc")
>>> r.unit, r.cost
('%', 0.0)
"""

from __future__ import annotations

from nasbench_kit.tables.benchmark import Benchmark, EvalResult
from nasbench_kit.tables.clock import SimulatedClock
from nasbench_kit.tables.join import join
from nasbench_kit.tables.registry import (
    import_table,
    list_benchmarks,
    list_formats,
    list_sources,
    load,
)

__all__ = [
    "Benchmark",
    "EvalResult",
    "SimulatedClock",
    "import_table",
    "join",
    "list_benchmarks",
    "list_formats",
    "list_sources",
    "load",
]
