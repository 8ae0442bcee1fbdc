"""Predictor studies: how well does a predictor rank unseen architectures?

:func:`predictor_study` fits predictors on ``n`` architectures and ranks the
rest. Two split protocols (the ``split`` column says which one made a row):

- ``split="iso"`` (default, leakage-safe): for each seed the table's
  architectures are shuffled; the first ``n`` form the training set and the
  test set holds only architectures of *other isomorphism classes*
  (``arch.iso_hash``), so no function is seen in training and scored in test.
  Test architectures isomorphic to a training one are dropped: on NB-201 a
  "rest of the space" test set has ~10-11k of the 15,625 cells. ``n_dropped``
  counts them per run and ``DataFrame.attrs["split_note"]`` says so in words.
- ``split="random"``: the literature's protocol (NASLib, White et al. 2021):
  a uniform training sample and every other architecture as test set, so
  numbers compare with published ones (isomorphic twins may straddle the split).

Each run fits a fresh ``sklearn.base.clone`` of the predictor (its ``seed``
set to the run's seed) and reports rank correlations from ``scipy.stats``.

:func:`latency_transfer_study` is the few-shot device-transfer variant: a new
device's latency is predicted from a few measured samples plus the other
devices' latencies in the table.

>>> import numpy as np
>>> from nasbench_kit.tables import Benchmark
>>> from nasbench_kit.predictors import XGBPredictor
>>> from nasbench_kit.spaces import get_space
>>> archs = list(get_space("nb201").enumerate())[:400]
>>> score = [a.ops.count("nor_conv_3x3") + 0.5 * a.ops.count("nor_conv_1x1") for a in archs]
>>> bench = Benchmark.from_arrays(name="toy/demo", space="nb201", dataset="toy", archs=archs,
...                               metrics=["val_acc"], values=np.array(score)[:, None])
>>> df = predictor_study(bench, "val_acc", {"xgb": XGBPredictor(n_estimators=100)},
...                      train_sizes=[50], seeds=2)
>>> list(df.columns) == list(STUDY_COLUMNS), len(df)
(True, 2)
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from nasbench_kit._progress import progress_bar
from nasbench_kit._rng import as_rng
from nasbench_kit.errors import OutOfDomainError

STUDY_COLUMNS: tuple[str, ...] = (
    "predictor", "train_size", "seed", "split", "kendall_tau", "spearman", "pearson",
    "precision_at_10pct", "rmse", "fit_seconds", "predict_seconds", "n_test", "n_dropped",
)  # fmt: skip

#: Split protocols of :func:`predictor_study` (see the module docstring).
SPLITS: tuple[str, ...] = ("iso", "random")


def rank_metrics(y_true: Any, y_pred: Any) -> dict[str, float]:
    """Kendall tau, Spearman, Pearson, precision@10% (top by value) and RMSE.

    >>> m = rank_metrics([1, 2, 3, 4], [10, 20, 30, 40])
    >>> m["kendall_tau"], m["spearman"], m["precision_at_10pct"]
    (1.0, 1.0, 1.0)
    """
    from scipy import stats

    t = np.asarray(y_true, dtype=np.float64)
    p = np.asarray(y_pred, dtype=np.float64)
    if t.shape != p.shape or t.ndim != 1 or len(t) < 2:
        raise OutOfDomainError(
            f"y_true and y_pred must be 1-D of equal length >= 2; got {t.shape} and {p.shape}"
        )
    k = max(1, int(round(0.1 * len(t))))
    top_true = set(np.argsort(-t, kind="stable")[:k].tolist())
    top_pred = set(np.argsort(-p, kind="stable")[:k].tolist())
    with warnings.catch_warnings():  # constant predictions: correlations are NaN, say so
        warnings.simplefilter("ignore")
        tau = float(stats.kendalltau(t, p)[0])
        rho = float(stats.spearmanr(t, p)[0])
        r = float(stats.pearsonr(t, p)[0]) if np.std(p) > 0 and np.std(t) > 0 else float("nan")
    return {
        "kendall_tau": tau, "spearman": rho, "pearson": r,
        "precision_at_10pct": len(top_true & top_pred) / k,
        "rmse": float(np.sqrt(np.mean((t - p) ** 2))),
    }  # fmt: skip


def _seed_list(seeds: int | Iterable[int]) -> list[int]:
    if isinstance(seeds, (int, np.integer)) and not isinstance(seeds, bool):
        if seeds < 1:
            raise OutOfDomainError(f"seeds={seeds} must be >= 1 (a count) or a list of seeds")
        return list(range(int(seeds)))
    out = [int(s) for s in seeds]  # type: ignore[union-attr]
    if not out:
        raise OutOfDomainError("seeds is empty; pass a count (e.g. 5) or a list of ints")
    return out


def split_rows(
    groups: np.ndarray, n_train: int, seed: int | np.random.Generator,
    test: int | np.ndarray | None = None, split: str = "iso",
) -> tuple[np.ndarray, np.ndarray, int]:  # fmt: skip
    """Train rows, test rows and how many rows the leakage rule dropped.

    ``groups[i]`` is the isomorphism class id of row ``i``. The training rows
    are a uniform draw (with ``seed``). ``test=None``: the test set is every
    other row -- with ``split="iso"`` only rows outside the training classes
    (the rest are dropped and counted); an int: a uniform draw of that many of
    those rows (fewer if fewer remain); an index array: those rows are the test
    set, and training is drawn outside them (``"iso"``: outside their classes).

    >>> g = np.array([0, 0, 1, 2, 3, 3, 4])
    >>> tr, te, dropped = split_rows(g, 2, seed=0)
    >>> set(g[tr]) & set(g[te]), len(tr) + len(te) + dropped == len(g)
    (set(), True)
    >>> tr, te, dropped = split_rows(g, 2, seed=0, split="random")
    >>> len(te), dropped
    (5, 0)
    """
    if split not in SPLITS:
        raise OutOfDomainError(f"split={split!r} is not one of {list(SPLITS)}")
    iso = split == "iso"
    rng = as_rng(seed)
    perm = rng.permutation(len(groups))
    if test is None or (isinstance(test, (int, np.integer)) and not isinstance(test, bool)):
        if test is not None and test < 1:
            raise OutOfDomainError(f"test={test} must be a positive number of architectures")
        train = perm[:n_train]
        rest = perm[n_train:]
        kept = rest[~np.isin(groups[rest], groups[train])] if iso else rest
        dropped = len(rest) - len(kept)
        test_idx = np.sort(kept if test is None else kept[: int(test)])
    else:
        test_idx = np.unique(np.asarray(test, dtype=np.intp))
        outside = ~np.isin(groups[perm], groups[test_idx]) if iso else ~np.isin(perm, test_idx)
        pool = perm[outside]
        dropped = int(np.sum(~np.isin(perm[~outside], test_idx)))
        train = pool[:n_train]
    if len(train) < n_train:
        raise OutOfDomainError(
            f"train_size={n_train} exceeds the {len(train)} architectures available outside "
            "the test set; use a smaller train size or test set"
        )
    if len(test_idx) < 2:
        raise OutOfDomainError(
            f"only {len(test_idx)} test architectures remain outside the training set; "
            "use a smaller train_size"
        )
    return train, test_idx, int(dropped)


def iso_split(
    groups: np.ndarray, n_train: int, seed: int | np.random.Generator,
    test: int | np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Train/test row indices that share no group (``split_rows(..., split="iso")``).

    >>> g = np.array([0, 0, 1, 2, 3, 3, 4])
    >>> tr, te = iso_split(g, 2, seed=0)
    >>> set(g[tr]) & set(g[te])
    set()
    """
    train, test_idx, _ = split_rows(groups, n_train, seed, test, "iso")
    return train, test_idx


