"""map_tasks: results in order on every executor; errors keep their type; Ray is optional."""

from __future__ import annotations

import sys
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from operator import add

import pytest

from nasbench_kit.errors import OptionalDependencyError, OutOfDomainError
from nasbench_kit.parallel import map_tasks
from nasbench_kit.parallel.ray_backend import ensure_ray


def _square_or_fail(x: int) -> int:
    if x < 0:
        raise OutOfDomainError(f"x={x} is negative")
    return x * x


def test_every_executor_returns_results_in_item_order() -> None:
    items = list(range(11))
    want = [x * x for x in items]
    done: list[int] = []
    assert map_tasks(_square_or_fail, items, on_done=done.append) == want
    assert sum(done) == len(items)
    with ThreadPoolExecutor(3) as ex:
        assert map_tasks(_square_or_fail, items, ex, chunk_size=4) == want
    with ProcessPoolExecutor(2) as ex:
        assert map_tasks(add, items, ex, shared=100, chunk_size=3) == [100 + x for x in items]
    assert map_tasks(_square_or_fail, []) == []


def test_errors_keep_their_type_and_arguments_are_checked() -> None:
    with ThreadPoolExecutor(2) as ex, pytest.raises(OutOfDomainError, match="negative"):
        map_tasks(_square_or_fail, [1, -2, 3], ex)
    for kwargs in ({"chunk_size": 0}, {"max_retries": -1}, {"chunk_size": 1.5}):
        with pytest.raises(OutOfDomainError, match=next(iter(kwargs))):
            map_tasks(abs, [1], **kwargs)
    with pytest.raises(OutOfDomainError, match="executor"):
        map_tasks(abs, [1], "dask")


def test_missing_ray_is_a_clear_optional_dependency_error(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # as if ray were not installed
    with pytest.raises(OptionalDependencyError, match=r"nasbench_kit\[ray\]"):
        map_tasks(abs, [1], "ray")
    with pytest.raises(OptionalDependencyError, match="pip install"):
        ensure_ray(2)


def test_ray_tasks_return_in_order_and_errors_keep_their_type() -> None:
    pytest.importorskip("ray", reason="ray is not installed (pip install 'nasbench_kit[ray]')")
    items = list(range(-3, 9))
    got = map_tasks(add, items, "ray", shared=1000, chunk_size=5, workers=2)
    assert got == [1000 + x for x in items]
    assert map_tasks(_square_or_fail, [3, 1, 2], "ray", workers=2) == [9, 1, 4]
    with pytest.raises(OutOfDomainError, match="negative"):
        map_tasks(_square_or_fail, [1, -2, 3], "ray", workers=2)
