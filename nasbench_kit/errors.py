"""One exception tree for the whole package.

Every error raised on user input derives from :class:`NasBenchKitError`, so
``except nasbench_kit.NasBenchKitError`` catches all of them. Messages name the
offending value, the rule it broke, and how to fix it.

>>> from nasbench_kit.errors import OutOfDomainError, NasBenchKitError
>>> issubclass(OutOfDomainError, (NasBenchKitError, ValueError))
True
"""

from __future__ import annotations


class NasBenchKitError(Exception):
    """Root of every error nasbench_kit raises on purpose."""


class OutOfDomainError(NasBenchKitError, ValueError):
    """An architecture, notation or argument lies outside its space or domain."""


class UnknownSpaceError(NasBenchKitError, KeyError):
    """A search-space name that is not registered."""

    def __str__(self) -> str:  # KeyError quotes its message; keep it readable
        return str(self.args[0]) if self.args else ""


class UnknownMetricError(NasBenchKitError, KeyError):
    """A metric name that the table or evaluator does not hold."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class UnknownBenchmarkError(NasBenchKitError, KeyError):
    """A benchmark name that is neither embedded nor imported."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class NotInTableError(NasBenchKitError, KeyError):
    """A valid architecture that the table holds no result for."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class UnsafeFileError(NasBenchKitError):
    """A data file asked to run code or load a class outside the allow-list."""


class CorruptFileError(NasBenchKitError, ValueError):
    """A data file is truncated, corrupt, or not in the format claimed."""


class NotFittedError(NasBenchKitError, ValueError):
    """A predictor or encoder was used before ``fit``."""


class UnknownFidelityError(NasBenchKitError, KeyError):
    """A fidelity (epochs) that the table or evaluator does not hold."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class UnknownSeedError(NasBenchKitError, KeyError):
    """A training seed that the table or evaluator does not hold."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class ChecksumError(CorruptFileError):
    """A file's SHA-256 differs from the published (or recorded) one."""


class MissingDataError(NasBenchKitError, FileNotFoundError):
    """A dataset or data file the user must download (or install) first."""


class OptionalDependencyError(NasBenchKitError, ImportError):
    """An optional extra (``ray``, ``optuna`` ...) is needed but not installed."""


class TrainingError(NasBenchKitError, RuntimeError):
    """Live training failed (diverged to NaN, ran out of memory, bad configuration)."""


class SpaceTooLargeError(OutOfDomainError, TypeError):
    """A space too large to enumerate was asked for ``len()`` or ``enumerate()``.

    A ``TypeError`` too, as ``len()`` of an unsized object would raise; the exact
    count is ``space.n_architectures``.
    """


class NasBenchKitWarning(UserWarning):
    """Root of the warnings nasbench_kit emits (``warnings.simplefilter`` them as a group)."""


class MixedDatasetWarning(NasBenchKitWarning):
    """Evaluators on different datasets were combined (e.g. links of a ``Fallback`` chain)."""
