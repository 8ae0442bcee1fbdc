"""Proxy tables: incremental extension, concurrent writers, join, predictors, CLI."""

from __future__ import annotations

import multiprocessing as mp

import numpy as np
import pandas as pd
import pytest

import nasbench_kit as nbk
from nasbench_kit.errors import OutOfDomainError
from nasbench_kit.proxies import compute_proxies
from nasbench_kit.proxies.store import proxy_table, proxy_table_name, save_proxy_frame
from nasbench_kit.spaces import get_space

TINY = {"C": 4, "N": 1}


@pytest.fixture(autouse=True)
def _models(tmp_path, monkeypatch):
    monkeypatch.setenv("NASBENCH_KIT_HOME", str(tmp_path))  # each test its own cache
    models = pytest.importorskip("nasbench_kit.models")
    if not hasattr(models, "build_model"):
        pytest.skip("nasbench_kit.models.build_model is not present")


def _archs(n, start=0):
    sp = get_space("nb201")
    return [sp.from_index(i) for i in range(start, start + 97 * n, 97)][:n]


def test_tables_extend_incrementally_and_keep_stored_rows(monkeypatch):
    first = proxy_table(_archs(3), ["params", "synflow"], space="nb201", **TINY)
    assert first.name == proxy_table_name(
        compute_proxies(_archs(1), ["params", "synflow"], **TINY).attrs["config"]
    )
    assert first.name.startswith("proxies/nb201-nodata/params+synflow/s0-b32-")
    import nasbench_kit.proxies.store as store

    seen: list[int] = []
    real = store.compute_proxies

    def counting(archs, *a, **k):
        seen.append(len(archs))
        return real(archs, *a, **k)

    monkeypatch.setattr(store, "compute_proxies", counting)
    grown = proxy_table(_archs(5), ["params", "synflow"], space="nb201", **TINY)
    assert seen == [2] and len(grown) == 5
    for a in _archs(3):
        assert grown.query(a, "synflow").value == first.query(a, "synflow").value
    again = proxy_table(_archs(5), ["params", "synflow"], space="nb201", **TINY)
    assert seen == [2, 0] and len(again) == 5


def _frame(archs, offset):
    df = pd.DataFrame(
        {"arch": [get_space("nb201").to_string(a) for a in archs],
         "params": np.arange(len(archs)) + offset, "seconds_params": 0.0},
        index=pd.Index([a.hash for a in archs], name="hash"),
    )  # fmt: skip
    df.attrs["config"] = {"space": "nb201", "dataset": None, "proxies": ["params"], "seed": 0,
                          "batch_size": 32, "custom": True, "net_config": {"C": 1},
                          "input_shape": [3, 32, 32]}  # fmt: skip
    return df


def _writer(home, archs, offset):
    import os

    os.environ["NASBENCH_KIT_HOME"] = home
    for i in range(0, len(archs), 3):
        save_proxy_frame(_frame(archs[i : i + 3], offset + i))


def test_two_processes_extending_one_table_lose_no_rows(tmp_path):
    a, b = _archs(12), _archs(12, start=5)
    ctx = mp.get_context("fork")
    procs = [
        ctx.Process(target=_writer, args=(str(tmp_path), x, k * 100)) for k, x in enumerate((a, b))
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0]
    table = nbk.load(proxy_table_name(_frame(a, 0).attrs["config"]))
    assert set(table.hashes) == {x.hash for x in a + b}
    assert not list(tmp_path.rglob("*.tmp"))


