"""``EvalResult``: the one answer every evaluator gives, and its provenance.

An answer carries the value, its unit, the simulated cost of obtaining it
(training seconds), the fidelity and training seed it is for, and a
``provenance`` string saying *which kind* of evaluator answered and from which
source: ``"<kind>:<detail>"`` with kind one of :data:`PROVENANCE_KINDS`, e.g.
``"table:analognas/cifar10 (analog-nasbench 0.1.3)"``,
``"surrogate:nb301-sur (xgb ensemble of nb301/zc)"`` or
``"live:nb201 digits preset=fast ... torch=2.13.0"``.

>>> r = EvalResult(91.5, "%", 0.0, 200.0, None, "table:demo/toy")
>>> provenance_kind(r.provenance)
'table'
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["PROVENANCE_KINDS", "EvalResult", "make_provenance", "provenance_kind"]

#: The kinds of evaluator an answer can come from.
PROVENANCE_KINDS: tuple[str, ...] = ("table", "surrogate", "live")


class EvalResult(NamedTuple):
    """One answer: ``value`` in ``unit``; ``cost`` simulated seconds to obtain it."""

    value: float
    unit: str
    cost: float
    fidelity: float
    seed: int | None
    provenance: str


def make_provenance(kind: str, detail: str) -> str:
    """``"<kind>:<detail>"`` after checking ``kind``.

    >>> make_provenance("live", "nb201 digits")
    'live:nb201 digits'
    """
    if kind not in PROVENANCE_KINDS:
        from nasbench_kit.errors import OutOfDomainError

        raise OutOfDomainError(
            f"provenance kind {kind!r} is not one of {list(PROVENANCE_KINDS)}; "
            "pick the kind of evaluator that produced the answer"
        )
    return f"{kind}:{detail}"


def provenance_kind(provenance: str) -> str:
    """The kind part of a provenance string (``""`` when it has none)."""
    kind, sep, _ = provenance.partition(":")
    return kind if sep and kind in PROVENANCE_KINDS else ""
