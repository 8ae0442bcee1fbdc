"""Every subcommand's --help describes each argument and lists choices from the registries."""

from __future__ import annotations

import argparse
import importlib

import pytest

from nasbench_kit.cli import COMMANDS, build_parser, main
from nasbench_kit.optimizers import list_optimizers
from nasbench_kit.predictors import list_predictors
from nasbench_kit.spaces import list_spaces
from nasbench_kit.study import SPLITS
from nasbench_kit.tables import list_formats


def _parsers(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()) -> dict:
    """Every (sub)parser by its command path."""
    out = {prefix: parser}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                out.update(_parsers(sub, (*prefix, name)))
    return out


def test_every_command_module_is_registered_and_has_a_run() -> None:
    parsers = _parsers(build_parser())
    assert {p[0] for p in parsers if p} == set(COMMANDS)
    for name in COMMANDS:
        module = importlib.import_module(f"nasbench_kit.cli.{name}")
        assert callable(module.add_parser) and module.__doc__


def test_every_argument_has_help_text() -> None:
    for path, parser in _parsers(build_parser()).items():
        for action in parser._actions:
            if isinstance(action, (argparse._HelpAction, argparse._SubParsersAction)):
                continue
            assert action.help and len(action.help) > 10, (path, action.dest)


@pytest.mark.parametrize(
    ("argv", "choices"),
    [
        (["spaces", "show", "--help"], list_spaces()),
        (["tables", "import", "--help"], list_formats()),
        (["predict", "--help"], [*list_predictors(), *SPLITS]),
        (["search", "--help"], list_optimizers()),
    ],
)
def test_help_lists_the_registry_choices(argv, choices, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 0
    text = " ".join(capsys.readouterr().out.split())  # undo line wrapping
    for choice in choices:
        assert choice in text, choice


def test_top_level_help_and_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in COMMANDS)
    assert main([]) == 2
    assert capsys.readouterr().err.count("\n") == 1
    assert main(["search", "--bench", "x", "--optimizer", "gradient-descent"]) == 2
    err = capsys.readouterr().err
    assert "invalid choice" in err and "rea" in err and err.count("\n") == 1
