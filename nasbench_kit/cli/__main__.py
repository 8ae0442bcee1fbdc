"""``python -m nasbench_kit.cli``: the same as the ``nasbench-kit`` console script."""

from __future__ import annotations

import sys

from nasbench_kit.cli import main

sys.exit(main())
