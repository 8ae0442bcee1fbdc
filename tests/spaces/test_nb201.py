"""The NAS-Bench-201 space: notations, official index, equivalence classes, moves, graphs."""

from __future__ import annotations

import ast
import csv
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import spearmanr

import nasbench_kit as nbk
from nasbench_kit.errors import OutOfDomainError
from nasbench_kit.spaces import get_space
from nasbench_kit.spaces.nb201 import (
    EDGES,
    NASLIB_OPS,
    OP_NAMES,
    NB201Arch,
    NB201Space,
    nb201_unique_str,
)

SPACE = get_space("nb201")
FAST = settings(max_examples=60, deadline=None)
INDEX_1 = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"
INDEX_0 = "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|"

op_lists = st.lists(st.sampled_from(OP_NAMES), min_size=6, max_size=6)
archs = op_lists.map(lambda ops: NB201Arch(tuple(ops)))


def shared_file(shared_data: Path, rel: str) -> Path:
    """One file under the shared data folder, or skip with the reason."""
    path = shared_data / rel
    if not path.exists():
        pytest.skip(f"shared data file {rel!r} not found")
    return path


def arch_string(ops: tuple[str, ...]) -> str:
    return "|{}~0|+|{}~0|{}~1|+|{}~0|{}~1|{}~2|".format(*ops)


def test_api_line_and_registration() -> None:
    assert nbk.get_space("nb201").from_string(INDEX_1).index == 1
    assert isinstance(SPACE, NB201Space) and SPACE.arch_type is NB201Arch
    assert SPACE.op_names == OP_NAMES and SPACE.from_index(0).to_string() == INDEX_0


def test_enumerate_gives_every_cell_once_in_index_order() -> None:
    cells = list(SPACE.enumerate())
    assert len(cells) == len(SPACE) == 15625
    assert [a.index for a in cells] == list(range(15625))
    assert len({a.hash for a in cells}) == 15625 and len(set(cells)) == 15625


@pytest.mark.parametrize(
    "name",
    [
        "nb201_cifar10-valid_200ep_seedavg.csv",
        "nb201_12ep_accuracy.csv",
        "nb201_latency_ms_help.csv",
    ],
)
def test_index_file_agrees_with_published_tables(shared_data: Path, name: str) -> None:
    path = shared_file(shared_data, f"nb201/{name}")
    with open(path, newline="") as fh:
        rows = [(int(r["index"]), r["arch_str"]) for r in csv.DictReader(fh)]
    assert len(rows) == 15625
    for index, text in rows:
        assert SPACE.from_index(index).hash == text
        assert SPACE.from_string(text).index == index


