"""Bad inputs to the importers: each gets our own error naming the value, the rule and the fix.

Regression tests for issue E items 4 and 6 (each case used to pass silently or raise an
exception outside the package's tree).
"""

from __future__ import annotations

import json
import os

import pytest

from nasbench_kit.errors import (
    CorruptFileError,
    NasBenchKitError,
    OutOfDomainError,
    UnsafeFileError,
)
from nasbench_kit.spaces import get_space
from nasbench_kit.tables.convert import csv as csv_table
from nasbench_kit.tables.convert import nb201_csv, nb201_pth, nb301_json, zc_json
from nasbench_kit.tables.registry import get_converter, list_formats

NB201 = get_space("nb201")
A0, A1 = (NB201.to_string(NB201.from_index(i)) for i in (0, 1))


def write(tmp_path, name: str, text: str, encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return path


STANDARD = f"index,arch_str,test-accuracy,train-all-time\n0,{A0},81.5,1444.2\n1,{A1},90.5,2169.6\n"


# ---- E.4 ------------------------------------------------------------------------
def test_non_numeric_first_cell_names_row_column_value(tmp_path):
    """A metric column used to be dropped silently when its first cell was not a number."""
    path = write(tmp_path, "a.csv", STANDARD.replace("81.5", "oops"))
    with pytest.raises(CorruptFileError, match=r"line 2 column 'test-accuracy' holds 'oops'"):
        nb201_csv.convert(path)
    mine = write(tmp_path, "b.csv", f"arch,acc,note\n{A0},n.a.,fine\n{A1},90.1,good\n")
    with pytest.raises(CorruptFileError, match=r"line 2 column 'acc' holds 'n\.a\.'"):
        csv_table.convert(mine, space="nb201")
    textual = write(tmp_path, "c.csv", f"arch,acc,note\n{A0},1,fine\n{A1},2,good\n")
    t = csv_table.convert(textual, space="nb201")  # a column of words is not a metric
    assert t.metrics == ("acc",) and t.extra["skipped_columns"] == "note"


def test_index_that_disagrees_with_arch_str(tmp_path):
    path = write(tmp_path, "d.csv", STANDARD.replace(f"1,{A1}", f"7,{A1}"))
    with pytest.raises(OutOfDomainError, match=r"line 3: index '7' is the NB201 cell"):
        nb201_csv.convert(path)
    for bad in ("x", "1.5", "inf", "99999"):
        path = write(tmp_path, "e.csv", STANDARD.replace(f"1,{A1}", f"{bad},{A1}"))
        with pytest.raises(OutOfDomainError):
            nb201_csv.convert(path)


def test_negative_times_are_refused(tmp_path):
    path = write(tmp_path, "f.csv", STANDARD.replace("2169.6", "-3.0"))
    with pytest.raises(OutOfDomainError, match=r"line 3: metric 'train_time'.*-3\.0.*>= 0"):
        nb201_csv.convert(path)
    mine = write(tmp_path, "g.csv", f"arch,val_acc,train_time\n{A0},90,-1\n")
    with pytest.raises(OutOfDomainError, match=">= 0"):
        csv_table.convert(mine, space="nb201")


@pytest.mark.parametrize("fidelity", [-5, 0, float("nan"), float("inf"), "200", True, [12]])
def test_bad_fidelity_option(tmp_path, fidelity):
    path = write(tmp_path, "h.csv", STANDARD)
    with pytest.raises(OutOfDomainError, match="positive, finite number of epochs"):
        nb201_csv.convert(path, fidelity=fidelity)
    with pytest.raises(OutOfDomainError, match="positive, finite number of epochs"):
        csv_table.convert(path, space="nb201", fidelity=fidelity)


@pytest.mark.parametrize("units", [{"test_acc": 5}, {3: "%"}, "ms", ["%"]])
def test_bad_units_option(tmp_path, units):
    path = write(tmp_path, "i.csv", STANDARD)
    with pytest.raises(OutOfDomainError, match="units"):
        nb201_csv.convert(path, units=units)


def test_a_string_passed_as_metrics_is_one_column(tmp_path):
    """metrics="test-accuracy" used to be iterated character by character."""
    path = write(tmp_path, "j.csv", STANDARD)
    assert nb201_csv.convert(path, metrics="test-accuracy").metrics == ("test_acc",)
    mine = write(tmp_path, "k.csv", f"arch,val_acc,loss\n{A0},90,0.3\n")
    assert csv_table.convert(mine, space="nb201", metrics="val_acc").metrics == ("val_acc",)
    for bad in ([3], {"val_acc": 1}, [], ["val_acc", "val_acc"]):
        with pytest.raises(OutOfDomainError, match="metrics"):
            csv_table.convert(mine, space="nb201", metrics=bad)


def test_values_beyond_float32_are_refused(tmp_path):
    """Fuzz finding: 1e300 became inf (then NaN) silently when cast to float32."""
    path = write(tmp_path, "big.csv", STANDARD.replace("81.5", "1e300"))
    with pytest.raises(OutOfDomainError, match="float32 range"):
        nb201_csv.convert(path)


def test_a_bom_before_the_header_is_dropped(tmp_path):
    plain = nb201_csv.convert(write(tmp_path, "l.csv", STANDARD))
    bom = nb201_csv.convert(write(tmp_path, "m.csv", STANDARD, encoding="utf-8-sig"))
    assert bom.metrics == plain.metrics == ("test_acc", "train_time")
    assert bom.hashes == plain.hashes and (bom.values == plain.values).all()
    zc = {"cifar10": {"(0, 2, 3, 2, 3, 1)": {"val_accuracy": 86.1}}}
    path = write(tmp_path, "zc.json", json.dumps(zc), encoding="utf-8-sig")
    assert zc_json.convert(path).metrics == ("val_acc",)


def test_other_option_types_are_refused(tmp_path):
    path = write(tmp_path, "n.csv", STANDARD)
    with pytest.raises(OutOfDomainError, match="dataset"):
        nb201_csv.convert(path, dataset=5)
    with pytest.raises(OutOfDomainError, match="arch_column"):
        csv_table.convert(path, space="nb201", arch_column=["arch"])
    with pytest.raises(OutOfDomainError, match="space"):
        csv_table.convert(path, space=["nb201"])
    with pytest.raises(OutOfDomainError, match="fidelities"):
        nb201_pth.convert(path, fidelities="12")
    with pytest.raises(OutOfDomainError, match="where="):
        nb301_json.convert(path, where=["layers"])


# ---- E.6 ------------------------------------------------------------------------
def test_misleading_messages_name_the_right_format(tmp_path):
    """nb201-pth on a CSV talked about torch's allow-list; nb201-csv on a JSON said
    'header but no data rows'."""
    path = write(tmp_path, "o.csv", STANDARD)
    with pytest.raises(CorruptFileError, match="is a CSV text file.*nb201-csv") as info:
        nb201_pth.convert(path)
    assert "allow-list" not in str(info.value)
    doc = write(tmp_path, "p.json", json.dumps({"cifar10": {"(0, 1, 2, 3, 4, 0)": {}}}))
    with pytest.raises(CorruptFileError, match="is a JSON file.*zc-json") as info:
        nb201_csv.convert(doc)
    assert "no data rows" not in str(info.value)
    with pytest.raises(CorruptFileError, match="is a CSV text file"):
        zc_json.convert(path)
    with pytest.raises(CorruptFileError, match="is a CSV text file"):
        nb301_json.convert(path)


FILE_FORMATS = ["nb201-pth", "nb201-csv", "csv", "naslib-nb201", "naslib-nb101",
                "nb101-tfrecord", "zc-json", "analognas", "nbgraph-bench"]  # fmt: skip


@pytest.mark.parametrize("fmt", FILE_FORMATS)
def test_a_directory_given_to_a_file_importer(tmp_path, fmt):
    assert fmt in list_formats()
    options = {"space": "nb201"} if fmt == "csv" else {}
    with pytest.raises(CorruptFileError, match="is a directory"):
        get_converter(fmt).convert(tmp_path, **options)


def test_deeply_nested_json(tmp_path):
    deep = "[" * 100_000 + "]" * 100_000
    for name, convert in (("zc.json", zc_json.convert), ("results_0.json", nb301_json.convert)):
        path = write(tmp_path, name, deep)
        with pytest.raises(CorruptFileError):
            convert(path)
    key = "(" * 5000 + ")" * 5000  # a NASLib key that is nested too deeply to parse
    path = write(tmp_path, "zc2.json", json.dumps({"cifar10": {key: {"val_accuracy": 1}}}))
    with pytest.raises(NasBenchKitError):
        zc_json.convert(path, space="nb201")


@pytest.mark.parametrize("head", [b"", b"\x80\x02", b"PK\x03\x04", b"\x80\x04\x95"])
def test_random_bytes_to_nb201_pth(tmp_path, head):
    """Random bytes used to raise IndexError from inside torch."""
    rng = __import__("numpy").random.default_rng(len(head))
    for k in range(5):
        path = tmp_path / f"r{k}.pth"
        path.write_bytes(head + rng.bytes(512 * (k + 1)))
        with pytest.raises((CorruptFileError, UnsafeFileError)):
            nb201_pth.convert(path)


def test_empty_and_binary_files_name_the_problem(tmp_path):
    empty = tmp_path / "e.csv"
    empty.write_bytes(b"")
    with pytest.raises(CorruptFileError, match="empty"):
        nb201_csv.convert(empty)
    blob = tmp_path / "b.csv"
    blob.write_bytes(os.urandom(2048) + b"\x00")
    with pytest.raises(CorruptFileError, match="binary"):
        nb201_csv.convert(blob)
