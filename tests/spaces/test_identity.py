"""Speed work changed no identity: every space against ``data/identity.json``.

The fixture was written by the code before the speed work (see
``identity_fixture.py``). Each check rebuilds the pinned architectures through
several notations (the constructors take different fast paths) and compares
``hash``, ``iso_hash`` and the canonical string, bit for bit.
"""

from __future__ import annotations

import itertools
import json
import pickle
from typing import Any

import numpy as np
import pytest

from nasbench_kit.errors import OutOfDomainError
from nasbench_kit.spaces import get_space
from nasbench_kit.spaces.darts import DartsArch
from nasbench_kit.spaces.nb101 import NB101Arch

from .identity_fixture import FIXTURE, darts_cells, nb101_spec, sha

DATA: dict[str, Any] = json.loads(FIXTURE.read_text())


def test_nb201_every_cell_in_every_notation() -> None:
    space = get_space("nb201")
    lines = []
    for i in range(space.n_architectures):
        a = space.from_index(i)
        lines.append(f"{i} {a.hash} {a.iso_hash}")
        for b in (space.from_string(a.hash), space.from_ops(list(a.ops)),
                  space.from_decisions(space.to_decisions(a)), space.parse(space.to_naslib(a))):  # fmt: skip
            assert (b.hash, b.iso_hash, b.index) == (a.hash, a.iso_hash, i)
    assert lines[:5] == DATA["nb201"]["first"]
    assert sha(lines) == DATA["nb201"]["sha256"]
    fresh = [type(a)(a.ops) for a in space.enumerate()]  # the plain constructor, no cache
    assert sha([f"{a.index} {a.hash} {a.iso_hash}" for a in fresh]) == DATA["nb201"]["sha256"]


def test_nbgraph_every_key_in_every_notation() -> None:
    space = get_space("nbgraph")
    lines = []
    for a in space.enumerate():
        lines.append(f"{a.key} {a.hash} {a.iso_hash} {space.to_string(a)}")
        for b in (space.from_key(a.key), space.from_string(space.to_string(a)),
                  space.from_spec(a.links, a.ops), space.from_decisions(space.to_decisions(a))):  # fmt: skip
            assert (b.key, b.hash, b.iso_hash, b.links, b.ops) == (
                a.key,
                a.hash,
                a.iso_hash,
                a.links,
                a.ops,
            )
    assert lines[:5] == DATA["nbgraph"]["first"]
    assert sha(lines) == DATA["nbgraph"]["sha256"]


def _nb101_notations(text: str) -> list[Any]:
    matrix, ops = nb101_spec(text)
    rows = ",".join("".join(map(str, r)) for r in matrix)
    n = len(ops)
    return [
        (matrix, ops),
        (tuple(map(tuple, matrix)), tuple(ops)),
        (np.array(matrix, dtype=np.int8), ops),
        (np.array(matrix, dtype=bool), ops),
        f"{rows}|{','.join(ops[1:-1])}",
        {"module_adjacency": np.array(matrix), "module_operations": ops},
        (
            *(v for r in matrix for v in r),
            0,
            *(2 + [*get_space("nb101").op_names[::-1]].index(o) for o in ops[1:-1]),
            1,
        )
        if n > 2
        else None,
    ]


def test_nb101_specs_in_every_notation() -> None:
    space, fixture = get_space("nb101"), DATA["nb101"]
    full = []
    for text, want in zip(fixture["inputs"], fixture["hash8"]):
        got = []
        for x in _nb101_notations(text):
            if x is None:
                continue
            try:
                a = space.parse(x)
            except OutOfDomainError:
                got.append("refused")
                continue
            got.append(a.hash[:8])
            assert a.iso_hash == a.hash
            line = f"{a.hash} {a.iso_hash} {a.to_string()}"
        assert set(got) == {want}, text
        if want != "refused":
            full.append(line)
    assert sha(full) == fixture["sha256"]


def _darts_notations(text: str) -> list[Any]:
    normal, reduce = darts_cells(text)
    return [
        DartsArch(normal=normal, reduce=reduce),
        DartsArch(normal=[list(p) for p in normal], reduce=tuple(reduce)),  # the checked path
        get_space("darts").parse(
            [[(i, get_space("darts").op_names.index(op)) for op, i in c] for c in (normal, reduce)]
        ),
        DartsArch(normal=[(op, np.int64(i)) for op, i in normal], reduce=reduce),
    ]


def test_darts_specs_in_every_notation() -> None:
    space, fixture = get_space("darts"), DATA["darts"]
    full = []
    for text, want in zip(fixture["inputs"], fixture["hash8_iso8"]):
        archs = _darts_notations(text)
        archs.append(space.from_string(archs[0].to_string()))
        archs.append(space.from_decisions(space.to_decisions(archs[0])))
        archs.append(pickle.loads(pickle.dumps(archs[0])))
        for a in archs:
            assert f"{a.hash[:8]} {a.iso_hash[:8]}" == want, text
            assert a.normal == archs[0].normal and a.reduce == archs[0].reduce
        a = archs[0]
        full.append(f"{a.hash} {a.iso_hash} {a.to_string()}")
    assert sha(full) == fixture["sha256"]


