"""Encodings do not move: every encoder's output on a frozen set of architectures.

``data/frozen_encodings.json`` holds, per space, architectures in their string
notation and the SHA-256 of each encoder's float32 output on them, written
before the per-space views moved from the encoders into the spaces. A change of
any column, value or order fails here. To change an encoding on purpose,
rewrite the file with ``python tests/encoders/test_frozen_encodings.py --write``
and say so in the change log.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from nasbench_kit.encoders import (
    AdjacencyOneHotEncoder,
    CategoricalEncoder,
    PathEncoder,
    StructureEncoder,
)
from nasbench_kit.spaces import get_space

FIXTURE = Path(__file__).resolve().parent / "data" / "frozen_encodings.json"
ENCODERS = {
    "onehot": AdjacencyOneHotEncoder,
    "categorical": CategoricalEncoder,
    "path": PathEncoder,
    "structure": StructureEncoder,
}
#: Encodings changed on purpose since the fixture was written: (space, encoder) -> why.
#: (Regenerated in the fixture instead, so still checked: ("darts", "categorical"), the
#: all-valid decision layout of 24 positions, one input pair and two ops per node.)
CHANGED = {
    ("nb101", "categorical"): "inner-vertex columns are now the decision vector's op "
    "indices 0..2 (padding 0) instead of 1 + op index with 0 for padding",
}


def _sha(x: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(x, dtype="<f4").tobytes()).hexdigest()


def digests(space: str, strings: list[str]) -> dict[str, Any]:
    """Digest of each encoder's output (and of the fitted path vocabulary) on ``strings``."""
    sp = get_space(space)
    archs = [sp.parse(s) for s in strings]
    out: dict[str, Any] = {}
    for key, make in ENCODERS.items():
        enc = make().fit(archs)
        out[key] = _sha(enc.transform(archs))
        if key == "path":
            out["path_vocabulary"] = hashlib.sha256(repr(enc.paths_).encode()).hexdigest()
        if key == "structure":
            out["structure_columns"] = hashlib.sha256(repr(enc.feature_names_).encode()).hexdigest()
    return out


def _fixture_archs(space: str, n: int) -> list[str]:
    sp = get_space(space)
    return [sp.to_string(sp.sample(seed=s)) for s in range(n)]


def write_fixture(n: int = 60) -> None:
    data = {}
    for space in ("nb101", "nb201", "darts", "nbgraph"):
        strings = _fixture_archs(space, n)
        if space == "nb101":  # small pruned cells exercise the padding
            strings += [
                "01,00|",
                "011,001,000|conv3x3-bn-relu",
                "0101,0010,0001,0000|maxpool3x3,conv1x1-bn-relu",
            ]
        data[space] = {"archs": strings, "digests": digests(space, strings)}
    FIXTURE.write_text(json.dumps(data, indent=1) + "\n")


@pytest.mark.parametrize("space", ["nb101", "nb201", "darts", "nbgraph"])
def test_encodings_are_unchanged(space: str) -> None:
    frozen = json.loads(FIXTURE.read_text())[space]
    now = digests(space, frozen["archs"])
    moved = [
        key for key, value in frozen["digests"].items()
        if now[key] != value and (space, key) not in CHANGED
    ]  # fmt: skip
    assert not moved, f"{space}: encodings changed for {moved}"


if __name__ == "__main__" and "--write" in sys.argv:
    write_fixture()
