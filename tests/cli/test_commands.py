"""The CLI is a thin layer: each command prints what the library returns; errors exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from nasbench_kit.cli import main

CELL = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"


def _error_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert err.startswith("nasbench-kit: error:") and err.count("\n") == 1, err
    return err


def test_spaces_lists_every_space_with_size(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["spaces"], ["spaces", "list"]):
        assert main(argv) == 0
        out = capsys.readouterr().out
        for name, size in [("nb101", "423,624"), ("nb201", "15,625"), ("nbgraph", "26,206")]:
            assert name in out and size in out
        assert "darts" in out and "~1.08e+18" in out


def test_spaces_show_prints_notations(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["spaces", "show", "nb201", "1"]) == 0
    out = capsys.readouterr().out
    assert "valid:     yes" in out and "naslib" in out and "index:     1" in out


def test_spaces_show_invalid_is_reported_not_raised(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["spaces", "show", "nb201", "|nor_conv_3x3~0|+|bogus~0|"]) == 1
    assert "valid:     no" in capsys.readouterr().out


def test_unknown_space_is_one_line_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["spaces", "show", "nb999", "x"]) == 2
    assert "nb201" in _error_line(capsys)


def test_tables_list_shows_the_embedded_tables(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tables", "list"]) == 0
    names = capsys.readouterr().out.split()
    assert "analognas/cifar10" in names
    assert sum(n.startswith("nbgraph/") for n in names) == 9
    assert main(["tables", "formats"]) == 0
    assert "nb201-csv" in capsys.readouterr().out.split()


def test_query_prints_metrics_with_units(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", "analognas/cifar10", CELL]) == 0
    out = capsys.readouterr().out
    line = next(ln for ln in out.splitlines() if ln.startswith("test_acc"))
    assert "%" in line and float(line.split()[1]) > 50


def test_query_unknown_metric_lists_choices(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", "analognas/cifar10", CELL, "--metric", "acc"]) == 2
    assert "test_acc" in _error_line(capsys)


def test_tables_import_and_query(shared_path, capsys: pytest.CaptureFixture[str]) -> None:
    path = shared_path("nb201/nb201_cifar10-valid_200ep_seedavg.csv")
    assert main(["tables", "import", "nb201-csv", str(path), "--name", "cli/nb201-valid"]) == 0
    assert "15,625 architectures" in capsys.readouterr().out
    assert main(["query", "cli/nb201-valid", "1", "--metric", "val_acc"]) == 0
    assert "val_acc" in capsys.readouterr().out


def test_bad_option_syntax(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tables", "import", "csv", "x.csv", "--option", "nokey"]) == 2
    assert "KEY=VALUE" in _error_line(capsys)


def test_search_writes_trajectories_and_summary(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "runs"
    assert main(["search", "--bench", "analognas/cifar10", "--optimizer", "rea", "--queries", "30",
                 "--seeds", "3", "--workers", "1", "--out", str(out)]) == 0
    assert "final_mean" in capsys.readouterr().out
    df = pd.read_csv(out / "trajectories.csv")
    assert df.columns[0] == "seed" and "provenance" in df.columns and len(df) == 90
    summary = json.loads((out / "summary.json").read_text())
    assert summary["metric"] == "test_acc" and summary["seeds"] == 3 and summary["maximize"]
    assert not list(out.glob(".*.tmp"))  # written atomically


def test_search_alias_and_minimize(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "lat"
    assert main(["search", "--bench", "nbgraph/cora", "--optimizer", "random", "--metric",
                 "latency", "--queries", "5", "--seeds", "1", "--out", str(out)]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["optimizer"] == "random" and summary["maximize"] is False


@pytest.mark.parametrize("flag", ["--queries", "--seeds", "--workers"])
@pytest.mark.parametrize("value", ["0", "-3", "two"])
def test_search_counts_must_be_positive(flag: str, value: str, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    """E.10: --queries 0 / --seeds 0 used to exit 0 with NaN results."""
    out = tmp_path / "never"
    assert main(["search", "--bench", "analognas/cifar10", flag, value, "--out", str(out)]) == 2
    assert flag in _error_line(capsys)
    assert not out.exists()


def test_search_unwritable_out_is_one_line_error(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """E.6: an unwritable --out used to escape as a raw OSError traceback."""
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    assert main(["search", "--bench", "analognas/cifar10", "--queries", "3", "--seeds", "1",
                 "--workers", "1", "--out", str(blocker / "runs")]) == 2
    assert "cannot write" in _error_line(capsys)
    assert main(["predict", "--bench", "analognas/cifar10", "--predictor", "linear",
                 "--train-size", "20", "--seeds", "1", "--test", "50",
                 "--out", str(blocker / "x.csv")]) == 2
    assert "cannot write" in _error_line(capsys)


def test_predict_prints_tau_per_seed_and_the_split_note(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "sub" / "tau.csv"
    assert main(["predict", "--bench", "analognas/cifar10", "--predictor", "linear",
                 "--train-size", "50", "--seeds", "2", "--test", "500", "--out", str(out)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert "kendall_tau" in lines[0] and "n_dropped" in lines[0] and len(lines) == 5
    assert lines[3].startswith("# split='iso'")
    df = pd.read_csv(out)
    assert (df["metric"] == "test_acc").all() and (df["split"] == "iso").all()
    assert main(["predict", "--bench", "analognas/cifar10", "--predictor", "linear",
                 "--train-size", "50", "--seeds", "1", "--split", "random", "--test", "500"]) == 0
    assert "# split='random'" in capsys.readouterr().out


def test_predict_and_search_share_the_default_metric_rule(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """E.10: predict used to pick a metric silently where search refused; one rule now."""
    import nasbench_kit as nbk

    archs = nbk.get_space("nb201").enumerate()
    rows = [f"{a.to_string()},{i % 7},{i % 5}" for i, a in zip(range(200), archs)]
    csv = tmp_path / "two.csv"
    csv.write_text("arch_str,ptq_acc,qat_acc\n" + "\n".join(rows) + "\n")
    nbk.import_table("csv", csv, name="cli/two-metrics", space="nb201")
    assert main(["predict", "--bench", "cli/two-metrics", "--seeds", "1", "--train-size", "20"]) == 2
    err_predict = _error_line(capsys)
    assert main(["search", "--bench", "cli/two-metrics", "--seeds", "1", "--queries", "3",
                 "--out", str(tmp_path / "s")]) == 2
    err_search = _error_line(capsys)
    assert "ptq_acc" in err_predict and err_predict == err_search
