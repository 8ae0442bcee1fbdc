"""The DARTS cell space used by NAS-Bench-301 (normal + reduction cell).

Each cell has inputs 0 = c_{k-2} and 1 = c_{k-1} and four intermediate nodes
2..5; node ``k`` takes exactly two inputs from distinct earlier nodes, each
through one of the seven operations in :data:`OPS` (no ``none``); the cell
output concatenates nodes 2..5.

Identity: within a node the two ``(op, input)`` pairs are unordered, so the
canonical form sorts them (by input, which is unique within a node).
``hash`` is the first 32 hex digits of the SHA-256 of the canonical genotype
string. ``iso_hash`` is additionally invariant to relabelling the
intermediate nodes in any order that keeps every input earlier than its node:
the output concatenates all four nodes, so such a relabelling only permutes
channels, which the next cell's 1x1 preprocessing convolution absorbs.
``hash`` is computed on construction, ``iso_hash`` on first read (then
kept): most architectures an optimizer builds are never asked for it.
Equality and ``hash()`` use ``hash`` only. ``neighbors`` de-duplicates by
``hash`` and leaves ``iso_hash`` unread.

Notations: the DARTS genotype string (``to_string``), a :class:`Genotype`
(or anything with ``.normal``/``.reduce``), NASLib's compact tuples
``((input, op_index) x 8) x 2`` with op indices into :data:`OPS`, and the
NAS-Bench-301 ConfigSpace dict (``NetworkSelectorDatasetInfo:darts:*``).

>>> from nasbench_kit.spaces import get_space
>>> space = get_space("darts")
>>> arch = space.sample(seed=0)
>>> space.parse(space.to_naslib(arch)) == space.from_configspace(space.to_configspace(arch)) == arch
True
>>> space.n_architectures
1076746950455072400
"""

from __future__ import annotations

import ast
import functools
import math
import operator
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

import numpy as np

from nasbench_kit._rng import as_rng
from nasbench_kit.errors import OutOfDomainError
from nasbench_kit.spaces._base import Architecture, SearchSpace
from nasbench_kit.spaces._checks import show
from nasbench_kit.spaces._darts_cells import (
    CELLS,
    CONCAT,
    NODES,
    OPS,
    Cell,
    canon_cell,
    digest,
    genotype_text,
    iso_key,
)

if TYPE_CHECKING:  # pragma: no cover
    from torch_geometric.data import Data

CS_PREFIX = "NetworkSelectorDatasetInfo:darts:"
#: First ConfigSpace edge number of each node: node k owns edges start..start+k-1,
#: edge ``start + i`` coming from node ``i``.
EDGE_START: dict[int, int] = {2: 0, 3: 2, 4: 5, 5: 9}
#: Unordered input pairs ``(i, j)``, ``i < j``, in co-lexicographic order: node ``k``
#: reads one of the first ``C(k, 2)``.
_INPUT_PAIRS: tuple[tuple[int, int], ...] = tuple(
    (i, j) for j in range(1, max(NODES)) for i in range(j)
)
#: The decision vector's sizes: per cell and node, an input-pair index, then two op indices.
_SIZES: tuple[int, ...] = tuple(n for k in NODES for n in (math.comb(k, 2), len(OPS), len(OPS))) * 2
_N_ARCHITECTURES = math.prod(math.comb(k, 2) * len(OPS) ** 2 for k in NODES) ** 2
#: One-edit moves per cell: per edge, 6 other ops and ``node - 2`` other inputs.
_MOVES_PER_CELL = sum(2 * (len(OPS) - 1 + k - 2) for k in NODES)



class Genotype(NamedTuple):
    """The DARTS ``Genotype``: ``normal``/``reduce`` lists of ``(op, input)``."""

    normal: list[tuple[str, int]]
    normal_concat: list[int]
    reduce: list[tuple[str, int]]
    reduce_concat: list[int]


def _bad(msg: str) -> OutOfDomainError:
    return OutOfDomainError(msg)


