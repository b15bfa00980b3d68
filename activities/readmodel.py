"""The sync_review activity: mirror a review's state into the read model."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import async_sessionmaker
from temporalio import activity

from store.db import finish_even_if_cancelled
from store.readmodel import apply_sync
from workflows.contracts import ReviewSync


class ReadModelActivities:
    def __init__(self, sessions: async_sessionmaker) -> None:
        self._sessions = sessions

    @activity.defn(name="sync_review")
    async def sync_review(self, sync: ReviewSync) -> None:
        async def write() -> None:
            async with self._sessions.begin() as session:
                await apply_sync(session, sync)

        await finish_even_if_cancelled(write())