@pytest.mark.parametrize("name", ["nb201", "nbgraph", "nb101", "darts"])
def test_mutate_and_neighbors_streams(name: str) -> None:
    space, fixture = get_space(name), DATA[name]

    def key(a: Any) -> str:
        return {"nb201": lambda: str(a.index), "nbgraph": lambda: str(a.key)}.get(
            name, lambda: a.hash[:8]
        )()

    samples = [space.sample(seed=s) for s in range(20)]
    if name != "darts":  # DARTS draws its samples differently since the speed work
        assert [key(a) for a in samples] == fixture["sample"]
        mutants = [space.mutate(a, seed=s) for s, a in enumerate(samples)]
        assert [key(a) for a in mutants] == fixture["mutate"]
        neighbors = [
            sha([f"{b.hash} {b.iso_hash}" for b in space.neighbors(a)]) for a in samples[:4]
        ]
        assert neighbors == fixture["neighbors_sha256"]


def test_darts_mutate_and_neighbors_keep_the_old_move_order() -> None:
    """``mutate`` draws one of the 120 moves in the old order; ``neighbors`` lists them so."""
    space = get_space("darts")
    for s, text in enumerate(DATA["darts"]["inputs"][:40]):
        a = DartsArch(*darts_cells(text))
        moves = space._moves(a)
        assert len(moves) == 120
        assert [space._move_at(a, m) for m in range(120)] == moves
        old = [DartsArch(normal=c[0], reduce=c[1]) for c in _old_apply(a, moves)]
        assert [b.hash for b in space.neighbors(a)] == [b.hash for b in old]
        assert [b.iso_hash for b in space.neighbors(a)] == [b.iso_hash for b in old]
        m = int(np.random.default_rng(s).integers(120))
        assert space.mutate(a, seed=s) == old[m]


def _old_apply(a: DartsArch, moves: list[tuple[int, int, str, int]]) -> list[list[list[Any]]]:
    out = []
    for c, pos, op, inp in moves:
        cells = [list(a.normal), list(a.reduce)]
        cells[c][pos] = (op, inp)
        out.append(cells)
    return out


def _reference_iso_key(cell: tuple[tuple[str, int], ...]) -> str:
    """The iso key as first written: the smallest text over all valid relabellings."""
    nodes_ = (2, 3, 4, 5)
    deps = [(inp, 2 + pos // 2) for pos, (_, inp) in enumerate(cell) if inp >= 2]
    keys = []
    for p in itertools.permutations(nodes_):
        perm = dict(zip(nodes_, p))
        if all(perm[j] < perm[k] for j, k in deps):
            nodes: dict[int, list[tuple[int, str]]] = {
                perm[2 + pos // 2]: [] for pos in range(0, 8, 2)
            }
            for pos, (op, inp) in enumerate(cell):
                nodes[perm[2 + pos // 2]].append((inp if inp < 2 else perm[inp], op))
            keys.append(repr([sorted(nodes[n]) for n in nodes_]))
    return min(keys)


def test_darts_iso_key_equals_the_smallest_text() -> None:
    from nasbench_kit.spaces._darts_cells import OPS, iso_key

    assert len({len(op) for op in OPS}) == 1  # what makes the shortcut exact
    space = get_space("darts")
    rng = np.random.default_rng(7)
    cells = [c for a in (space.sample(rng) for _ in range(400)) for c in (a.normal, a.reduce)]
    # ties: cells of two ops, where many relabellings give equal node texts
    for _ in range(800):
        cell = []
        for k in (2, 3, 4, 5):
            cell += [
                (OPS[int(rng.integers(2))], i) for i in sorted(rng.permutation(k)[:2].tolist())
            ]
        cells.append(tuple(cell))
    # chains and more ties: every node reading the previous one / the inputs, one op everywhere
    cells += [tuple((op, i) for k in (2, 3, 4, 5) for i in (k - 2, k - 1)) for op in OPS]
    cells += [tuple((op, i) for k in (2, 3, 4, 5) for i in (0, 1)) for op in OPS]
    for cell in cells:
        assert iso_key(cell) == _reference_iso_key(cell)


def test_iso_hash_is_computed_on_first_read_and_kept() -> None:
    a = get_space("darts").sample(seed=3)
    assert "iso_hash" not in vars(a) and "hash" in vars(a)
    first = a.iso_hash
    assert vars(a)["iso_hash"] == first and a.iso_hash is first
    b = pickle.loads(pickle.dumps(a))
    assert b == a and b.iso_hash == first
    with pytest.raises(AttributeError):
        a.iso_hash = "x"  # type: ignore[misc]


def test_nb101_arch_unpickles_without_the_cache() -> None:
    a = NB101Arch(*nb101_spec("4:111011|12"))
    b = pickle.loads(pickle.dumps(a))
    assert (b.hash, b.matrix, b.ops) == (a.hash, a.matrix, a.ops)
