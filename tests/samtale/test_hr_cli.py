"""What HR reads in a terminal: the funnel table, and an import's preview before it applies."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from api.auth import issue_token
from core.settings import Settings
from samtale import hr_cli
from samtale.hr_cli import PHASE_LABELS, render_funnel
from store.models import Employee
from tests.factories import EMPLOYEE, HR, MANAGER, OTHER_MANAGER

HEADER = "employee_id,name,email,language,manager_id,org_unit,parent_unit,start_date,end_date\n"


def counts(total: int, scheduling: int, overdue: int = 0) -> dict:
    phases = dict.fromkeys(PHASE_LABELS, 0) | {
        "scheduling": scheduling,
        "completed": total - scheduling,
    }
    return {
        "total": total,
        "phases": phases,
        "slipping": {
            "unscheduled_past_deadline": 0,
            "summaries_missing": 0,
            "actions_overdue": overdue,
        },
    }


def test_the_funnel_table_shows_overall_then_units_as_a_tree() -> None:
    body = {
        "id": "2027",
        "name": "Medarbeidersamtaler 2027",
        "window_start": "2027-02-01",
        "window_end": "2027-03-31",
        "status": "running",
        "overall": counts(10, 4, overdue=2),
        "units": [
            {"unit": "Konsern", "parent": None, **counts(10, 4, overdue=2)},
            {"unit": "Salg", "parent": "Konsern", **counts(6, 1, overdue=2)},
            {"unit": "Salg Vest", "parent": "Salg", **counts(3, 1)},
        ],
    }
    lines = render_funnel(body, depth=1).splitlines()
    assert lines[0] == "Medarbeidersamtaler 2027 (2027), 2027-02-01 – 2027-03-31, running"
    assert [line.split()[0] for line in lines[2:]] == ["unit", "overall", "Konsern", "Salg"]
    salg = lines[-1].split()
    assert (salg[1], salg[2], salg[-1]) == ("6", "1", "2")
    assert "Salg Vest" in render_funnel(body, depth=2)


class ToApp(httpx.BaseTransport):
    """The CLI's blocking client, onto the in-process API: the CLI runs in a thread and
    each request is sent on the test's event loop."""

    def __init__(self, api: httpx.AsyncClient, loop: asyncio.AbstractEventLoop) -> None:
        self._api, self._loop = api, loop

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        sent = httpx.Request(
            request.method, request.url, headers=request.headers, content=request.read()
        )
        r = asyncio.run_coroutine_threadsafe(self._api.send(sent), self._loop).result()
        return httpx.Response(r.status_code, headers=r.headers, content=r.content)


def cli_client(api: httpx.AsyncClient, settings: Settings) -> httpx.Client:
    token = issue_token(settings, HR.id)
    return httpx.Client(
        transport=ToApp(api, asyncio.get_running_loop()),
        base_url="http://samtale.test",
        headers={"Authorization": f"Bearer {token}"},
    )


async def active_ids(sessions: async_sessionmaker) -> set[str]:
    async with sessions() as session:
        return set(await session.scalars(select(Employee.id).where(Employee.active.is_(True))))


async def test_a_dry_run_prints_each_change_by_name_and_imports_nothing(
    api: httpx.AsyncClient,
    settings: Settings,
    sessions: async_sessionmaker,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    file = tmp_path / "org.csv"
    file.write_text(HEADER + "ceo,Anne Dahl,anne@example.no,nb,,Konsern,,,\n")
    with cli_client(api, settings) as http:
        assert await asyncio.to_thread(hr_cli.import_org, http, file, dry_run=True) == 0
    out = capsys.readouterr().out
    assert "joiners: 1\n  Anne Dahl (ceo)" in out
    assert f"leavers: 3\n  {MANAGER.name} ({MANAGER.id})" in out
    assert "needs confirming: 3 of 4 active employees (75%) would leave" in out
    assert await active_ids(sessions) == {HR.id, MANAGER.id, EMPLOYEE.id, OTHER_MANAGER.id}


@pytest.mark.parametrize(("answer", "applied"), [("n", False), ("y", True)])
async def test_an_import_that_needs_confirming_shows_the_preview_and_asks(
    api: httpx.AsyncClient,
    settings: Settings,
    sessions: async_sessionmaker,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    answer: str,
    applied: bool,
) -> None:
    file = tmp_path / "org.csv"
    file.write_text(HEADER + "ceo,Anne Dahl,anne@example.no,nb,,Konsern,,,\n")
    asked: list[str] = []

    def ask(question: str) -> str:
        asked.append(question)
        return answer

    with cli_client(api, settings) as http:
        code = await asyncio.to_thread(hr_cli.import_org, http, file, ask=ask)
    out = capsys.readouterr().out
    assert asked == ["Apply these changes? [y/N] "]
    assert "leavers: 3" in out
    assert (code, "nothing was imported" in out) == ((0, False) if applied else (1, True))
    assert (await active_ids(sessions) == {HR.id, "ceo"}) is applied