def _span(values: pd.Series) -> str:
    lo, hi = int(values.min()), int(values.max())
    return f"{lo:,}" if lo == hi else f"{lo:,}-{hi:,}"


def split_note(df: pd.DataFrame) -> str:
    """One sentence per split saying what made ``df``'s test sets and what was dropped."""
    parts = []
    for split, g in df.groupby("split", sort=False):
        if split == "iso":
            parts.append(
                f"split='iso' (leakage-safe): test sets hold {_span(g['n_test'])} architectures; "
                f"{_span(g['n_dropped'])} per run were dropped for sharing an isomorphism class "
                "with a training architecture (split='random' keeps them, as NASLib does)"
            )
        else:
            parts.append(
                f"split='random' (NASLib protocol): test sets hold {_span(g['n_test'])} "
                "architectures, isomorphic twins of training architectures included"
            )
    return "; ".join(parts)


def predictor_study(
    bench: Any,
    metric: str,
    predictors: Mapping[str, Any],
    train_sizes: Sequence[int],
    seeds: int | Iterable[int],
    test: int | Sequence[Any] | None = None,
    fidelity: float | None = None,
    features: Sequence[str] | None = None,
    *,
    split: str = "iso",
    on_predictions: Callable[[str, int, int, np.ndarray, np.ndarray], None] | None = None,
    progress: bool | None = None,
) -> pd.DataFrame:
    """Fit every predictor on every (train size, seed) split; one row per run.

    ``split``: ``"iso"`` (default, leakage-safe) or ``"random"`` (the
    literature's protocol); see the module docstring. ``test``: ``None`` =
    every remaining architecture (``"iso"``: outside the training isomorphism
    classes); an int = a random sample of that many of them (per seed and
    size); a list of archs = a fixed test set. ``features``: table metrics
    handed to every ``FeaturePredictor`` whose ``source`` is unset.
    ``on_predictions`` is called with ``(name, train_size, seed, y_true,
    y_pred)`` after each run (e.g. to draw scatter plots). ``progress``: a bar
    over fits (``None``: only on a terminal). Columns: :data:`STUDY_COLUMNS`;
    ``attrs["split_note"]`` describes the split in words.
    """
    if not predictors:
        raise OutOfDomainError("predictors is empty; pass e.g. {'xgb': XGBPredictor()}")
    sizes = [int(n) for n in train_sizes]
    if not sizes or min(sizes) < 2:
        raise OutOfDomainError(f"train_sizes={list(train_sizes)} must be ints >= 2")
    seed_list = _seed_list(seeds)
    if split not in SPLITS:
        raise OutOfDomainError(
            f"split={split!r} is not one of {list(SPLITS)}: 'iso' keeps isomorphic twins out "
            "of the test set (leakage-safe), 'random' is the literature's protocol"
        )
    archs = bench.archs()
    y_all = np.asarray(bench.query_many(archs, metric, fidelity=fidelity), dtype=np.float64)
    keep = np.flatnonzero(np.isfinite(y_all))
    archs = [archs[i] for i in keep]
    y = y_all[keep]
    _, groups = np.unique([a.iso_hash for a in archs], return_inverse=True)
    test_rows: np.ndarray | None = None
    if test is not None and not isinstance(test, (int, np.integer)):
        row_of = {a.hash: i for i, a in enumerate(archs)}
        parsed = [bench.space.parse(a) for a in test]
        missing = [a for a in parsed if a.hash not in row_of]
        if missing:
            raise OutOfDomainError(
                f"test arch {missing[0]!r} has no finite {metric!r} in table {bench.name!r}"
            )
        test_rows = np.array([row_of[a.hash] for a in parsed], dtype=np.intp)
    rows = []
    total = len(seed_list) * len(sizes) * len(predictors)
    with progress_bar(total=total, desc="predictor_study", unit="fit", enabled=progress) as bar:
        for seed in seed_list:
            for n in sizes:
                split_test = test_rows if test_rows is not None else test
                train, test_idx, dropped = split_rows(groups, n, seed, split_test, split)  # type: ignore[arg-type]
                tr_archs = [archs[i] for i in train]
                te_archs = [archs[i] for i in test_idx]
                for name, proto in predictors.items():
                    model = _fresh(proto, seed, bench, features)
                    t0 = time.perf_counter()
                    model.fit(tr_archs, y[train])
                    t1 = time.perf_counter()
                    pred = np.asarray(model.predict(te_archs), dtype=np.float64)
                    t2 = time.perf_counter()
                    if on_predictions is not None:
                        on_predictions(name, n, seed, y[test_idx], pred)
                    rows.append({
                        "predictor": name, "train_size": n, "seed": seed, "split": split,
                        **rank_metrics(y[test_idx], pred),
                        "fit_seconds": t1 - t0, "predict_seconds": t2 - t1,
                        "n_test": len(test_idx), "n_dropped": dropped,
                    })  # fmt: skip
                    bar.update(1)
    df = pd.DataFrame(rows, columns=list(STUDY_COLUMNS))
    df.attrs["split_note"] = split_note(df)
    return df


