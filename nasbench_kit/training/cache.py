"""``ResultStore``: the append-only store of every live-training result.

Design: one SQLite database in WAL mode (``$NASBENCH_KIT_HOME/live/results.sqlite``),
one row per record, written in its own ``BEGIN IMMEDIATE`` transaction.

Why SQLite/WAL rather than one file per record under file locks: a commit is
atomic and durable (``synchronous=FULL``), so a writer killed with ``kill -9``
at any instant leaves either its whole record or nothing -- the next opener
rolls the unfinished transaction back; concurrent writers queue on SQLite's
lock (``busy_timeout`` 60 s, a write holds it for milliseconds, trainings run
outside it); readers read a consistent snapshot and never block writers (WAL);
queries by key, space or dataset are index lookups, not directory scans; and it
is the Python standard library (``sqlite3``), no lock files to leak. Each row
also carries the SHA-256 of its JSON body, checked on every read, so a
damaged row raises :class:`~nasbench_kit.errors.CorruptFileError` instead of
returning wrong numbers. Limitation: WAL needs a local file system (not NFS).

Duplicate rule: the key is (space, arch hash, dataset, dataset checksum,
config hash, epochs, seed). ``put`` of a key already present keeps the *first*
record and returns it (``INSERT OR IGNORE`` inside the transaction), so two
workers that trained the same thing agree on one answer, and nothing is ever
overwritten or deleted.

>>> import tempfile, os
>>> store = ResultStore(os.path.join(tempfile.mkdtemp(), "r.sqlite"))
>>> len(store), store.get(StoreKey("nb201", "h", "digits", "c" * 64, "f" * 64, 3, 0)) is None
(0, True)
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import sqlite3
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from nasbench_kit.errors import CorruptFileError, OutOfDomainError
from nasbench_kit.training.result import TrainResult

__all__ = ["SCHEMA_VERSION", "LiveRecord", "ResultStore", "StoreKey", "default_store_path"]

SCHEMA_VERSION = 1
_BUSY_MS = 60_000
_KEY_COLS = ("space", "arch_hash", "dataset", "data_checksum", "config_hash", "epochs", "seed")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS records (
    space TEXT NOT NULL, arch_hash TEXT NOT NULL, dataset TEXT NOT NULL,
    data_checksum TEXT NOT NULL, config_hash TEXT NOT NULL, epochs INTEGER NOT NULL,
    seed INTEGER NOT NULL, body TEXT NOT NULL, body_sha256 TEXT NOT NULL, created REAL NOT NULL,
    PRIMARY KEY (space, arch_hash, dataset, data_checksum, config_hash, epochs, seed)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS records_group ON records (space, dataset, config_hash, epochs);
"""


class StoreKey(NamedTuple):
    """What identifies one training run in the store."""

    space: str
    arch_hash: str
    dataset: str
    data_checksum: str
    config_hash: str
    epochs: int
    seed: int


@dataclass(frozen=True)
class LiveRecord:
    """One stored run: its key, the measured result and where it came from."""

    key: StoreKey
    result: TrainResult
    notation: str
    preset: str
    model: Mapping[str, Any] = field(default_factory=dict)
    host: str = ""
    created: float = 0.0

    def to_json(self) -> str:
        """The stored body: compact, sorted JSON."""
        from nasbench_kit import __version__

        body = {
            "schema": SCHEMA_VERSION, "key": self.key._asdict(), "notation": self.notation,
            "preset": self.preset, "model": dict(self.model), "host": self.host,
            "created": self.created, "nasbench_kit": __version__, "result": self.result.to_dict(),
        }  # fmt: skip
        return json.dumps(body, sort_keys=True, separators=(",", ":"), allow_nan=False)

    @classmethod
    def from_json(cls, text: str) -> LiveRecord:
        """Parse a body written by :meth:`to_json` (``CorruptFileError`` if it is not one)."""
        try:
            body = json.loads(text)
            key = StoreKey(**body["key"])
            if body.get("schema") != SCHEMA_VERSION:
                raise CorruptFileError(f"record schema {body.get('schema')!r} is not "
                                       f"{SCHEMA_VERSION}; upgrade nasbench_kit")  # fmt: skip
            return cls(key=key, result=TrainResult.from_dict(body["result"]),
                       notation=str(body["notation"]), preset=str(body["preset"]),
                       model=dict(body["model"]), host=str(body["host"]),
                       created=float(body["created"]))  # fmt: skip
        except (ValueError, KeyError, TypeError) as err:
            raise CorruptFileError(f"stored live-training record is malformed: {err}") from err