@dataclass(frozen=True, eq=False, repr=False)
class DartsArch(Architecture):
    """A DARTS/NB301 architecture: canonical ``normal`` and ``reduce`` cells.

    ``hash`` is computed on construction; ``iso_hash`` (24 relabellings per
    cell) on first access, then kept.

    >>> a = DartsArch(normal=[("skip_connect", 1), ("sep_conv_3x3", 0)] * 4,
    ...               reduce=[("max_pool_3x3", 0), ("max_pool_3x3", 1)] * 4)
    >>> a.normal[:2]
    (('sep_conv_3x3', 0), ('skip_connect', 1))
    """

    space_name: ClassVar[str] = "darts"
    normal: Cell
    reduce: Cell

    def __post_init__(self) -> None:
        normal = canon_cell("normal", self.normal)
        reduce = canon_cell("reduce", self.reduce)
        object.__setattr__(self, "normal", normal)
        object.__setattr__(self, "reduce", reduce)
        object.__setattr__(self, "hash", digest(genotype_text(normal, reduce)))

    @classmethod
    def _trusted(cls, normal: Cell, reduce: Cell) -> DartsArch:
        """Build from cells that are already canonical (tuples of ``(str, int)`` pairs,
        each node sorted by input), skipping the checks."""
        arch = object.__new__(cls)
        object.__setattr__(arch, "normal", normal)
        object.__setattr__(arch, "reduce", reduce)
        object.__setattr__(arch, "hash", digest(genotype_text(normal, reduce)))
        return arch

    @property
    def iso_signature(self) -> str:
        """Each cell's sorted ops: relabelling nodes never changes them (cheap)."""
        first = operator.itemgetter(0)
        return ",".join(sorted(map(first, self.normal))) + "|" + ",".join(
            sorted(map(first, self.reduce)))

    @functools.cached_property
    def iso_hash(self) -> str:  # type: ignore[override]
        """Isomorphism-invariant id (see the module docs); computed on first access."""
        return digest(iso_key(self.normal) + "|" + iso_key(self.reduce))


# ---- the genotype-string grammar (a strict regular expression; never eval) ----
_PAIR = r"\(\s*(?:'(\w+)'|\"(\w+)\")\s*,\s*([0-9]+)\s*\)"
_PAIR_NC = r"\(\s*(?:'\w+'|\"\w+\")\s*,\s*[0-9]+\s*\)"
_LIST = rf"\[\s*(?:{_PAIR_NC}\s*(?:,\s*{_PAIR_NC}\s*)*(?:,\s*)?)?\]"
_CONCAT = r"\[[0-9\s,]*\]|range\(\s*[0-9]+\s*,\s*[0-9]+\s*\)"
_GENOTYPE = re.compile(
    rf"\s*Genotype\(\s*normal\s*=\s*({_LIST})\s*(?:,\s*normal_concat\s*=\s*({_CONCAT})\s*)?"
    rf",\s*reduce\s*=\s*({_LIST})\s*(?:,\s*reduce_concat\s*=\s*({_CONCAT})\s*)?(?:,\s*)?\)\s*"
)
#: The canonical genotype string exactly as ``to_string`` writes it (a subset of the
#: grammar above, read with one match).
_EDGE_FAST = r"\('([a-z0-9_]{1,24})', ([0-9])\)"
_CELL_FAST = ", ".join([_EDGE_FAST] * 8)
_CANONICAL = re.compile(
    rf"Genotype\(normal=\[{_CELL_FAST}\], normal_concat=\[2, 3, 4, 5\], "
    rf"reduce=\[{_CELL_FAST}\], reduce_concat=\[2, 3, 4, 5\]\)"
)
_GRAMMAR = ("Genotype(normal=[('sep_conv_3x3', 0), ... 8 pairs], normal_concat=[2, 3, 4, 5], "
            "reduce=[... 8 pairs], reduce_concat=[2, 3, 4, 5])")


def _parse_concat(text: str | None) -> list[int]:
    if text is None:
        return list(CONCAT)
    nums = [int(n) for n in re.findall(r"[0-9]+", text)]
    if text.startswith("range") and nums[1] - nums[0] > len(CONCAT):
        raise _bad(f"concat {text[:60]!r} lists {nums[1] - nums[0]} nodes; NB301 cells always "
                   "concatenate nodes [2, 3, 4, 5]: use that (or omit it)")
    return list(range(nums[0], nums[1])) if text.startswith("range") else nums


