"""The NAS-Bench-101 space: official hashes, canonical identity, notations, moves, errors."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from nasbench_kit.errors import OutOfDomainError
from nasbench_kit.spaces import Architecture, get_space
from nasbench_kit.spaces import _graph as G
from nasbench_kit.spaces.nb101 import NASLIB_OPS, OPS, NB101Arch, NB101Space, enumerate_cells
from nasbench_kit.tables._safe_pickle import safe_load

SPACE = get_space("nb101")
FAST = settings(max_examples=40, deadline=None)
#: An official module hash and the NASLib 56-tuple of its cell (NASLib's own NB101 test pair).
KNOWN_HASH = "ff940d27cbe9ed0a639a68a9c3f87283"
KNOWN_TUPLE = (0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1,
               0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0,
               2, 4, 3, 3, 4, 1)  # fmt: skip
INCEPTION = (
    [[0, 1, 1, 1, 0, 1, 0], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 1, 0, 0],
     [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 0]],
    ["input", "conv1x1-bn-relu", "conv3x3-bn-relu", "conv3x3-bn-relu", "conv3x3-bn-relu",
     "maxpool3x3", "output"],
)  # fmt: skip

archs = st.integers(0, 2**32 - 1).map(SPACE.sample)


def relabel(arch: NB101Arch, seed: int) -> tuple[np.ndarray, list[str]]:
    """The same cell written in a random topological order of its vertices."""
    rng = np.random.default_rng(seed)
    m = np.array(arch.matrix)
    n = len(m)
    order, placed = [], set()
    while len(order) < n:
        ready = [
            v
            for v in range(n)
            if v not in placed and all(u in placed for u in np.flatnonzero(m[:, v]))
        ]
        v = int(rng.choice(ready))
        order.append(v)
        placed.add(v)
    return m[np.ix_(order, order)], [arch.ops[v] for v in order]


# ---- identity ------------------------------------------------------------------------
def test_registry_and_basics() -> None:
    assert isinstance(SPACE, NB101Space) and SPACE.name == "nb101" and len(SPACE) == 423_624
    assert SPACE.op_names == OPS
    a = SPACE.parse(KNOWN_TUPLE)
    assert isinstance(a, Architecture) and a.space_name == "nb101" and a.space is SPACE
    assert a.hash == KNOWN_HASH == a.iso_hash
    assert "hash" in vars(a)  # a plain attribute, not a property


def test_pickle_and_copy_keep_identity() -> None:
    import copy
    import pickle

    a = SPACE.parse(KNOWN_TUPLE)
    for b in (pickle.loads(pickle.dumps(a)), copy.deepcopy(a)):
        assert b == a and b.hash == a.hash and b.matrix == a.matrix and hash(b) == hash(a)
    with pytest.raises(AttributeError):
        a.ops = ()  # type: ignore[misc]


def test_official_hashes_of_the_naslib_sample(shared_data: Path) -> None:
    path = shared_data / "nb101" / "naslib_nb101_format_sample.pkl"
    if not path.exists():
        pytest.skip("nb101/naslib_nb101_format_sample.pkl not found beside the checkout")
    data = safe_load(path)
    for key, (fixed, _) in data.items():
        a = SPACE.from_spec(fixed["module_adjacency"], fixed["module_operations"])
        assert a.hash == key
        labels = [-1, *(OPS.index(o) for o in fixed["module_operations"][1:-1]), -2]
        assert G.module_hash(fixed["module_adjacency"], labels) == key  # the raw, uncanonical spec


def test_naslib_zc_keys_parse(shared_data: Path) -> None:
    path = shared_data / "nb101" / "naslib_zc_nasbench101.json"
    if not path.exists():
        pytest.skip("nb101/naslib_zc_nasbench101.json not found beside the checkout")
    records = json.loads(path.read_text())["nasbench101"]["cifar10"]
    by_hash: dict[str, set[float]] = {}
    for key, rec in records.items():
        t = tuple(int(v) for v in key.strip("()").split(","))
        assert len(t) == 56 and t[49] == NASLIB_OPS.index("input") and t[55] == 1
        a = SPACE.parse(t)  # unpruned NASLib specs: pruning and limits apply
        by_hash.setdefault(a.hash, set()).add(round(rec["flops"], 3))
    # Specs that prune to the same cell describe one network, hence (almost always) one FLOP count.
    same = sum(len(v) == 1 for v in by_hash.values())
    assert len(by_hash) < len(records) and same >= 0.95 * len(by_hash)


@FAST
@given(archs, st.integers(0, 10_000))
def test_hash_invariant_under_relabelling(a: NB101Arch, seed: int) -> None:
    m, ops = relabel(a, seed)
    b = SPACE.from_spec(m, ops)
    assert b == a and b.hash == a.hash and b.matrix == a.matrix and b.ops == a.ops
    assert SPACE.to_string(b) == SPACE.to_string(a)
    # the raw MD5 hash is invariant under any vertex permutation, not only topological ones
    perm = np.random.default_rng(seed).permutation(a.num_vertices)
    mp = np.array(a.matrix)[np.ix_(perm, perm)]
    labels = [(-1 if o == "input" else -2 if o == "output" else OPS.index(o)) for o in a.ops]
    assert G.module_hash(mp, [labels[v] for v in perm]) == a.hash


def test_pruning_like_model_spec() -> None:
    a = SPACE.from_spec(*INCEPTION)
    assert a.num_vertices == 7 and a.num_edges == 9
    padded = np.zeros((7, 7), dtype=int)
    padded[:3, :3] = [[0, 1, 0], [0, 0, 0], [0, 0, 0]]
    padded[1, 6] = 1
    padded[0, 4] = 1  # 4 is fed but feeds nothing: dangling
    padded[3, 5] = 1  # 3 and 5 are not reached from the input
    b = SPACE.from_spec(padded, ["input", "maxpool3x3", "conv1x1-bn-relu", "conv3x3-bn-relu",
                                 "conv3x3-bn-relu", "conv1x1-bn-relu", "output"])  # fmt: skip
    assert b.matrix == ((0, 1, 0), (0, 0, 1), (0, 0, 0)) and b.ops[1] == "maxpool3x3"
    many_raw = np.triu(np.ones((7, 7), dtype=int), 1)
    many_raw[:, 6] = 0
    many_raw[5, 6] = 1
    many_raw[1:5, :] = 0  # 15 -> 2 edges once 1..4 are pruned
    many_raw[0, :] = 0
    many_raw[0, 5] = 1
    c = SPACE.from_spec(many_raw, ["input", *["conv3x3-bn-relu"] * 5, "output"])
    assert c.num_vertices == 3


# ---- notations -----------------------------------------------------------------------
@FAST
@given(archs)
def test_round_trips(a: NB101Arch) -> None:
    s = SPACE.to_string(a)
    assert SPACE.from_string(s) == a and SPACE.from_string(s).to_string() == s
    assert SPACE.parse(s) == a and repr(a) == f"NB101Arch({s!r})"
    notes = SPACE.notations(a)
    assert set(notes) >= {"string", "hash", "spec", "naslib"}
    assert SPACE.parse(notes["spec"]) == a
    assert SPACE.parse((notes["spec"]["matrix"], notes["spec"]["ops"])) == a
    assert len(notes["naslib"]) == 56 and SPACE.parse(notes["naslib"]) == a
    assert SPACE.parse(np.array(notes["naslib"])) == a
    assert SPACE.parse({"module_adjacency": np.array(a.matrix), "module_operations": a.ops}) == a
    assert SPACE.parse(a) is a and SPACE.is_valid(s)


def test_string_with_ends_and_aliases() -> None:
    a = SPACE.from_string("011,001,000|conv3x3-bn-relu")
    assert SPACE.from_string("011,001,000|input,conv3x3,output") == a
    assert SPACE.from_string("01,00|").num_vertices == 2


# ---- sampling and moves ----------------------------------------------------------------
def test_sample_is_seeded_and_valid() -> None:
    assert SPACE.sample(3) == SPACE.sample(3)
    drawn = {SPACE.sample(s).hash for s in range(60)}
    assert len(drawn) > 30  # random_spec favours small pruned cells, so repeats happen
    assert all(SPACE.sample(s).num_edges <= 9 for s in range(30))


@FAST
@given(archs, st.integers(0, 10_000))
def test_mutate(a: NB101Arch, seed: int) -> None:
    b = SPACE.mutate(a, seed)
    assert isinstance(b, NB101Arch) and b != a and b == SPACE.mutate(a, seed)
    assert b.num_vertices <= 7 and b.num_edges <= 9


@settings(max_examples=15, deadline=None)
@given(archs)
def test_neighbors(a: NB101Arch) -> None:
    nbrs = SPACE.neighbors(a)
    hashes = [b.hash for b in nbrs]
    assert len(set(hashes)) == len(hashes) and a.hash not in hashes and nbrs
    assert all(SPACE.is_valid(SPACE.to_string(b)) for b in nbrs)
    assert {SPACE.mutate(a, s).hash for s in range(5)} <= set(hashes)


def test_small_cell_can_grow() -> None:
    tiny = SPACE.from_string("01,00|")
    grown = SPACE.neighbors(tiny)
    assert {b.num_vertices for b in grown} == {3}
    assert len(grown) == 3  # input -> op -> output, one per op (the 0->2 edge is kept)


# ---- errors ----------------------------------------------------------------------------
OPS3 = ["input", "conv3x3-bn-relu", "output"]


@pytest.mark.parametrize(
    ("matrix", "ops", "match"),
    [
        ([[0, 1], [0, 0], [0, 0]], ["input", "output"], "square"),
        ([[0, 1, 1], [0, 0]], OPS3, "square"),
        ([[0, 2, 0], [0, 0, 1], [0, 0, 0]], OPS3, "0 or 1"),
        ([[0, 1, 0], [1, 0, 1], [0, 0, 0]], OPS3, "upper-triangular"),
        ([[0, 1, 0], [0, 0, 1], [0, 0, 0]], ["input", "conv5x5", "output"], "unknown op"),
        ([[0, 1, 0], [0, 0, 1], [0, 0, 0]], ["conv3x3-bn-relu", "input", "output"], "first op"),
        ([[0, 1, 0], [0, 0, 0], [0, 0, 0]], OPS3, "no path"),
        ([[0, 1, 0], [0, 0, 1], [0, 0, 0]], ["input", "output"], "2 ops"),
        (
            np.triu(np.ones((8, 8), dtype=int), 1),
            ["input", *["maxpool3x3"] * 6, "output"],
            "8 vertices",
        ),
        (
            np.triu(np.ones((6, 6), dtype=int), 1),
            ["input", *["maxpool3x3"] * 4, "output"],
            "15 edges",
        ),
    ],
)
def test_bad_specs(matrix: object, ops: list[str], match: str) -> None:
    with pytest.raises(OutOfDomainError, match=match) as info:
        SPACE.from_spec(matrix, ops)
    assert ";" in str(info.value)  # rule; fix


@pytest.mark.parametrize(
    "x",
    [
        "",
        "0,1|",
        "011,001,000",
        "011,001|conv3x3-bn-relu",
        (1, 2, 3),
        3.5,
        {"matrix": 1},
        tuple([0] * 49 + [0, 9, 2, 2, 2, 2, 1]),
    ],  # fmt: skip
)
def test_bad_notations(x: object) -> None:
    with pytest.raises(OutOfDomainError):
        SPACE.parse(x)
    assert not SPACE.is_valid(x)


def test_foreign_architecture_is_refused() -> None:
    other = get_space("nb201").sample(0)
    with pytest.raises(OutOfDomainError):
        SPACE.parse(other)
    with pytest.raises(OutOfDomainError):
        SPACE.to_string(other)


# ---- graphs and enumeration --------------------------------------------------------------
def test_to_graph() -> None:
    a = SPACE.from_spec(*INCEPTION)
    g = SPACE.to_graph(a)
    assert g.x.dtype == torch.float32 and g.edge_index.dtype == torch.long
    assert g.x.shape == (7, len(SPACE.node_feature_names)) and g.edge_index.shape == (2, 9)
    assert torch.equal(g.x.sum(1), torch.ones(7))
    names = [SPACE.node_feature_names[int(i)] for i in g.x.argmax(1)]
    assert names == list(a.ops)
    assert all(int(s) < int(t) for s, t in g.edge_index.t())


def test_small_enumeration_matches_brute_force_md5() -> None:
    """Cells with <= 5 vertices: the fast enumeration equals hashing every labelled DAG."""
    fast: set[str] = set()
    count = 0
    for matrices, labels in enumerate_cells(max_vertices=5):
        for m, lab in zip(matrices, labels):
            fast.add(G.module_hash(m, [-1, *lab.tolist(), -2]))
            count += 1
    brute: set[str] = set()
    for n in range(2, 6):
        for m in G.full_dags(n, 9):
            for lab in itertools.product(range(3), repeat=n - 2):
                brute.add(G.module_hash(m, [-1, *lab, -2]))
    assert fast == brute and count == len(brute) == 1 + 6 + 84 + 2441
    ids = [G.wl_fingerprints(m, np.concatenate([np.full((len(m), 1), -1), lab,
                                                np.full((len(m), 1), -2)], axis=1))
           for m, lab in enumerate_cells(max_vertices=5)]  # fmt: skip
    assert sum(len(np.unique(i)) for i in ids) == count


def test_enumerate_prefix() -> None:
    first = list(itertools.islice(SPACE.enumerate(), 200))
    assert len({a.hash for a in first}) == 200
    assert first[0].num_vertices == 2 and all(isinstance(a, NB101Arch) for a in first)
