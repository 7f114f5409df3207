"""Request dependencies: the app's settings and a session on the current serving database."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from sqlalchemy.orm import Session, sessionmaker

from trending_now.config import Settings
from trending_now.publish.db import current_build, reader_engine, sqlite_pointer


class ServingStore:
    """Opens sessions on whatever build the pointer designates at the time of the request."""

    def __init__(self, db_url: str) -> None:
        self.pointer = sqlite_pointer(db_url)
        self._sessions = sessionmaker(reader_engine(self.pointer))

    def is_ready(self) -> bool:
        """A published build exists."""
        return current_build(self.pointer) is not None

    def session(self) -> Session:
        """A new read-only session (no pool: each one resolves the pointer afresh)."""
        return self._sessions()


def get_settings_dep(request: Request) -> Settings:
    """The settings the app was built with."""
    settings: Settings = request.app.state.settings
    return settings


def get_store(request: Request) -> ServingStore:
    """The app's serving store."""
    store: ServingStore = request.app.state.store
    return store


StoreDep = Annotated[ServingStore, Depends(get_store)]


def get_db(store: StoreDep) -> Iterator[Session]:
    """A session on the current build; 503 until something has been published."""
    if not store.is_ready():
        raise HTTPException(
            status_code=503, detail="No published dataset yet: run the publish stage"
        )
    with store.session() as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
ServingDb = Annotated[Session, Depends(get_db)]
