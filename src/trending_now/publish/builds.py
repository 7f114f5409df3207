"""Where serving builds live and how one becomes current: SQLite files or PostgreSQL schemas.

The serving URL picks the backend. Either way a publish writes a complete new build, named by
its UTC timestamp (`serving_<stamp>`), then makes it current in one atomic step, so a reader
sees the old build or the new one and never a half-built dataset:

- SQLite (`sqlite:///data/serving/current.sqlite3`): the URL names a pointer, a symlink. Each
  build is a file `serving_<stamp>.sqlite3` beside it; the swap replaces the symlink
  (`os.replace` of a fresh one). A reader opens the build file itself, so it keeps reading
  that build even after the swap (or its deletion: an open file outlives its name).
- PostgreSQL (`postgresql+psycopg://.../db`): each build is a schema `serving_<stamp>`, built in
  one transaction (a failure leaves nothing). The pointer is the row of `serving_pointer`; the
  swap is one UPDATE. A reader resolves the pointer once per request and runs every query of
  that request against that schema (SQLAlchemy's schema_translate_map), so it never mixes two
  builds. Dropping an old schema waits (up to a lock timeout) for readers still inside it.

Builds beyond `keep` (the current one and the previous, for rollback) are pruned after a swap;
`rollback()` points back at the previous build.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import uuid
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError, OperationalError, ProgrammingError
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from trending_now.publish.db import Base

log = logging.getLogger(__name__)

BUILD_PREFIX = "serving_"
BUILD_RE = re.compile(r"^serving_\d{8}t\d{12}z$")
SQLITE_SUFFIX = ".sqlite3"
DROP_LOCK_TIMEOUT = "5s"  # how long pruning waits for readers still inside an old build

Writer = Callable[[Session], None]


class ServingBuildError(RuntimeError):
    """A build name or serving URL that cannot be used; the message says why."""


def build_name(stamp: datetime) -> str:
    """The build id of a publish at `stamp` (UTC): sortable, and a safe SQL identifier."""
    return f"{BUILD_PREFIX}{stamp.strftime('%Y%m%dT%H%M%S%f').lower()}z"


def _checked(build: str) -> str:
    """`build` if it is a well-formed build id (it is spliced into file names and SQL)."""
    if not BUILD_RE.match(build):
        raise ServingBuildError(f"not a serving build id: {build!r}")
    return build


class ServingBuilds(ABC):
    """The builds of one serving database: create, swap, list, prune, and read sessions."""

    @abstractmethod
    def create(self, build: str, write: Writer) -> None:
        """Create `build` and fill it with `write` in one transaction; a failure leaves nothing."""

    @abstractmethod
    def swap(self, build: str) -> None:
        """Make `build` current in one atomic step."""

    @abstractmethod
    def current(self) -> str | None:
        """The current build, or None before the first publish."""

    @abstractmethod
    def names(self) -> list[str]:
        """Every build, oldest first."""

    @abstractmethod
    def drop(self, build: str) -> bool:
        """Delete a build that is not current; False when it could not be dropped now."""

    @abstractmethod
    def session(self, build: str) -> Session:
        """A session reading `build` only (whatever becomes current meanwhile)."""

    @abstractmethod
    def dispose(self) -> None:
        """Close pooled connections."""

    def is_gone(self, error: DBAPIError) -> bool:
        """Whether `error` says the build being read no longer exists (it was pruned)."""
        return False

    def prune(self, keep: int) -> list[str]:
        """Drop all but the newest `keep` builds (never the current one); return the dropped."""
        current = self.current()
        doomed = [b for b in sorted(self.names(), reverse=True)[keep:] if b != current]
        return [b for b in doomed if self.drop(b)]

    def rollback(self) -> str:
        """Point back at the build before the current one; return it."""
        current = self.current()
        older = [b for b in self.names() if current is None or b < current]
        if not older:
            raise ServingBuildError(f"no build older than {current} to roll back to")
        self.swap(older[-1])
        return older[-1]


class SqliteBuilds(ServingBuilds):
    """Builds as files beside a symlink pointer (see the module docstring)."""

    ENGINES_KEPT = 4  # reader engines of the most recent builds

    def __init__(self, pointer: Path) -> None:
        self.pointer = pointer
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        self._lock = threading.Lock()

    def path(self, build: str) -> Path:
        """The file of `build`."""
        return self.pointer.parent / f"{_checked(build)}{SQLITE_SUFFIX}"

    def create(self, build: str, write: Writer) -> None:
        path = self.path(build)
        path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(f"sqlite:///{path}", poolclass=NullPool)
        try:
            Base.metadata.create_all(engine)
            with Session(engine, expire_on_commit=False) as session, session.begin():
                write(session)
        except BaseException:
            engine.dispose()
            path.unlink(missing_ok=True)
            raise
        engine.dispose()

    def swap(self, build: str) -> None:
        target = self.path(build)
        if not target.exists():
            raise ServingBuildError(f"no build file {target}")
        tmp = self.pointer.with_name(f".{self.pointer.name}.{uuid.uuid4().hex}.tmp")
        tmp.symlink_to(target.name)
        try:
            os.replace(tmp, self.pointer)
        except OSError:
            tmp.unlink(missing_ok=True)
            raise

    def current(self) -> str | None:
        try:
            name = os.readlink(self.pointer)
        except (FileNotFoundError, OSError):
            return None
        build = os.path.basename(name).removesuffix(SQLITE_SUFFIX)  # per request: keep it cheap
        return build if BUILD_RE.match(build) else None

    def names(self) -> list[str]:
        names = (
            p.name.removesuffix(SQLITE_SUFFIX)
            for p in self.pointer.parent.glob(f"{BUILD_PREFIX}*{SQLITE_SUFFIX}")
        )
        return sorted(n for n in names if BUILD_RE.match(n))

    def drop(self, build: str) -> bool:
        if build == self.current():
            return False
        self.path(build).unlink(missing_ok=True)
        return True

    def session(self, build: str) -> Session:
        return Session(self._engine(build))

    def _engine(self, build: str) -> Engine:
        """A pooled read-only engine on one build file (immutable once current: no locking)."""
        with self._lock:
            engine = self._engines.get(build)
            if engine is not None:
                self._engines.move_to_end(build)
                return engine
            path = self.path(build)
            engine = create_engine(
                f"sqlite:///file:{path}?mode=ro&immutable=1&uri=true",
                pool_size=8,
                max_overflow=56,
            )
            self._engines[build] = engine
            while len(self._engines) > self.ENGINES_KEPT:
                _, old = self._engines.popitem(last=False)
                old.dispose()  # connections still checked out close when returned
            return engine

    def dispose(self) -> None:
        with self._lock:
            for engine in self._engines.values():
                engine.dispose()
            self._engines.clear()


class PostgresBuilds(ServingBuilds):
    """Builds as schemas, the current one named by the `serving_pointer` row."""

    def __init__(self, url: str, *, pool_size: int = 8) -> None:
        self.url = url
        self.engine = create_engine(url, pool_size=pool_size, max_overflow=32, pool_recycle=1800)
        self._readers: OrderedDict[str, Engine] = OrderedDict()  # engines sharing one pool
        self._lock = threading.Lock()

    def create(self, build: str, write: Writer) -> None:
        schema = _checked(build)
        with self.engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            scoped = conn.execution_options(schema_translate_map={None: schema})
            Base.metadata.create_all(scoped)
            with Session(bind=scoped, expire_on_commit=False) as session:
                write(session)
                session.flush()

    def _ensure_pointer(self, conn: Connection) -> None:
        conn.execute(
            text(
                "CREATE TABLE IF NOT EXISTS serving_pointer ("
                "id smallint PRIMARY KEY CHECK (id = 1), build text NOT NULL, "
                "swapped_at timestamptz NOT NULL DEFAULT now())"
            )
        )

    def swap(self, build: str) -> None:
        schema = _checked(build)
        with self.engine.begin() as conn:
            self._ensure_pointer(conn)
            exists = conn.scalar(
                text("SELECT 1 FROM pg_namespace WHERE nspname = :s"), {"s": schema}
            )
            if not exists:
                raise ServingBuildError(f"no build schema {schema}")
            conn.execute(
                text(
                    "INSERT INTO serving_pointer (id, build) VALUES (1, :b) ON CONFLICT (id) "
                    "DO UPDATE SET build = EXCLUDED.build, swapped_at = now()"
                ),
                {"b": schema},
            )

    def current(self) -> str | None:
        try:
            with self.engine.connect() as conn:
                build = conn.scalar(text("SELECT build FROM serving_pointer WHERE id = 1"))
        except ProgrammingError:  # no pointer table: nothing published yet
            return None
        return str(build) if build is not None and BUILD_RE.match(str(build)) else None

    def names(self) -> list[str]:
        with self.engine.connect() as conn:
            names = conn.scalars(
                text("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'serving\\_%'")
            )
            return sorted(n for n in names if BUILD_RE.match(n))

    def drop(self, build: str) -> bool:
        schema = _checked(build)
        try:
            with self.engine.begin() as conn:
                conn.execute(text(f"SET LOCAL lock_timeout = '{DROP_LOCK_TIMEOUT}'"))
                current = conn.scalar(
                    text("SELECT build FROM serving_pointer WHERE id = 1 FOR SHARE")
                )
                if current == schema:
                    return False
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        except OperationalError as exc:  # readers still inside it: try again next publish
            log.warning("could not drop %s yet: %s", schema, exc.orig)
            return False
        return True

    def is_gone(self, error: DBAPIError) -> bool:
        # undefined_table / invalid_schema_name: the schema was dropped under the reader.
        return getattr(error.orig, "sqlstate", None) in {"42P01", "3F000"}

    def session(self, build: str) -> Session:
        with self._lock:
            reader = self._readers.get(build)
            if reader is None:
                reader = self.engine.execution_options(
                    schema_translate_map={None: _checked(build)}, postgresql_readonly=True
                )
                self._readers[build] = reader
                while len(self._readers) > 4:
                    self._readers.popitem(last=False)
        return Session(bind=reader)

    def dispose(self) -> None:
        self.engine.dispose()


def open_builds(db_url: str) -> ServingBuilds:
    """The builds the serving URL names: a SQLite pointer file or a PostgreSQL database."""
    url = make_url(db_url)
    backend = url.get_backend_name()
    if backend == "sqlite":
        if not url.database or url.database == ":memory:":
            raise ServingBuildError(f"{db_url!r}: the SQLite serving database needs a file path")
        return SqliteBuilds(Path(url.database))
    if backend == "postgresql":
        if url.drivername == "postgresql":  # the driver this project ships: psycopg 3
            url = url.set(drivername="postgresql+psycopg")
        return PostgresBuilds(url.render_as_string(hide_password=False))
    raise ServingBuildError(
        f"serving database backend {backend!r} is not supported: use sqlite:///<path> or "
        "postgresql+psycopg://<user>@<host>/<database>"
    )
