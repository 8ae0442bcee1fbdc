"""Run picklable work on processes or machines: :func:`map_tasks` and the Ray backend.

- :mod:`~nasbench_kit.parallel.tasks`: ``map_tasks(fn, items, executor)`` --
  in this process, on any ``concurrent.futures.Executor`` or as Ray tasks;
  results return to the caller in order (the caller writes, workers compute);
- :mod:`~nasbench_kit.parallel.ray_backend`: one Ray connection per process
  (embedded local Ray, or a cluster via ``RAY_ADDRESS``), ``shutdown_ray``.

Nothing here imports Ray until a Ray executor is used.

>>> from nasbench_kit.parallel import map_tasks
>>> map_tasks(len, ["ab", "c"])
[2, 1]
"""

from __future__ import annotations

from nasbench_kit.parallel.ray_backend import ensure_ray, shutdown_ray
from nasbench_kit.parallel.tasks import map_tasks

__all__ = ["ensure_ray", "map_tasks", "shutdown_ray"]