def test_index_file_is_read_lazily() -> None:
    code = (
        "import nasbench_kit.spaces.nb201 as m;"
        "a = m.NB201Arch(('none',) * 6); a.hash; a.iso_hash;"
        "before = m._index_tables.cache_info().currsize; a.index;"
        "print(before, m._index_tables.cache_info().currsize)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["0", "1"]


def test_index_file_ships_as_package_data() -> None:
    import nasbench_kit.spaces as pkg

    data = Path(pkg.__file__).parent / "data" / "nb201_index.npy"
    table = np.load(data, allow_pickle=False)
    assert table.dtype == np.uint16 and np.array_equal(np.sort(table), np.arange(15625))


def test_naslib_mapping_matches_published_accuracies(shared_data: Path) -> None:
    """NASLib val accuracies line up with the CSV under the documented edge reordering."""
    zc = json.loads(shared_file(shared_data, "nb201/naslib_zc_nasbench201.json").read_text())[
        "cifar10"
    ]
    with open(
        shared_file(shared_data, "nb201/nb201_cifar10-valid_200ep_seedavg.csv"), newline=""
    ) as fh:
        test_acc = {r["arch_str"]: float(r["test-accuracy"]) for r in csv.DictReader(fh)}
    tuples = [ast.literal_eval(k) for k in zc]
    naslib_acc = [zc[k]["val_accuracy"] for k in zc]
    ours = [test_acc[SPACE.from_naslib(t).hash] for t in tuples]
    naive = [test_acc[arch_string(tuple(NASLIB_OPS[i] for i in t))] for t in tuples]
    rho_ours = spearmanr(naslib_acc, ours).statistic
    assert rho_ours > 0.98 and rho_ours > spearmanr(naslib_acc, naive).statistic + 0.1
    assert all(SPACE.to_naslib(SPACE.from_naslib(t)) == t for t in tuples)
    assert all(SPACE.parse(k) == SPACE.from_naslib(t) for k, t in zip(zc, tuples))


def test_naslib_edge_order_example() -> None:
    t = (0, 1, 2, 3, 4, 0)
    expected = (
        "|skip_connect~0|+|none~0|nor_conv_1x1~1|+|nor_conv_3x3~0|avg_pool_3x3~1|skip_connect~2|"
    )
    assert SPACE.from_naslib(t).hash == expected


@FAST
@given(archs)
def test_every_notation_round_trips(arch: NB201Arch) -> None:
    assert SPACE.from_string(SPACE.to_string(arch)) == arch
    assert SPACE.from_index(arch.index) == arch
    assert SPACE.from_naslib(SPACE.to_naslib(arch)) == arch
    assert SPACE.from_ops([OP_NAMES.index(o) for o in arch.ops]) == arch
    assert SPACE.from_ops(list(arch.ops)) == arch
    for value in SPACE.notations(arch).values():
        assert SPACE.parse(value) == arch
    assert SPACE.parse(arch) is arch and SPACE.parse(str(SPACE.to_naslib(arch))) == arch
    assert arch.to_string() == arch.hash == repr(arch)[len("NB201Arch('") : -2]
    assert hash(arch) == hash(NB201Arch(arch.ops)) and arch.space is SPACE


@FAST
@given(archs, st.integers(0, 2**32 - 1))
def test_mutate_changes_exactly_one_op(arch: NB201Arch, seed: int) -> None:
    child = SPACE.mutate(arch, seed)
    assert child != arch and sum(a != b for a, b in zip(arch.ops, child.ops)) == 1
    assert child == SPACE.mutate(arch, np.random.default_rng(seed))
    assert child in SPACE.neighbors(arch)


@FAST
@given(archs)
def test_neighbors_are_the_24_one_op_changes(arch: NB201Arch) -> None:
    nbrs = SPACE.neighbors(arch)
    assert len(nbrs) == len(set(nbrs)) == 24 and arch not in nbrs
    assert all(sum(a != b for a, b in zip(arch.ops, n.ops)) == 1 for n in nbrs)


def test_sample_is_seeded_and_covers_ops() -> None:
    first = [SPACE.sample(s) for s in range(50)]
    assert first == [SPACE.sample(s) for s in range(50)]
    rng = np.random.default_rng(3)
    drawn = [SPACE.sample(rng) for _ in range(200)]
    assert {op for a in drawn for op in a.ops} == set(OP_NAMES)


@pytest.mark.parametrize(
    "bad",
    [
        INDEX_1.replace("nor_conv_3x3", "conv3x3", 1),  # unknown op
        INDEX_1[:-1],  # missing closing bar
        INDEX_1.replace("~1|+", "~2|+", 1),  # wrong source id
        INDEX_1.replace("|+|", "|", 1),  # two nodes merged
        " " + INDEX_1,  # stray space
        "|none~0|+|none~0|none~1|",  # only 2 nodes
        "",
    ],
)
def test_bad_strings_raise_clear_errors(bad: str) -> None:
    with pytest.raises(OutOfDomainError, match="NB201 string"):
        SPACE.from_string(bad)
    assert not SPACE.is_valid(bad)


def test_unknown_op_message_names_the_op_and_the_choices() -> None:
    with pytest.raises(OutOfDomainError, match=r"'conv3x3'.*nor_conv_3x3"):
        SPACE.from_string(INDEX_1.replace("nor_conv_3x3", "conv3x3", 1))


@pytest.mark.parametrize(
    "bad",
    [-1, 15625, True, 2.0, (0, 1, 2, 3, 4, 5), [0, 1, 2, 3, 4, 0], ("none",) * 5, None,
     ("none",) * 5 + ("conv",), "(0, 1, x, 3, 4, 0)"],
)  # fmt: skip
def test_bad_notations_raise(bad: object) -> None:
    with pytest.raises(OutOfDomainError):
        SPACE.parse(bad)


def test_other_spaces_archs_are_refused() -> None:
    other = get_space("nbgraph").sample(0)
    with pytest.raises(OutOfDomainError, match="nbgraph"):
        SPACE.parse(other)
    with pytest.raises(OutOfDomainError):
        SPACE.neighbors(other)


def test_iso_class_counts() -> None:
    assert len(SPACE.iso_classes()) == 4930
    assert len(SPACE.iso_classes("nb201")) == 6466  # the NB201 paper's figure
    with pytest.raises(OutOfDomainError):
        SPACE.iso_classes("graph")  # type: ignore[arg-type]


def _functional_fingerprints(seed: int = 0, dim: int = 6) -> list[bytes]:
    """Output of every cell on a random input, ops replaced by random tanh layers (f(0)=0)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=dim)
    mats = {op: rng.normal(size=(dim, dim)) for op in OP_NAMES[2:]}

    def apply(op: str, v: np.ndarray) -> np.ndarray:
        if op == "none":
            return np.zeros(dim)
        return v if op == "skip_connect" else np.tanh(mats[op] @ v)

    out = []
    for arch in SPACE.enumerate():
        nodes = [x]
        for target in (1, 2, 3):
            terms = [apply(op, nodes[s]) for (t, s), op in zip(EDGES, arch.ops) if t == target]
            nodes.append(np.sum(terms, axis=0))
        out.append(np.round(nodes[3], 8).tobytes())
    return out


def test_iso_hash_matches_brute_force_functional_evaluation() -> None:
    prints = _functional_fingerprints()
    iso = [a.iso_hash for a in SPACE.enumerate()]
    assert len(set(prints)) == len(set(iso)) == len(set(zip(prints, iso)))


def test_nb201_rule_refines_functional_classes() -> None:
    """The paper's 6,466 rule only splits functional classes, never merges two."""
    by_rule: dict[str, set[str]] = {}
    for arch in SPACE.enumerate():
        by_rule.setdefault(nb201_unique_str(arch), set()).add(arch.iso_hash)
    assert all(len(v) == 1 for v in by_rule.values())


@FAST
@given(archs)
def test_swapping_unlinked_intermediate_nodes_keeps_iso_hash(arch: NB201Arch) -> None:
    a = arch.ops
    cell = NB201Arch((a[0], a[1], "none", a[3], a[4], a[5]))
    swapped = NB201Arch((a[1], a[0], "none", a[3], a[5], a[4]))
    assert cell.iso_hash == swapped.iso_hash


def test_iso_hash_examples() -> None:
    zero = NB201Arch(("nor_conv_3x3", "none", "none", "none", "none", "none"))
    assert zero.iso_hash == "0"
    dead_end = NB201Arch(("nor_conv_3x3", "avg_pool_3x3", "none", "skip_connect", "none", "none"))
    assert dead_end.iso_hash == "x"  # nodes 1 and 2 never reach the output
    chain = NB201Arch(("skip_connect", "none", "nor_conv_1x1", "none", "none", "skip_connect"))
    direct = NB201Arch(("skip_connect", "none", "none", "none", "nor_conv_1x1", "none"))
    assert chain.iso_hash == direct.iso_hash == "conv1x1(x)"  # skips vanish


def test_to_graph_is_an_eight_node_data_flow_dag() -> None:
    arch = SPACE.from_index(1)
    g = SPACE.to_graph(arch)
    assert g.x.shape == (8, len(SPACE.node_feature_names)) == (8, 7)
    assert (g.x.sum(dim=1) == 1).all()
    names = [SPACE.node_feature_names[i] for i in g.x.argmax(dim=1).tolist()]
    assert names == ["input", *arch.ops, "output"]
    src, dst = g.edge_index.tolist()
    assert len(src) == 10 and all(s < d for s, d in zip(src, dst))
    assert sorted(d for s, d in zip(src, dst) if s == 0) == [1, 2, 4]
    assert sorted(s for s, d in zip(src, dst) if d == 7) == [4, 5, 6]
