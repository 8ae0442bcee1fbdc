"""A multilayer perceptron (torch) on an encoding.

Inputs are standardised (constant columns dropped), targets standardised;
training is Adam with a cosine schedule on minibatches, optionally with a
pairwise ranking loss (``loss="mse+pairwise"``), which often helps rank
correlation. All randomness comes from ``seed`` inside a forked torch RNG.

>>> from nasbench_kit.predictors import MLPPredictor
>>> from nasbench_kit.spaces import get_space
>>> archs = [get_space("nb201").sample(seed=s) for s in range(20)]
>>> y = [a.ops.count("nor_conv_3x3") for a in archs]
>>> MLPPredictor(epochs=5, seed=0).fit(archs, y).predict(archs[:2]).shape
(2,)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nasbench_kit.encoders._base import Encoder
from nasbench_kit.predictors._base import Predictor, derive_seed
from nasbench_kit.predictors._defaults import tabular_encoder
from nasbench_kit.predictors._torch import Standardizer, check_loss, torch_session, train_loop


def _mlp(n_in: int, hidden: tuple[int, ...], dropout: float) -> Any:
    import torch

    layers: list[Any] = []
    width = n_in
    for h in hidden:
        layers += [torch.nn.Linear(width, int(h)), torch.nn.ReLU()]
        if dropout > 0:
            layers.append(torch.nn.Dropout(dropout))
        width = int(h)
    layers.append(torch.nn.Linear(width, 1))
    return torch.nn.Sequential(*layers)


class MLPPredictor(Predictor):
    """Feed-forward network on standardised ``encoder`` features."""

    def __init__(
        self,
        encoder: Encoder | None = None,
        hidden: tuple[int, ...] = (128, 128),
        epochs: int = 300,
        lr: float = 1e-3,
        weight_decay: float = 1e-4,
        batch_size: int = 32,
        dropout: float = 0.0,
        loss: str = "mse+pairwise",
        seed: int | np.random.Generator | None = None,
    ):
        self.encoder = encoder
        self.hidden = hidden
        self.epochs = epochs
        self.lr = lr
        self.weight_decay = weight_decay
        self.batch_size = batch_size
        self.dropout = dropout
        self.loss = loss
        self.seed = seed

    def _default_encoder(self) -> Encoder:
        return tabular_encoder()

    def _inputs(self, X: Any) -> Any:
        import torch

        Z = (np.asarray(X, dtype=np.float64) - self.mean_) / self.scale_
        return torch.as_tensor(Z, dtype=torch.float32)

    def _fit_encoded(self, X: Any, y: np.ndarray, rng: np.random.Generator) -> None:
        check_loss(self.loss)
        X = np.asarray(X, dtype=np.float64)
        self.mean_ = X.mean(axis=0)
        std = X.std(axis=0)
        self.scale_ = np.where(std > 0, std, 1.0)
        self.y_scaler_ = Standardizer(y)
        with torch_session(derive_seed(rng)) as gen:
            Xt = self._inputs(X)
            self.model_ = _mlp(X.shape[1], tuple(self.hidden), self.dropout)
            self.loss_curve_ = train_loop(
                self.model_, lambda idx: self.model_(Xt[idx]).squeeze(-1),
                self.y_scaler_.forward(y), epochs=self.epochs, lr=self.lr,
                weight_decay=self.weight_decay, batch_size=self.batch_size, loss=self.loss,
                gen=gen,
            )  # fmt: skip

    def _predict_encoded(self, X: Any) -> np.ndarray:
        import torch

        with torch_session(0), torch.no_grad():
            z = self.model_(self._inputs(X)).squeeze(-1).numpy()
        return self.y_scaler_.inverse(z)