def _parse_genotype(s: str) -> Genotype:
    m = _GENOTYPE.fullmatch(s)
    if m is None:
        raise _bad(f"genotype string {show(s[:80])} does not follow the grammar {_GRAMMAR}")
    pairs = [[(a or b, int(i)) for a, b, i in re.findall(_PAIR, m.group(k))] for k in (1, 3)]
    return Genotype(pairs[0], _parse_concat(m.group(2)), pairs[1], _parse_concat(m.group(4)))


class DartsSpace(SearchSpace):
    """The NAS-Bench-301 DARTS space (about 1.08e18 architectures; see ``n_architectures``)."""

    name: ClassVar[str] = "darts"
    arch_type: ClassVar[type[Architecture]] = DartsArch
    #: The 7 DARTS ops in NASLib's index order (what encoders one-hot over).
    op_names: ClassVar[tuple[str, ...]] = OPS
    #: ``to_graph`` columns: node kind one-hot (cell inputs, one per op, sum, output)
    #: plus a 0/1 flag telling whether the node belongs to the reduction cell.
    node_feature_names: ClassVar[tuple[str, ...]] = (
        "input_c_k-2", "input_c_k-1", *OPS, "sum", "output", "reduce_cell",
    )
    enumerable: ClassVar[bool] = False
    param_free_ops: ClassVar[frozenset[str]] = frozenset(
        {"max_pool_3x3", "avg_pool_3x3", "skip_connect"})
    cell_names: ClassVar[tuple[str, ...]] = CELLS
    #: Per cell and edge: one-hot op (7) + one-hot input node (5).
    onehot_size: ClassVar[int] = len(CELLS) * 2 * len(NODES) * (len(OPS) + max(NODES))
    views_module: ClassVar[str] = "nasbench_kit.spaces._darts_views"

    # ---- notations --------------------------------------------------------
    def parse(self, x: Any) -> DartsArch:
        """Any notation: arch, genotype string, Genotype-like, NASLib compact, ConfigSpace dict."""
        if isinstance(x, DartsArch):
            return x
        if isinstance(x, Architecture):
            raise _bad(f"{type(x).__name__} (hash {x.hash!r}) belongs to space {x.space_name!r}, not 'darts'; "
                       "parse a DARTS notation instead")
        if isinstance(x, str):
            s = x.strip()
            if s.startswith("Genotype"):
                return self.from_string(s)
            if s[:1] in "[(":
                return self.from_naslib(s)
            raise _bad(f"string {show(x[:60])} is neither a DARTS genotype string ('Genotype(normal=...') "
                       "nor a NASLib compact tuple ('(((0, 3), ...), (...))'); use one of those")
        if isinstance(x, Mapping):
            return self.from_configspace(x)
        if hasattr(x, "normal") and hasattr(x, "reduce"):
            return self.from_genotype(x)
        if isinstance(x, Sequence) and len(x) == 2:
            try:
                first = x[0][0][0]
            except (TypeError, IndexError, KeyError):
                first = None
            if isinstance(first, str):
                return DartsArch(normal=x[0], reduce=x[1])
            return self.from_naslib(x)
        raise _bad(f"cannot read {show(x)} as a DARTS architecture; give a genotype string, a "
                   "Genotype, NASLib compact tuples or an NB301 ConfigSpace dict")

    def from_string(self, s: str) -> DartsArch:
        """Parse ``Genotype(normal=[...], normal_concat=[2, 3, 4, 5], reduce=[...], ...)``."""
        if not isinstance(s, str):
            raise _bad(f"from_string expects a str, got {type(s).__name__}; use parse() for other notations")
        if len(s) > 4000:
            raise _bad(f"genotype string of {len(s)} characters is too long; a DARTS genotype "
                       "string is a few hundred characters")
        m = _CANONICAL.fullmatch(s)
        if m is not None:  # the common case; anything else takes the full grammar
            g = m.groups()
            edges = [(g[k], int(g[k + 1])) for k in range(0, len(g), 2)]
            return DartsArch(normal=tuple(edges[:8]), reduce=tuple(edges[8:]))
        return self.from_genotype(_parse_genotype(s))

    def to_string(self, arch: Architecture) -> str:
        """The canonical genotype string (pairs sorted within each node)."""
        a = self.parse(arch)
        return genotype_text(a.normal, a.reduce)

    def from_genotype(self, g: Any) -> DartsArch:
        """From a :class:`Genotype` or anything with ``.normal``/``.reduce`` pair lists."""
        if not (hasattr(g, "normal") and hasattr(g, "reduce")):
            raise _bad(f"{show(g)} has no .normal/.reduce attributes; pass a Genotype")
        for cell in CELLS:
            concat = getattr(g, f"{cell}_concat", CONCAT)
            try:
                concat_ok = sorted(int(c) for c in concat) == CONCAT
            except (TypeError, ValueError, OverflowError):
                concat_ok = False
            if not concat_ok:
                raise _bad(f"{cell}_concat={show(concat)}; NB301 cells always concatenate nodes "
                           "[2, 3, 4, 5]: use that (or omit it)")
        return DartsArch(normal=g.normal, reduce=g.reduce)

    def to_genotype(self, arch: Architecture) -> Genotype:
        """The DARTS :class:`Genotype` (canonical pair order)."""
        a = self.parse(arch)
        return Genotype(list(a.normal), list(CONCAT), list(a.reduce), list(CONCAT))

    def from_naslib(self, compact: Any) -> DartsArch:
        """From NASLib compact ``((input, op_index) x 8, (input, op_index) x 8)`` or its str."""
        if isinstance(compact, str):
            if len(compact) > 2000:
                raise _bad(f"NASLib compact string of {len(compact)} characters is too long")
            try:
                compact = ast.literal_eval(compact)  # literals only: never runs code
            except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError) as err:
                raise _bad(f"{show(compact[:60])} is not a NASLib compact tuple ({err}); write it "
                           "like (((0, 3), (1, 2), ...), ((0, 0), ...))") from err
        if isinstance(compact, (str, bytes, Mapping)) or not isinstance(compact, Sequence) \
                or len(compact) != 2:
            raise _bad(f"NASLib compact {show(compact)} must be 2 cells (normal, reduce) of 8 "
                       "(input, op_index) pairs")
        cells: list[list[tuple[Any, Any]]] = []
        for name, cell in zip(CELLS, compact):
            if isinstance(cell, (str, bytes)) or not isinstance(cell, Sequence):
                raise _bad(f"NASLib {name} cell {show(cell)} is not a sequence of (input, op_index) pairs")
            pairs = []
            for pair in cell:
                if isinstance(pair, (str, bytes)) or not isinstance(pair, Sequence) or len(pair) != 2:
                    raise _bad(f"NASLib {name} edge {show(pair)} is not an (input, op_index) pair")
                inp, idx = pair
                if isinstance(idx, bool) or not isinstance(idx, (int, np.integer)) \
                        or not 0 <= idx < len(OPS):
                    raise _bad(f"NASLib op index {show(idx)} in the {name} cell is out of range; "
                               f"indices 0..6 mean {list(OPS)}")
                pairs.append((OPS[int(idx)], inp))
            cells.append(pairs)
        return DartsArch(normal=cells[0], reduce=cells[1])

    def to_naslib(self, arch: Architecture) -> tuple[tuple[tuple[int, int], ...], ...]:
        """NASLib compact tuples (hashable; ``str()`` of it is NASLib's key form)."""
        a = self.parse(arch)
        return tuple(tuple((inp, OPS.index(op)) for op, inp in cell) for cell in (a.normal, a.reduce))

    def from_configspace(self, config: Mapping[str, Any]) -> DartsArch:
        """From an NB301 ConfigSpace dict; non-architecture keys are ignored."""
        if not isinstance(config, Mapping):
            raise _bad(f"{show(config)} is not a ConfigSpace dict")
        network = config.get("NetworkSelectorDatasetInfo:network", "darts")
        if not isinstance(network, str) or network != "darts":
            raise _bad(f"NetworkSelectorDatasetInfo:network={show(network)}; only 'darts' configs "
                       "describe this space")
        edges: dict[str, dict[int, Any]] = {c: {} for c in CELLS}
        inputs: dict[str, dict[int, Any]] = {c: {} for c in CELLS}
        for key, value in config.items():
            m = re.fullmatch(r"(edge|inputs_node)_(normal|reduce)_([0-9]{1,3})",
                             key[len(CS_PREFIX):] if isinstance(key, str)
                             and key.startswith(CS_PREFIX) else "")
            if m is None:
                continue
            kind, cell, num = m.group(1), m.group(2), int(m.group(3))
            if (kind == "edge" and num > 13) or (kind == "inputs_node" and num not in NODES):
                raise _bad(f"ConfigSpace key {show(key)} is out of range; edges are numbered 0..13 "
                           "and inputs_node keys 2..5")
            (edges if kind == "edge" else inputs)[cell][num] = value
        cells: list[list[tuple[Any, int]]] = []
        for cell in CELLS:
            pairs: list[tuple[Any, int]] = []
            for node in NODES:
                start = EDGE_START[node]
                mine = [(edges[cell][e], e - start) for e in range(start, start + node)
                        if e in edges[cell]]
                if len(mine) != 2:
                    raise _bad(f"node {node} of the {cell} cell has {len(mine)} edge keys "
                               f"({CS_PREFIX}edge_{cell}_{start}..{start + node - 1}); each node "
                               "takes exactly 2 inputs: give exactly two of those keys")
                declared = inputs[cell].get(node)
                derived = f"{mine[0][1]}_{mine[1][1]}"
                if declared is not None and (not isinstance(declared, str) or declared != derived):
                    raise _bad(f"{CS_PREFIX}inputs_node_{cell}_{node}={show(declared)} disagrees with "
                               f"its edge keys (inputs {derived}); make them agree")
                pairs.extend(mine)
            cells.append(pairs)
        return DartsArch(normal=cells[0], reduce=cells[1])

    def to_configspace(self, arch: Architecture) -> dict[str, str]:
        """The NB301 ConfigSpace entries for the architecture (edges and inputs_node)."""
        a = self.parse(arch)
        out: dict[str, str] = {}
        for cell, pairs in zip(CELLS, (a.normal, a.reduce)):
            for node in NODES:
                two = pairs[2 * node - 4: 2 * node - 2]
                for op, inp in two:
                    out[f"{CS_PREFIX}edge_{cell}_{EDGE_START[node] + inp}"] = op
                if node > 2:
                    out[f"{CS_PREFIX}inputs_node_{cell}_{node}"] = f"{two[0][1]}_{two[1][1]}"
        return out

    def notations(self, arch: Architecture) -> dict[str, Any]:
        """``string``, ``genotype``, ``naslib`` and ``configspace`` forms."""
        a = self.parse(arch)
        return {"string": self.to_string(a), "genotype": self.to_genotype(a),
                "naslib": self.to_naslib(a), "configspace": self.to_configspace(a)}

    # ---- size, sampling and moves ------------------------------------------
    @property
    def n_architectures(self) -> int:
        """Exact number of distinct architectures: (prod_k C(k,2) * 7**2)**2 over k=2..5."""
        return _N_ARCHITECTURES

    def size(self) -> int:
        """Same as :attr:`n_architectures` (``len()`` refuses: the space is not enumerable)."""
        return self.n_architectures

    def sample(self, seed: int | np.random.Generator | None = None) -> DartsArch:
        """Uniform over distinct architectures: one integer drawn uniformly below
        ``n_architectures``, read as the mixed-radix number whose digits (most
        significant first) are the decision vector: per node an unordered input pair,
        then an op per input."""
        number = int(as_rng(seed).integers(self.n_architectures))
        digits = [0] * len(_SIZES)
        for k in range(len(_SIZES) - 1, -1, -1):
            number, digits[k] = divmod(number, _SIZES[k])
        cells = []
        for start in (0, len(digits) // 2):
            edges: list[tuple[str, int]] = []
            for n in range(start, start + len(digits) // 2, 3):
                i, j = _INPUT_PAIRS[digits[n]]
                edges += ((OPS[digits[n + 1]], i), (OPS[digits[n + 2]], j))
            cells.append(tuple(edges))
        return DartsArch._trusted(cells[0], cells[1])

    def _moves(self, a: DartsArch) -> list[tuple[int, int, str, int]]:
        """Every one-edit move as (cell, edge position, new op, new input): per edge,
        the 6 other ops, then the ``node - 2`` other free inputs (120 moves in all)."""
        moves = []
        for c, cell in enumerate((a.normal, a.reduce)):
            for pos, (op, inp) in enumerate(cell):
                node = pos // 2 + 2
                other = cell[pos ^ 1][1]
                moves += [(c, pos, new, inp) for new in OPS if new != op]
                moves += [(c, pos, op, j) for j in range(node) if j not in (inp, other)]
        return moves

    @staticmethod
    def _move_at(a: DartsArch, m: int) -> tuple[int, int, str, int]:
        """``_moves(a)[m]`` without building the list."""
        c, m = divmod(m, _MOVES_PER_CELL)
        cell = (a.normal, a.reduce)[c]
        pos = 0
        while m >= len(OPS) - 1 + pos // 2:  # edge ``pos``: 6 op moves, node - 2 input moves
            m -= len(OPS) - 1 + pos // 2
            pos += 1
        op, inp = cell[pos]
        if m < len(OPS) - 1:
            return c, pos, [new for new in OPS if new != op][m], inp
        other = cell[pos ^ 1][1]
        free = [j for j in range(pos // 2 + 2) if j not in (inp, other)]
        return c, pos, op, free[m - len(OPS) + 1]

    @staticmethod
    def _apply(a: DartsArch, move: tuple[int, int, str, int]) -> DartsArch:
        c, pos, op, inp = move
        cells = [a.normal, a.reduce]
        cell = list(cells[c])
        cell[pos] = (op, inp)
        lo = pos & ~1  # keep the node's two edges sorted by input
        if cell[lo][1] > cell[lo + 1][1]:
            cell[lo], cell[lo + 1] = cell[lo + 1], cell[lo]
        cells[c] = tuple(cell)
        return DartsArch._trusted(cells[0], cells[1])

    def mutate(self, arch: Architecture, seed: int | np.random.Generator | None = None) -> DartsArch:
        """Change one op or one input of one edge, uniformly over all 120 such edits."""
        a = self.parse(arch)
        return self._apply(a, self._move_at(a, int(as_rng(seed).integers(2 * _MOVES_PER_CELL))))

    def neighbors(self, arch: Architecture) -> list[DartsArch]:
        """The 120 one-edit neighbours, in ``mutate``'s move order, ``arch`` excluded.

        Distinct by ``hash`` (the space's identity; distinct edits give distinct
        architectures). Their ``iso_hash`` is not computed here: it is computed
        when read, so callers that need isomorphism classes pay only for those.
        """
        a = self.parse(arch)
        seen, out = {a.hash}, []
        for move in self._moves(a):
            b = self._apply(a, move)
            if b.hash not in seen:
                seen.add(b.hash)
                out.append(b)
        return out

    # ---- graphs -----------------------------------------------------------------
    def to_graph(self, arch: Architecture) -> Data:
        """Op-on-node graph of both cells (two components of 15 nodes each).

        Per cell: nodes c_{k-2}, c_{k-1}; one node per edge labelled by its op,
        wired input -> op -> sum of its intermediate node; four sum nodes; one
        output node fed by all sums. Columns: :attr:`node_feature_names`.
        """
        a = self.parse(arch)
        import torch
        from torch_geometric.data import Data

        col = {n: i for i, n in enumerate(self.node_feature_names)}
        x = np.zeros((30, len(col)), dtype=np.float32)
        src: list[int] = []
        dst: list[int] = []
        for c, cell in enumerate((a.normal, a.reduce)):
            base = 15 * c
            x[base + 0, col["input_c_k-2"]] = 1.0
            x[base + 1, col["input_c_k-1"]] = 1.0
            for pos, (op, inp) in enumerate(cell):
                node = base + 2 + pos
                x[node, col[op]] = 1.0
                src += [base + (inp if inp < 2 else 8 + inp), node]
                dst += [node, base + 10 + pos // 2]
            for k in range(4):
                x[base + 10 + k, col["sum"]] = 1.0
                src.append(base + 10 + k)
                dst.append(base + 14)
            x[base + 14, col["output"]] = 1.0
            x[base: base + 15, col["reduce_cell"]] = float(c)
        return Data(x=torch.from_numpy(x), edge_index=torch.tensor([src, dst], dtype=torch.long),
                    num_nodes=30)
