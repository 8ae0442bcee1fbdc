"""Image augmentation on batches, with torch ops and a local ``torch.Generator``.

All functions take an ``(N, C, H, W)`` float batch and draw every random
choice from the generator passed in, so a training seed fixes them (no global
RNG). Padding for random crops uses ``fill`` (per channel): the trainer passes
each channel's darkest training value, i.e. the normalised value of a black
pixel, as torchvision's zero-padding of raw images would.

>>> import torch
>>> g = torch.Generator().manual_seed(0)
>>> x = torch.arange(2 * 1 * 4 * 4, dtype=torch.float32).reshape(2, 1, 4, 4)
>>> tuple(random_crop(x, 2, torch.zeros(1), g).shape)
(2, 1, 4, 4)
>>> bool((hflip(x, g, p=1.0) == x.flip(3)).all())
True
"""

from __future__ import annotations

import torch

__all__ = ["cutout", "hflip", "random_crop"]


def random_crop(
    x: torch.Tensor, padding: int, fill: torch.Tensor, gen: torch.Generator
) -> torch.Tensor:
    """Pad each side by ``padding`` with ``fill`` and crop a random ``H x W`` window."""
    if padding <= 0:
        return x
    n, c, h, w = x.shape
    size = (n, c, h + 2 * padding, w + 2 * padding)
    padded = fill.to(x.dtype).view(1, c, 1, 1).expand(size).clone()
    padded[:, :, padding : padding + h, padding : padding + w] = x
    oy = torch.randint(0, 2 * padding + 1, (n,), generator=gen, device=gen.device)
    ox = torch.randint(0, 2 * padding + 1, (n,), generator=gen, device=gen.device)
    oy, ox = oy.to(x.device), ox.to(x.device)
    rows = (oy[:, None] + torch.arange(h, device=x.device)[None, :])[:, None, :, None]
    cols = (ox[:, None] + torch.arange(w, device=x.device)[None, :])[:, None, None, :]
    batch = torch.arange(n, device=x.device)[:, None, None, None]
    chan = torch.arange(c, device=x.device)[None, :, None, None]
    return padded[batch, chan, rows, cols]


def hflip(x: torch.Tensor, gen: torch.Generator, p: float = 0.5) -> torch.Tensor:
    """Flip each image left-right with probability ``p``."""
    flip = torch.rand(x.shape[0], generator=gen, device=gen.device).to(x.device) < p
    return torch.where(flip[:, None, None, None], x.flip(3), x)


def cutout(x: torch.Tensor, length: int, gen: torch.Generator) -> torch.Tensor:
    """Zero one ``length x length`` square per image, centred uniformly (clipped at borders)."""
    if length <= 0:
        return x
    n, _, h, w = x.shape
    cy = torch.randint(0, h, (n,), generator=gen, device=gen.device).to(x.device)
    cx = torch.randint(0, w, (n,), generator=gen, device=gen.device).to(x.device)
    ys = torch.arange(h, device=x.device)[None, :]
    xs = torch.arange(w, device=x.device)[None, :]
    half = length // 2
    in_y = (ys >= (cy[:, None] - half)) & (ys < (cy[:, None] - half + length))
    in_x = (xs >= (cx[:, None] - half)) & (xs < (cx[:, None] - half + length))
    hole = in_y[:, :, None] & in_x[:, None, :]
    return x.masked_fill(hole[:, None, :, :], 0.0)
