"""compute_proxies: shared passes equal the single functions; determinism; shaping."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from nasbench_kit.errors import OutOfDomainError
from nasbench_kit.proxies import PROXIES, compute_proxies
from nasbench_kit.proxies.data import draw_batch, shape_batch
from nasbench_kit.proxies.fused import score_fused
from nasbench_kit.spaces import get_space

NETWORK = [n for n, p in PROXIES.items() if p.kind == "network"]
TINY = {"C": 4, "N": 1}


def _need_models() -> None:
    models = pytest.importorskip("nasbench_kit.models")
    if not hasattr(models, "build_model"):
        pytest.skip("nasbench_kit.models.build_model is not present")


def _toy_data(n=60, shape=(1, 8, 8), classes=10, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, *shape)).astype(np.float32), np.arange(n) % classes


def _archs(k=4):
    sp = get_space("nb201")
    return [sp.from_index(i) for i in (0, 77, 4321, 15624)][:k]


def test_shared_passes_equal_the_single_proxy_functions():
    _need_models()
    torch.manual_seed(0)
    net = nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.Conv2d(4, 4, 3),
        nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 3),
    )  # fmt: skip
    x = torch.randn(9, 1, 6, 6)
    y = torch.arange(9) % 3
    values, seconds = score_fused(net, x, y, None, NETWORK, seed=3)
    assert list(values) == NETWORK and set(seconds) == set(NETWORK)
    for name in NETWORK:
        kw = {"seed": 3} if PROXIES[name].takes_seed else {}
        single = PROXIES[name](net, x, y, None, **kw)
        assert values[name] == pytest.approx(single, rel=1e-5, abs=1e-12), name
        assert seconds[name] >= 0.0


def test_columns_index_and_combined_proxies():
    _need_models()
    archs = _archs()
    df = compute_proxies(archs, ["synflow", "vote"], dataset=_toy_data(), **TINY)
    assert list(df.index) == [a.hash for a in archs]
    assert df["arch"].tolist() == [get_space("nb201").to_string(a) for a in archs]
    comps = ["synflow", "jacov", "snip", "vote"]
    assert list(df.columns) == ["arch", *comps, *[f"seconds_{c}" for c in comps]]
    assert ((df["vote"] >= 0) & (df["vote"] <= 1)).all()
    assert df["seconds_vote"].tolist() == pytest.approx(
        (df["seconds_synflow"] + df["seconds_jacov"] + df["seconds_snip"]).tolist()
    )
    assert df.attrs["config"]["net_config"] == {"C": 4, "N": 1, "in_channels": 1, "num_classes": 10}


def test_same_seed_identical_values_other_seed_other_batch():
    _need_models()
    archs = _archs(2)
    names = [n for n in NETWORK if n not in ("params", "flops")]
    data = _toy_data()
    state = torch.random.get_rng_state()
    threads = torch.get_num_threads()
    a = compute_proxies(archs, names, dataset=data, batch_size=16, seed=1, **TINY)
    b = compute_proxies(archs, names, dataset=data, batch_size=16, seed=1, **TINY)
    c = compute_proxies(archs, names, dataset=data, batch_size=16, seed=2, **TINY)
    assert torch.equal(state, torch.random.get_rng_state())  # global generator untouched
    assert torch.get_num_threads() == threads
    assert a[names].equals(b[names])
    assert not a[["snip", "nwot"]].equals(c[["snip", "nwot"]])


def test_data_free_proxies_need_no_dataset():
    _need_models()
    df = compute_proxies(_archs(2), "params,flops,synflow,l2_norm,zen", **TINY)
    assert np.isfinite(df[["params", "flops", "synflow", "l2_norm", "zen"]].to_numpy()).all()
    assert df.attrs["config"]["input_shape"] == [3, 32, 32]
    with pytest.raises(OutOfDomainError, match="need data"):
        compute_proxies(_archs(1), ["nwot"], **TINY)


def test_dataset_name_and_network_input_shape():
    _need_models()
    df = compute_proxies(_archs(2), ["nwot", "flops"], dataset="digits", batch_size=8,
                         input_shape=(3, 16, 16), **TINY)  # fmt: skip
    cfg = df.attrs["config"]
    assert cfg["dataset"] == "digits" and cfg["input_shape"] == [3, 16, 16]
    assert cfg["net_config"]["in_channels"] == 3 and cfg["custom"] is True
    assert np.isfinite(df["nwot"]).all()


def test_params_match_the_recorded_nb201_values():
    _need_models()
    df = compute_proxies([get_space("nb201").from_index(0)], ["params"])
    assert df["params"].iloc[0] == pytest.approx(0.129306, rel=1e-6)


@pytest.mark.parametrize(
    ("kw", "match"),
    [({"proxies": ["nope"]}, "unknown proxy"), ({"proxies": ["params", "params"]}, "twice"),
     ({"proxies": [], }, "no proxy"), ({"seed": -1}, "seed"),
     ({"batch_size": 1, "dataset": "digits", "proxies": ["snip"]}, "batch_size")],
)  # fmt: skip
def test_bad_arguments(kw, match):
    kw = {"proxies": ["params"], **kw}
    with pytest.raises(OutOfDomainError, match=match):
        compute_proxies(_archs(1), **kw)


def test_graph_spaces_are_refused():
    sp = get_space("nbgraph")
    with pytest.raises(OutOfDomainError, match="image networks"):
        compute_proxies([sp.sample(seed=0)], ["params"])


def test_draw_batch_and_shape_batch():
    x, y = _toy_data(n=20, shape=(1, 5, 5))
    xb, yb, info = draw_batch((x, y), 6, seed=3)
    xb2, _, _ = draw_batch((x, y), 6, seed=3)
    assert np.array_equal(xb, xb2) and len(set(map(bytes, xb))) == 6
    t = shape_batch(xb, (3, 5, 5))
    assert torch.equal(t[:, 0], t[:, 2]) and torch.equal(t[:, 0], torch.as_tensor(xb[:, 0]))
    assert tuple(shape_batch(np.zeros((2, 3, 4, 4), np.float32), (1, 8, 8)).shape) == (2, 1, 8, 8)
    with pytest.raises(OutOfDomainError, match="channels"):
        shape_batch(np.zeros((2, 2, 4, 4), np.float32), (3, 4, 4))
    with pytest.raises(OutOfDomainError):
        draw_batch((x, y), 21)
    assert info["num_classes"] == 10 and not math.isnan(float(xb.sum()))