def _fresh(proto: Any, seed: int, bench: Any, features: Sequence[str] | None) -> Any:
    """A clone of ``proto`` seeded with ``seed`` (and fed ``features`` when it takes them)."""
    from sklearn.base import clone

    model = clone(proto)
    params = model.get_params()
    if "seed" in params:
        model.set_params(seed=seed)
    if features is not None and "source" in params and params["source"] is None:
        model.set_params(source=bench, features=list(features))
    return model


def latency_transfer_study(
    bench: Any,
    target: str,
    sources: Sequence[str] | None = None,
    shots: int | Sequence[int] = 10,
    seeds: int | Iterable[int] = 5,
    test: int | Sequence[Any] | None = None,
    predictors: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Few-shot transfer to an unseen device ``target`` (a latency metric of ``bench``).

    Only ``shots`` archs of the target are measured; the predictor may use
    every architecture's latency on the ``sources`` devices (default: every
    other metric whose name starts with ``latency``). The default predictors:
    ``"transfer"`` = ridge regression of log target latency on log source
    latencies (``FeaturePredictor(model="linear")``) and ``"structure"`` =
    :class:`XGBPredictor` on the shots alone. Returns the
    :func:`predictor_study` frame.
    """
    from nasbench_kit.predictors.features import FeaturePredictor
    from nasbench_kit.predictors.xgb import XGBPredictor

    if target not in bench.metrics:
        raise OutOfDomainError(f"target {target!r} is not a metric of {bench.name!r}")
    if sources is None:
        sources = [m for m in bench.metrics if m.startswith("latency") and m != target]
    if target in sources:
        raise OutOfDomainError(f"target {target!r} cannot also be a source device")
    if not sources:
        raise OutOfDomainError(f"no source devices: {bench.name!r} has no other latency metric")
    if predictors is None:
        predictors = {
            "transfer": FeaturePredictor(source=bench, features=list(sources), model="linear"),
            "structure": XGBPredictor(),
        }
    sizes = [shots] if isinstance(shots, (int, np.integer)) else list(shots)
    return predictor_study(bench, target, predictors, sizes, seeds, test=test)
