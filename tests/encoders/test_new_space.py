"""A new space is one room: every encoder works on a space it has never heard of.

The toy space below is a chain ``input -> op -> op -> output`` with three ops.
It writes its views module (``op_dag``, ``onehot_columns``, ``decisions``,
``from_decisions``, ``DECISION_SIZES``, ``DECISION_NAMES``) and nothing in
``nasbench_kit.encoders`` changes.
"""

from __future__ import annotations

import itertools
import sys
import types
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pytest

from nasbench_kit.encoders import (
    AdjacencyOneHotEncoder,
    CategoricalEncoder,
    ConcatEncoder,
    GraphEncoder,
    PathEncoder,
    StructureEncoder,
)
from nasbench_kit.errors import OutOfDomainError
from nasbench_kit.spaces import _INSTANCES as SPACE_INSTANCES
from nasbench_kit.spaces import Architecture, OpDag, SearchSpace

OPS = ("none", "conv", "skip")
VIEWS = "toy_space_views_for_tests"


@dataclass(frozen=True, eq=False, repr=False)
class ToyArch(Architecture):
    space_name: ClassVar[str] = "toy"
    ops: tuple[str, str]

    def __post_init__(self) -> None:
        if len(self.ops) != 2 or any(op not in OPS for op in self.ops):
            raise OutOfDomainError(f"toy ops {self.ops!r} must be two of {OPS}")
        object.__setattr__(self, "hash", "|".join(self.ops))
        object.__setattr__(self, "iso_hash", self.hash)


class ToySpace(SearchSpace):
    name: ClassVar[str] = "toy"
    arch_type: ClassVar[type[Architecture]] = ToyArch
    op_names: ClassVar[tuple[str, ...]] = OPS
    param_free_ops: ClassVar[frozenset[str]] = frozenset({"none", "skip"})
    node_feature_names: ClassVar[tuple[str, ...]] = ("input", *OPS, "output")
    onehot_size: ClassVar[int] = 2 * len(OPS)
    views_module: ClassVar[str] = VIEWS

    @property
    def n_architectures(self) -> int:
        return len(OPS) ** 2

    def parse(self, x: Any) -> ToyArch:
        if isinstance(x, ToyArch):
            return x
        if isinstance(x, str):
            return self.from_string(x)
        raise OutOfDomainError(f"cannot read {x!r} as a toy arch")

    def from_string(self, s: str) -> ToyArch:
        return ToyArch(tuple(s.split("|")))  # type: ignore[arg-type]

    def to_string(self, arch: Architecture) -> str:
        return arch.hash

    def notations(self, arch: Architecture) -> dict[str, Any]:
        return {"string": arch.hash}

    def sample(self, seed: Any = None) -> ToyArch:
        rng = np.random.default_rng(seed)
        return ToyArch((OPS[int(rng.integers(3))], OPS[int(rng.integers(3))]))

    def mutate(self, arch: Architecture, seed: Any = None) -> ToyArch:
        return self.neighbors(arch)[0]  # type: ignore[return-value]

    def neighbors(self, arch: Architecture) -> list[Architecture]:
        return [a for a in self._enumerate() if a != arch]

    def _enumerate(self) -> Iterator[ToyArch]:
        for ops in itertools.product(OPS, repeat=2):
            yield ToyArch(ops)

    def to_graph(self, arch: Architecture) -> Any:
        import torch
        from torch_geometric.data import Data

        x = torch.zeros(4, len(self.node_feature_names))
        cols = [0, 1 + OPS.index(arch.ops[0]), 1 + OPS.index(arch.ops[1]), 4]  # type: ignore[attr-defined]
        x[torch.arange(4), torch.tensor(cols)] = 1.0
        return Data(x=x, edge_index=torch.tensor([[0, 1, 2], [1, 2, 3]]), num_nodes=4)


def _views_module() -> types.ModuleType:
    views = types.ModuleType(VIEWS)
    views.DECISION_SIZES = (3, 3)  # type: ignore[attr-defined]
    views.DECISION_NAMES = ("op_1", "op_2")  # type: ignore[attr-defined]
    views.op_dag = lambda a: (  # type: ignore[attr-defined]
        ("cell", OpDag.build(("input", *a.ops, "output"), ((), (0,), (1,), (2,)), 3)),
    )
    views.onehot_columns = lambda a: [3 * i + OPS.index(op) for i, op in enumerate(a.ops)]  # type: ignore[attr-defined]
    views.decisions = lambda a: tuple(OPS.index(op) for op in a.ops)  # type: ignore[attr-defined]
    views.from_decisions = lambda v: ToyArch(tuple(OPS[i] for i in v))  # type: ignore[attr-defined]
    return views


@pytest.fixture
def toy(monkeypatch: pytest.MonkeyPatch) -> ToySpace:
    monkeypatch.setitem(sys.modules, VIEWS, _views_module())
    space = ToySpace()
    monkeypatch.setitem(SPACE_INSTANCES, "toy", space)
    return space


def test_every_encoder_reads_a_new_space_through_its_views(toy: ToySpace) -> None:
    archs = list(toy.enumerate())
    onehot = AdjacencyOneHotEncoder().fit_transform(archs)
    assert onehot.shape == (9, 6) and (onehot.sum(axis=1) == 2).all()
    assert np.array_equal(
        CategoricalEncoder().fit_transform(archs), [toy.to_decisions(a) for a in archs]
    )
    paths = PathEncoder().fit(archs)
    assert paths.paths_ == [("cell", ("conv", "conv")), ("cell", ("conv", "skip")),
                            ("cell", ("skip", "conv")), ("cell", ("skip", "skip"))]  # fmt: skip
    structure = StructureEncoder().fit(archs)
    X = structure.transform(archs)
    row = dict(zip(structure.feature_names_, X[archs.index(ToyArch(("conv", "none")))]))
    assert row["cell:n_paths"] == 0 and row["cell:conv:all"] == 1 and row["cell:conv:live"] == 0
    both = ConcatEncoder([StructureEncoder(), PathEncoder()]).fit_transform(archs)
    assert both.shape == (9, X.shape[1] + 4)
    graphs = GraphEncoder().fit_transform(archs)
    assert len(graphs) == 9 and graphs[0].x.shape == (4, 5)
    assert toy.from_decisions([1, 2]) == ToyArch(("conv", "skip")) and len(toy) == 9