def default_store_path() -> Path:
    """``$NASBENCH_KIT_HOME/live/results.sqlite``."""
    from nasbench_kit.tables.registry import home

    return home() / "live" / "results.sqlite"


def new_record(key: StoreKey, result: TrainResult, *, notation: str, preset: str,
               model: Mapping[str, Any]) -> LiveRecord:  # fmt: skip
    """A record stamped with this host and the current time."""
    return LiveRecord(key, result, notation, preset, dict(model), socket.gethostname(), time.time())


class ResultStore:
    """Append-only, multi-process-safe store of :class:`LiveRecord` (see module docs).

    ``ResultStore(path=None)`` opens (creating) the database at ``path``,
    default :func:`default_store_path`. Picklable: a copy reopens by path.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self._path = Path(path) if path is not None else default_store_path()
        if self._path.is_dir():
            raise OutOfDomainError(
                f"ResultStore path {str(self._path)!r} is a folder; pass a file path such as "
                f"{str(self._path / 'results.sqlite')!r}"
            )
        self._conn: sqlite3.Connection | None = None
        self._pid = -1
        self._lock = threading.RLock()  # threads of one process share the connection
        self._connect()

    @property
    def path(self) -> Path:
        """The database file."""
        return self._path

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return (ResultStore, (str(self._path),))

    def __repr__(self) -> str:
        return f"ResultStore({str(self._path)!r})"

    # ---- connection ---------------------------------------------------------
    def _unusable(self, err: Exception) -> OutOfDomainError:
        return OutOfDomainError(
            f"cannot open the result store {str(self._path)!r} ({type(err).__name__}: {err}); "
            "pass store= a writable file path on a local file system, or set NASBENCH_KIT_HOME "
            "to a writable folder"
        )

    def _connect(self) -> sqlite3.Connection:
        if self._conn is not None and self._pid == os.getpid():
            return self._conn
        try:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self._path, timeout=_BUSY_MS / 1000, isolation_level=None,
                                   check_same_thread=False)  # fmt: skip
        except (OSError, sqlite3.Error) as err:
            raise self._unusable(err) from err
        try:
            conn.execute(f"PRAGMA busy_timeout={_BUSY_MS}")
            mode = _set_wal(conn)
            conn.execute("PRAGMA synchronous=FULL")
            conn.executescript(_SCHEMA)
            conn.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
        except sqlite3.OperationalError as err:  # cannot open / write / lock: not damage
            conn.close()
            raise self._unusable(err) from err
        except sqlite3.DatabaseError as err:
            conn.close()
            raise CorruptFileError(
                f"{str(self._path)!r} is not a live-training result store ({err}); "
                "move it away or pass another path"
            ) from err
        if str(mode).lower() != "wal":
            conn.close()
            raise OutOfDomainError(
                f"SQLite could not switch {str(self._path)!r} to WAL mode (got {mode!r}); "
                "put the store on a local file system"
            )
        self._conn, self._pid = conn, os.getpid()
        return conn

    def close(self) -> None:
        """Close this process's connection (reopened on next use)."""
        if self._conn is not None and self._pid == os.getpid():
            self._conn.close()
        self._conn = None

    # ---- reading --------------------------------------------------------------
    @staticmethod
    def _decode(row: tuple[Any, ...]) -> LiveRecord:
        body, sha = row[-2], row[-1]
        if hashlib.sha256(body.encode()).hexdigest() != sha:
            raise CorruptFileError(
                f"stored record {row[:-2]} fails its SHA-256 check; the store file was damaged "
                "outside nasbench_kit -- delete that row or the file"
            )
        rec = LiveRecord.from_json(body)
        if tuple(rec.key) != tuple(row[:-2]):
            raise CorruptFileError(f"stored record body key {tuple(rec.key)} differs from its row")
        return rec

    def get(self, key: StoreKey) -> LiveRecord | None:
        """The record stored under ``key``, or None."""
        key = _check_key(key)
        where = " AND ".join(f"{c} = ?" for c in _KEY_COLS)
        with self._lock:
            row = self._connect().execute(
                f"SELECT {', '.join(_KEY_COLS)}, body, body_sha256 FROM records WHERE {where}",
                tuple(key),
            ).fetchone()
        return None if row is None else self._decode(row)

    def records(self, **where: Any) -> list[LiveRecord]:
        """Records matching key fields given as keywords (e.g. ``space="nb201"``), oldest first."""
        return list(self.iter_records(**where))

    def iter_records(self, **where: Any) -> Iterator[LiveRecord]:
        """Like :meth:`records`, one at a time."""
        stray = sorted(set(where) - set(_KEY_COLS))
        if stray:
            raise OutOfDomainError(
                f"records() filters {stray} are not key fields {list(_KEY_COLS)}"
            )
        cond = " AND ".join(f"{c} = ?" for c in where) or "1"
        with self._lock:
            rows = self._connect().execute(
                f"SELECT {', '.join(_KEY_COLS)}, body, body_sha256 FROM records WHERE {cond} "
                "ORDER BY created, arch_hash, seed", tuple(where.values()),
            ).fetchall()  # fmt: skip
        for row in rows:
            yield self._decode(row)

    def __len__(self) -> int:
        with self._lock:
            return int(self._connect().execute("SELECT COUNT(*) FROM records").fetchone()[0])

    def verify(self) -> tuple[int, int]:
        """(records that decode and pass their checksum, records that do not)."""
        ok = bad = 0
        cols = ", ".join(_KEY_COLS)
        with self._lock:
            rows = self._connect().execute(f"SELECT {cols}, body, body_sha256 FROM records").fetchall()
        for row in rows:
            try:
                self._decode(row)
                ok += 1
            except CorruptFileError:
                bad += 1
        return ok, bad

    # ---- writing --------------------------------------------------------------
    def put(self, key: StoreKey, record: LiveRecord) -> LiveRecord:
        """Store ``record`` under ``key`` unless the key exists; return the stored record.

        One transaction per record: when ``put`` returns, the record is on disk.
        """
        key = _check_key(key)
        if tuple(record.key) != tuple(key):
            raise OutOfDomainError(f"record.key {tuple(record.key)} differs from key {tuple(key)}")
        body = record.to_json()
        sha = hashlib.sha256(body.encode()).hexdigest()
        with self._lock:
            return self._put_locked(key, body, sha, record.created)

    def _put_locked(self, key: StoreKey, body: str, sha: str, created: float) -> LiveRecord:
        conn = self._connect()
        conn.execute("BEGIN IMMEDIATE")
        try:
            cols = ", ".join(_KEY_COLS)
            conn.execute(
                f"INSERT OR IGNORE INTO records ({cols}, body, body_sha256, created)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", (*key, body, sha, created),
            )  # fmt: skip
            where = " AND ".join(f"{c} = ?" for c in _KEY_COLS)
            row = conn.execute(
                f"SELECT {', '.join(_KEY_COLS)}, body, body_sha256 FROM records WHERE {where}", key
            ).fetchone()
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return self._decode(row)

    def to_benchmark(self, name: str | None = None, **where: Any) -> Any:
        """The matching records as a :class:`~nasbench_kit.tables.Benchmark`.

        See :func:`nasbench_kit.training.tabulate.records_to_benchmark`.
        """
        from nasbench_kit.training.tabulate import records_to_benchmark

        return records_to_benchmark(self.records(**where), name=name)


def _set_wal(conn: sqlite3.Connection) -> str:
    """Switch to WAL; a first open racing another one may see the old mode briefly."""
    mode = ""
    for attempt in range(50):
        mode = str(conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]).lower()
        if mode == "wal":
            break
        time.sleep(0.01 * (attempt + 1))
    return mode


def _check_key(key: Any) -> StoreKey:
    if not isinstance(key, tuple) or len(key) != len(_KEY_COLS):
        raise OutOfDomainError(f"store key {key!r} must be a StoreKey{_KEY_COLS}")
    key = StoreKey(*key)
    for name in _KEY_COLS[:5]:
        if not isinstance(getattr(key, name), str) or not getattr(key, name):
            raise OutOfDomainError(f"store key field {name}={getattr(key, name)!r} must be a "
                                   "non-empty string")  # fmt: skip
    for name in ("epochs", "seed"):
        value = getattr(key, name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise OutOfDomainError(f"store key field {name}={value!r} must be an int >= 0")
    return key
