"""`make demo` runs end to end (quick mode) and leaves its tables and plots behind."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from nasbench_kit.demo import main


def test_demo_quick_writes_results(tmp_path: Path, capsys) -> None:
    assert main(["--quick", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "Search on analognas/cifar10" in out and "Predictor study" in out
    assert "split='iso'" in out  # the leakage-safe split says what it dropped
    for name in ("search_incumbent.png", "predictor_tau.png"):
        assert (tmp_path / name).stat().st_size > 1000
    # live training on digits: every cell trained once, then a store hit in a new evaluator
    assert out.count("trained in") == 2 and "provenance: live:nb201 digits preset=fast-digits" in out
    assert "a new evaluator on the same store" in out and "same value: True" in out
    accs = [float(line.split("val acc")[1].split("%")[0]) for line in out.splitlines()
            if "trained in" in line]  # fmt: skip
    assert all(a > 50 for a in accs)  # chance is 10%
    assert (tmp_path / "live-results.sqlite").stat().st_size > 0
    # surrogate + fallback: the chain answers from the table, then from the surrogate
    assert "from table:nbgraph/proteins" in out and "from surrogate:" in out
    runs = pd.read_csv(tmp_path / "search_runs.csv")
    assert set(runs["optimizer"]) == {"rs", "rea", "ls", "bananas"}
    assert (runs.groupby(["optimizer", "seed"])["incumbent"].apply(lambda s: s.is_monotonic_increasing)).all()
