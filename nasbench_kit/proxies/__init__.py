"""Zero-cost proxies computed on the built networks (NAS-Bench-Suite-Zero's 13).

``PROXIES`` maps a name to a :class:`Proxy` -- a callable
``proxy(net, inputs, targets, loss_fn) -> float`` with metadata
(``data_free``, ``higher_is_better``, ``unit``, ``kind``). The 13 network
proxies: ``epe_nas, fisher, flops, grad_norm, grasp, jacov, l2_norm, nwot,
params, plain, snip, synflow, zen``; two combined ones rank a population:
``vote`` and ``rank_mean``. :func:`compute_proxies` scores architectures into
a DataFrame; :func:`proxy_table` caches the scores as a benchmark table that
``nbk.join``\\ s with accuracy tables and feeds ``FeaturePredictor``.

>>> import torch
>>> from torch import nn
>>> from nasbench_kit.proxies import PROXIES
>>> net = nn.Sequential(nn.Flatten(), nn.Linear(4, 3))
>>> x, y = torch.randn(6, 1, 2, 2), torch.tensor([0, 1, 2, 0, 1, 2])
>>> PROXIES["grad_norm"](net, x, y, None) > 0
True
"""

from __future__ import annotations

from nasbench_kit.proxies.combined import combine
from nasbench_kit.proxies.compute import compute_proxies
from nasbench_kit.proxies.features import ProxyEncoder
from nasbench_kit.proxies.registry import PROXIES, Proxy, get_proxy, list_proxies

__all__ = [
    "PROXIES",
    "Proxy",
    "ProxyEncoder",
    "combine",
    "compute_proxies",
    "get_proxy",
    "list_proxies",
    "proxy_table",
]


def __getattr__(name: str):  # the store pulls in h5py: load it on first use
    if name in ("proxy_table", "proxy_table_name", "save_proxy_frame"):
        from nasbench_kit.proxies import store

        return getattr(store, name)
    raise AttributeError(f"module 'nasbench_kit.proxies' has no attribute {name!r}")
