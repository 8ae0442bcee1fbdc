"""What every space shares: its size, ``len``, enumeration and the registry."""

from __future__ import annotations

import itertools

import pytest

from nasbench_kit.errors import (
    NasBenchKitError,
    OutOfDomainError,
    SpaceTooLargeError,
    UnknownSpaceError,
)
from nasbench_kit.spaces import get_space, list_spaces

SIZES = {"nb101": 423_624, "nb201": 15_625, "nbgraph": 26_206,
         "darts": 1_076_746_950_455_072_400}  # fmt: skip


@pytest.mark.parametrize("name", list_spaces())
def test_n_architectures_on_every_space(name: str) -> None:
    space = get_space(name)
    assert space.n_architectures == SIZES[name] and type(space.n_architectures) is int
    assert bool(space)  # never asks len()
    if space.enumerable:
        assert len(space) == SIZES[name]


def test_too_large_space_refuses_len_and_enumerate_as_a_type_error() -> None:
    darts = get_space("darts")
    for call in (lambda: len(darts), darts.enumerate):
        with pytest.raises(SpaceTooLargeError, match="n_architectures") as info:
            call()
        assert isinstance(info.value, (TypeError, OutOfDomainError, NasBenchKitError))
    with pytest.raises(TypeError):  # what code written for len() expects
        len(darts)


@pytest.mark.parametrize("name", ["nb201", "nbgraph", "nb101"])
@pytest.mark.parametrize("progress", [None, False, True])
def test_enumerate_takes_a_progress_switch(name: str, progress: bool | None, capsys) -> None:
    space = get_space(name)
    head = list(itertools.islice(space.enumerate(progress=progress), 50))
    assert head == list(itertools.islice(space.enumerate(), 50))
    assert len(set(head)) == 50


@pytest.mark.parametrize("bad", [["nb201"], None, 3, b"nb201", "NB201", ""])
def test_get_space_refuses_what_is_not_a_name(bad) -> None:
    with pytest.raises(UnknownSpaceError):
        get_space(bad)
