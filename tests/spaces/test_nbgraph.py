"""The NAS-Bench-Graph space: canonical keys, notations, moves, graphs, errors."""

from __future__ import annotations

import importlib.util
import itertools
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nasbench_kit.errors import OutOfDomainError
from nasbench_kit.spaces import get_space
from nasbench_kit.spaces.nbgraph import (
    LINK_PATTERNS,
    OP_NAMES,
    NBGraphArch,
    NBGraphSpace,
)
from nasbench_kit.tables._safe_pickle import safe_load

SPACE = get_space("nbgraph")
FAST = settings(max_examples=60, deadline=None)
DATASETS = (
    "cora",
    "citeseer",
    "pubmed",
    "cs",
    "physics",
    "photo",
    "computers",
    "arxiv",
    "proteins",
)
ALL_LINKS = [(0, a, b, c) for a in range(2) for b in range(3) for c in range(4)]


@st.composite
def specs(draw: st.DrawFn) -> tuple[tuple[int, ...], tuple[str, ...]]:
    """Any valid (links, ops) with at least one non-skip op."""
    links = tuple(draw(st.integers(0, i)) for i in range(4))
    ops = draw(
        st.lists(st.sampled_from(OP_NAMES), min_size=4, max_size=4).filter(
            lambda o: o != ["skip"] * 4
        )
    )
    return links, tuple(ops)


archs = specs().map(lambda s: NBGraphArch(*s))


