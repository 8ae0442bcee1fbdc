"""The CLI is a thin layer: each command prints what the library returns; errors exit 2."""

from __future__ import annotations

import pytest

from nasbench_kit.cli import main

CELL = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"


def test_spaces_lists_every_space_with_size(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["spaces"]) == 0
    out = capsys.readouterr().out
    for name, size in [("nb101", "423,624"), ("nb201", "15,625"), ("nbgraph", "26,206")]:
        assert name in out and size in out
    assert "darts" in out


def test_spaces_show_prints_notations(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["spaces", "show", "nb201", "1"]) == 0
    out = capsys.readouterr().out
    assert "valid:     yes" in out and "naslib" in out and "index:     1" in out


def test_spaces_show_invalid_is_reported_not_raised(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["spaces", "show", "nb201", "|nor_conv_3x3~0|+|bogus~0|"]) == 1
    assert "valid:     no" in capsys.readouterr().out


def test_unknown_space_is_one_line_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["spaces", "show", "nb999", "x"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("nasbench-kit: error:") and "nb201" in err and err.count("\n") == 1


def test_tables_list_shows_ten_embedded(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tables", "list"]) == 0
    names = capsys.readouterr().out.split()
    assert "analognas/cifar10" in names
    assert sum(n.startswith("nbgraph/") for n in names) == 9


def test_query_prints_metrics_with_units(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", "analognas/cifar10", CELL]) == 0
    out = capsys.readouterr().out
    line = next(ln for ln in out.splitlines() if ln.startswith("test_acc"))
    assert "%" in line and float(line.split()[1]) > 50


def test_query_unknown_metric_lists_choices(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", "analognas/cifar10", CELL, "--metric", "acc"]) == 2
    assert "test_acc" in capsys.readouterr().err


def test_tables_import_and_query(shared_path, capsys: pytest.CaptureFixture[str]) -> None:
    path = shared_path("nb201/nb201_cifar10-valid_200ep_seedavg.csv")
    assert main(["tables", "import", "nb201-csv", str(path), "--name", "cli/nb201-valid"]) == 0
    assert "15,625 architectures" in capsys.readouterr().out
    assert main(["query", "cli/nb201-valid", "1", "--metric", "val_acc"]) == 0
    assert "val_acc" in capsys.readouterr().out


def test_bad_option_syntax(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tables", "import", "csv", "x.csv", "--option", "nokey"]) == 2
    assert "KEY=VALUE" in capsys.readouterr().err


def test_search_writes_trajectories_and_summary(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "runs"
    assert main(["search", "--bench", "analognas/cifar10", "--optimizer", "rea", "--queries", "30",
                 "--seeds", "3", "--workers", "1", "--out", str(out)]) == 0
    assert "final_mean" in capsys.readouterr().out
    assert (out / "trajectories.csv").exists() and (out / "summary.json").exists()


def test_predict_prints_tau_per_seed(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["predict", "--bench", "analognas/cifar10", "--predictor", "xgb",
                 "--train-size", "50", "--seeds", "2"]) == 0
    out = capsys.readouterr().out
    assert "kendall_tau" in out and len(out.strip().splitlines()) == 3
