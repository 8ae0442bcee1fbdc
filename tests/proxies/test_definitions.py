"""Each proxy against a second, independent route on a tiny network."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from nasbench_kit.proxies import PROXIES
from nasbench_kit.proxies.jacobian import epe_nas, jacov
from nasbench_kit.proxies.nwot import nwot
from nasbench_kit.proxies.saliency import grad_norm, plain, snip
from nasbench_kit.proxies.synflow import synflow
from nasbench_kit.proxies.zen import zen, zen_inputs

K = 1e-5


def _need_models() -> None:
    models = pytest.importorskip("nasbench_kit.models")
    if not hasattr(models, "count_flops"):
        pytest.skip("nasbench_kit.models (count_params / count_flops) is not present")


def _seeded(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _batch(n=8, shape=(1, 2, 2), classes=3, seed=0):
    g = _seeded(seed)
    return torch.randn((n, *shape), generator=g), torch.arange(n) % classes


def _mlp(sizes, act=nn.ReLU, seed=0, bias=True):
    torch.manual_seed(seed)
    layers: list[nn.Module] = [nn.Flatten()]
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b, bias=bias))
        if i < len(sizes) - 2:
            layers.append(act())
    return nn.Sequential(*layers)


# ---- saliencies ------------------------------------------------------------------------
def _hand_gradient(W, b, x, y):
    """dCE/dW for logits = x W^T + b, mean over the batch (numpy)."""
    logits = x @ W.T + b
    p = np.exp(logits - logits.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    p[np.arange(len(y)), y] -= 1.0
    return p.T @ x / len(y)


def test_grad_norm_snip_plain_match_a_hand_gradient():
    net = _mlp([4, 3])
    x, y = _batch()
    W = net[1].weight.detach().double().numpy()
    b = net[1].bias.detach().double().numpy()
    G = _hand_gradient(W, b, x.reshape(len(x), -1).double().numpy(), y.numpy())
    assert grad_norm(net, x, y) == pytest.approx(np.linalg.norm(G), rel=1e-5)
    assert snip(net, x, y) == pytest.approx(np.abs(W * G).sum(), rel=1e-5)
    assert plain(net, x, y) == pytest.approx((W * G).sum(), rel=1e-5, abs=1e-9)


def test_snip_equals_the_connection_mask_gradient():
    net = _mlp([4, 6, 3])
    x, y = _batch()
    w1, b1 = net[1].weight.detach(), net[1].bias.detach()
    w2, b2 = net[3].weight.detach(), net[3].bias.detach()
    c1 = torch.ones_like(w1, requires_grad=True)
    c2 = torch.ones_like(w2, requires_grad=True)
    h = F.relu(F.linear(x.reshape(len(x), -1), w1 * c1, b1))
    F.cross_entropy(F.linear(h, w2 * c2, b2), y).backward()
    expected = float(c1.grad.abs().sum() + c2.grad.abs().sum())
    assert snip(net, x, y) == pytest.approx(expected, rel=1e-5)


# ---- grasp -------------------------------------------------------------------------------
def test_grasp_equals_minus_w_hessian_gradient_from_the_full_hessian():
    net = _mlp([4, 5, 3], act=nn.Tanh, bias=False)
    x, y = _batch()
    x2 = x.reshape(len(x), -1)
    w1, w2 = net[1].weight.detach(), net[3].weight.detach()
    n1 = w1.numel()

    def loss(flat):
        a, b = flat[:n1].reshape(w1.shape), flat[n1:].reshape(w2.shape)
        return F.cross_entropy(F.linear(torch.tanh(F.linear(x2, a)), b), y)

    flat = torch.cat([w1.reshape(-1), w2.reshape(-1)]).double()
    x2 = x2.double()
    H = torch.autograd.functional.hessian(loss, flat)
    g = torch.autograd.functional.jacobian(loss, flat)
    expected = float(-(flat * (H @ g)).sum())
    assert PROXIES["grasp"](net, x, y, None) == pytest.approx(expected, rel=1e-4)


# ---- fisher ------------------------------------------------------------------------------
def test_fisher_equals_the_per_sample_channel_gate_route():
    torch.manual_seed(1)
    conv, lin = nn.Conv2d(1, 3, 3, padding=1), nn.Linear(12, 4)
    net = nn.Sequential(conv, nn.ReLU(), nn.Flatten(), lin)
    x, y = _batch(n=6, shape=(1, 2, 2), classes=4)
    g1 = torch.ones(6, 3, requires_grad=True)
    g2 = torch.ones(6, 4, requires_grad=True)
    h = F.relu(F.conv2d(x, conv.weight, conv.bias, padding=1) * g1[:, :, None, None])
    out = F.linear(h.reshape(6, -1), lin.weight, lin.bias) * g2
    F.cross_entropy(out, y).backward()
    expected = sum(float(0.5 * g.grad.double().pow(2).mean(0).sum()) for g in (g1, g2))
    assert PROXIES["fisher"](net, x, y, None) == pytest.approx(expected, rel=1e-5)


# ---- jacobian proxies --------------------------------------------------------------------
def _hand_jacobians(net, x):
    """Per-sample d(sum of logits)/dx of Linear-ReLU-Linear, by the chain rule (numpy)."""
    U, a = net[1].weight.detach().double().numpy(), net[1].bias.detach().double().numpy()
    V = net[3].weight.detach().double().numpy()
    xs = x.reshape(len(x), -1).double().numpy()
    mask = (xs @ U.T + a) > 0
    return (mask * V.sum(0)) @ U


def test_jacov_matches_hand_jacobians():
    net = _mlp([4, 16, 3])
    x, y = _batch(n=6)
    J = _hand_jacobians(net, x)
    v = np.real(np.linalg.eig(np.corrcoef(J))[0])
    expected = -np.sum(np.log(v + K) + 1 / (v + K))
    assert jacov(net, x, y) == pytest.approx(expected, rel=1e-6)
    assert jacov(net, x, y) <= -len(x) + 1e-9  # maximum -N at uncorrelated Jacobians


def _pearson(a, b):
    a, b = a - a.mean(), b - b.mean()
    return float(a @ b / math.sqrt((a @ a) * (b @ b)))


@pytest.mark.parametrize("n_classes", [3, 120])
def test_epe_nas_matches_an_explicit_per_class_loop(n_classes):
    net = _mlp([4, 16, n_classes])
    x, _ = _batch(n=9)
    y = torch.tensor([0, 0, 0, 1, 1, 1, 2, 2, 2])
    J = _hand_jacobians(net, x)
    per_class = []
    for c in range(3):
        rows = J[y.numpy() == c]
        s = sum(math.log(abs(_pearson(r1, r2)) + K) for r1 in rows for r2 in rows)
        per_class.append(s / len(rows) if n_classes > 100 else s)
    if n_classes <= 100:
        expected = sum(abs(s) for s in per_class)
    else:
        expected = sum(abs(a - b) for a in per_class for b in per_class) / 3
    assert epe_nas(net, x, y) == pytest.approx(expected, rel=1e-6)


def test_jacobian_proxies_are_nan_when_the_output_ignores_the_input():
    net = nn.Sequential(nn.Flatten(), nn.Linear(4, 3))
    with torch.no_grad():
        net[1].weight.zero_()
    x, y = _batch()
    assert math.isnan(jacov(net, x, y)) and math.isnan(epe_nas(net, x, y))


# ---- nwot --------------------------------------------------------------------------------
def test_nwot_equals_log_det_of_the_enumerated_hamming_kernel():
    net = _mlp([4, 7, 5, 3])
    x, y = _batch(n=5)
    W1, b1 = net[1].weight.detach().double().numpy(), net[1].bias.detach().double().numpy()
    W2, b2 = net[3].weight.detach().double().numpy(), net[3].bias.detach().double().numpy()
    xs = x.reshape(5, -1).double().numpy()
    pre1 = xs @ W1.T + b1
    pre2 = np.maximum(pre1, 0) @ W2.T + b2
    codes = [[int(v > 0) for v in list(p1) + list(p2)] for p1, p2 in zip(pre1, pre2)]
    n_units = len(codes[0])
    Kmat = np.array(
        [[n_units - sum(a != b for a, b in zip(ci, cj)) for cj in codes] for ci in codes]
    )
    expected = math.log(abs(np.linalg.det(Kmat.astype(float))))
    assert nwot(net, x, y) == pytest.approx(expected, rel=1e-9)


# ---- synflow -----------------------------------------------------------------------------
def test_synflow_is_log_of_twice_the_flow_of_a_linear_chain_with_bn_ignored():
    torch.manual_seed(3)
    l1, l2 = nn.Linear(4, 6, bias=False), nn.Linear(6, 2, bias=False)
    net = nn.Sequential(nn.Flatten(), l1, nn.BatchNorm1d(6), l2)
    A1 = l1.weight.detach().double().abs().numpy()
    A2 = l2.weight.detach().double().abs().numpy()
    R = float(np.ones(2) @ A2 @ A1 @ np.ones(4))  # flow conservation: each layer sums to R
    x, y = _batch(n=3)
    assert synflow(net, x, y) == pytest.approx(math.log(2 * R), rel=1e-12)


def test_synflow_ignores_batch_values_and_batch_size():
    net = _mlp([4, 6, 3])
    x, y = _batch(n=4)
    assert synflow(net, x, y) == synflow(net, torch.randn(9, 1, 2, 2), None)


# ---- zen ---------------------------------------------------------------------------------
def test_zen_matches_a_numpy_forward_of_a_1x1_conv_bn_relu_net():
    torch.manual_seed(5)
    conv = nn.Conv2d(2, 3, 1, bias=False)
    net = nn.Sequential(
        conv, nn.BatchNorm2d(3), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(3, 2)
    )
    shape = (6, 2, 3, 3)
    x, e = (t.double().numpy() for t in zen_inputs(shape, seed=4))
    W = conv.weight.detach().double().numpy()[:, :, 0, 0]

    def features(inp):
        z = np.einsum("oc,nchw->nohw", W, inp)
        mean = z.mean(axis=(0, 2, 3), keepdims=True)
        var = z.var(axis=(0, 2, 3), keepdims=True)
        return np.maximum((z - mean) / np.sqrt(var + 1e-5), 0), z

    f0, z0 = features(x)
    f1, z1 = features(x + 0.01 * e)
    delta = np.abs(f0 - f1).reshape(6, -1).sum(1).mean()
    v0, v1 = (z.var(axis=(0, 2, 3), ddof=1) for z in (z0, z1))
    running = 0.9 * (0.9 * 1.0 + 0.1 * v0) + 0.1 * v1  # momentum 0.1 from a reset (var 1)
    expected = math.log(delta) + 0.5 * math.log(running.mean())
    got = zen(net, torch.zeros(shape), None, seed=4, init=False)
    assert got == pytest.approx(expected, rel=1e-4)


def test_zen_gaussian_init_is_seeded_and_standard_normal():
    torch.manual_seed(0)
    net = nn.Sequential(
        nn.Conv2d(3, 32, 3, padding=1),
        nn.BatchNorm2d(32),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(32, 10),
    )
    shape = torch.zeros(4, 3, 8, 8)
    assert zen(net, shape, None, seed=1) == zen(net, shape, None, seed=1)
    assert zen(net, shape, None, seed=1) != zen(net, shape, None, seed=2)
    from nasbench_kit.proxies.zen import gaussian_init

    w = gaussian_init(copy.deepcopy(net), seed=1)[0].weight
    assert abs(float(w.detach().std()) - 1.0) < 0.1


# ---- static --------------------------------------------------------------------------------
def test_l2_norm_is_the_sum_of_weight_norms():
    net = _mlp([4, 6, 3])
    expected = sum(np.linalg.norm(net[i].weight.detach().numpy()) for i in (1, 3))
    assert PROXIES["l2_norm"](net, None, None) == pytest.approx(expected, rel=1e-6)


def test_params_and_flops_by_formula():
    _need_models()
    h = w = 5
    net = nn.Sequential(
        nn.Conv2d(3, 4, 3, padding=1, bias=False),
        nn.BatchNorm2d(4),
        nn.ReLU(),
        nn.Flatten(),
        nn.Linear(4 * h * w, 5),
    )
    x = torch.zeros(2, 3, h, w)
    n_params = 3 * 4 * 9 + 2 * 4 + (4 * h * w) * 5 + 5
    assert PROXIES["params"](net, x, None) == pytest.approx(n_params / 1e6, rel=1e-12)
    # Suite-Zero convention: conv k*k*Cin*Cout*H*W, affine BN 2 and ReLU 1 per element,
    # linear in*out (bias not counted)
    flops = 9 * 3 * 4 * h * w + 2 * 4 * h * w + 4 * h * w + 4 * h * w * 5
    assert PROXIES["flops"](net, x, None) == pytest.approx(flops / 1e6, rel=1e-9)


# ---- no proxy changes the network ------------------------------------------------------------
@pytest.mark.parametrize("name", [n for n, p in PROXIES.items() if p.kind == "network"])
def test_proxies_leave_the_network_unchanged(name):
    if name in ("params", "flops"):
        _need_models()
    torch.manual_seed(0)
    net = nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1),
        nn.BatchNorm2d(4),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(4, 3),
    )
    net.eval()
    before = {k: v.clone() for k, v in net.state_dict().items()}
    x, y = _batch(n=6, shape=(1, 4, 4))
    PROXIES[name](net, x, y, None)
    after = net.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)
    assert all(p.grad is None for p in net.parameters())
    assert not net.training
    assert not x.requires_grad
