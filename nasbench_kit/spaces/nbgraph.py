"""NAS-Bench-Graph: GNN macro architectures of 4 computing nodes (26,206 entries).

A spec is a *link pattern* and 4 ops. ``links[i]`` is the input of computing
node ``i + 1`` (0 = the graph input, ``j`` = node ``j``), so ``links[i] <= i``
and there are 24 patterns. Each node applies one of 9 ops (``op_names``:
gat, gcn, gin, cheb, sage, arma, graph, fc, skip); nodes that feed no other node
feed the output. The all-``skip`` spec has no computing layer and is not in the
benchmark.

Many specs describe the same network. The benchmark (the ``nas-bench-graph``
package) keys each class by an integer: the index of a canonical link pattern
(``link_patterns``, 9 tree shapes) times ``10**4`` plus the four op indices as
base-10 digits. A spec is brought to canonical form in three steps:

1. relabel the nodes so the link pattern is one of the 9 canonical shapes
   (the first relabelling in lexicographic order of node permutations);
2. take each ``skip`` node in turn; if it feeds another node, has no sibling
   (no other node reads its parent), or is a pure copy of the input (it and all
   its ancestors are ``skip``), move it to the front as a node that reads the
   input, and let its readers read its parent instead (the moved copy, when the
   parent is the input); shapes ``0,1,2,1`` and ``0,1,1,3`` that this can leave
   are relabelled to ``0,1,1,2``;
3. sort the ops of interchangeable nodes (same parent, no children; or the two
   two-node chains of shape ``0,0,1,2``) by their order in ``op_names``.

This is the package's own rule (its ``Arch(lk, op).valid_hash()``), written
independently here; the tests check that both agree on all 157,440 specs and
that :meth:`NBGraphSpace.enumerate` yields exactly the keys of the shipped
``light/*.bench`` tables. ``hash`` is the key as ``str`` and ``iso_hash``
equals it. The string notation is ``"0,0,1,2|gcn,gat,skip,sage"``.

>>> from nasbench_kit.spaces import get_space
>>> space = get_space("nbgraph")
>>> a = space.from_spec([0, 0, 2, 1], ["gcn", "skip", "gat", "sage"])
>>> a.key, a.to_string(), len(space)
(68104, '0,1,1,2|skip,gcn,gat,sage', 26206)
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from nasbench_kit._rng import as_rng
from nasbench_kit.errors import OutOfDomainError
from nasbench_kit.spaces._base import Architecture, SearchSpace
from nasbench_kit.spaces._checks import show, sized

if TYPE_CHECKING:  # pragma: no cover
    from torch_geometric.data import Data

OP_NAMES: tuple[str, ...] = ("gat", "gcn", "gin", "cheb", "sage", "arma", "graph", "fc", "skip")
LINK_PATTERNS: tuple[tuple[int, ...], ...] = (
    (0, 0, 0, 0),
    (0, 0, 0, 1),
    (0, 0, 1, 1),
    (0, 0, 1, 2),
    (0, 0, 1, 3),
    (0, 1, 1, 1),
    (0, 1, 1, 2),
    (0, 1, 2, 2),
    (0, 1, 2, 3),
)
N_ARCHS = 26206
_SKIP = OP_NAMES.index("skip")
_OP_INDEX = {name: i for i, name in enumerate(OP_NAMES)}
_DIGIT = len(OP_NAMES) + 1  # the package writes op indices in base 10
_PATTERN_INDEX = {p: i for i, p in enumerate(LINK_PATTERNS)}
#: Interchangeable positions per canonical shape (step 3), besides 0,0,1,2's chain swap.
_SYMMETRIC: dict[tuple[int, ...], tuple[int, ...]] = {
    (0, 0, 0, 0): (0, 1, 2, 3),
    (0, 0, 0, 1): (1, 2),
    (0, 0, 1, 1): (2, 3),
    (0, 1, 1, 1): (1, 2, 3),
    (0, 1, 2, 2): (2, 3),
}
_EXAMPLE = "0,0,1,2|gcn,gat,skip,sage"
#: One link in the string notation: a short ASCII number (``str.isdigit`` accepts ``"²"``).
_LINK_RE = re.compile(r"[0-9]{1,3}")


def _relabel(links: Sequence[int], perm: Sequence[int]) -> tuple[int, ...]:
    """Links after renaming: new node ``j + 1`` is old node ``perm[j] + 1``."""
    new_id = {0: 0, **{old + 1: new + 1 for new, old in enumerate(perm)}}
    return tuple(new_id[links[old]] for old in perm)


def _regularizers() -> dict[tuple[int, ...], tuple[tuple[int, ...], tuple[int, ...]]]:
    """Every valid link pattern -> (canonical shape, node permutation) for step 1."""
    table = {}
    for links in itertools.product(range(1), range(2), range(3), range(4)):
        for perm in itertools.permutations(range(4)):
            shape = _relabel(links, perm)
            if shape in _PATTERN_INDEX:
                table[links] = (shape, perm)
                break
    return table


_REGULARIZE = _regularizers()


def _move_skips(links: list[int], ops: list[int]) -> tuple[list[int], list[int]]:
    """Step 2 of the canonical form (see module docs)."""
    for i in range(4):
        if ops[i] != _SKIP:
            continue
        parent = links[i]
        has_child = (i + 1) in links
        has_sibling = any(j != i and p == parent for j, p in enumerate(links) if p != i + 1)
        pure_copy, k = True, i
        while k >= 0:
            if ops[k] != _SKIP:
                pure_copy = False
                break
            k = links[k] - 1
        if has_child or not has_sibling or pure_copy:
            rest = [
                parent + 1 if p == i + 1 else (p + 1 if p <= i else p)
                for j, p in enumerate(links)
                if j != i
            ]
            links = [0, *rest]
            ops = [ops[i], *ops[:i], *ops[i + 1 :]]
    if links == [0, 1, 2, 1]:
        links, ops = [0, 1, 1, 2], [ops[0], ops[1], ops[3], ops[2]]
    elif links == [0, 1, 1, 3]:
        links, ops = [0, 1, 1, 2], [ops[0], ops[2], ops[1], ops[3]]
    return links, ops


def canonical_spec(
    links: Sequence[int], ops: Sequence[int]
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Canonical ``(links, op indices)`` of a validated spec (op indices into ``OP_NAMES``)."""
    return _canonical_spec(tuple(links), tuple(ops))


