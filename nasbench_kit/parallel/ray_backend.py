"""One Ray connection per process: an embedded local Ray, or a cluster via ``RAY_ADDRESS``.

Ray is an optional extra (``pip install 'nasbench_kit[ray]'``), imported only
when a Ray executor is used; without it :func:`import_ray` raises
:class:`~nasbench_kit.errors.OptionalDependencyError` with that command.

Lifecycle (:func:`ensure_ray`)
------------------------------
- **Already initialised** (the caller ran ``ray.init(...)`` itself): reused as
  it is; nasbench_kit never shuts it down.
- **``RAY_ADDRESS`` set** (a cluster started with ``ray start --head``):
  ``ray.init(address="auto")`` connects to it; ``num_cpus`` is ignored (the
  cluster has its own resources).
- **Otherwise** an embedded local Ray is started lazily on first use with
  ``num_cpus`` CPUs (default: this machine's count), no dashboard, workers
  at normal priority (Ray's default niceness is 15), and *kept* for later calls in the same process (start-up
  costs seconds; reuse costs nothing). The first call fixes ``num_cpus``.
- :func:`shutdown_ray` ends the connection or embedded instance *only if this
  module started it*; at interpreter exit Ray's own ``atexit`` hook does the
  same. :func:`ray_started_here` tells which case applies.

>>> from nasbench_kit.parallel.ray_backend import INSTALL
>>> INSTALL
"pip install 'nasbench_kit[ray]'"
"""

from __future__ import annotations

import logging
import os
import threading
from types import ModuleType
from typing import Any

from nasbench_kit.errors import OptionalDependencyError, OutOfDomainError

__all__ = ["INSTALL", "ensure_ray", "import_ray", "ray_started_here", "shutdown_ray"]

#: How to install the optional dependency.
INSTALL = "pip install 'nasbench_kit[ray]'"

_LOCK = threading.Lock()
_STATE = {"started": False}

#: ``ray.init`` options for the embedded instance: start only what tasks need.
EMBEDDED_OPTIONS: dict[str, Any] = {
    "include_dashboard": False,  # no web UI (the API server still starts, minimal)
    "logging_level": logging.WARNING,  # no "Started a local Ray instance" banner
    "log_to_driver": True,  # worker tracebacks and prints still reach the user
    # Ray starts workers at niceness 15, so on a busy machine any other process
    # starves them; the user asked for this work, so run it at normal priority.
    "_system_config": {"worker_niceness": 0},
}


def import_ray() -> ModuleType:
    """The ``ray`` module, or ``OptionalDependencyError`` naming the install command."""
    try:
        import ray
    except ImportError as exc:
        raise OptionalDependencyError(
            f"executor='ray' needs the optional package ray, which is not installed ({exc}); "
            f"install it with: {INSTALL}, or use workers=N (a local process pool)"
        ) from exc
    return ray


def _check_cpus(num_cpus: int | None) -> None:
    if num_cpus is not None and (
        isinstance(num_cpus, bool) or not isinstance(num_cpus, int) or num_cpus < 1
    ):
        raise OutOfDomainError(f"num_cpus={num_cpus!r} must be an int >= 1 (or None for all)")


def ensure_ray(num_cpus: int | None = None) -> ModuleType:
    """Connect to Ray once per process (see the module docstring) and return ``ray``."""
    _check_cpus(num_cpus)
    ray = import_ray()
    with _LOCK:
        if ray.is_initialized():
            return ray
        if os.environ.get("RAY_ADDRESS"):
            ray.init(address="auto", logging_level=logging.WARNING)
        else:
            ray.init(address="local", num_cpus=num_cpus or os.cpu_count() or 1,
                     **EMBEDDED_OPTIONS)  # fmt: skip
        _STATE["started"] = True
    return ray


def ray_started_here() -> bool:
    """True while a Ray connection that :func:`ensure_ray` opened is alive."""
    if not _STATE["started"]:
        return False
    try:
        import ray
    except ImportError:  # pragma: no cover - started implies importable
        return False
    return bool(ray.is_initialized())


def shutdown_ray() -> bool:
    """Shut Ray down if :func:`ensure_ray` started it; True when it did."""
    with _LOCK:
        if not ray_started_here():
            _STATE["started"] = False
            return False
        import ray

        ray.shutdown()
        _STATE["started"] = False
        return True
