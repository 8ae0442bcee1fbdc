"""The study protocol: leakage safety, the two split modes, columns, seeds."""

from __future__ import annotations

import numpy as np
import pytest

from nasbench_kit.errors import OutOfDomainError
from nasbench_kit.predictors import FeaturePredictor, LinearPredictor, XGBPredictor
from nasbench_kit.predictors._base import Predictor
from nasbench_kit.spaces import get_space
from nasbench_kit.study import (
    STUDY_COLUMNS,
    iso_split,
    latency_transfer_study,
    predictor_study,
    rank_metrics,
    split_rows,
)
from nasbench_kit.tables import Benchmark

ARCHS = list(get_space("nb201").enumerate())[::7]  # 2,233 cells, many iso classes


def _bench(name: str = "toy/study") -> Benchmark:
    conv3 = np.array([a.ops.count("nor_conv_3x3") for a in ARCHS], dtype=float)
    conv1 = np.array([a.ops.count("nor_conv_1x1") for a in ARCHS], dtype=float)
    values = np.column_stack([conv3 + 0.3 * conv1, 1.0 + 2.0 * conv3 + conv1, 2.0 + conv3])
    return Benchmark.from_arrays(
        name=name, space="nb201", dataset="toy", archs=ARCHS,
        metrics=["val_acc", "latency_a", "latency_b"], values=values,
    )  # fmt: skip


class Spy(Predictor):
    """Records what it is trained and tested on; predicts a constant."""

    seen: list = []

    def __init__(self, seed: int | None = None):
        self.seed = seed

    def fit(self, archs, y):  # type: ignore[override]
        self.train_ = list(archs)
        Spy.seen.append(("fit", self.train_))
        return self

    def predict(self, archs):  # type: ignore[override]
        Spy.seen.append(("predict", list(archs)))
        return np.arange(len(archs), dtype=np.float64)


@pytest.mark.parametrize("test", [None, 300])
def test_train_and_test_never_share_an_iso_class(test) -> None:
    Spy.seen = []
    df = predictor_study(_bench(), "val_acc", {"spy": Spy()}, [20, 200], seeds=[0, 1], test=test)
    assert len(df) == 4
    pairs = list(zip(Spy.seen[::2], Spy.seen[1::2]))
    for (kind_f, train), (kind_p, test_archs) in pairs:
        assert (kind_f, kind_p) == ("fit", "predict")
        assert {a.hash for a in train}.isdisjoint({a.hash for a in test_archs})
        assert {a.iso_hash for a in train}.isdisjoint({a.iso_hash for a in test_archs})
    if test is not None:
        assert (df["n_test"] <= test).all()


def test_fixed_test_set_and_iso_split_groups() -> None:
    bench = _bench()
    fixed = ARCHS[:50]
    Spy.seen = []
    df = predictor_study(bench, "val_acc", {"spy": Spy()}, [30], seeds=1, test=fixed)
    assert df["n_test"].tolist() == [50]
    train = Spy.seen[0][1]
    assert {a.iso_hash for a in train}.isdisjoint({a.iso_hash for a in fixed})
    groups = np.array([0, 0, 1, 2, 3, 3, 4, 5, 5, 6])
    for seed in range(5):
        tr, te = iso_split(groups, 3, seed)
        assert set(groups[tr]).isdisjoint(groups[te]) and len(tr) == 3


def test_columns_metrics_and_reproducibility() -> None:
    bench = _bench()
    preds = {"xgb": XGBPredictor(n_estimators=60), "linear": LinearPredictor()}
    a = predictor_study(bench, "val_acc", preds, [40], seeds=2, test=500)
    b = predictor_study(bench, "val_acc", preds, [40], seeds=2, test=500)
    assert list(a.columns) == list(STUDY_COLUMNS)
    assert set(a["predictor"]) == {"xgb", "linear"} and sorted(set(a["seed"])) == [0, 1]
    cols = ["kendall_tau", "spearman", "pearson", "precision_at_10pct", "rmse"]
    assert np.allclose(a[cols].to_numpy(), b[cols].to_numpy())
    assert (a["kendall_tau"] > 0.5).all()  # the toy target is easy
    assert ((a["precision_at_10pct"] >= 0) & (a["precision_at_10pct"] <= 1)).all()
    assert (a["fit_seconds"] >= 0).all() and (a["n_test"] == 500).all()