@functools.lru_cache(maxsize=4096)  # ~3 MB; neighbours and mutations repeat specs
def _canonical_spec(
    links: tuple[int, ...], ops: tuple[int, ...]
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    shape, perm = _REGULARIZE[links]
    lk, op = _move_skips(list(shape), [ops[p] for p in perm])
    shape = tuple(lk)
    if shape in _SYMMETRIC:
        pos = _SYMMETRIC[shape]
        for p, v in zip(pos, sorted(op[p] for p in pos)):
            op[p] = v
    elif shape == (0, 0, 1, 2) and (op[0], op[2]) > (op[1], op[3]):
        op = [op[1], op[0], op[3], op[2]]
    return shape, tuple(op)


def spec_key(links: Sequence[int], ops: Sequence[int]) -> int:
    """The benchmark key of a *canonical* spec."""
    key = _PATTERN_INDEX[tuple(links)]
    for op in ops:
        key = key * _DIGIT + op
    return key


def _decode_digits(key: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """``(link pattern, op digits)`` written in a key in 0..89999 (digits may be 9)."""
    rest, digits = key, []
    for _ in range(4):
        rest, d = divmod(rest, _DIGIT)
        digits.append(d)
    return LINK_PATTERNS[rest], tuple(reversed(digits))


def _decode(key: int) -> tuple[tuple[int, ...], tuple[int, ...]] | None:
    """Canonical spec written in ``key``, or None if ``key`` is not a benchmark key."""
    if not 0 <= key < len(LINK_PATTERNS) * _DIGIT**4:
        return None
    links, ops = _decode_digits(key)
    if max(ops) >= len(OP_NAMES) or ops == (_SKIP,) * 4:
        return None
    return (links, ops) if canonical_spec(links, ops) == (links, ops) else None


@functools.lru_cache(maxsize=1)
def _all_keys() -> np.ndarray:
    """Sorted keys of every canonical spec (computed once, ~0.3 s)."""
    keys = set()
    for links in LINK_PATTERNS:
        for ops in itertools.product(range(len(OP_NAMES)), repeat=4):
            if ops != (_SKIP,) * 4:
                keys.add(spec_key(*canonical_spec(links, ops)))
    return np.array(sorted(keys), dtype=np.int64)


def _validate(links: Any, ops: Any) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Checked ``(links, op indices)`` of a user spec; raises OutOfDomainError."""
    if isinstance(links, (str, bytes)) or not isinstance(links, Sequence) or len(links) != 4:
        raise OutOfDomainError(
            f"NB-Graph links={show(links)} must be 4 ints, links[i] in 0..i (e.g. [0, 0, 1, 2])"
        )
    lk = []
    for i, v in enumerate(links):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or not 0 <= v <= i:
            raise OutOfDomainError(
                f"NB-Graph links={show(list(links))}: links[{i}]={show(v)} must be an int in 0..{i} "
                "(node i+1 reads the input 0 or an earlier node)"
            )
        lk.append(int(v))
    if isinstance(ops, (str, bytes)) or not isinstance(ops, Sequence) or len(ops) != 4:
        raise OutOfDomainError(f"NB-Graph ops={show(ops)} must be 4 op names from {list(OP_NAMES)}")
    op = []
    for v in ops:
        if isinstance(v, str) and v in _OP_INDEX:
            op.append(_OP_INDEX[v])
        elif isinstance(v, (int, np.integer)) and not isinstance(v, bool) and 0 <= v < 9:
            op.append(int(v))
        else:
            raise OutOfDomainError(
                f"NB-Graph ops={show(list(ops))}: unknown op {show(v)}; use names from {list(OP_NAMES)}"
            )
    if op == [_SKIP] * 4:
        raise OutOfDomainError(
            "NB-Graph spec with four 'skip' ops has no computing layer and is not in the "
            "benchmark; use at least one non-skip op"
        )
    return tuple(lk), tuple(op)


@dataclass(frozen=True, eq=False, repr=False)
class NBGraphArch(Architecture):
    """One NB-Graph architecture, stored in canonical form (any valid spec is accepted).

    >>> NBGraphArch((0, 0, 0, 2), ("gcn", "gat", "gin", "sage")).links
    (0, 0, 0, 1)
    """

    space_name: ClassVar[str] = "nbgraph"
    links: tuple[int, ...]
    ops: tuple[str, ...]
    #: The benchmark's integer key (``hash`` is its ``str``).
    key: int = field(init=False, repr=False)

    def __post_init__(self) -> None:
        links, ops = canonical_spec(*_validate(self.links, self.ops))
        key = spec_key(links, ops)
        object.__setattr__(self, "links", links)
        object.__setattr__(self, "ops", tuple(OP_NAMES[o] for o in ops))
        object.__setattr__(self, "key", key)
        object.__setattr__(self, "hash", str(key))
        object.__setattr__(self, "iso_hash", str(key))

    @classmethod
    def _trusted(cls, links: tuple[int, ...], ops: tuple[int, ...], key: int) -> NBGraphArch:
        """Build from an already canonical spec without re-checking it."""
        arch = object.__new__(cls)
        for name, value in (
            ("links", links),
            ("ops", tuple(OP_NAMES[o] for o in ops)),
            ("key", key),
            ("hash", str(key)),
            ("iso_hash", str(key)),
        ):
            object.__setattr__(arch, name, value)
        return arch


class NBGraphSpace(SearchSpace):
    """The NAS-Bench-Graph space; see the module docstring for the canonical form."""

    name: ClassVar[str] = "nbgraph"
    arch_type: ClassVar[type[Architecture]] = NBGraphArch
    op_names: ClassVar[tuple[str, ...]] = OP_NAMES
    link_patterns: ClassVar[tuple[tuple[int, ...], ...]] = LINK_PATTERNS
    node_feature_names: ClassVar[tuple[str, ...]] = ("input", *OP_NAMES, "output")
    param_free_ops: ClassVar[frozenset[str]] = frozenset({"skip"})
    #: Per computing node: one-hot link (4) + one-hot op (9).
    onehot_size: ClassVar[int] = 4 * (4 + len(OP_NAMES))
    views_module: ClassVar[str] = "nasbench_kit.spaces._nbgraph_views"

    # ---- notations ---------------------------------------------------------
    def from_spec(self, links: Sequence[int], ops: Sequence[str | int]) -> NBGraphArch:
        """From a link pattern and 4 op names (the package's ``Arch(lk, op)``)."""
        seq = (list, tuple, np.ndarray)
        return NBGraphArch(
            tuple(links) if isinstance(links, seq) and sized(links) else links,
            tuple(ops) if isinstance(ops, seq) and sized(ops) else ops,
        )

    def from_key(self, key: int) -> NBGraphArch:
        """From a benchmark key (an int such as ``81111``)."""
        if isinstance(key, bool) or not isinstance(key, (int, np.integer)):
            raise OutOfDomainError(f"NB-Graph key {show(key)} must be an int")
        spec = _decode(int(key))
        if spec is None:
            raise OutOfDomainError(
                f"NB-Graph key {show(key)} is not one of the {N_ARCHS} benchmark keys; keys are "
                "canonical specs (see enumerate()); build from a spec with from_spec(links, ops)"
            )
        return NBGraphArch._trusted(*spec, int(key))

    def from_string(self, s: str) -> NBGraphArch:
        """Parse ``"l0,l1,l2,l3|op0,op1,op2,op3"`` (no spaces); any valid spec is accepted."""
        if not isinstance(s, str):
            raise OutOfDomainError(f"NB-Graph string must be a str, got {type(s).__name__}")
        left, sep, right = s.partition("|")
        parts = left.split(",")
        if not sep or len(parts) != 4 or not all(_LINK_RE.fullmatch(p) for p in parts):
            raise OutOfDomainError(
                f"NB-Graph string {show(s)} must read '<4 link ints>|<4 op names>', "
                f"comma-separated without spaces, e.g. {_EXAMPLE!r}"
            )
        return NBGraphArch(tuple(int(p) for p in parts), tuple(right.split(",")))

    def to_string(self, arch: Architecture) -> str:
        """Canonical ``"links|ops"`` text."""
        a = self._own(arch)
        return ",".join(map(str, a.links)) + "|" + ",".join(a.ops)

    def parse(self, x: Any) -> NBGraphArch:
        """Accepts an ``NBGraphArch``, a key (int), the string notation, a pair
        ``(links, ops)``, a mapping with ``links`` (or ``link``) and ``ops``, or any
        object with ``link`` and ``ops`` attributes (the package's ``Arch``)."""
        if isinstance(x, NBGraphArch):
            return x
        if isinstance(x, Architecture):
            raise OutOfDomainError(
                f"{show(x)} belongs to space {x.space_name!r}, not 'nbgraph'; parse it with its own space"
            )
        if isinstance(x, str):
            return self.from_string(x)
        if isinstance(x, (int, np.integer)) and not isinstance(x, bool):
            return self.from_key(x)
        if isinstance(x, Mapping) and "ops" in x and ("links" in x or "link" in x):
            return self.from_spec(x.get("links", x.get("link")), x["ops"])
        if isinstance(x, (tuple, list)) and len(x) == 2:
            return self.from_spec(x[0], x[1])
        if hasattr(x, "link") and hasattr(x, "ops"):
            return self.from_spec(x.link, x.ops)
        raise OutOfDomainError(
            f"cannot read {show(x)} as an NB-Graph architecture; pass a key, a string like "
            f"{_EXAMPLE!r}, or (links, ops)"
        )

    def notations(self, arch: Architecture) -> dict[str, Any]:
        """Every notation of ``arch`` by name; each one ``parse``s back to ``arch``."""
        a = self._own(arch)
        return {
            "string": self.to_string(a),
            "key": a.key,
            "spec": (a.links, a.ops),
            "package_arch": {"link": list(a.links), "ops": list(a.ops)},
        }

    # ---- sampling and moves ---------------------------------------------------
    def sample(self, seed: int | np.random.Generator | None = None) -> NBGraphArch:
        """One benchmark entry drawn uniformly over the 26,206 keys."""
        keys = _all_keys()
        return self.from_key(int(keys[as_rng(seed).integers(len(keys))]))

    def mutate(
        self, arch: Architecture, seed: int | np.random.Generator | None = None
    ) -> NBGraphArch:
        """A uniformly chosen element of ``neighbors(arch)`` (only that one is built)."""
        options = self._neighbor_specs(self._own(arch))
        key = sorted(options)[int(as_rng(seed).integers(len(options)))]
        return NBGraphArch._trusted(*options[key], key)

    def neighbors(self, arch: Architecture) -> list[Architecture]:
        """Distinct entries one edit of the canonical spec away (one op, or one link),
        sorted by key."""
        found = self._neighbor_specs(self._own(arch))
        return [NBGraphArch._trusted(*found[k], k) for k in sorted(found)]

    @staticmethod
    def _neighbor_specs(a: NBGraphArch) -> dict[int, tuple[tuple[int, ...], tuple[int, ...]]]:
        """Key -> canonical spec of every entry one edit away from ``a``."""
        ops = tuple(_OP_INDEX[o] for o in a.ops)
        candidates: list[tuple[tuple[int, ...], tuple[int, ...]]] = []
        for i in range(4):
            candidates += [
                (a.links, ops[:i] + (o,) + ops[i + 1 :]) for o in range(9) if o != ops[i]
            ]
            candidates += [
                (a.links[:i] + (p,) + a.links[i + 1 :], ops)
                for p in range(i + 1)
                if p != a.links[i]
            ]
        found: dict[int, tuple[tuple[int, ...], tuple[int, ...]]] = {}
        for links, op in candidates:
            if op == (_SKIP,) * 4:
                continue
            canon = _canonical_spec(links, op)
            key = spec_key(*canon)
            if key != a.key and key not in found:
                found[key] = canon
        return found

    @property
    def n_architectures(self) -> int:
        """26,206 benchmark keys (canonical specs)."""
        return N_ARCHS

    def _enumerate(self) -> Iterator[NBGraphArch]:
        """Every benchmark entry once, in increasing key order."""
        for key in _all_keys():
            links, ops = _decode_digits(int(key))
            yield NBGraphArch._trusted(links, ops, int(key))

    # ---- graphs -------------------------------------------------------------
    def to_graph(self, arch: Architecture) -> Data:
        """6 nodes (input, the 4 computing nodes, output): ``links[i] -> i + 1`` and
        every node that feeds no other node -> output."""
        a = self._own(arch)
        import torch
        from torch_geometric.data import Data

        x = torch.zeros(6, len(self.node_feature_names))
        x[0, 0] = 1.0
        for i, op in enumerate(a.ops):
            x[i + 1, 1 + _OP_INDEX[op]] = 1.0
        x[5, -1] = 1.0
        pairs = [(p, i + 1) for i, p in enumerate(a.links)]
        pairs += [(i + 1, 5) for i in range(4) if (i + 1) not in a.links]
        edge_index = torch.tensor(pairs, dtype=torch.long).t().contiguous()
        return Data(x=x, edge_index=edge_index, num_nodes=6)

    def _own(self, arch: Architecture) -> NBGraphArch:
        if isinstance(arch, NBGraphArch):
            return arch
        raise OutOfDomainError(
            f"{show(arch)} is not an NB-Graph architecture; build one with "
            "get_space('nbgraph').parse(...)"
        )
