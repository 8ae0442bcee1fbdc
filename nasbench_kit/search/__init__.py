"""Search: run ask/tell optimizers against any evaluator on a simulated clock.

- :mod:`~nasbench_kit.search.loop`: ``run_search`` (the only place the
  simulated clock advances) and its documented semantics;
- :mod:`~nasbench_kit.search.trajectory`: the trajectory frame and its
  columns (:data:`COLUMNS`);
- :mod:`~nasbench_kit.search.parallel`: ``run_many`` over seeds, serially, on a
  fork pool or any ``concurrent.futures.Executor``;
- :mod:`~nasbench_kit.search.spec`: argument checks and the reference optimum;
- :mod:`~nasbench_kit.search.summary`: ``summarize`` a multi-seed run.

>>> from nasbench_kit.search import COLUMNS
>>> COLUMNS[:4]
('step', 'time', 'arch', 'value')
"""

from __future__ import annotations

from nasbench_kit.search.loop import run_search
from nasbench_kit.search.parallel import run_many
from nasbench_kit.search.summary import summarize
from nasbench_kit.search.trajectory import COLUMNS

__all__ = ["COLUMNS", "run_many", "run_search", "summarize"]
