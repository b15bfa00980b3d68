"""The sync_review activity: mirror a review's state into the read model."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlalchemy.orm.exc import StaleDataError
from temporalio import activity

from store.db import finish_even_if_cancelled
from store.readmodel import apply_sync
from workflows.contracts import ReviewSync

RACES = 3


class ReadModelActivities:
    def __init__(self, sessions: async_sessionmaker) -> None:
        self._sessions = sessions

    @activity.defn(name="sync_review")
    async def sync_review(self, sync: ReviewSync) -> None:
        """The API writes a command's answer as well (store.readmodel.write_answer); when the
        two race on one row, the loser's version check fails. Trying again at once reads the
        winner's row and finds the change already there, so a race is not an error."""

        async def write() -> None:
            async with self._sessions.begin() as session:
                await apply_sync(session, sync)

        for attempt in range(1, RACES + 1):
            try:
                await finish_even_if_cancelled(write())
                return
            except (StaleDataError, IntegrityError):
                if attempt == RACES:
                    raise
