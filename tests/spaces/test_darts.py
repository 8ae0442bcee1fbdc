"""The DARTS / NAS-Bench-301 space: notations, identity, moves, graphs, errors."""

from __future__ import annotations

import ast
import hashlib
import itertools
import json
import math
from pathlib import Path

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from nasbench_kit.errors import OutOfDomainError
from nasbench_kit.spaces import Architecture, get_space
from nasbench_kit.spaces.darts import CS_PREFIX, OPS, DartsArch, DartsSpace, Genotype

SPACE = get_space("darts")
FAST = settings(max_examples=40, deadline=None)


@st.composite
def raw_cells(draw: st.DrawFn) -> list[tuple[str, int]]:
    """8 (op, input) pairs with each node's two pairs in a random order."""
    cell: list[tuple[str, int]] = []
    for node in (2, 3, 4, 5):
        inputs = draw(st.lists(st.integers(0, node - 1), min_size=2, max_size=2, unique=True))
        cell += [(draw(st.sampled_from(OPS)), i) for i in inputs]
    return cell


archs = st.builds(lambda n, r: DartsArch(normal=n, reduce=r), raw_cells(), raw_cells())


def node_sets(cell: tuple[tuple[str, int], ...]) -> set[tuple[int, str, int]]:
    return {(2 + pos // 2, op, inp) for pos, (op, inp) in enumerate(cell)}


def test_registered_and_typed() -> None:
    assert isinstance(SPACE, DartsSpace) and SPACE.arch_type is DartsArch
    assert DartsArch.space_name == "darts"


@FAST
@given(archs)
def test_every_notation_round_trips(arch: DartsArch) -> None:
    assert SPACE.from_string(SPACE.to_string(arch)) == arch
    assert SPACE.from_genotype(SPACE.to_genotype(arch)) == arch
    assert SPACE.from_naslib(SPACE.to_naslib(arch)) == arch
    assert SPACE.from_naslib(str(SPACE.to_naslib(arch))) == arch
    assert SPACE.from_configspace(SPACE.to_configspace(arch)) == arch
    for value in SPACE.notations(arch).values():
        assert SPACE.parse(value) == arch
    assert SPACE.parse((arch.normal, arch.reduce)) == arch
    assert SPACE.parse(arch) is arch
    assert SPACE.to_string(arch) == arch.to_string() == repr(SPACE.to_genotype(arch))


@FAST
@given(raw_cells(), raw_cells(), st.data())
def test_identity_ignores_order_within_a_node(normal: list, reduce: list, data: st.DataObject) -> None:
    a = DartsArch(normal=normal, reduce=reduce)
    swapped = list(normal)
    node = data.draw(st.integers(0, 3))
    swapped[2 * node], swapped[2 * node + 1] = swapped[2 * node + 1], swapped[2 * node]
    b = DartsArch(normal=swapped, reduce=reduce)
    assert a == b and hash(a) == hash(b) and a.hash == b.hash
    assert a.hash == hashlib.sha256(a.to_string().encode()).hexdigest()[:32]
    assert all(a.normal[i][1] < a.normal[i + 1][1] for i in range(0, 8, 2))


def test_iso_hash_merges_relabelled_intermediate_nodes() -> None:
    rest = [("skip_connect", 2), ("sep_conv_5x5", 3), ("dil_conv_3x3", 0), ("max_pool_3x3", 4)]
    n2, n3 = [("sep_conv_3x3", 0), ("avg_pool_3x3", 1)], [("dil_conv_5x5", 0), ("skip_connect", 1)]
    a = DartsArch(normal=n2 + n3 + rest, reduce=n2 + n3 + rest)
    swapped = [("skip_connect", 3), ("sep_conv_5x5", 2)] + rest[2:]  # references follow the swap
    b = DartsArch(normal=n3 + n2 + swapped, reduce=n2 + n3 + rest)  # nodes 2 and 3 relabelled
    assert a != b and a.hash != b.hash and a.iso_hash == b.iso_hash
    c = DartsArch(normal=n2 + n3 + rest[:2] + [("dil_conv_3x3", 1), ("max_pool_3x3", 4)],
                  reduce=n2 + n3 + rest)
    assert c.iso_hash != a.iso_hash


@FAST
@given(archs, st.permutations([2, 3, 4, 5]))
def test_iso_hash_invariant_under_valid_relabelling(arch: DartsArch, perm: list[int]) -> None:
    relabel = dict(zip((2, 3, 4, 5), perm))
    cell = arch.normal
    nodes = {relabel[2 + p // 2]: [] for p in range(0, 8, 2)}
    for pos, (op, inp) in enumerate(cell):
        nodes[relabel[2 + pos // 2]].append((op, inp if inp < 2 else relabel[inp]))
    new = [pair for k in (2, 3, 4, 5) for pair in nodes[k]]
    if all(inp < 2 + pos // 2 for pos, (_, inp) in enumerate(new)):
        twin = DartsArch(normal=new, reduce=arch.reduce)
        assert twin.iso_hash == arch.iso_hash
        assert twin.iso_signature == arch.iso_signature  # the cheap pre-check agrees


def test_iso_signature_separates_cells_and_ignores_input_order() -> None:
    a = DartsArch(normal=[("sep_conv_3x3", 0), ("skip_connect", 1)] * 4,
                  reduce=[("max_pool_3x3", 0), ("max_pool_3x3", 1)] * 4)
    swapped = DartsArch(normal=a.reduce, reduce=a.normal)
    assert a.iso_signature != swapped.iso_signature  # ops of the normal cell stay its own
    assert a.iso_signature.split("|")[0].split(",") == sorted(op for op, _ in a.normal)


def test_size_is_exact_and_enumeration_refused() -> None:
    per_cell = math.prod(math.comb(k, 2) * 49 for k in (2, 3, 4, 5))
    assert SPACE.n_architectures == SPACE.size() == per_cell**2
    assert 10**18 < SPACE.n_architectures < 2 * 10**18
    with pytest.raises(OutOfDomainError):
        len(SPACE)
    with pytest.raises(OutOfDomainError):
        SPACE.enumerate()


def test_sample_is_seeded_valid_and_covers_choices() -> None:
    assert SPACE.sample(3) == SPACE.sample(3)
    drawn = [SPACE.sample(s) for s in range(300)]
    assert len({a.hash for a in drawn}) == 300
    node5 = {(a.normal[6][1], a.normal[7][1]) for a in drawn}
    assert node5 == set(itertools.combinations(range(5), 2))
    assert {op for a in drawn for op, _ in a.reduce} == set(OPS)


@FAST
@given(archs, st.integers(0, 2**31))
def test_mutate_is_one_valid_edit(arch: DartsArch, seed: int) -> None:
    child = SPACE.mutate(arch, seed)
    assert child == SPACE.mutate(arch, seed) and child.hash != arch.hash
    diff = (len(node_sets(arch.normal) ^ node_sets(child.normal))
            + len(node_sets(arch.reduce) ^ node_sets(child.reduce)))
    assert diff == 2
    assert child in SPACE.neighbors(arch)


@settings(max_examples=15, deadline=None)
@given(archs)
def test_neighbors_are_distinct_one_edit_archs(arch: DartsArch) -> None:
    nbrs = SPACE.neighbors(arch)
    # per cell: 8 edges x 6 other ops + inputs: node k has k-2 alternatives per edge
    assert len(nbrs) == 2 * (8 * 6 + 2 * (1 + 2 + 3))
    assert len({n.hash for n in nbrs}) == len(nbrs) and arch not in nbrs
    for n in nbrs:
        diff = (len(node_sets(arch.normal) ^ node_sets(n.normal))
                + len(node_sets(arch.reduce) ^ node_sets(n.reduce)))
        assert diff == 2


def test_to_graph_op_on_node() -> None:
    arch = SPACE.sample(5)
    g = SPACE.to_graph(arch)
    names = SPACE.node_feature_names
    assert g.x.shape == (30, len(names)) and g.num_nodes == 30
    kinds = g.x[:, : len(names) - 1]
    assert torch.all(kinds.sum(dim=1) == 1)
    assert g.x[:15, -1].sum() == 0 and g.x[15:, -1].sum() == 15
    ops = [names[int(i)] for i in kinds.argmax(dim=1)]
    assert ops[2:10] == [op for op, _ in arch.normal] and ops[17:25] == [op for op, _ in arch.reduce]
    src, dst = g.edge_index
    assert g.edge_index.shape == (2, 40) and torch.all(src != dst)
    out_degree_of_output = (src == 14).sum() + (src == 29).sum()
    assert out_degree_of_output == 0 and (dst == 14).sum() == 4


def test_genotype_string_accepts_common_spellings() -> None:
    a = SPACE.sample(9)
    text = SPACE.to_string(a)
    assert SPACE.from_string(text.replace("[2, 3, 4, 5]", "range(2, 6)")) == a
    assert SPACE.from_string(text.replace("'", '"').replace(", ", ",")) == a
    no_concat = text.replace(", normal_concat=[2, 3, 4, 5]", "").replace(", reduce_concat=[2, 3, 4, 5]", "")
    assert SPACE.from_string(no_concat) == a
    assert SPACE.parse(Genotype(list(a.normal), [5, 4, 3, 2], list(a.reduce), [2, 3, 4, 5])) == a


GOOD = [("sep_conv_3x3", 0), ("skip_connect", 1)] * 4


@pytest.mark.parametrize(
    ("bad", "needle"),
    [
        ([("none", 0), ("skip_connect", 1)] + GOOD[2:], "'none'"),
        (GOOD[:2] + [("sep_conv_3x3", 3), ("skip_connect", 1)] + GOOD[4:], "input 3"),
        (GOOD[:2] + [("sep_conv_3x3", 1), ("skip_connect", 1)] + GOOD[4:], "distinct"),
        (GOOD[:7], "7 edges"),
        (GOOD[:7] + [("skip_connect", True)], "not an int"),
        ("sep_conv_3x3", "not a list"),
    ],
)
def test_bad_cells_name_value_and_rule(bad: object, needle: str) -> None:
    with pytest.raises(OutOfDomainError, match=needle.replace("(", r"\(")):
        DartsArch(normal=bad, reduce=GOOD)  # type: ignore[arg-type]
    assert not SPACE.is_valid((bad, GOOD))


@pytest.mark.parametrize(
    "text",
    [
        "__import__('os').system('true')",
        "Genotype(normal=[('sep_conv_3x3', 0)] + [], reduce=[])",
        "Genotype(normal=[('sep_conv_3x3', 0), ('skip_connect', 1)], reduce=[('x', 0)]) extra",
        "Genotype(normal=[(sep_conv_3x3, 0)], reduce=[])",
    ],
)
def test_genotype_string_grammar_is_strict(text: str) -> None:
    with pytest.raises(OutOfDomainError):
        SPACE.parse(text)


def test_other_bad_notations() -> None:
    a = SPACE.sample(2)
    compact = [list(c) for c in SPACE.to_naslib(a)]
    compact[0][0] = (0, 7)
    with pytest.raises(OutOfDomainError, match="op index 7"):
        SPACE.from_naslib(compact)
    with pytest.raises(OutOfDomainError, match="concatenate"):
        SPACE.from_genotype(Genotype(list(a.normal), [2, 3], list(a.reduce), [2, 3, 4, 5]))
    cfg = SPACE.to_configspace(a)
    cfg[f"{CS_PREFIX}edge_normal_0"] = cfg[f"{CS_PREFIX}edge_normal_1"] = "skip_connect"
    cfg[f"{CS_PREFIX}edge_normal_2"] = cfg[f"{CS_PREFIX}edge_normal_3"] = "skip_connect"
    cfg[f"{CS_PREFIX}edge_normal_4"] = "skip_connect"
    with pytest.raises(OutOfDomainError, match="node 3 of the normal cell has 3 edge keys"):
        SPACE.from_configspace(cfg)
    cfg = SPACE.to_configspace(a)
    key = f"{CS_PREFIX}inputs_node_reduce_5"
    cfg[key] = "0_9"
    with pytest.raises(OutOfDomainError, match="disagrees"):
        SPACE.from_configspace(cfg)
    other = type("OtherArch", (Architecture,), {"space_name": "other"})()
    other.hash = other.iso_hash = "x"
    with pytest.raises(OutOfDomainError, match="not 'darts'"):
        SPACE.parse(other)


def _shared(shared_data: Path, rel: str) -> Path:
    path = shared_data / rel
    if not path.exists():
        pytest.skip(f"shared data file {rel!r} not found")
    return path


def test_naslib_zero_cost_keys_all_parse_and_round_trip(shared_data: Path) -> None:
    data = json.loads(_shared(shared_data, "nb301/naslib_zc_nasbench301.json").read_text())
    data = data["cifar10"]
    assert len(data) == 725
    hashes = set()
    for key in data:
        arch = SPACE.parse(key)
        raw = ast.literal_eval(key)
        assert arch == SPACE.from_naslib(raw) == SPACE.parse(SPACE.to_naslib(arch))
        for cell, mine in zip(raw, (arch.normal, arch.reduce)):
            assert node_sets(tuple((OPS[o], i) for i, o in cell)) == node_sets(mine)
        assert SPACE.parse(SPACE.to_string(arch)) == arch
        hashes.add(arch.hash)
    assert len(hashes) == 725


def test_real_nb301_config_parses(shared_data: Path) -> None:
    record = json.loads(_shared(shared_data, "nb301/nb301_training_result_sample.json").read_text())
    config = record["optimized_hyperparamater_config"]
    arch = SPACE.parse(config)
    arch_keys = {k: v for k, v in config.items() if ":edge_" in k or ":inputs_node_" in k}
    assert SPACE.to_configspace(arch) == arch_keys
    assert arch.normal[:2] == (("skip_connect", 0), ("sep_conv_3x3", 1))
