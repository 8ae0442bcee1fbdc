"""``compute_proxies``: build each architecture's network and score it.

For every architecture the network is built with
:func:`nasbench_kit.models.build_model` under ``torch.manual_seed(seed)``
(inside ``torch.random.fork_rng``, so the caller's global generator is left
as it was), then the proxies run on it with shared passes
(:func:`~nasbench_kit.proxies.fused.score_fused`; same definitions as the
single-proxy functions), timed. The batch: ``batch_size`` (default 32, the
size NAS-Bench-Suite-Zero's recorded ``jacov`` and ``nwot`` imply) training
images drawn with ``seed``. Network configuration:

- with a dataset, ``in_channels`` and ``num_classes`` default to the dataset's
  and the input shape to its image shape (``input_shape=`` overrides it; the
  batch is fitted to it as :mod:`nasbench_kit.proxies.data` documents);
- without one (data-free proxies only), the builder's defaults (10 classes)
  and the space's standard input (3x32x32);
- any other keyword goes to ``build_model`` unchanged (e.g. ``C=16, N=5``).

Determinism: everything runs inside :func:`~nasbench_kit.proxies._common.deterministic`
(``num_threads`` intra-op threads, deterministic algorithms), so the same
seed gives identical values on one machine and thread count.

>>> from nasbench_kit.spaces import get_space
>>> archs = [get_space("nb201").from_index(i) for i in (0, 1)]
>>> df = compute_proxies(archs, ["params", "synflow"], C=4, N=1)
>>> list(df.columns)
['arch', 'params', 'synflow', 'seconds_params', 'seconds_synflow']
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import torch

from nasbench_kit._progress import progress as progress_iter
from nasbench_kit.errors import OutOfDomainError
from nasbench_kit.proxies._common import deterministic
from nasbench_kit.proxies.combined import combine
from nasbench_kit.proxies.data import draw_batch, shape_batch
from nasbench_kit.proxies.fused import score_fused
from nasbench_kit.proxies.registry import Proxy, resolve
from nasbench_kit.spaces import Architecture, SearchSpace, get_space

__all__ = ["DEFAULT_INPUT_SHAPE", "ProxyRun", "compute_proxies", "plan_run"]

#: Standard network input (C, H, W) per image space, used without a dataset.
DEFAULT_INPUT_SHAPE: dict[str, tuple[int, int, int]] = {
    "nb201": (3, 32, 32), "nb101": (3, 32, 32), "darts": (3, 32, 32),
}  # fmt: skip


class ProxyRun:
    """A prepared call: proxies, batch, network config (what :func:`compute_proxies` runs).

    ``config`` records everything the values depend on (stored with cached tables).
    """

    def __init__(
        self, space: SearchSpace, proxies: list[Proxy], computed: list[Proxy],
        inputs: torch.Tensor, targets: torch.Tensor, net_config: dict[str, Any],
        config: dict[str, Any], seed: int, num_threads: int, loss_fn: Any,
    ) -> None:  # fmt: skip
        self.space, self.proxies, self.computed = space, proxies, computed
        self.inputs, self.targets = inputs, targets
        self.net_config, self.config = net_config, config
        self.seed, self.num_threads, self.loss_fn = seed, num_threads, loss_fn

    def build(self, arch: Architecture) -> torch.nn.Module:
        """The architecture's network, initialised under ``torch.manual_seed(seed)``."""
        from nasbench_kit.models import build_model

        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed)
            return build_model(arch, **self.net_config)

    def score(self, net: torch.nn.Module) -> tuple[dict[str, float], dict[str, float]]:
        """``({proxy: value}, {proxy: seconds})`` for one network (network proxies only;
        a shared pass's seconds are split between the proxies using it)."""
        names = [p.name for p in self.computed]
        return score_fused(net, self.inputs, self.targets, self.loss_fn, names, seed=self.seed)


def _expand(proxies: list[Proxy]) -> list[Proxy]:
    """Network proxies to compute: the named ones plus combined proxies' components."""
    names: list[str] = []
    for p in proxies:
        for n in p.components if p.kind == "combined" else (p.name,):
            if n not in names:
                names.append(n)
    return resolve(names)


def _space_of(archs: list[Any], space: str | SearchSpace | None) -> SearchSpace:
    if space is not None:
        return get_space(space)
    first = next((a for a in archs if isinstance(a, Architecture)), None)
    if not archs:
        raise OutOfDomainError("no architectures given; pass at least one (or pass space=)")
    if first is None:
        raise OutOfDomainError("archs are notations; pass space= (e.g. space='nb201')")
    return get_space(first.space_name)


