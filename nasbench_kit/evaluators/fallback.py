"""``Fallback``: a chain of evaluators; each query goes to the first that holds the arch.

``Fallback([table, surrogate])`` answers from the table where it has a row
and from the surrogate elsewhere, so a search over NB101 or DARTS uses every
real result and falls back for the rest; a live-training evaluator can be the
last link (``Fallback([table, surrogate, live])``). Every answer is the
answering link's own :class:`~nasbench_kit.results.EvalResult`: its
``provenance``, ``fidelity``, ``seed`` and ``cost`` say what actually answered.

Rules
-----
- A link *holds* ``(arch, fidelity)`` when ``arch in link`` and, for an
  explicit fidelity, ``fidelity in link.fidelities``. ``query`` asks the links
  in order, skips those that do not hold it (or raise ``NotInTableError``) and
  returns the first answer; ``NotInTableError`` when none holds it.
  ``query_many`` groups the architectures by the link that holds them and
  makes one batched call per link.
- ``fidelity=None`` lets each link use its own default (its largest), so a
  table at 200 epochs and live training for 3 epochs both answer; the
  answer's ``fidelity`` says which. ``fidelities`` is the union of the links'
  (``run_search`` asks the largest explicitly unless given ``fidelity=``).
- All links must answer the same search space. Links on *different datasets*
  (by name) are allowed with a :class:`~nasbench_kit.errors.MixedDatasetWarning`
  naming them; the chain's ``dataset`` is then the names joined by ``|``
  (e.g. ``"cifar10|digits"``), and the answer's ``provenance`` says which
  dataset an answer is for. ``same_dataset=True`` refuses such a mix;
  ``same_dataset=False`` accepts it silently (for names that denote the same
  data, e.g. ``cifar10-valid`` and ``cifar10``) and keeps the first's name.
- ``metrics``: those every link answers (in the first link's order); an empty
  intersection is an error. A metric's unit must agree across the links that
  state one (different units are always refused).
- ``seeds``: the seeds every link lists (a table without seeds makes it ``()``:
  mean only).
- ``cost``: when every link has the same ``cost_metric`` it is the chain's and
  answers carry it. When they differ (e.g. a table without timing and live
  training with ``train_time``), ``cost_metric`` is None -- so
  ``run_search(max_seconds=...)`` is refused -- but each answer still carries
  its own link's cost (0.0 from a link without a cost metric, the measured
  seconds from live training), so the simulated clock of a ``max_queries``
  run charges what the answering link reported.
- ``optimum``/``pareto_front``: the first link's when it holds the whole
  (finite) space at that fidelity -- then no other link is ever asked --
  otherwise None.
- ``strict=True`` restores the strict chain: one dataset (unless
  ``same_dataset=False``), ``fidelities`` the intersection (empty: an error;
  ``fidelity=None`` asks every link its largest), and every answer costs 0.0
  unless all links share the cost metric.

>>> import nasbench_kit as nbk
>>> table = nbk.load("nbgraph/cora")
>>> sur = nbk.fit_surrogate(table, ["val_acc"], archs=table.archs()[:60], n_members=2)
>>> chain = Fallback([table, sur])
>>> chain.query(table.archs()[0], "val_acc").provenance.startswith("table:")
True
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from types import MappingProxyType
from typing import Any

import numpy as np

from nasbench_kit.errors import (
    MixedDatasetWarning,
    NasBenchKitError,
    NotInTableError,
    OutOfDomainError,
    UnknownFidelityError,
    UnknownMetricError,
    UnknownSeedError,
)
from nasbench_kit.evaluators.protocol import Evaluator
from nasbench_kit.results import EvalResult
from nasbench_kit.spaces import Architecture

__all__ = ["Fallback"]


def _describe(ev: Any) -> str:
    return f"{type(ev).__name__} {getattr(ev, 'name', '?')!r}"


def _check_links(links: Any) -> list[Any]:
    if isinstance(links, (str, bytes)) or not isinstance(links, Iterable):
        raise OutOfDomainError(
            f"Fallback takes a list of evaluators, got {type(links).__name__}; "
            "write Fallback([table, surrogate])"
        )
    links = list(links)
    if not links:
        raise OutOfDomainError("Fallback needs at least one evaluator, got an empty list")
    for ev in links:
        if not isinstance(ev, Evaluator):
            raise OutOfDomainError(
                f"{ev!r} is not an Evaluator (a table, surrogate, live evaluator or "
                "Fallback); every link must implement nasbench_kit.evaluators.Evaluator"
            )
    space = links[0].space.name
    for ev in links[1:]:
        if ev.space.name != space:
            raise OutOfDomainError(
                f"Fallback links must share one search space: {_describe(links[0])} answers "
                f"{space!r} but {_describe(ev)} answers {ev.space.name!r}"
            )
    return links


def _dataset(links: Sequence[Any], same_dataset: bool | None) -> str:
    """The chain's dataset name; refuses or warns about a mix (see the module docs)."""
    names = list(dict.fromkeys(str(ev.dataset) for ev in links))
    if len(names) == 1 or same_dataset is False:
        return names[0]
    where = ", ".join(f"{_describe(ev)} is on {ev.dataset!r}" for ev in links)
    if same_dataset:
        raise OutOfDomainError(
            f"Fallback links must share one dataset here (same_dataset=True / strict=True): "
            f"{where}; chain evaluators of the same task, pass same_dataset=False when the "
            "names differ for the same data, or drop strict to allow the mix with a warning"
        )
    joined = "|".join(names)
    warnings.warn(
        f"Fallback links answer on different datasets {names}: {where}. Each answer is for "
        f"its own link's dataset (see its provenance); the chain's dataset is {joined!r}. "
        "Pass strict=True to refuse such a chain, or same_dataset=False if the names denote "
        "the same data",
        MixedDatasetWarning,
        stacklevel=3,
    )
    return joined


