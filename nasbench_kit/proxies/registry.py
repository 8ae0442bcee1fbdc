"""The proxy registry: name -> :class:`Proxy` (a callable with metadata).

Every proxy is called as ``proxy(net, inputs, targets, loss_fn) -> float``
(``inputs``: a float batch ``(N, C, H, W)``; ``targets``: int64 labels;
``loss_fn``: e.g. ``torch.nn.functional.cross_entropy``, ``None`` = that).
Data-free proxies read only ``inputs.shape``. No proxy changes the network.
Combined proxies (:mod:`nasbench_kit.proxies.combined`) rank a *population*
and are computed by :func:`~nasbench_kit.proxies.compute_proxies`.

>>> from nasbench_kit.proxies import PROXIES
>>> sorted(n for n, p in PROXIES.items() if p.data_free and p.kind == "network")
['flops', 'l2_norm', 'params', 'synflow', 'zen']
>>> PROXIES["synflow"].higher_is_better
True
"""

from __future__ import annotations

from collections.abc import Sequence

from nasbench_kit.errors import OutOfDomainError
from nasbench_kit.proxies._proxy import Proxy
from nasbench_kit.proxies.combined import COMBINED
from nasbench_kit.proxies.fisher import fisher
from nasbench_kit.proxies.grasp import grasp
from nasbench_kit.proxies.jacobian import epe_nas, jacov
from nasbench_kit.proxies.nwot import nwot
from nasbench_kit.proxies.saliency import grad_norm, plain, snip
from nasbench_kit.proxies.static import flops, l2_norm, params
from nasbench_kit.proxies.synflow import synflow
from nasbench_kit.proxies.zen import zen

__all__ = ["NETWORK_PROXIES", "PROXIES", "Proxy", "get_proxy", "list_proxies", "resolve"]


_ABDELFATTAH = "Abdelfattah et al. 2021, Zero-Cost Proxies for Lightweight NAS (ICLR)"

NETWORK_PROXIES: tuple[Proxy, ...] = (
    Proxy("epe_nas", epe_nas, False, summary="per-class Jacobian correlation",
          reference="Lopes et al. 2021, EPE-NAS (ICANN)"),
    Proxy("fisher", fisher, False, summary="Fisher channel saliency", reference=_ABDELFATTAH),
    Proxy("flops", flops, True, unit="MFLOPs", summary="FLOPs of one sample (Suite-Zero convention)"),
    Proxy("grad_norm", grad_norm, False, summary="sum of per-layer gradient norms",
          reference=_ABDELFATTAH),
    Proxy("grasp", grasp, False, summary="-W * Hessian-gradient product",
          reference="Wang et al. 2020, GraSP (ICLR)"),
    Proxy("jacov", jacov, False, summary="Jacobian covariance",
          reference="Mellor et al. 2021 v1, NAS without training"),
    Proxy("l2_norm", l2_norm, True, summary="sum of weight norms at initialisation"),
    Proxy("nwot", nwot, False, summary="log-det of the ReLU binary-code kernel",
          reference="Mellor et al. 2021, NAS without training (ICML)"),
    Proxy("params", params, True, unit="M", summary="trainable parameters (millions)"),
    Proxy("plain", plain, False, summary="sum W * dL/dW", reference=_ABDELFATTAH),
    Proxy("snip", snip, False, summary="sum |W * dL/dW|", reference="Lee et al. 2019, SNIP (ICLR)"),
    Proxy("synflow", synflow, True, unit="ln", summary="ln of the synaptic flow",
          reference="Tanaka et al. 2020, SynFlow (NeurIPS)"),
    Proxy("zen", zen, True, unit="ln", summary="Zen-score (Gaussian perturbation + BN scale)",
          reference="Lin et al. 2021, Zen-NAS (ICCV)", takes_seed=True),
)  # fmt: skip

PROXIES: dict[str, Proxy] = {p.name: p for p in (*NETWORK_PROXIES, *COMBINED)}


def list_proxies(kind: str | None = None) -> list[str]:
    """Registered proxy names (``kind="network"`` or ``"combined"`` to filter)."""
    return [n for n, p in PROXIES.items() if kind is None or p.kind == kind]


def get_proxy(name: str) -> Proxy:
    """The :class:`Proxy` registered as ``name``."""
    proxy = PROXIES.get(name) if isinstance(name, str) else None
    if proxy is None:
        raise OutOfDomainError(f"unknown proxy {name!r}; choose from {sorted(PROXIES)}")
    return proxy


def resolve(names: str | Sequence[str]) -> list[Proxy]:
    """Proxies for ``names`` (a list, or a comma-separated string; ``"all"`` = the 13)."""
    if isinstance(names, str):
        names = [n.strip() for n in names.split(",") if n.strip()]
    names = list(names)
    if names == ["all"]:
        return list(NETWORK_PROXIES)
    if not names:
        raise OutOfDomainError("no proxy named; pass e.g. ['synflow', 'nwot'] or 'all'")
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise OutOfDomainError(f"proxies {sorted(dup)} are named twice; name each once")
    return [get_proxy(n) for n in names]
