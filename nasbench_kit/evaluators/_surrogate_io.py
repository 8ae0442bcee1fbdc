"""Saving and loading surrogates: our own formats only, never a pickle.

A surrogate folder holds

- ``surrogate.json``: the manifest (``magic``, ``schema``, the feature layout
  version, the training table's name and sha256, per-metric settings, and the
  names of the other files, which embed the first 24 hex digits of their sha256);
- ``arrays-<sha>.npz``: ridge coefficients, noise models, memorised classes
  (read with ``allow_pickle=False``);
- ``xgb-<sha>.json``: XGBoost boosters in XGBoost's JSON model format.

Data files are named by their content hash and written before the manifest,
each atomically, so a reader sees either the old or the new manifest and the
files it names; concurrent writers never mix files. Unreferenced files older
than an hour are removed by the next save.

Loading refuses anything that is not ours with :class:`UnsafeFileError`
(wrong magic or schema, a pickle or any non-JSON text where JSON belongs, an
npz holding object arrays) before using any of it, and a file whose sha256
differs from the manifest with :class:`ChecksumError`. Loading also re-encodes
a probe of the training architectures and compares the result with the one
recorded, so a changed feature layout cannot silently mispredict.

>>> MAGIC, SCHEMA
('nasbench_kit-surrogate', 1)
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from nasbench_kit._io import STALE_SECONDS, atomic_write_bytes
from nasbench_kit.errors import (
    ChecksumError,
    CorruptFileError,
    MissingDataError,
    NasBenchKitError,
    UnsafeFileError,
)
from nasbench_kit.evaluators._surrogate_features import FEATURES_VERSION, featurize
from nasbench_kit.evaluators._surrogate_model import MetricModel

if TYPE_CHECKING:  # pragma: no cover
    from nasbench_kit.evaluators.surrogate import SurrogateBenchmark

__all__ = ["MAGIC", "SCHEMA", "build", "dump_state", "read_state", "write_state"]

MAGIC = "nasbench_kit-surrogate"
SCHEMA = 1
MANIFEST = "surrogate.json"
_DATA_NAME = re.compile(r"^(arrays|xgb)-[0-9a-f]{24}\.(npz|json)$")
_ARRAY_FIELDS = ("ridge_coef", "ridge_intercept", "noise_coef", "memo_keys", "memo_values",
                 "memo_sigs")

State = tuple[dict[str, Any], dict[str, np.ndarray], dict[str, bytes]]


def _probe_sha(space: Any, notations: list[str]) -> str:
    archs = [space.parse(n) for n in notations]
    return hashlib.sha256(featurize(space, archs).tobytes()).hexdigest() if archs else ""


def dump_state(sur: SurrogateBenchmark) -> State:
    """``(manifest, arrays, boosters)`` of a surrogate (what :func:`build` takes back)."""
    metrics, arrays, boosters = [], {}, {}
    for i, model in enumerate(sur._models.values()):
        meta, arrs, raws = model.state()
        keys = [f"m{i}_{k}" for k in range(len(raws))]
        boosters.update(zip(keys, raws))
        arrays.update({f"m{i}.{k}": v for k, v in arrs.items()})
        metrics.append({**meta, "id": f"m{i}", "boosters": keys})
    probe = list(sur._probe)
    manifest = {
        "magic": MAGIC, "schema": SCHEMA, "features": FEATURES_VERSION, "name": sur.name,
        "space": sur.space.name, "dataset": sur.dataset, "fidelity": sur.fidelities[0],
        "seeds": list(sur.seeds), "cost_metric": sur.cost_metric, "table": sur._table,
        "noise_key": sur._noise_key, "metrics": metrics,
        "probe": {"notations": probe, "sha256": _probe_sha(sur.space, probe)},
    }  # fmt: skip
    return manifest, arrays, boosters


def build(manifest: dict[str, Any], arrays: dict[str, np.ndarray],
          boosters: dict[str, bytes]) -> SurrogateBenchmark:  # fmt: skip
    """A :class:`SurrogateBenchmark` from a checked state (files or pickle)."""
    from nasbench_kit.evaluators.surrogate import SurrogateBenchmark
    from nasbench_kit.spaces import get_space

    if manifest.get("features") != FEATURES_VERSION:
        raise CorruptFileError(
            f"this surrogate uses feature layout {manifest.get('features')!r} but this "
            f"nasbench_kit computes {FEATURES_VERSION!r}; refit it with fit_surrogate"
        )
    try:
        space = get_space(manifest["space"])
        probe = manifest["probe"]
        if _probe_sha(space, list(probe["notations"])) != probe["sha256"]:
            raise CorruptFileError(
                "the features of the surrogate's probe architectures differ from those recorded "
                "when it was saved (the feature code changed); refit it with fit_surrogate"
            )
        models = {}
        for spec in manifest["metrics"]:
            arrs = {k: arrays[f"{spec['id']}.{k}"] for k in _ARRAY_FIELDS}
            raws = [boosters[k] for k in spec["boosters"]]
            models[spec["metric"]] = MetricModel.from_state(spec, arrs, raws)
        return SurrogateBenchmark(
            name=str(manifest["name"]), space=space.name, dataset=str(manifest["dataset"]),
            fidelity=float(manifest["fidelity"]), seeds=[int(s) for s in manifest["seeds"]],
            cost_metric=manifest["cost_metric"], models=models, table=dict(manifest["table"]),
            noise_key=str(manifest["noise_key"]), probe=list(probe["notations"]),
        )  # fmt: skip
    except NasBenchKitError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise CorruptFileError(
            f"surrogate state is incomplete or malformed ({type(exc).__name__}: {exc}); "
            "save it again from a fitted surrogate"
        ) from exc


# ---- files -------------------------------------------------------------------------
def _npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def _data_name(kind: str, data: bytes, ext: str) -> str:
    return f"{kind}-{hashlib.sha256(data).hexdigest()[:24]}.{ext}"


def write_state(path: str | os.PathLike[str], state: State) -> None:
    """Write ``state`` into folder ``path`` (created if needed; see the module docs)."""
    manifest, arrays, boosters = state
    folder = Path(path)
    if folder.exists() and not folder.is_dir():
        raise CorruptFileError(f"{str(folder)!r} is a file; save a surrogate into a folder")
    files: dict[str, dict[str, str]] = {"arrays": {}, "boosters": {}}
    blobs = {"arrays": {"all": (_npz_bytes(arrays), "npz")},
             "boosters": {k: (v, "json") for k, v in boosters.items()}}  # fmt: skip
    for kind, items in blobs.items():
        for key, (data, ext) in items.items():
            fname = _data_name("arrays" if kind == "arrays" else "xgb", data, ext)
            if not (folder / fname).exists():
                atomic_write_bytes(folder / fname, data)
            files[kind][key] = fname
    text = json.dumps({**manifest, "files": files}, indent=1)
    atomic_write_bytes(folder / MANIFEST, text.encode())
    _clean(folder, {n for part in files.values() for n in part.values()})


def _clean(folder: Path, keep: set[str]) -> None:
    cutoff = time.time() - STALE_SECONDS
    for entry in os.scandir(folder):
        if _DATA_NAME.match(entry.name) and entry.name not in keep:
            try:
                if entry.stat().st_mtime < cutoff:
                    os.unlink(entry.path)
            except OSError:  # another writer removed it first
                continue


def _unsafe(path: Path, what: str) -> UnsafeFileError:
    return UnsafeFileError(
        f"{str(path)!r} is not a nasbench_kit surrogate file ({what}); refusing to read it. "
        "Load only folders written by SurrogateBenchmark.save"
    )


def _read_json(path: Path) -> Any:
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise CorruptFileError(f"surrogate file {str(path)!r} is missing; save it again") from exc
    if data[:1] == b"\x80" or not data.lstrip()[:1] == b"{":
        raise _unsafe(path, "not JSON text; a pickle or another binary format")
    try:
        return json.loads(data.decode("utf-8")), data
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _unsafe(path, f"invalid JSON: {exc}") from exc


def _read_data(folder: Path, name: Any) -> bytes:
    """A data file's bytes after checking its form and the sha256 its name records."""
    if not isinstance(name, str) or not _DATA_NAME.match(name):
        raise _unsafe(folder / MANIFEST, f"it names a data file {name!r} of an unknown form")
    path = folder / name
    if name.endswith(".json"):
        model, data = _read_json(path)
        if not isinstance(model, dict) or "learner" not in model:
            raise _unsafe(path, "JSON but not an XGBoost model")
    else:
        try:
            data = path.read_bytes()
        except FileNotFoundError as exc:
            raise CorruptFileError(f"surrogate file {str(path)!r} is missing") from exc
        if data[:4] != b"PK\x03\x04":
            raise _unsafe(path, "not an npz archive; a pickle or another format")
    if hashlib.sha256(data).hexdigest()[:24] != name.split("-")[1].split(".")[0]:
        raise ChecksumError(
            f"surrogate file {str(path)!r} does not match its recorded sha256; the folder was "
            "modified after saving -- save the surrogate again"
        )
    return data