def _metrics(links: Sequence[Any]) -> tuple[tuple[str, ...], dict[str, str]]:
    metrics = [m for m in links[0].metrics if all(m in ev.metrics for ev in links[1:])]
    if not metrics:
        raise OutOfDomainError(
            "the Fallback links share no metric: "
            + "; ".join(f"{_describe(ev)} has {list(ev.metrics)}" for ev in links)
        )
    units: dict[str, str] = {}
    for m in metrics:
        stated = {(ev.units.get(m) or ""): ev for ev in links if ev.units.get(m)}
        if len(stated) > 1:
            raise OutOfDomainError(
                f"metric {m!r} has different units in the Fallback links: "
                + ", ".join(f"{u!r} in {_describe(ev)}" for u, ev in stated.items())
                + "; chain evaluators that report it in the same unit"
            )
        units[m] = next(iter(stated), "")
    return tuple(metrics), units


def _fidelities(links: Sequence[Any], strict: bool) -> tuple[float, ...]:
    sets = [{float(f) for f in ev.fidelities} for ev in links]
    fids = set.intersection(*sets) if strict else set.union(*sets)
    if not fids:
        raise OutOfDomainError(
            "the Fallback links share no fidelity (strict=True needs one): "
            + "; ".join(f"{_describe(ev)} has {list(ev.fidelities)}" for ev in links)
            + "; drop strict to let each link answer at its own fidelities"
        )
    return tuple(sorted(fids))