def test_features_are_handed_to_feature_predictors() -> None:
    df = predictor_study(_bench(), "val_acc", {"f": FeaturePredictor(model="linear")}, [30],
                         seeds=1, features=["latency_b"])  # fmt: skip
    assert df["spearman"].iloc[0] > 0.8


def test_latency_transfer_uses_other_devices() -> None:
    df = latency_transfer_study(_bench(), "latency_a", shots=10, seeds=2, test=400)
    assert set(df["predictor"]) == {"transfer", "structure"}
    assert df[df.predictor == "transfer"]["spearman"].mean() > 0.8
    with pytest.raises(OutOfDomainError):
        latency_transfer_study(_bench(), "val_acc", sources=["val_acc"])


def test_rank_metrics_and_bad_arguments() -> None:
    m = rank_metrics([1.0, 2.0, 3.0, 4.0], [4.0, 3.0, 2.0, 1.0])
    assert m["kendall_tau"] == -1.0 and m["rmse"] > 0
    assert np.isnan(rank_metrics([1.0, 2.0, 3.0], [1.0, 1.0, 1.0])["pearson"])
    bench = _bench()
    with pytest.raises(OutOfDomainError):
        predictor_study(bench, "val_acc", {}, [10], seeds=1)
    with pytest.raises(OutOfDomainError):
        predictor_study(bench, "val_acc", {"x": Spy()}, [1], seeds=1)
    with pytest.raises(OutOfDomainError):
        predictor_study(bench, "val_acc", {"x": Spy()}, [10], seeds=0)
    with pytest.raises(OutOfDomainError):
        predictor_study(bench, "val_acc", {"x": Spy()}, [len(ARCHS)], seeds=1)


def test_iso_split_says_what_it_dropped() -> None:
    """E.9: the leakage-safe default reports its test size and the archs it dropped."""
    df = predictor_study(_bench(), "val_acc", {"spy": Spy()}, [100], seeds=2)
    assert (df["split"] == "iso").all()
    assert (df["n_dropped"] > 0).all()
    assert (df["n_test"] + df["n_dropped"] + 100 == len(ARCHS)).all()
    note = df.attrs["split_note"]
    assert "split='iso'" in note and f"{int(df['n_dropped'].min()):,}" in note and "random" in note


def test_random_split_is_the_literature_protocol() -> None:
    """E.9: split='random' trains on a uniform sample and tests on every other arch."""
    Spy.seen = []
    df = predictor_study(_bench(), "val_acc", {"spy": Spy()}, [100], seeds=2, split="random")
    assert (df["split"] == "random").all() and (df["n_dropped"] == 0).all()
    assert (df["n_test"] == len(ARCHS) - 100).all()
    for (_, train), (_, test) in zip(Spy.seen[::2], Spy.seen[1::2]):
        assert {a.hash for a in train}.isdisjoint({a.hash for a in test})
        assert len({a.hash for a in train} | {a.hash for a in test}) == len(ARCHS)
    assert "split='random'" in df.attrs["split_note"]
    sample = predictor_study(_bench(), "val_acc", {"spy": Spy()}, [50], seeds=1, split="random",
                             test=200)  # fmt: skip
    assert sample["n_test"].tolist() == [200]
    with pytest.raises(OutOfDomainError, match="split"):
        predictor_study(_bench(), "val_acc", {"spy": Spy()}, [50], seeds=1, split="naslib")


def test_split_rows_with_a_fixed_test_set() -> None:
    groups = np.array([0, 0, 1, 2, 3, 3, 4, 5])
    tr, te, dropped = split_rows(groups, 3, 0, test=np.array([0, 4]), split="iso")
    assert te.tolist() == [0, 4] and dropped == 2  # rows 1 and 5 share the test classes
    assert set(groups[tr]).isdisjoint({0, 3})
    tr, te, dropped = split_rows(groups, 3, 0, test=np.array([0, 4]), split="random")
    assert dropped == 0 and not set(tr) & {0, 4}


def test_progress_bar_does_not_change_results() -> None:
    bench = _bench()
    kw = dict(train_sizes=[30], seeds=2, test=200)
    quiet = predictor_study(bench, "val_acc", {"lin": LinearPredictor()}, progress=False, **kw)
    shown = predictor_study(bench, "val_acc", {"lin": LinearPredictor()}, progress=True, **kw)
    cols = ["kendall_tau", "spearman", "n_test", "n_dropped"]
    assert quiet[cols].equals(shown[cols])
