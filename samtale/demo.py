"""A small demo organisation so a newcomer can walk a review through its lifecycle at once."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import async_sessionmaker

from store.directory import NewEmployee, add_employees, get_employee

DEMO = [
    NewEmployee("hr-1", "Hilde Haugen", "hilde.haugen@demo.samtale.no", "nb", None, is_hr=True),
    NewEmployee("m-1", "Ola Nordmann", "ola.nordmann@demo.samtale.no", "nb", "hr-1"),
    NewEmployee("m-2", "Sarah Mitchell", "sarah.mitchell@demo.samtale.no", "en", "hr-1"),
    NewEmployee("e-1", "Kari Hansen", "kari.hansen@demo.samtale.no", "nb", "m-1"),
    NewEmployee("e-2", "Jonas Berg", "jonas.berg@demo.samtale.no", "nb", "m-1"),
    NewEmployee("e-3", "Priya Sharma", "priya.sharma@demo.samtale.no", "en", "m-2"),
    NewEmployee("e-4", "Ingrid Lie", "ingrid.lie@demo.samtale.no", "nb", "m-2"),
]


async def seed_demo(sessions: async_sessionmaker) -> bool:
    """Add the demo people unless they are there already; True if it added them."""
    async with sessions.begin() as session:
        if await get_employee(session, "hr-1") is not None:
            return False
        await add_employees(session, DEMO, now=datetime.now(UTC))
    return True
