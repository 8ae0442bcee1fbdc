"""FastGPPredictor: the NumPy GP behind the default predictor-guided search."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import kendalltau
from sklearn.base import clone

from nasbench_kit.encoders import StructureEncoder
from nasbench_kit.errors import NotFittedError, OutOfDomainError
from nasbench_kit.predictors import fast_gp
from nasbench_kit.predictors.fast_gp import FastGPPredictor
from nasbench_kit.spaces import get_space


def _data(n: int = 60, seed: int = 0) -> tuple[list, np.ndarray]:
    sp = get_space("nb201")
    rng = np.random.default_rng(seed)
    archs = list({a.hash: a for a in (sp.sample(rng) for _ in range(n))}.values())
    y = np.array([2.0 * a.ops.count("nor_conv_3x3") + a.ops.count("skip_connect") for a in archs])
    return archs, y + 0.05 * rng.standard_normal(len(archs))


def test_fits_predicts_and_ranks_held_out_archs() -> None:
    archs, y = _data(120)
    gp = FastGPPredictor().fit(archs[:60], y[:60])
    pred, std = gp.predict(archs[60:]), gp.predict_std(archs[60:])
    assert pred.dtype == np.float64 and pred.shape == (len(archs) - 60,)
    assert kendalltau(pred, y[60:])[0] > 0.7
    assert (std >= 0).all() and np.isfinite(std).all()
    assert gp.predict_std(archs[:60]).mean() < std.mean()  # less unsure where it has data
    assert np.array_equal(FastGPPredictor().fit(archs[:60], y[:60]).predict(archs), gp.predict(archs))


def test_feature_api_matches_the_arch_api() -> None:
    archs, y = _data()
    gp = FastGPPredictor().fit(archs, y)
    enc = FastGPPredictor().feature_encoder().fit(archs)
    assert isinstance(enc, StructureEncoder)
    arrays = FastGPPredictor().fit_features(enc.transform(archs), y)
    mean, std = arrays.predict_features(enc.transform(archs[:7]))
    np.testing.assert_allclose(mean, gp.predict(archs[:7]))
    np.testing.assert_allclose(std, gp.predict_std(archs[:7]))


def test_warm_start_climbs_from_the_previous_grid_point(monkeypatch: pytest.MonkeyPatch) -> None:
    archs, y = _data(80)
    enc = StructureEncoder().fit(archs)
    X = enc.transform(archs)
    calls: list[tuple[float, float]] = []
    real = fast_gp._profiled_lml

    def counting(dist, yn, length, noise, nu):  # type: ignore[no-untyped-def]
        calls.append((length, noise))
        return real(dist, yn, length, noise, nu)

    monkeypatch.setattr(fast_gp, "_profiled_lml", counting)
    gp = FastGPPredictor().fit_features(X[:40], y[:40])
    n_grid = len(fast_gp.LENGTH_SCALES) * len(fast_gp.NOISE_LEVELS)
    assert len(calls) == n_grid  # cold: the whole grid
    calls.clear()
    gp.fit_features(X[:41], y[:41], warm_start=True)
    assert 0 < len(calls) < n_grid / 3
    # The warm result is a local optimum of the grid around where it stopped.
    i, j = gp.grid_index_
    cold = FastGPPredictor().fit_features(X[:41], y[:41])
    yn = (y[:41] - y[:41].mean()) / y[:41].std()
    dist = fast_gp._distances(cold.Z_, cold.Z_)
    score = {(a, b): real(dist, yn, fast_gp.LENGTH_SCALES[a], fast_gp.NOISE_LEVELS[b], 1.5)
             for a in range(max(i - 1, 0), min(i + 2, len(fast_gp.LENGTH_SCALES)))
             for b in range(max(j - 1, 0), min(j + 2, len(fast_gp.NOISE_LEVELS)))}  # fmt: skip
    assert score[(i, j)] == max(score.values())
    assert real(dist, yn, cold.length_scale_, cold.noise_level_, 1.5) >= score[(i, j)]


def test_interpolates_with_small_noise_and_handles_duplicate_rows() -> None:
    archs, y = _data(30)
    gp = FastGPPredictor(noise_levels=[1e-6]).fit(archs, y)
    np.testing.assert_allclose(gp.predict(archs), y, atol=1e-2)
    same = [archs[0]] * 5  # identical rows: the noise term keeps the matrix positive definite
    gp = FastGPPredictor().fit(same, [1.0, 1.1, 0.9, 1.0, 1.0])
    assert np.isfinite(gp.predict(archs[:3])).all()


@pytest.mark.parametrize("nu", [0.5, 1.5, 2.5])
def test_kernels_and_clone(nu: float) -> None:
    archs, y = _data(40)
    proto = FastGPPredictor(nu=nu, seed=3)
    gp = clone(proto).fit(archs, y)
    assert not hasattr(proto, "chol_") and np.isfinite(gp.predict(archs)).all()


def test_errors() -> None:
    archs, y = _data(20)
    with pytest.raises(NotFittedError):
        FastGPPredictor().predict(archs)
    with pytest.raises(NotFittedError, match="fit_features"):
        FastGPPredictor().predict_features(np.zeros((2, 3)))
    for bad in ({"nu": 1.0}, {"length_scales": []}, {"noise_levels": [0.1, -1.0]},
                {"length_scales": [np.nan]}):
        with pytest.raises(OutOfDomainError):
            FastGPPredictor(**bad).fit(archs, y)  # type: ignore[arg-type]
    with pytest.raises(OutOfDomainError):
        FastGPPredictor().fit_features(np.zeros((0, 3)), [])
    with pytest.raises(OutOfDomainError, match="not finite"):
        FastGPPredictor().fit_features(np.ones((2, 3)), [1.0, np.nan])
