"""The restricted unpickler loads plain data and refuses to run anything else."""

from __future__ import annotations

import collections
import io
import os
import pickle
import subprocess
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nasbench_kit.errors import CorruptFileError, UnsafeFileError
from nasbench_kit.tables._safe_pickle import PlainRecord, safe_load, safe_torch_load


class Upstream:
    """Stands for an upstream record class (pickled by reference to this module)."""

    def __init__(self, acc: float, tag: str) -> None:
        self.acc = acc
        self.tag = tag


def _attack(func, args):
    class Attack:
        def __reduce__(self):
            return func, args

    return Attack()


def _dump(tmp_path: Path, obj, protocol: int = pickle.HIGHEST_PROTOCOL) -> Path:
    path = tmp_path / "data.pkl"
    path.write_bytes(pickle.dumps(obj, protocol=protocol))
    return path


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_plain_data_round_trips(protocol):
    obj = {
        "ints": [1, 2, 3], "t": (1.5, "x"), "s": {1, 2}, "fs": frozenset({3}), "b": b"\x00",
        "arr": np.arange(6, dtype=np.float32).reshape(2, 3), "obj": np.array(["a", 1], dtype=object),
        "scalar": np.float64(2.5), "i": np.int64(7), "c": 1 + 2j, "none": None, "bool": True,
    }  # fmt: skip
    out = safe_load(io.BytesIO(pickle.dumps(obj, protocol=protocol)))
    assert out.keys() == obj.keys()
    np.testing.assert_array_equal(out["arr"], obj["arr"])
    assert out["arr"].dtype == np.float32
    assert out["scalar"] == 2.5 and out["i"] == 7 and out["s"] == {1, 2}
    assert list(out["obj"]) == ["a", 1]


def test_ordered_and_default_dicts_load_as_plain_dicts():
    dd = collections.defaultdict(list, {"a": [1]})
    out = safe_load(io.BytesIO(pickle.dumps({"o": collections.OrderedDict(x=1), "d": dd})))
    assert out == {"o": {"x": 1}, "d": {"a": [1]}}
    assert type(out["o"]) is dict and type(out["d"]) is dict


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_caller_mapping_replaces_upstream_class(tmp_path, protocol):
    path = _dump(tmp_path, {(0, 1): Upstream(91.5, "a")}, protocol=protocol)
    with pytest.raises(UnsafeFileError, match="Upstream"):
        safe_load(path)
    out = safe_load(path, allow={(__name__, "Upstream"): PlainRecord})
    rec = out[(0, 1)]
    assert isinstance(rec, PlainRecord) and rec.acc == 91.5 and rec.tag == "a"


@pytest.mark.parametrize(
    "func",
    [os.system, subprocess.call, eval, exec, getattr, __import__],
    ids=["os.system", "subprocess.call", "eval", "exec", "getattr", "import"],
)
def test_malicious_pickle_is_refused_and_runs_nothing(tmp_path, func):
    marker = tmp_path / "pwned"
    if func is os.system:
        args = (f"touch {marker}",)
    elif func is subprocess.call:
        args = (["touch", str(marker)],)
    elif func in (eval, exec):
        args = (f"open({str(marker)!r}, 'w').write('x')",)
    elif func is getattr:
        args = ("abc", "upper")
    else:
        args = ("os",)
    path = _dump(tmp_path, {"ok": 1, "evil": _attack(func, args)})
    with pytest.raises(UnsafeFileError) as info:
        safe_load(path)
    message = str(info.value)
    assert "data.pkl" in message  # names the file
    assert func.__name__ in message or "system" in message  # names the global
    assert not marker.exists()


def test_allow_map_cannot_smuggle_a_bad_key():
    with pytest.raises(UnsafeFileError):
        safe_load(io.BytesIO(pickle.dumps(1)), allow={"os.system": PlainRecord})


@pytest.mark.parametrize("cut", [1, 10, 0.5])
def test_truncated_pickle_is_corrupt(tmp_path, cut):
    data = pickle.dumps({"a": list(range(100)), "b": np.arange(50.0)})
    n = int(len(data) * cut) if isinstance(cut, float) else cut
    path = tmp_path / "cut.pkl"
    path.write_bytes(data[:n])
    with pytest.raises(CorruptFileError, match="cut.pkl"):
        safe_load(path)


def test_garbage_empty_and_missing_files_are_corrupt(tmp_path):
    for name, payload in (("garbage.pkl", b"this is not a pickle at all"), ("empty.pkl", b"")):
        (tmp_path / name).write_bytes(payload)
        with pytest.raises(CorruptFileError):
            safe_load(tmp_path / name)
    with pytest.raises(CorruptFileError, match="does not exist"):
        safe_load(tmp_path / "missing.pkl")


def test_persistent_ids_are_refused():
    buf = io.BytesIO()

    class P(pickle.Pickler):
        def persistent_id(self, obj):
            return "tensor-1" if obj == "ref" else None

    P(buf).dump(["ref"])
    buf.seek(0)
    with pytest.raises(UnsafeFileError, match="persistent"):
        safe_load(buf)


plain = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text() | st.binary(),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(max_size=5), inner, max_size=4)
    | st.tuples(inner, inner),
    max_leaves=12,
)


@settings(max_examples=40, deadline=None)
@given(obj=plain, protocol=st.integers(0, pickle.HIGHEST_PROTOCOL))
def test_property_plain_containers_round_trip(obj, protocol):
    assert safe_load(io.BytesIO(pickle.dumps(obj, protocol=protocol))) == obj


def test_safe_torch_load(tmp_path):
    torch = pytest.importorskip("torch")
    good = tmp_path / "good.pth"
    torch.save({"w": torch.arange(3.0), "meta": {"epochs": 200, "name": "x"}}, good)
    out = safe_torch_load(good)
    assert out["meta"] == {"epochs": 200, "name": "x"} and out["w"].tolist() == [0.0, 1.0, 2.0]

    marker = tmp_path / "pwned"
    evil = tmp_path / "evil.pth"
    torch.save({"x": _attack(os.system, (f"touch {marker}",))}, evil)
    with pytest.raises(UnsafeFileError, match="evil.pth"):
        safe_torch_load(evil)
    assert not marker.exists()

    cut = tmp_path / "cut.pth"
    cut.write_bytes(good.read_bytes()[:50])
    with pytest.raises(CorruptFileError, match="cut.pth"):
        safe_torch_load(cut)
    with pytest.raises(CorruptFileError, match="does not exist"):
        safe_torch_load(tmp_path / "none.pth")


def test_a_huge_memo_index_is_refused_quickly(tmp_path):
    """Fuzz finding: LONG_BINPUT 842,622,325 made the C unpickler allocate ~13 GB (a hang)."""
    import struct
    import time

    path = tmp_path / "memo.pkl"
    path.write_bytes(b"\x80\x04}\x94(\x8c\x01a" + b"r" + struct.pack("<I", 842_622_325) + b"9\x94u.")
    t0 = time.perf_counter()
    with pytest.raises(CorruptFileError):
        safe_load(path)
    assert time.perf_counter() - t0 < 5.0


def test_oversized_allocations_are_refused():
    for payload in (b"\x80\x02c__builtin__\nbytearray\nJ\x00\x00\x00\x7f\x85R.",
                    b"\x80\x02c__builtin__\nrange\nJ\x00\x00\x00\x7f\x85R."):  # fmt: skip
        with pytest.raises(UnsafeFileError, match="refusing to allocate"):
            safe_load(io.BytesIO(payload))
