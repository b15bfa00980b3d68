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
        """Run two ways (workflows/review.py): as a local activity in the task that made the
        change, whose state is nearly always newer than the row (so no probe of the row's
        version first), and as the sync activity, the backstop, which usually finds the
        version written already. store.readmodel.write_synced settles a race between
        writers (the API writes an answer the in-task write gave up on), so a race is not a
        failed attempt here."""
        newer = activity.info().is_local
        await finish_even_if_cancelled(write_synced(self._sessions, sync, probe=not newer))
