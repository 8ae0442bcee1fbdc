"""``Benchmark``: a read-only, in-memory view of one benchmark table.

Opening reads the index and the value array once and closes the file. A query
is a dict lookup (``arch.hash -> row``) plus a list index into a per-(metric,
fidelity, seed) column built on first use, so it costs well under two
microseconds; ``query_many`` is one list comprehension plus a numpy fancy index.
Querying never changes anything observable (no counters, no clock).

Axis rules: ``fidelity=None`` is the largest fidelity; ``seed=None`` is the
mean over seeds (``nanmean``; for tables that publish only a mean it is that
mean); ``seed=k`` is that seed. ``EvalResult.cost`` is the table's
``cost_metric`` (cumulative simulated seconds to train to that fidelity, same
seed rule) and ``0.0`` when the table has no cost metric (NaN when the table
lacks timing for that row). Values are stored as float32 and returned as
float64 rounded to 7 significant digits, i.e. the source's decimals.

A joined table may hold metrics measured at only some of its fidelities
(``metadata["extra"]["metric_fidelities"]``); querying one elsewhere raises
:class:`UnknownFidelityError` naming its fidelities, and each such metric
costs its own table's cost metric (``metric_costs``).

``Benchmark`` implements the :class:`~nasbench_kit.evaluators.protocol.Evaluator`
contract. A table is the whole truth only for the architectures it holds:
:meth:`optimum` and :meth:`pareto_front` are the best value and the front over
its rows (the true optimum of the space when the table holds every
architecture, as NB201 tables do).

>>> import numpy as np
>>> b = Benchmark.from_arrays(name="demo/toy", space="nb201", dataset="toy",
...     archs=["|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"],
...     metrics=("test_acc",), units={"test_acc": "%"}, values=np.array([[91.5]]))
>>> b.query(b.archs()[0], "test_acc").value
91.5
>>> b.optimum("test_acc"), b.query(b.archs()[0], "test_acc").provenance
(91.5, 'table:demo/toy')
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from nasbench_kit.errors import (
    CorruptFileError,
    NasBenchKitError,
    NotInTableError,
    OutOfDomainError,
    UnknownFidelityError,
    UnknownMetricError,
    UnknownSeedError,
)
from nasbench_kit.results import EvalResult, make_provenance
from nasbench_kit.spaces import Architecture, SearchSpace, get_space
from nasbench_kit.tables.schema import SCHEMA_VERSION, TableData, metric_axes
from nasbench_kit.tables.summary import TableSummaries

if TYPE_CHECKING:  # pragma: no cover
    import os

__all__ = ["Benchmark", "EvalResult"]


_new_tuple = tuple.__new__
#: Seed types equal (as dict keys) to an int seed but refused as seeds.
_ALIAS_SEEDS = frozenset({bool, float})


class _Column(NamedTuple):
    values: list[float]
    costs: list[float]
    array: np.ndarray
    unit: str
    fidelity: float
    seed: int | None
    provenance: str


def _tidy(x: np.ndarray) -> np.ndarray:
    """Round to 7 significant digits (float32 precision) so that stored float32
    values come back as the source's decimals (93.2956, not 93.29560089...)."""
    with np.errstate(all="ignore"):
        scale = 10.0 ** (6.0 - np.floor(np.log10(np.abs(x))))
        out = np.rint(x * scale) / scale
    return np.where(np.isfinite(out), out, x)


