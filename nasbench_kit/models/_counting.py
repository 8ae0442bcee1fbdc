"""Parameter and FLOP counting with the conventions the benchmarks used.

``count_flops`` has two conventions (both hook-based, both per input image):

- ``"suitezero"`` (default): NAS-Bench-Suite-Zero's figure (the ``flops`` entries
  of NASLib's ``zc_*.json`` files, computed with tensorwatch's torchstat rules).
  Every *leaf* module contributes the FLOPs of its **last** call:
  ``Conv2d`` ``k_h*k_w*C_in*(C_out/groups)*H_out*W_out`` (+ ``C_out*H_out*W_out``
  with a bias); ``BatchNorm2d`` one per input element, two when affine; ReLU-type
  activations one per input element; ``AvgPool2d``/``MaxPool2d``
  ``C*H_out*W_out*k*k`` (output size recomputed from the input as torchstat does);
  ``AdaptiveAvg/MaxPool2d`` ``C*(y_end-y_start+1)*(x_end-x_start+1)`` summed over
  output cells; ``Linear`` ``in*out`` (bias not counted); ``Upsample`` one per
  output element; anything else zero. Checked against all 725 x 3 NB201 cells,
  the 725 NB301 cells and the 500 NB101 cells of the shared Suite-Zero files
  (``benchmarks/model_params.py``).
- ``"nb201"``: NAS-Bench-201's own ``get_cost_info`` figure (xautodl
  ``get_model_infos``): only ``Conv2d``/``Conv1d`` (with bias term) and ``Linear``
  (``in*out`` plus ``out`` with a bias), summed over all calls; pooling, BN and
  activations count zero.

Both run one forward pass in eval mode under ``torch.no_grad`` on a zero input of
batch 1 and restore the module's training flag. The result is in MFLOPs (1e6).

>>> from torch import nn
>>> net = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU())
>>> count_params(net)
232
>>> count_flops(net, (3, 4, 4), convention="nb201")  # 3*3*3*8 * 16 / 1e6
0.003456
>>> round(count_flops(net, (3, 4, 4)) * 1e6)  # + BN 2*128 + ReLU 128
3840
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from nasbench_kit.errors import OutOfDomainError

CONVENTIONS = ("suitezero", "nb201")
_ACTIVATIONS = (nn.ReLU, nn.ReLU6, nn.PReLU, nn.ELU, nn.LeakyReLU)


def count_params(net: nn.Module) -> int:
    """Number of trainable parameters (``requires_grad``), each shared tensor once."""
    return sum(p.numel() for p in net.parameters() if p.requires_grad)


def _pair(value: Any) -> tuple[int, int]:
    return (value, value) if isinstance(value, int) else (int(value[0]), int(value[1]))


def _pool_flops(m: nn.Module, x: torch.Tensor) -> int:
    k, s, p = _pair(m.kernel_size), _pair(m.stride), _pair(m.padding)
    # torchstat recomputes the output size (and uses the first stride for both axes).
    out_w = math.floor((x.shape[3] + 2 * p[0] - k[0]) / float(s[0]) + 1)
    out_h = math.floor((x.shape[2] + 2 * p[1] - k[1]) / float(s[0]) + 1)
    return x.shape[0] * x.shape[1] * out_w * out_h * k[0] * k[1]


def _adaptive_pool_flops(x: torch.Tensor, y: torch.Tensor) -> int:
    h, w = x.shape[2], x.shape[3]
    oh, ow = y.shape[2], y.shape[3]
    total = 0
    for i in range(oh):
        rows = math.ceil((i + 1) * h / oh) - math.floor(i * h / oh) + 1
        for j in range(ow):
            cols = math.ceil((j + 1) * w / ow) - math.floor(j * w / ow) + 1
            total += x.shape[0] * x.shape[1] * rows * cols
    return total


def _suitezero_flops(m: nn.Module, x: torch.Tensor, y: torch.Tensor) -> int:
    if isinstance(m, nn.Conv2d):
        per_position = m.kernel_size[0] * m.kernel_size[1] * x.shape[1] * (y.shape[1] // m.groups)
        active = x.shape[0] * y.shape[2] * y.shape[3]
        return per_position * active + (y.shape[1] * active if m.bias is not None else 0)
    if isinstance(m, nn.BatchNorm2d):
        return x.numel() * (2 if m.affine else 1)
    if isinstance(m, (nn.AvgPool2d, nn.MaxPool2d)):
        return _pool_flops(m, x)
    if isinstance(m, (nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d)):
        return _adaptive_pool_flops(x, y)
    if isinstance(m, _ACTIVATIONS):
        return x.numel()
    if isinstance(m, nn.Upsample):
        return y.numel()
    if isinstance(m, nn.Linear):
        return x.shape[0] * x.shape[1] * y.shape[1]
    return 0


def _nb201_flops(m: nn.Module, x: torch.Tensor, y: torch.Tensor) -> int:
    if isinstance(m, nn.Conv2d):
        per_position = m.kernel_size[0] * m.kernel_size[1] * m.in_channels * m.out_channels
        active = x.shape[0] * y.shape[2] * y.shape[3]
        bias = m.out_channels * active if m.bias is not None else 0
        return int(per_position / m.groups * active) + bias
    if isinstance(m, nn.Conv1d):
        active = x.shape[0] * y.shape[-1]
        per_position = m.kernel_size[0] * m.in_channels * m.out_channels / m.groups
        return int(per_position * active) + (m.out_channels * active if m.bias is not None else 0)
    if isinstance(m, nn.Linear):
        batch = x.shape[0]
        return batch * m.in_features * m.out_features + (batch * m.out_features if m.bias is not None else 0)
    return 0


def _input_shape(input_shape: Sequence[int]) -> tuple[int, ...]:
    shape = tuple(int(v) for v in input_shape)
    if len(shape) == 3:
        shape = (1, *shape)
    if len(shape) != 4 or any(v < 1 for v in shape):
        raise OutOfDomainError(
            f"input_shape={tuple(input_shape)!r} must be (C, H, W) or (N, C, H, W) with "
            "positive sizes; pass e.g. (3, 32, 32)"
        )
    return (1, *shape[1:])


def count_flops(net: nn.Module, input_shape: Sequence[int], *, convention: str = "suitezero") -> float:
    """MFLOPs of one forward pass of one image of ``input_shape`` (see the module docs)."""
    if convention not in CONVENTIONS:
        raise OutOfDomainError(
            f"convention={convention!r} is unknown; use one of {list(CONVENTIONS)}"
        )
    shape = _input_shape(input_shape)
    per_module: dict[int, int] = {}
    totals = [0]

    def hook(module: nn.Module, inputs: tuple[Any, ...], output: Any) -> None:
        x = inputs[0] if inputs and isinstance(inputs[0], torch.Tensor) else None
        y = output[0] if isinstance(output, (tuple, list)) else output
        if x is None or not isinstance(y, torch.Tensor):
            return
        if convention == "suitezero":
            per_module[id(module)] = _suitezero_flops(module, x, y)  # last call wins
        else:
            totals[0] += _nb201_flops(module, x, y)

    leaves = [m for m in net.modules() if not any(True for _ in m.children())]
    handles = [m.register_forward_hook(hook) for m in leaves]
    was_training = net.training
    try:
        param = next(net.parameters(), None)
        device = param.device if param is not None else torch.device("cpu")
        net.eval()
        with torch.no_grad():
            net(torch.zeros(shape, device=device))
    except (AttributeError, TypeError, RuntimeError, ValueError) as err:
        raise OutOfDomainError(
            f"the forward pass on a zero input of shape {shape} failed ({err}); count_flops "
            "needs an image network taking (N, C, H, W) and an input_shape it accepts"
        ) from err
    finally:
        for handle in handles:
            handle.remove()
        net.train(was_training)
    total = sum(per_module.values()) if convention == "suitezero" else totals[0]
    return total / 1e6
