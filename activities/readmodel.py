"""The sync_review activity: mirror a review's state into the read model."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import async_sessionmaker
from temporalio import activity

from store.db import finish_even_if_cancelled
from store.readmodel import write_synced
from workflows.contracts import ReviewSync


class ReadModelActivities:
    def __init__(self, sessions: async_sessionmaker) -> None:
        self._sessions = sessions

    @activity.defn(name="sync_review")
    async def sync_review(self, sync: ReviewSync) -> None:
        """The API writes a command's answer too; store.readmodel.write_synced settles a
        race between the two, so a race is not a failed attempt here."""
        await finish_even_if_cancelled(write_synced(self._sessions, sync))