class Benchmark(TableSummaries):
    """Read-only benchmark table. Build with :meth:`open`, :meth:`from_table`
    or :meth:`from_arrays` (``nasbench_kit.load(name)`` opens the cached file)."""

    def __init__(self, table: TableData, *, path: str | None = None, validate: bool = True):
        if validate:
            from nasbench_kit.tables.store import validate_table

            validate_table(table)
        self._name = table.name
        self._space: SearchSpace = get_space(table.space)
        self._arch_type = self._space.arch_type
        self._dataset = table.dataset
        self._metrics = tuple(table.metrics)
        self._metric_index = {m: i for i, m in enumerate(self._metrics)}
        self._units = MappingProxyType({m: table.units.get(m, "") for m in self._metrics})
        self._fidelities = tuple(float(f) for f in table.fidelities)
        self._fid_index = {f: i for i, f in enumerate(self._fidelities)}
        self._seeds = tuple(int(s) for s in table.seeds)
        self._seed_index = {s: i for i, s in enumerate(self._seeds)}
        self._cost_metric = table.cost_metric
        values = np.asarray(table.values, dtype=np.float32)
        if validate and values is table.values:  # caller-owned: keep our own copy
            values = values.copy()
        values.flags.writeable = False
        self._values = values
        hashes = list(table.hashes)
        self._hashes = tuple(hashes)
        self._rows: dict[str, int] = dict(zip(hashes, range(len(hashes))))
        notations = table.notations
        if notations is table.hashes or list(notations) == hashes:  # nb201: share them
            self._notations: tuple[str, ...] = self._hashes
            self._notation_rows = self._rows
        else:
            self._notations = tuple(notations)
            self._notation_rows = dict(zip(notations, range(len(notations))))
        if len(self._rows) != len(hashes):
            raise CorruptFileError(
                f"table {table.name!r} lists an architecture hash twice; rebuild it "
                "(load(..., force_reload=True) or import it again)"
            )
        try:
            self._metric_fids, self._metric_costs = metric_axes(
                table.extra, self._metrics, self._fidelities
            )
        except OutOfDomainError as exc:
            raise (OutOfDomainError if validate else CorruptFileError)(str(exc)) from None
        detail = f"{table.name} ({table.source})" if table.source else table.name
        self._provenance = make_provenance("table", detail)
        self._metadata: dict[str, Any] = {
            "source": table.source, "licence": table.licence, "citation": table.citation,
            "source_checksum": table.source_checksum, "schema_version": SCHEMA_VERSION,
            "extra": dict(table.extra), "path": path,
        }  # fmt: skip
        self._cols: dict[tuple[Any, Any, Any], _Column] = {}
        self._archs: list[Architecture] | None = None

    # ---- constructors ----------------------------------------------------
    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> Benchmark:
        """Open a store file written by :func:`~nasbench_kit.tables.store.write_table`."""
        from nasbench_kit.tables.store import read_table

        return cls(read_table(path), path=str(path), validate=False)

    @classmethod
    def from_table(cls, table: TableData) -> Benchmark:
        """An in-memory benchmark from a validated :class:`TableData`."""
        return cls(table)

    @classmethod
    def from_arrays(
        cls, *, name: str, space: str, dataset: str, archs: Sequence[Any],
        metrics: Sequence[str], values: np.ndarray, units: Mapping[str, str] | None = None,
        seeds: Sequence[int] = (), fidelities: Sequence[float] = (200.0,),
        cost_metric: str | None = None, source: str = "", licence: str = "", citation: str = "",
        extra: Mapping[str, str] | None = None,
    ) -> Benchmark:  # fmt: skip
        """Build from architectures (any notation) and values.

        ``values`` is ``(archs, metrics)`` for one fidelity and no seeds, or
        the full ``(archs, seeds or 1, fidelities, metrics)`` array.
        """
        sp = get_space(space)
        parsed = [sp.parse(a) for a in archs]
        arr = np.asarray(values, dtype=np.float32)
        if arr.ndim == 2:
            arr = arr.reshape(arr.shape[0], 1, 1, arr.shape[1])
        table = TableData(
            name=name, space=sp.name, dataset=dataset, hashes=[a.hash for a in parsed],
            notations=[sp.to_string(a) for a in parsed], seeds=tuple(seeds),
            fidelities=tuple(float(f) for f in fidelities), metrics=tuple(metrics),
            units=dict(units or {}), values=arr, source=source, licence=licence,
            citation=citation, cost_metric=cost_metric, extra=dict(extra or {}),
        )  # fmt: skip
        return cls(table)

    def to_table(self) -> TableData:
        """The table as a :class:`TableData` (shares the read-only value array)."""
        meta = self._metadata
        return TableData(
            name=self._name, space=self._space.name, dataset=self._dataset,
            hashes=list(self._hashes), notations=list(self._notations), seeds=self._seeds,
            fidelities=self._fidelities, metrics=self._metrics, units=dict(self._units),
            values=self._values, source=meta["source"], licence=meta["licence"],
            citation=meta["citation"], source_checksum=meta["source_checksum"],
            cost_metric=self._cost_metric, extra=dict(meta["extra"]),
        )  # fmt: skip

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        # File-backed tables travel as their path: a worker opens each file once
        # through the process-wide cache of open tables (tables/cache.py).
        path = self._metadata["path"]
        if path is not None:
            from nasbench_kit.tables.cache import open_table

            return (open_table, (path,))
        return (Benchmark.from_table, (self.to_table(),))

    # ---- description -----------------------------------------------------
    name = property(lambda self: self._name, doc="Table name, e.g. ``analognas/cifar10``.")
    space = property(lambda self: self._space, doc="The :class:`SearchSpace` of the rows.")
    dataset = property(lambda self: self._dataset, doc="Dataset the results are on.")
    metrics = property(lambda self: self._metrics, doc="Metric names (tuple).")
    units = property(lambda self: self._units, doc="Read-only metric -> unit mapping.")
    fidelities = property(lambda self: self._fidelities, doc="Fidelities (epochs), ascending.")
    seeds = property(lambda self: self._seeds, doc="Seed labels; empty = mean only.")
    cost_metric = property(lambda self: self._cost_metric, doc="Metric holding the cost (s).")
    hashes = property(lambda self: self._hashes, doc="Row hashes (tuple, row order).")
    notations = property(lambda self: self._notations, doc="Row notations (tuple).")
    values = property(lambda self: self._values, doc="Read-only float32 value array.")

    @property
    def metadata(self) -> dict[str, Any]:
        """Source, licence, citation, checksum, schema version, extra, path (a copy)."""
        meta = dict(self._metadata)
        meta["extra"] = dict(meta["extra"])
        return meta

    def __len__(self) -> int:
        return len(self._hashes)

    def __repr__(self) -> str:
        return (
            f"<Benchmark {self._name!r}: {len(self)} {self._space.name} archs on "
            f"{self._dataset}, metrics {list(self._metrics)}>"
        )

    # ---- rows ----------------------------------------------------------------
    def row_of(self, arch: Any) -> int:
        """Row index of ``arch`` (an Architecture or any notation of the space)."""
        if type(arch) is self._arch_type:
            row = self._rows.get(arch.hash)
            if row is None:
                raise self._not_in_table(arch)
            return row
        if type(arch) is str:
            row = self._notation_rows.get(arch)
            if row is not None:
                return row
        if isinstance(arch, Architecture) and arch.space_name != self._space.name:
            raise OutOfDomainError(
                f"{arch!r} belongs to space {arch.space_name!r} but table {self._name!r} holds "
                f"{self._space.name!r} architectures; pass an architecture of that space"
            )
        parsed = self._space.parse(arch)
        row = self._rows.get(parsed.hash)
        if row is None:
            raise self._not_in_table(parsed)
        return row

    def _not_in_table(self, arch: Any) -> NotInTableError:
        return NotInTableError(
            f"{arch!r} is a valid {self._space.name} architecture but table {self._name!r} "
            f"holds no result for it ({len(self)} rows); check `arch in bench` first or use "
            "bench.archs() to pick from the table"
        )

    def __contains__(self, arch: Any) -> bool:
        """True when :meth:`query` answers ``arch`` (a row of this table)."""
        try:
            self.row_of(arch)
        except NasBenchKitError:
            return False
        return True

    def archs(self) -> list[Architecture]:
        """All row architectures in row order (built once from stored notations)."""
        if self._archs is None:
            from_string = self._space.from_string
            archs = [from_string(n) for n in self._notations]
            for arch, h in zip(archs, self._hashes):
                if arch.hash != h:
                    raise CorruptFileError(
                        f"table {self._name!r}: stored notation of row hash {h!r} parses to hash "
                        f"{arch.hash!r}; the space's hash rule changed since the table was "
                        "written -- rebuild it with load(..., force_reload=True)"
                    )
            # Key the row dict by these very hash strings: lookups of these archs
            # then compare pointers, not text (about 1.5x faster in query_many).
            rows = dict(zip((a.hash for a in archs), range(len(archs))))
            if self._notation_rows is self._rows:
                self._notation_rows = rows
            self._rows = rows
            self._archs = archs
        return list(self._archs)

    # ---- columns ---------------------------------------------------------
    def _column(self, metric: Any, fidelity: Any, seed: Any, strict: bool = True) -> _Column:
        m = self._metric_index.get(metric) if isinstance(metric, str) else None
        if m is None:
            raise UnknownMetricError(
                f"metric {metric!r} is not in table {self._name!r}; choose one of "
                f"{list(self._metrics)}"
            )
        f = self._fidelity_index(fidelity)
        own = self._metric_fids.get(metric)
        if strict and own is not None and self._fidelities[f] not in own:
            raise UnknownFidelityError(
                f"metric {metric!r} of table {self._name!r} is measured only at fidelities "
                f"{list(own)} (epochs), not at {self._fidelities[f]!r}; pass fidelity={own[-1]!r} "
                "(a joined table keeps each metric at the fidelity its source measured)"
            )
        s = self._seed_position(seed)
        array = self._slice(m, f, s)
        cost = self._metric_costs.get(metric, self._cost_metric)
        if self._cost_metric is None:
            costs = [0.0] * len(array)
        elif not cost:
            costs = [float("nan")] * len(array)
        else:
            costs = self._slice(self._metric_index[cost], f, s).tolist()
        array.flags.writeable = False
        col = _Column(
            values=array.tolist(), costs=costs, array=array, unit=self._units[metric],
            fidelity=self._fidelities[f], seed=None if s is None else self._seeds[s],
            provenance=self._provenance,
        )  # fmt: skip
        if strict:
            self._cols[(metric, fidelity, seed)] = col
        return col

    def _fidelity_index(self, fidelity: Any) -> int:
        if fidelity is None:
            return len(self._fidelities) - 1
        f = None
        if not isinstance(fidelity, (bool, str, bytes)):
            try:
                f = self._fid_index.get(float(fidelity))
            except (TypeError, ValueError, OverflowError):
                f = None
        if f is None:
            raise UnknownFidelityError(
                f"fidelity {fidelity!r} is not in table {self._name!r}; choose one of "
                f"{list(self._fidelities)} (epochs) or None for the largest"
            )
        return f

    def _seed_position(self, seed: Any) -> int | None:
        if seed is None:
            return None
        if not self._seeds:
            raise UnknownSeedError(
                f"seed {seed!r}: table {self._name!r} publishes only the mean over seeds; "
                "pass seed=None"
            )
        ok = isinstance(seed, (int, np.integer)) and not isinstance(seed, bool)
        s = self._seed_index.get(int(seed)) if ok else None
        if s is None:
            raise UnknownSeedError(
                f"seed {seed!r} is not in table {self._name!r}; choose one of "
                f"{list(self._seeds)} or None for the mean over seeds"
            )
        return s

    def _slice(self, m: int, f: int, s: int | None) -> np.ndarray:
        """float64 column for metric ``m``, fidelity ``f``, seed ``s`` (None: mean)."""
        block = self._values[:, :, f, m]
        if s is not None:
            return _tidy(block[:, s].astype(np.float64))
        if block.shape[1] == 1:
            return _tidy(block[:, 0].astype(np.float64))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows stay NaN
            return _tidy(np.nanmean(block.astype(np.float64), axis=1))

    # ---- queries -----------------------------------------------------------
    def query(
        self, arch: Any, metric: str, fidelity: float | None = None, seed: int | None = None
    ) -> EvalResult:
        """Look up ``metric`` of ``arch`` (Architecture or any notation).

        Raises :class:`UnknownMetricError`, :class:`UnknownFidelityError`,
        :class:`UnknownSeedError` (each listing the valid choices),
        :class:`NotInTableError` (valid arch, no row) and
        :class:`OutOfDomainError` (not a valid notation).
        """
        try:
            col = self._cols.get((metric, fidelity, seed))
        except TypeError:  # unhashable metric/fidelity/seed
            col = None
        if col is None or type(fidelity) is bool or type(seed) in _ALIAS_SEEDS:  # True == 1.0 == 1
            col = self._column(metric, fidelity, seed)
        if type(arch) is self._arch_type:
            row = self._rows.get(arch.hash)
            if row is None:
                raise self._not_in_table(arch)
        else:
            row = self.row_of(arch)
        return _new_tuple(
            EvalResult,
            (col.values[row], col.unit, col.costs[row], col.fidelity, col.seed, col.provenance),
        )

    def query_many(
        self,
        archs: Iterable[Any] | None,
        metric: str,
        fidelity: float | None = None,
        seed: int | None = None,
        *,
        rows: Any = None,
    ) -> np.ndarray:
        """float64 values of ``metric`` for many archs, or for row ids ``rows=`` in [0, n)."""
        try:
            col = self._cols.get((metric, fidelity, seed))
        except TypeError:
            col = None
        if col is None or type(fidelity) is bool or type(seed) in _ALIAS_SEEDS:
            col = self._column(metric, fidelity, seed)
        if rows is not None:
            if archs is not None:
                raise OutOfDomainError("pass either archs or rows= to query_many, not both")
            return col.array[self._check_rows(rows)]
        if archs is None:
            raise OutOfDomainError("query_many needs archs (or rows=); got None")
        return col.array[self.rows_of(archs)]

    def rows_of(self, archs: Iterable[Any]) -> np.ndarray:
        """Row ids (intp array) of ``archs``; errors as in :meth:`row_of`."""
        if not isinstance(archs, (list, tuple)):
            if isinstance(archs, (str, bytes, Architecture)) or not isinstance(archs, Iterable):
                raise OutOfDomainError(
                    f"archs={archs!r:.80} is not a list of architectures; pass a list or other "
                    "iterable of them (use query() for one architecture)"
                )
            archs = list(archs)
        get, t = self._rows.get, self._arch_type
        idx = [get(a.hash, -1) if type(a) is t else self.row_of(a) for a in archs]
        out = np.fromiter(idx, dtype=np.intp, count=len(idx))
        if len(out) and out.min() < 0:
            bad = next(a for a, i in zip(archs, idx) if i < 0)
            raise self._not_in_table(bad)
        return out

    def _check_rows(self, rows: Any) -> np.ndarray:
        n = len(self)
        try:
            arr = np.asarray(rows)
        except (TypeError, ValueError, OverflowError):
            arr = np.asarray(None)
        if arr.size == 0 and arr.ndim == 1:
            return np.zeros(0, dtype=np.intp)
        if arr.dtype.kind not in "iu" or arr.ndim != 1:
            raise OutOfDomainError(
                f"rows must be a 1-D integer array of row ids in [0, {n}), got "
                f"{type(rows).__name__} of dtype {arr.dtype}, shape {arr.shape}; "
                "use bench.rows_of(archs) to get them"
            )
        if arr.size and (arr.min() < 0 or arr.max() >= n):
            bad = arr[(arr < 0) | (arr >= n)][0]
            raise OutOfDomainError(
                f"row id {int(bad)} is out of range: row ids must lie in [0, {n}) for table "
                f"{self._name!r} (negative ids are refused)"
            )
        return arr
