"""A small demo organisation so a newcomer can walk a review through its lifecycle at once."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import async_sessionmaker

from org.csv_import import parse
from org.demo import DEMO, demo_csv
from store.directory import employees_by_id, get_employee
from store.org_sync import sync_org

__all__ = ["DEMO", "seed_demo"]


async def seed_demo(sessions: async_sessionmaker) -> bool:
    """Import the demo organisation (people, managers, units) unless it is there already;
    True if it added it. It goes in through the import's own sync, so it can be exported
    and imported again unchanged; HR's flag is set after (an HR export has none)."""
    async with sessions.begin() as session:
        if await get_employee(session, "hr-1") is not None:
            return False
        now = datetime.now(UTC)
        await sync_org(session, parse(demo_csv()), today=now.date(), now=now)
        people = await employees_by_id(session, [p.id for p in DEMO if p.is_hr])
        for e in people.values():
            e.is_hr = True
    return True