class Fallback:
    """Ask each evaluator in turn; the first that holds the architecture answers.

    See the module docs for how datasets, metrics, units, fidelities, seeds,
    cost and optimum are combined. ``name`` defaults to
    ``"fallback(a > b > ...)"``. ``strict=True`` refuses mixed datasets and
    keeps only the fidelities every link answers; ``same_dataset`` (default:
    ``strict``) refuses (True) or silently accepts (False) differently named
    datasets -- the default warns with ``MixedDatasetWarning``.
    """

    def __init__(self, links: Sequence[Any], name: str | None = None, *, strict: bool = False,
                 same_dataset: bool | None = None):  # fmt: skip
        links = _check_links(links)
        self._links = tuple(links)
        self._strict = bool(strict)
        self._same_dataset = same_dataset
        self._dataset = _dataset(links, (True if strict else None) if same_dataset is None
                                 else bool(same_dataset))  # fmt: skip
        self._metrics, units = _metrics(links)
        self._units = MappingProxyType(units)
        self._fidelities = _fidelities(links, self._strict)
        self._link_fids = tuple(frozenset(float(f) for f in ev.fidelities) for ev in links)
        seeds = [s for s in links[0].seeds if all(s in ev.seeds for ev in links[1:])]
        self._seeds = tuple(seeds)
        cost = links[0].cost_metric
        same = all(ev.cost_metric == cost for ev in links)
        self._cost_metric = cost if same and cost in self._metrics else None
        self._zero_cost = self._cost_metric is None and (self._strict or same)
        self._name = name or "fallback(" + " > ".join(str(ev.name) for ev in links) + ")"

    # ---- description -------------------------------------------------------
    name = property(lambda self: self._name, doc="Chain name.")
    links = property(lambda self: self._links, doc="The evaluators, in the order asked.")
    space = property(lambda self: self._links[0].space, doc="The shared search space.")
    dataset = property(lambda self: self._dataset, doc="The dataset, or names joined by '|'.")
    metrics = property(lambda self: self._metrics, doc="Metrics every link answers.")
    units = property(lambda self: self._units, doc="Read-only metric -> unit mapping.")
    fidelities = property(lambda self: self._fidelities,
                          doc="Union of the links' fidelities (strict: intersection).")  # fmt: skip
    seeds = property(lambda self: self._seeds, doc="Seeds every link lists.")
    cost_metric = property(lambda self: self._cost_metric, doc="Shared cost metric or None.")
    strict = property(lambda self: self._strict, doc="Whether the chain is strict.")

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return (_rebuild, (list(self._links), self._name, self._strict, self._same_dataset))

    def __repr__(self) -> str:
        return f"<Fallback {self._name!r}: {len(self._links)} links, metrics {list(self._metrics)}>"

    # ---- checks ------------------------------------------------------------
    def _check(self, metric: Any, fidelity: Any, seed: Any) -> float | None:
        """Validate the arguments; return the fidelity to pass to the links."""
        if not isinstance(metric, str) or metric not in self._metrics:
            raise UnknownMetricError(
                f"metric {metric!r} is not answered by every link of {self._name!r}; choose one "
                f"of {list(self._metrics)}"
            )
        if seed is not None and (isinstance(seed, bool) or seed not in self._seeds):
            raise UnknownSeedError(
                f"seed {seed!r} is not listed by every link of {self._name!r}; choose one of "
                f"{list(self._seeds)} or None for the mean"
            )
        if fidelity is None:
            return self._fidelities[-1] if self._strict else None
        try:
            ok = not isinstance(fidelity, bool) and float(fidelity) in self._fidelities
        except (TypeError, ValueError):
            ok = False
        if not ok:
            raise UnknownFidelityError(
                f"fidelity {fidelity!r} is answered by no link of {self._name!r}; choose one "
                f"of {list(self._fidelities)} or None (each link's own largest)"
            )
        return float(fidelity)

    def _parse(self, arch: Any) -> Architecture:
        space = self.space
        if isinstance(arch, Architecture) and arch.space_name != space.name:
            raise OutOfDomainError(
                f"{arch!r} belongs to space {arch.space_name!r} but {self._name!r} answers "
                f"{space.name!r} architectures"
            )
        return arch if type(arch) is space.arch_type else space.parse(arch)  # type: ignore[no-any-return]

    def _asked(self, fid: float | None) -> list[Any]:
        """The links that answer fidelity ``fid`` (all of them for None)."""
        return [ev for ev, fids in zip(self._links, self._link_fids) if fid is None or fid in fids]

    def _cost(self, res: EvalResult) -> EvalResult:
        return res._replace(cost=0.0) if self._zero_cost else res

    # ---- queries -----------------------------------------------------------
    def which(self, arch: Any, fidelity: float | None = None) -> int:
        """Index of the link that answers ``arch`` (at ``fidelity``); ``NotInTableError`` if none."""
        fid = self._check(self._metrics[0], fidelity, None)
        a = self._parse(arch)
        for i, ev in enumerate(self._links):
            if (fid is None or fid in self._link_fids[i]) and a in ev:
                return i
        raise self._nowhere(a, fid)

    def _nowhere(self, arch: Any, fid: float | None) -> NotInTableError:
        at = "" if fid is None else f" at fidelity {fid:g}"
        return NotInTableError(
            f"{arch!r} is held{at} by no link of {self._name!r} ("
            + ", ".join(f"{_describe(ev)} with fidelities {list(ev.fidelities)}"
                        for ev in self._links)  # fmt: skip
            + "); end the chain with a surrogate or live evaluator to answer every "
            "architecture, or ask a fidelity that such a link has"
        )

    def query(
        self, arch: Any, metric: str, fidelity: float | None = None, seed: int | None = None
    ) -> EvalResult:
        """The answer of the first link that holds ``(arch, fidelity)``, passed through."""
        fid = self._check(metric, fidelity, seed)
        a = self._parse(arch)
        for ev in self._asked(fid):
            try:
                res = ev.query(a, metric, fid, seed)
            except NotInTableError:
                continue
            return self._cost(res)
        raise self._nowhere(a, fid)

    def query_many(
        self,
        archs: Iterable[Any],
        metric: str,
        fidelity: float | None = None,
        seed: int | None = None,
    ) -> np.ndarray:
        """float64 values; one batched call per link for the archs it answers."""
        fid = self._check(metric, fidelity, seed)
        if archs is None or isinstance(archs, (str, bytes, Architecture)) or not isinstance(
                archs, Iterable):  # fmt: skip
            raise OutOfDomainError(
                f"query_many needs a list of architectures, got {type(archs).__name__}; "
                "wrap a single one in a list: [arch]"
            )
        parsed = [self._parse(a) for a in archs]
        out = np.full(len(parsed), np.nan)
        todo = list(range(len(parsed)))
        for ev in self._asked(fid):
            if not todo:
                break
            held = [i for i in todo if parsed[i] in ev]
            if held:
                out[held] = ev.query_many([parsed[i] for i in held], metric, fid, seed)
                done = set(held)
                todo = [i for i in todo if i not in done]
        if todo:
            raise self._nowhere(parsed[todo[0]], fid)
        return out

    def _first_covers(self, fid: float | None) -> bool:
        """Whether the first link answers every architecture at ``fid`` (no other is asked)."""
        first = self._links[0]
        if fid is not None and fid not in self._link_fids[0]:
            return False
        try:
            return len(first) >= int(first.space.n_architectures)
        except (TypeError, NasBenchKitError, AttributeError):
            return False

    def optimum(
        self, metric: str, maximize: bool = True, fidelity: float | None = None
    ) -> float | None:
        """The first link's optimum if it holds the whole space, else None."""
        fid = self._check(metric, fidelity, None)
        if not self._first_covers(fid):
            return None
        return self._links[0].optimum(metric, maximize, fid)  # type: ignore[no-any-return]

    def pareto_front(
        self, metrics: Sequence[str], maximize: Sequence[bool], fidelity: float | None = None
    ) -> np.ndarray | None:
        """The first link's front if it holds the whole space, else None."""
        fid = None
        for m in metrics:
            fid = self._check(m, fidelity, None)
        if not self._first_covers(fid):
            return None
        return self._links[0].pareto_front(metrics, maximize, fid)  # type: ignore[no-any-return]

    def __contains__(self, arch: Any) -> bool:
        try:
            a = self._parse(arch)
        except NasBenchKitError:
            return False
        return any(a in ev for ev in self._links)


def _rebuild(links: list[Any], name: str, strict: bool, same_dataset: bool | None) -> Fallback:
    with warnings.catch_warnings():  # warned when the chain was built; not again per worker
        warnings.simplefilter("ignore", MixedDatasetWarning)
        return Fallback(links, name, strict=strict, same_dataset=same_dataset)