def test_joins_accuracy_tables_and_feeds_feature_predictor():
    from nasbench_kit.predictors import FeaturePredictor

    archs = _archs(12)
    proxies = proxy_table(archs, ["params", "synflow"], space="nb201", **TINY)
    acc = nbk.Benchmark.from_arrays(
        name="toy/acc", space="nb201", dataset="toy", archs=archs, metrics=["val_acc"],
        values=np.linspace(80, 90, len(archs))[:, None], fidelities=(200.0,),
    )  # fmt: skip
    joined = nbk.join(acc, proxies)
    assert len(joined) == 12 and {"val_acc", "synflow", "params"} <= set(joined.metrics)
    y = acc.query_many(archs, "val_acc")
    model = FeaturePredictor(source=proxies, features=["synflow", "params"], model="linear")
    pred = model.fit(archs, y).predict(archs)
    assert pred.shape == (12,) and np.isfinite(pred).all()
    from nasbench_kit.encoders import CategoricalEncoder, ConcatEncoder
    from nasbench_kit.predictors import XGBPredictor
    from nasbench_kit.proxies import ProxyEncoder

    enc = ConcatEncoder([CategoricalEncoder(), ProxyEncoder(proxies, ["synflow"])])
    assert enc.fit_transform(archs)[:, -1].tolist() == pytest.approx(
        proxies.query_many(archs, "synflow").tolist(), rel=1e-6
    )
    xgb = XGBPredictor(encoder=enc, n_estimators=20, seed=0).fit(archs, y)
    assert np.isfinite(xgb.predict(archs)).all()
    with pytest.raises(OutOfDomainError, match="must name metrics"):
        ProxyEncoder(proxies, ["nope"]).fit(archs)


def test_cli_compute_and_list(capsys):
    from nasbench_kit.cli._common import OneLineParser
    from nasbench_kit.cli.proxies import add_parser

    parser = OneLineParser(prog="nasbench-kit")
    add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["proxies", "compute", "--space", "nb201", "--proxies",
                              "params,synflow", "--n", "3", "--option", "C=4", "--option", "N=1"])  # fmt: skip
    assert args.func(args) == 0
    out = capsys.readouterr().out
    assert "rows: 3" in out and "synflow" in out
    args = parser.parse_args(["proxies", "list"])
    assert args.func(args) == 0
    assert "epe_nas" in capsys.readouterr().out


def test_rows_of_another_configuration_are_refused():
    archs = _archs(4)
    first = save_proxy_frame(_frame(archs[:2], 0))
    other = _frame(archs[2:], 10)
    other.attrs["config"] = {**other.attrs["config"], "net_config": {"C": 2}}
    with pytest.raises(OutOfDomainError, match="net_config"):
        save_proxy_frame(other, name=first.name)
    assert len(nbk.load(first.name)) == 2


def test_proxy_tables_feed_the_surrogate():
    surrogate = pytest.importorskip("nasbench_kit.evaluators.surrogate")
    archs = _archs(12)
    proxies = proxy_table(archs, ["params", "synflow"], space="nb201", **TINY)
    model = surrogate.fit_surrogate(proxies, ["synflow"], model="linear", n_members=2)
    unseen = get_space("nb201").from_index(5)
    assert np.isfinite(model.query(unseen, "synflow").value)
    held = model.query_many(archs, "synflow")
    assert held.tolist() == pytest.approx(proxies.query_many(archs, "synflow").tolist(), rel=1e-6)


@pytest.mark.parametrize("shape", ["3,x", "0,32,32", "3,32"])
def test_cli_refuses_a_bad_input_shape(shape):
    from nasbench_kit.cli._common import OneLineParser
    from nasbench_kit.cli.proxies import add_parser

    parser = OneLineParser(prog="nasbench-kit")
    add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["proxies", "compute", "--space", "nb201", "--proxies", "params",
                              "--n", "1", "--input-shape", shape])  # fmt: skip
    with pytest.raises(OutOfDomainError, match="input-shape"):
        args.func(args)


def test_joined_proxy_scores_answer_at_every_fidelity_and_feed_a_surrogate(tmp_path):
    import nasbench_kit as nbk
    from nasbench_kit.proxies import proxy_table
    from nasbench_kit.spaces import get_space

    space = get_space("nb201")
    archs = [space.sample(seed=s) for s in range(12)]
    table = proxy_table(archs, ["params", "flops"])
    acc = nbk.load("analognas/cifar10")
    joined = nbk.join(acc, table)
    r = joined.query(archs[0], "params")  # the accuracy table's fidelity: the score repeats
    assert r.fidelity == max(joined.fidelities) and r.value == table.query(archs[0], "params").value
    sur = nbk.fit_surrogate(joined, ["test_acc", "params"], archs=archs, n_members=2)
    assert set(sur.metrics) >= {"test_acc", "params"}
