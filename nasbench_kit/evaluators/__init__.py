"""Evaluators: the one contract behind tables, surrogates, live training and chains.

See :mod:`nasbench_kit.evaluators.protocol` for the written contract.

>>> from nasbench_kit.evaluators import Evaluator
>>> Evaluator.__name__
'Evaluator'
"""

from __future__ import annotations

from nasbench_kit.evaluators.protocol import Evaluator
from nasbench_kit.results import EvalResult

__all__ = ["EvalResult", "Evaluator"]
