"""Helpers shared by the subcommands: one-line errors, argument types, safe output.

>>> positive_int("3")
3
"""

from __future__ import annotations

import argparse
import json
import math
import textwrap
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from nasbench_kit.errors import NasBenchKitError, OutOfDomainError

__all__ = [
    "HELP_FORMAT",
    "OneLineParser",
    "UsageError",
    "fmt_value",
    "parse_arch",
    "parse_options",
    "positive_int",
    "write_output",
]



class HelpFormat(argparse.RawDescriptionHelpFormatter):
    """Keeps descriptions' line breaks (examples); never splits a name at a hyphen."""

    def _split_lines(self, text: str, width: int) -> list[str]:
        return textwrap.wrap(" ".join(text.split()), width, break_on_hyphens=False)


#: The help formatter of every parser.
HELP_FORMAT = HelpFormat


class UsageError(NasBenchKitError):
    """A command line that argparse refused (printed as one line, exit 2)."""


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors become :class:`UsageError` instead of usage dumps.

    Subcommand parsers are of the same class, so they share this and :data:`HELP_FORMAT`.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", HELP_FORMAT)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        command = self.prog.partition(" ")[2]  # "" for the top-level parser
        where = f"{command}: " if command else ""
        raise UsageError(f"{where}{message} (see {self.prog} --help)")


def positive_int(text: str) -> int:
    """argparse type: an int >= 1 (``--queries``, ``--seeds``, ``--workers``)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer; pass e.g. 10") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} must be >= 1")
    return value


def parse_arch(space: Any, text: str) -> Any:
    """A command-line architecture: any notation, or a bare integer (index / key)."""
    try:
        return space.parse(text)
    except NasBenchKitError:
        if text.strip().isdigit():
            return space.parse(int(text))
        raise


def parse_options(pairs: Sequence[str]) -> dict[str, Any]:
    """``KEY=VALUE`` pairs; values are JSON when they parse as JSON, else strings."""
    options: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise OutOfDomainError(
                f"--option {pair!r} is not KEY=VALUE; write e.g. --option dataset=cifar100"
            )
        try:
            options[key] = json.loads(value)
        except (json.JSONDecodeError, RecursionError):
            options[key] = value
    return options


def fmt_value(value: float) -> str:
    """A metric value for printing (``nan`` stays ``nan``)."""
    return "nan" if math.isnan(value) else f"{value:.6g}"


def write_output(path: str | Path, write: Callable[[Path], None]) -> None:
    """Write ``path`` atomically (parents created); an OSError becomes a one-line error."""
    from nasbench_kit._io import atomic_write_with

    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_with(target, write)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise OutOfDomainError(
            f"cannot write {str(target)!r}: {reason}; pass --out a location you can write to"
        ) from exc