def plan_run(
    space: str | SearchSpace, proxies: str | Sequence[str], *, dataset: Any = None,
    batch_size: int = 32, seed: int = 0, input_shape: Sequence[int] | None = None,
    num_threads: int = 1, loss_fn: Any = None, **model_config: Any,
) -> ProxyRun:  # fmt: skip
    """Check the arguments, draw the batch and fix the network config (see module docs)."""
    sp = get_space(space)
    if sp.name not in DEFAULT_INPUT_SHAPE:
        raise OutOfDomainError(
            f"proxies need image networks; space {sp.name!r} is not one of "
            f"{sorted(DEFAULT_INPUT_SHAPE)}"
        )
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise OutOfDomainError(f"seed={seed!r} must be an int >= 0 (e.g. seed=0)")
    wanted = resolve(proxies)
    computed = _expand(wanted)
    needs_data = [p.name for p in computed if not p.data_free]
    config: dict[str, Any] = {"space": sp.name, "proxies": [p.name for p in wanted],
                              "batch_size": int(batch_size), "seed": int(seed),
                              "torch": torch.__version__}  # fmt: skip
    net_config = dict(model_config)
    if dataset is None:
        if needs_data:
            raise OutOfDomainError(
                f"proxies {needs_data} need data; pass dataset= (e.g. 'fashion-mnist', "
                "'digits') or use only data-free proxies (synflow, params, flops, l2_norm, zen)"
            )
        shape = tuple(int(s) for s in (input_shape or DEFAULT_INPUT_SHAPE[sp.name]))
        net_config.setdefault("in_channels", shape[0])
        inputs = torch.zeros((int(batch_size), *shape))
        targets = torch.zeros(int(batch_size), dtype=torch.int64)
        config["dataset"] = None
    else:
        x, y, info = draw_batch(dataset, batch_size, seed)
        net_config.setdefault("num_classes", info["num_classes"])
        shape = tuple(int(s) for s in (input_shape or info["input_shape"]))
        net_config.setdefault("in_channels", shape[0])
        inputs = shape_batch(x, shape)
        targets = torch.as_tensor(y)
        config["dataset"] = info["name"]
        config["dataset_checksum"] = info["checksum"]
    config["input_shape"] = list(shape)
    config["custom"] = bool(model_config) or input_shape is not None
    config["net_config"] = {k: net_config[k] for k in sorted(net_config)}
    return ProxyRun(sp, wanted, computed, inputs, targets, net_config, config, int(seed),
                    num_threads, loss_fn)  # fmt: skip


def compute_proxies(
    archs: Iterable[Any], proxies: str | Sequence[str] = ("synflow",), *,
    space: str | SearchSpace | None = None, dataset: Any = None, batch_size: int = 32,
    seed: int = 0, input_shape: Sequence[int] | None = None, num_threads: int = 1,
    loss_fn: Any = None, progress: bool | None = None, **model_config: Any,
) -> pd.DataFrame:  # fmt: skip
    """One row per architecture (index ``arch.hash``, column ``arch`` = canonical string),
    one column per proxy (combined proxies add their components), and
    ``seconds_<proxy>`` (a combined proxy's seconds = its components' sum).

    ``dataset``: a name for ``load_dataset``, an ``ImageData`` or ``(x, y)``
    arrays; needed by data-dependent proxies only. ``df.attrs["config"]``
    records what the values depend on.
    """
    items = list(archs)
    sp = _space_of(items, space)
    parsed = [sp.parse(a) for a in items]
    run = plan_run(sp, proxies, dataset=dataset, batch_size=batch_size, seed=seed,
                   input_shape=input_shape, num_threads=num_threads, loss_fn=loss_fn,
                   **model_config)  # fmt: skip
    rows: list[dict[str, float]] = []
    with deterministic(num_threads):
        for arch in progress_iter(parsed, total=len(parsed), desc="proxies", unit="arch",
                                  enabled=progress):  # fmt: skip
            values, seconds = run.score(run.build(arch))
            rows.append({**values, **{f"seconds_{k}": v for k, v in seconds.items()}})
    return _frame(run, parsed, rows)


def _frame(run: ProxyRun, archs: list[Architecture], rows: list[dict[str, float]]) -> pd.DataFrame:
    names = [p.name for p in run.computed]
    for p in run.proxies:
        if p.kind == "combined" and p.name not in names:
            names.append(p.name)
    df = pd.DataFrame(rows, index=pd.Index([a.hash for a in archs], name="hash"))
    df.insert(0, "arch", [run.space.to_string(a) for a in archs])
    for p in run.proxies:
        if p.kind == "combined":
            df[p.name] = combine(p.name, df) if len(df) else np.zeros(0)
            df[f"seconds_{p.name}"] = df[[f"seconds_{c}" for c in p.components]].sum(axis=1)
    cols = ["arch", *names, *[f"seconds_{n}" for n in names]]
    df = df.reindex(columns=cols)
    df.attrs["config"] = run.config
    return df
