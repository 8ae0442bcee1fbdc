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
    runs = pd.read_csv(tmp_path / "search_runs.csv")
    assert set(runs["optimizer"]) == {"rs", "rea", "ls", "bananas"}
    assert (runs.groupby(["optimizer", "seed"])["incumbent"].apply(lambda s: s.is_monotonic_increasing)).all()