def bench_keys(name: str) -> set[int]:
    """Keys of one shipped ``light/<name>.bench`` table, read with the restricted unpickler."""
    spec = importlib.util.find_spec("nas_bench_graph")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("nas-bench-graph is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "light" / f"{name}.bench"
    if not path.is_file():
        pytest.skip(f"{path.name} not shipped by the installed nas-bench-graph")
    return set(safe_load(path))


@pytest.fixture(scope="module")
def all_archs() -> list[NBGraphArch]:
    return list(SPACE.enumerate())


def test_registered_and_sized() -> None:
    assert isinstance(SPACE, NBGraphSpace) and SPACE.arch_type is NBGraphArch
    assert len(SPACE) == 26206 and NBGraphArch.space_name == "nbgraph"


def test_enumerate_is_exactly_the_benchmark_key_set(all_archs: list[NBGraphArch]) -> None:
    keys = [a.key for a in all_archs]
    assert len(keys) == len(set(keys)) == len(SPACE) and keys == sorted(keys)
    assert set(keys) == bench_keys("cora")
    assert [a.hash for a in all_archs] == [str(k) for k in keys]
    assert all(a.iso_hash == a.hash for a in all_archs)


@pytest.mark.parametrize("name", DATASETS[1:])
def test_every_shipped_table_is_covered(name: str) -> None:
    enumerated = {a.key for a in SPACE.enumerate()}
    keys = bench_keys(name)
    assert keys <= enumerated and (name == "proteins" or keys == enumerated)


def test_keys_round_trip_and_specs_are_canonical(all_archs: list[NBGraphArch]) -> None:
    for a in all_archs:
        assert SPACE.from_key(a.key) == a and a.links in LINK_PATTERNS
        again = SPACE.from_spec(a.links, a.ops)
        assert again.key == a.key and again.links == a.links and again.ops == a.ops


def test_agrees_with_the_package_rule_on_every_spec() -> None:
    """Reference check (tests only): the package's ``Arch.valid_hash`` on all 157,440 specs."""
    reference = pytest.importorskip("nas_bench_graph.architecture")
    for links in ALL_LINKS:
        for ops in itertools.product(OP_NAMES, repeat=4):
            if ops == ("skip",) * 4:
                continue
            expected = reference.Arch(list(links), list(ops)).valid_hash()
            assert NBGraphArch(links, ops).key == expected, (links, ops)


@FAST
@given(specs())
def test_every_notation_round_trips(spec: tuple[tuple[int, ...], tuple[str, ...]]) -> None:
    arch = SPACE.from_spec(*spec)
    assert SPACE.from_string(SPACE.to_string(arch)) == arch
    assert SPACE.from_string(",".join(map(str, spec[0])) + "|" + ",".join(spec[1])) == arch
    assert SPACE.from_key(arch.key) == arch and SPACE.parse(arch.key) == arch
    for value in SPACE.notations(arch).values():
        assert SPACE.parse(value) == arch
    assert SPACE.parse(SimpleNamespace(link=list(spec[0]), ops=list(spec[1]))) == arch
    assert SPACE.parse({"links": spec[0], "ops": spec[1]}) == arch
    assert SPACE.parse(arch) is arch and arch.space is SPACE
    assert SPACE.from_spec(spec[0], [OP_NAMES.index(o) for o in spec[1]]) == arch
    assert arch.to_string() == repr(arch)[len("NBGraphArch('") : -2]


@FAST
@given(archs, st.integers(0, 2**32 - 1))
def test_mutate_is_a_different_neighbour(arch: NBGraphArch, seed: int) -> None:
    child = SPACE.mutate(arch, seed)
    assert child != arch and child in SPACE.neighbors(arch)
    assert child == SPACE.mutate(arch, np.random.default_rng(seed))


@FAST
@given(archs)
def test_neighbors_are_valid_distinct_and_one_edit_away(arch: NBGraphArch) -> None:
    nbrs = SPACE.neighbors(arch)
    assert nbrs and arch not in nbrs and len(set(nbrs)) == len(nbrs)
    for n in nbrs:
        assert isinstance(n, NBGraphArch) and SPACE.from_key(n.key) == n
    # every single-op edit of the canonical spec lands in the list (or on arch itself)
    for i, op in itertools.product(range(4), OP_NAMES):
        ops = arch.ops[:i] + (op,) + arch.ops[i + 1 :]
        if ops != ("skip",) * 4:
            edited = NBGraphArch(arch.links, ops)
            assert edited == arch or edited in nbrs


def test_sample_is_seeded_and_uniform_over_keys() -> None:
    assert [SPACE.sample(s) for s in range(20)] == [SPACE.sample(s) for s in range(20)]
    rng = np.random.default_rng(1)
    drawn = {SPACE.sample(rng).key for _ in range(300)}
    assert len(drawn) > 280  # 300 draws from 26,206 keys rarely collide


@pytest.mark.parametrize(
    "bad",
    [
        "0,0,1,2|gcn,gat,skip",  # three ops
        "0,0,1|gcn,gat,skip,sage",  # three links
        "0,0,3,2|gcn,gat,skip,sage",  # node 3 cannot read node 3
        "0,0,1,2|gcn,gat,skip,mlp",  # unknown op
        "0, 0, 1, 2|gcn,gat,skip,sage",  # spaces
        "0,0,1,2;gcn,gat,skip,sage",  # wrong separator
        "0,0,0,0|skip,skip,skip,skip",  # no computing layer
        "",
    ],
)
def test_bad_strings_raise(bad: str) -> None:
    with pytest.raises(OutOfDomainError, match="NB-Graph"):
        SPACE.from_string(bad)
    assert not SPACE.is_valid(bad)


@pytest.mark.parametrize(
    "bad",
    [-1, 90000, 9, 10100, 18888, True, 1.5, None, ([0, 2, 0, 0], ["gcn"] * 4),
     ([1, 0, 0, 0], ["gcn"] * 4), ([0, 0, 0, 0], ["gcn", "gat", "gin"]),
     {"ops": ["gcn"] * 4}],
)  # fmt: skip
def test_bad_notations_raise(bad: object) -> None:
    with pytest.raises(OutOfDomainError):
        SPACE.parse(bad)


def test_non_canonical_key_message_points_to_from_spec() -> None:
    # 10100 spells links 0,0,0,1 with ops gat,gcn,gat,gat: nodes 2 and 3 are interchangeable
    # and their ops are not in canonical (sorted) order, so it is not a benchmark key
    with pytest.raises(OutOfDomainError, match="from_spec"):
        SPACE.from_key(10100)
    assert SPACE.from_spec([0, 0, 0, 1], ["gat", "gcn", "gat", "gat"]).key == 10010


def test_unknown_op_message_lists_the_choices() -> None:
    with pytest.raises(OutOfDomainError, match=r"'mlp'.*'gat'"):
        SPACE.from_spec([0, 0, 1, 2], ["gcn", "gat", "skip", "mlp"])


def test_other_spaces_archs_are_refused() -> None:
    other = get_space("nb201").sample(0)
    with pytest.raises(OutOfDomainError, match="nb201"):
        SPACE.parse(other)
    with pytest.raises(OutOfDomainError):
        SPACE.to_graph(other)


def test_to_graph_feeds_leaves_to_the_output() -> None:
    arch = SPACE.from_spec([0, 0, 1, 1], ["gcn", "gat", "sage", "gin"])
    g = SPACE.to_graph(arch)
    assert g.x.shape == (6, len(SPACE.node_feature_names)) == (6, 11)
    names = [SPACE.node_feature_names[i] for i in g.x.argmax(dim=1).tolist()]
    assert names == ["input", *arch.ops, "output"]
    edges = set(zip(*g.edge_index.tolist()))
    assert edges == {(0, 1), (0, 2), (1, 3), (1, 4), (2, 5), (3, 5), (4, 5)}
