"""A restricted unpickler: read pickled benchmark data without running its code.

Upstream benchmarks ship pickles. A plain ``pickle.load`` would import and call
whatever the file names (``os.system`` included). :func:`safe_load` resolves
globals only from an allow-list: builtin containers and scalars, numpy array and
scalar reconstruction, ``collections.OrderedDict``/``defaultdict`` (loaded as
plain ``dict``), and caller-supplied ``(module, name) -> replacement`` entries
(e.g. an upstream record class mapped to :class:`PlainRecord`). Any other global
raises :class:`~nasbench_kit.errors.UnsafeFileError` before anything is called.

>>> import io, pickle
>>> buf = io.BytesIO(pickle.dumps({"acc": [1.0, 2.0]}))
>>> safe_load(buf)
{'acc': [1.0, 2.0]}
"""

from __future__ import annotations

import _codecs
import _compat_pickle
import builtins
import io
import os
import pickle
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import IO, Any

import numpy as np

from nasbench_kit.errors import CorruptFileError, UnsafeFileError

__all__ = ["PlainRecord", "safe_load", "safe_torch_load"]


class PlainRecord:
    """Attribute bag standing in for an upstream class during unpickling.

    It has no behaviour: the pickled state dict becomes its ``__dict__``
    (pickle's default ``BUILD``), constructor keywords become attributes.

    >>> PlainRecord(x=1).x
    1
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if args:
            self.args = args
        self.__dict__.update(kwargs)

    def __repr__(self) -> str:
        return f"PlainRecord({self.__dict__!r})"


def _as_dict(*_args: Any, **_kwargs: Any) -> dict[Any, Any]:
    """Stand-in for ``defaultdict(factory)``: a plain dict (items are set later)."""
    return {}


#: Largest ``bytes(n)`` / ``bytearray(n)`` / ``range`` length a pickle may ask for.
MAX_ITEMS = 1 << 28


def _bounded(kind: Callable[..., Any]) -> Callable[..., Any]:
    """``kind`` (bytes, bytearray, range) refusing sizes a data file never needs."""

    def build(*args: Any) -> Any:
        if kind is range:
            size = len(range(*args)) if all(isinstance(a, int) for a in args) else 0
        else:
            size = args[0] if args and isinstance(args[0], int) else 0
        if size > MAX_ITEMS:
            raise UnsafeFileError(
                f"the pickle asks for {kind.__name__} of {size} items (> {MAX_ITEMS}); refusing "
                "to allocate it -- the file is corrupt or hostile"
            )
        return kind(*args)

    return build


def _reconstructor(cls: Any, base: Any, state: Any) -> Any:
    """Safe ``copyreg._reconstructor`` (protocols 0-1): only ``base is object``.

    ``cls`` was resolved through the allow-list, so it is a permitted class.
    """
    if base is not object or not isinstance(cls, type) or state is not None:
        raise pickle.UnpicklingError(
            f"copyreg._reconstructor({cls!r}, {base!r}, ...) is outside the safe subset"
        )
    return object.__new__(cls)


def _numpy_core_attr(module: str, name: str) -> Any:
    core = getattr(np, "_core", None)
    if core is not None and hasattr(getattr(core, module, None), name):
        return getattr(getattr(core, module), name)
    import importlib  # numpy < 2

    return getattr(importlib.import_module(f"numpy.core.{module}"), name)


def _base_allow() -> dict[tuple[str, str], Any]:
    reconstruct = _numpy_core_attr("multiarray", "_reconstruct")
    scalar = _numpy_core_attr("multiarray", "scalar")
    frombuffer = _numpy_core_attr("numeric", "_frombuffer")  # protocol-5 arrays
    allow: dict[tuple[str, str], Any] = {}
    for name in (
        "dict", "list", "tuple", "set", "frozenset", "str", "int", "float", "complex", "bool",
        "slice",
    ):  # fmt: skip
        allow[("builtins", name)] = getattr(builtins, name)
    for name in ("bytearray", "bytes", "range"):  # these can be asked for any size
        allow[("builtins", name)] = _bounded(getattr(builtins, name))
    for mod in ("numpy.core.multiarray", "numpy._core.multiarray"):
        allow[(mod, "_reconstruct")] = reconstruct
        allow[(mod, "scalar")] = scalar
    for mod in ("numpy.core.numeric", "numpy._core.numeric"):
        allow[(mod, "_frombuffer")] = frombuffer
    allow[("numpy", "ndarray")] = np.ndarray
    allow[("numpy", "dtype")] = np.dtype
    # numpy >= 1.25 pickles dtypes by their DType class, e.g. numpy.dtypes.Float64DType
    for dname in dir(getattr(np, "dtypes", object())):
        if dname.endswith("DType"):
            allow[("numpy.dtypes", dname)] = getattr(np.dtypes, dname)
    allow[("collections", "OrderedDict")] = dict
    allow[("collections", "defaultdict")] = _as_dict
    allow[("_codecs", "encode")] = _codecs.encode  # protocol-2 bytes under Python 3
    allow[("copyreg", "_reconstructor")] = _reconstructor  # protocols 0-1 objects
    allow[("builtins", "object")] = object
    return allow


_BASE_ALLOW: dict[tuple[str, str], Any] | None = None


#: Pickles smaller than this are read by the pure-Python unpickler, whose memo is a dict: a
#: corrupt PUT index in a small file cannot make it allocate gigabytes, as the C unpickler
#: (which sizes an array by the index) would. Larger files use the C one (5-6x faster).
PURE_PYTHON_BELOW = 64 << 20


class _Restricted:
    """The allow-list rules, shared by the C and the pure-Python unpickler."""

    _allow: Mapping[tuple[str, str], Any]
    _label: str

    def __init__(self, file: IO[bytes], allow: Mapping[tuple[str, str], Any], label: str):
        super().__init__(file, encoding="latin1")  # type: ignore[call-arg]
        self._allow = allow
        self._label = label

    def find_class(self, module: str, name: str) -> Any:
        # Python 2 names (``__builtin__.set`` in protocols 0-2), mapped as pickle does
        if (module, name) in _compat_pickle.NAME_MAPPING:
            module, name = _compat_pickle.NAME_MAPPING[(module, name)]
        elif module in _compat_pickle.IMPORT_MAPPING:
            module = _compat_pickle.IMPORT_MAPPING[module]
        target = self._allow.get((module, name))
        if target is None:
            raise UnsafeFileError(
                f"{self._label} asks to load the global {module}.{name}, which is not on the "
                "allow-list of the restricted unpickler; refusing to run it. If this class is "
                "plain data, pass allow={(module, name): PlainRecord} to safe_load"
            )
        return target

    def persistent_load(self, pid: Any) -> Any:
        raise UnsafeFileError(
            f"{self._label} uses persistent ids ({pid!r:.80}), which plain data never needs; "
            "if it is a torch checkpoint, read it with safe_torch_load"
        )


class _RestrictedUnpickler(_Restricted, pickle.Unpickler):
    """The fast (C) restricted unpickler, for large files."""


class _PyRestrictedUnpickler(_Restricted, pickle._Unpickler):  # type: ignore[name-defined]
    """The pure-Python restricted unpickler (memo in a dict), for small files and streams."""


def _size(fh: IO[bytes]) -> int | None:
    """Bytes left in ``fh`` when cheap to know (a file or a BytesIO), else None."""
    if isinstance(fh, io.BytesIO):
        return len(fh.getbuffer()) - fh.tell()
    try:
        return os.fstat(fh.fileno()).st_size - fh.tell()
    except (OSError, AttributeError, ValueError, io.UnsupportedOperation):
        return None


def safe_load(
    path_or_fileobj: str | os.PathLike[str] | IO[bytes],
    allow: Mapping[tuple[str, str], Any] | None = None,
    *,
    verified: bool = False,
) -> Any:
    """Unpickle ``path_or_fileobj`` resolving globals only from the allow-list.

    ``allow`` maps extra ``(module, name)`` globals to the object to use instead
    (typically :class:`PlainRecord`, or a function building one). Raises
    :class:`UnsafeFileError` naming the refused global and the file, and
    :class:`CorruptFileError` when the data is truncated or not a pickle.
    ``verified=True`` (the caller checked the file's sha256 against a pinned
    one) reads it with the C unpickler whatever its size (see
    :data:`PURE_PYTHON_BELOW`).

    >>> import io, pickle, collections
    >>> safe_load(io.BytesIO(pickle.dumps(collections.OrderedDict(a=1))))
    {'a': 1}
    """
    global _BASE_ALLOW
    if _BASE_ALLOW is None:
        _BASE_ALLOW = _base_allow()
    table = dict(_BASE_ALLOW)
    if allow:
        for key, value in allow.items():
            if not (
                isinstance(key, tuple) and len(key) == 2 and all(isinstance(k, str) for k in key)
            ):
                raise UnsafeFileError(
                    f"allow key {key!r} is not a (module, name) pair of strings; "
                    "pass e.g. {('pkg.mod', 'Record'): PlainRecord}"
                )
            table[key] = value
    if isinstance(path_or_fileobj, (str, os.PathLike)):
        path = Path(path_or_fileobj)
        label = f"file {str(path)!r}"
        try:
            with open(path, "rb") as fh:
                return _load(fh, table, label, verified)
        except FileNotFoundError:
            raise CorruptFileError(
                f"{label} does not exist; check the path (pass the pickled data file)"
            ) from None
        except IsADirectoryError:
            raise CorruptFileError(
                f"{label} is a directory; pass the pickled data file inside it"
            ) from None
        except OSError as exc:
            raise CorruptFileError(f"{label} cannot be read ({exc.strerror or exc})") from None
    label = f"file {getattr(path_or_fileobj, 'name', '<stream>')!r}"
    return _load(path_or_fileobj, table, label, verified)


def _load(
    fh: IO[bytes], table: Mapping[tuple[str, str], Any], label: str, verified: bool = False
) -> Any:
    size = _size(fh)
    fast = verified or (size is not None and size >= PURE_PYTHON_BELOW)
    kind = _RestrictedUnpickler if fast else _PyRestrictedUnpickler
    try:
        return kind(fh, table, label).load()
    except UnsafeFileError:
        raise
    except Exception as exc:  # any failure of the (allow-listed) load means bad bytes
        raise CorruptFileError(
            f"{label} is truncated or not a valid pickle ({type(exc).__name__}: {exc}); "
            "download it again and compare its checksum with the published one"
        ) from exc


def safe_torch_load(
    path: str | os.PathLike[str], safe_globals: Iterable[Callable[..., Any] | type] = ()
) -> Any:
    """Read a ``.pth`` file with ``torch.load(weights_only=True)`` onto the CPU.

    ``safe_globals`` lists extra classes/functions torch may reconstruct. torch
    is imported here, lazily. Raises :class:`UnsafeFileError` when the file asks
    for anything else and :class:`CorruptFileError` when it cannot be read.

    >>> safe_torch_load("missing.pth")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    nasbench_kit.errors.CorruptFileError: file 'missing.pth' does not exist; ...
    """
    label = f"file {str(path)!r}"
    if not Path(path).is_file():
        raise CorruptFileError(f"{label} does not exist; check the path to the .pth file")
    import torch

    extra = list(safe_globals)
    try:
        if extra:
            with torch.serialization.safe_globals(extra):
                return torch.load(path, map_location="cpu", weights_only=True)
        return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        text = str(exc)
        if "Weights only load failed" in text or "Unsupported global" in text:
            raise UnsafeFileError(
                f"{label} asks torch to load code outside its weights-only allow-list "
                f"({text.splitlines()[0] if text else exc!r}); pass safe_globals=[...] only for "
                "classes you trust"
            ) from exc
        raise CorruptFileError(f"{label} is not a readable torch file ({exc})") from exc
    except Exception as exc:  # torch's readers raise anything on bytes that are not theirs
        raise CorruptFileError(
            f"{label} is truncated or not a torch file ({type(exc).__name__}: {str(exc)[:200]}); "
            "download it again and compare its checksum"
        ) from exc