def _load_npz(path: Path, data: bytes) -> dict[str, np.ndarray]:
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            return {k: npz[k] for k in npz.files}
    except ValueError as exc:  # object arrays need pickle: refused
        raise _unsafe(path, f"it holds arrays that need pickle ({exc})") from exc
    except (OSError, EOFError) as exc:
        raise CorruptFileError(f"surrogate arrays {str(path)!r} are corrupt: {exc}") from exc


def read_state(path: str | os.PathLike[str]) -> State:
    """Read and check a surrogate folder (see the module docs); nothing is executed."""
    folder = Path(path)
    if not (folder / MANIFEST).is_file():
        raise MissingDataError(
            f"no surrogate at {str(folder)!r}: expected a folder holding {MANIFEST} written by "
            "SurrogateBenchmark.save(folder)"
        )
    manifest, _ = _read_json(folder / MANIFEST)
    if not isinstance(manifest, dict) or manifest.get("magic") != MAGIC:
        raise _unsafe(folder / MANIFEST, f"its magic is not {MAGIC!r}")
    if manifest.get("schema") != SCHEMA:
        raise _unsafe(folder / MANIFEST, f"schema {manifest.get('schema')!r}, this version "
                                         f"reads schema {SCHEMA}; use a matching nasbench_kit")
    try:
        files = manifest.pop("files")
        name = files["arrays"]["all"]
        arrays = _load_npz(folder / name, _read_data(folder, name))
        boosters = {k: _read_data(folder, n) for k, n in files["boosters"].items()}
    except (KeyError, TypeError, AttributeError) as exc:
        raise CorruptFileError(f"surrogate manifest {str(folder / MANIFEST)!r} is incomplete "
                               f"({exc}); save the surrogate again") from exc  # fmt: skip
    return manifest, arrays, boosters
