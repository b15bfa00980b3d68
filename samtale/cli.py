"""The `samtale` command: run the stack or one part of it, issue tokens, migrate, add employees."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from core.settings import Settings
from samtale import eventloop

if TYPE_CHECKING:
    import httpx


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="samtale", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    dev = sub.add_parser("dev", help="engine, mail sink, worker and API with demo data")
    dev.add_argument("--port", type=int, default=8000)
    sub.add_parser("worker", help="run the Temporal worker")
    api = sub.add_parser("api", help="run the API with uvicorn")
    api.add_argument("--host", default="127.0.0.1")
    api.add_argument("--port", type=int, default=8000)
    token = sub.add_parser("token", help="print a bearer token for an employee")
    token.add_argument("employee_id")
    sub.add_parser(
        "migrate", help="bring the database to the newest schema (once per release, first)"
    )
    add = sub.add_parser("add-employees", help="add employees from a JSON list")
    add.add_argument("file", type=Path)
    hr = sub.add_parser("hr", help="HR operator commands, through the API")
    hr.add_argument("--as", dest="as_employee", required=True, help="an HR employee's id")
    hr_sub = hr.add_subparsers(dest="hr_command", required=True)
    imp = hr_sub.add_parser("import", help="sync employees from an HR-system CSV export")
    imp.add_argument("file", type=Path)
    imp.add_argument("--dry-run", action="store_true", help="only show what would change")
    imp.add_argument(
        "--yes", action="store_true", help="apply without asking, if it needs confirming"
    )
    start = hr_sub.add_parser("start-cycle", help="start a cycle for everybody or some units")
    start.add_argument("id")
    start.add_argument("--name", required=True)
    start.add_argument("--year", type=int, required=True)
    start.add_argument("--window-start", required=True)
    start.add_argument("--window-end", required=True)
    start.add_argument(
        "--unit",
        action="append",
        dest="scope",
        help="an org unit (with its sub-units); repeat for more; default: all",
    )
    start.add_argument(
        "--template", default="standard", help="a template's key (default: standard)"
    )
    fun = hr_sub.add_parser("funnel", help="a cycle's funnel as a table")
    fun.add_argument("cycle_id")
    fun.add_argument("--unit", help="show this unit and its sub-units (default: the top)")
    tpl = hr_sub.add_parser("templates", help="list, preview or add conversation templates")
    tpl_sub = tpl.add_subparsers(dest="templates_command", required=True)
    tpl_sub.add_parser("list", help="every template's latest version, names in nb and en")
    show = tpl_sub.add_parser("preview", help="a template as a person reads it")
    show.add_argument("key")
    show.add_argument("--lang", choices=["nb", "en"], default="nb")
    show.add_argument("--version", type=int, help="default: the latest")
    show.add_argument(
        "--senior", action="store_true", help="with the senior section (employees from 62)"
    )
    new = tpl_sub.add_parser("add", help="add a template or its next version (a JSON file)")
    new.add_argument("file", type=Path)
    year = sub.add_parser(
        "demo-year", help="one review's whole year on a time-skipping server, every email kept"
    )
    year.add_argument("--mail-dir", type=Path, default=Path("var/demo-year/mail"))
    gen = sub.add_parser("generate-org", help="print a realistic organisation as CSV")
    gen.add_argument("--employees", type=int, default=2000)
    digest = sub.add_parser("manager-digest", help="the weekly email to every manager")
    digest.add_argument("state", choices=["on", "off"])
    digest.add_argument(
        "--weekday",
        type=int,
        default=1,
        choices=range(7),
        help="0 Sunday, 1 Monday (default) … 6 Saturday",
    )
    digest.add_argument(
        "--hour", type=int, default=7, choices=range(24), help="hour in Europe/Oslo (default 7)"
    )
    args = parser.parse_args(argv)
    settings = Settings()

    if args.command == "dev":
        from samtale.devstack import run_dev

        try:
            eventloop.run(run_dev(settings, api_port=args.port), settings)
        except KeyboardInterrupt:
            pass
    elif args.command == "worker":
        from samtale.worker import run_worker

        eventloop.run(run_worker(settings), settings)
    elif args.command == "api":
        import uvicorn

        from api.app import create_app

        # uvicorn makes the loop itself; it takes its HTTP parser (httptools) as installed.
        uvicorn.run(create_app(settings), host=args.host, port=args.port, loop=settings.event_loop)
    elif args.command == "token":
        from api.auth import issue_token

        print(issue_token(settings, args.employee_id))
    elif args.command == "migrate":
        asyncio.run(_migrate(settings))
    elif args.command == "add-employees":
        sys.exit(asyncio.run(_add_employees(settings, args.file)))
    elif args.command == "hr":
        sys.exit(_hr(settings, args))
    elif args.command == "demo-year":
        from samtale.demo_year import run_demo_year

        sys.exit(0 if asyncio.run(run_demo_year(args.mail_dir)) == "completed" else 1)
    elif args.command == "generate-org":
        from org.generate import org_csv

        sys.stdout.write(org_csv(args.employees))
    elif args.command == "manager-digest":
        asyncio.run(_manager_digest(settings, args.state == "on", args.weekday, args.hour))


async def _manager_digest(settings: Settings, on: bool, weekday: int, hour: int) -> None:
    from core.temporal import connect
    from samtale.schedules import disable_manager_digest, enable_manager_digest

    client = await connect(settings.temporal_address, settings.temporal_namespace)
    if on:
        await enable_manager_digest(
            client, task_queue=settings.task_queue, weekday=weekday, hour=hour
        )
        print(f"manager digest on: weekday {weekday} at {hour:02d}:00 Europe/Oslo")
    else:
        existed = await disable_manager_digest(client)
        print("manager digest off" if existed else "manager digest was not on")


async def _migrate(settings: Settings) -> None:
    from store.migrate import migrate

    await migrate(settings.database_url)
    print(f"database at the newest schema: {_safe_url(settings.database_url)}")


def _safe_url(url: str) -> str:
    """The URL without its password, for printing."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


async def _add_employees(settings: Settings, file: Path) -> int:
    from pydantic import TypeAdapter, ValidationError

    from api.schemas import EmployeeIn
    from store.db import create_engine, session_factory
    from store.directory import DirectoryError, NewEmployee, add_employees

    try:
        rows = TypeAdapter(list[EmployeeIn]).validate_json(file.read_bytes())
    except (OSError, ValidationError) as e:
        print(f"cannot read {file}: {e}", file=sys.stderr)
        return 2
    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine).begin() as session:
            await add_employees(
                session,
                [
                    NewEmployee(r.id, r.name, r.email, r.language, r.manager_id, r.is_hr)
                    for r in rows
                ],
                now=datetime.now(UTC),
            )
    except DirectoryError as e:
        print("nothing added:\n  " + "\n  ".join(e.problems), file=sys.stderr)
        return 1
    finally:
        await engine.dispose()
    print(json.dumps({"added": len(rows)}))
    return 0


def _hr(settings: Settings, args: argparse.Namespace) -> int:
    from samtale import hr_cli

    with hr_cli.client(settings, args.as_employee) as http:
        if args.hr_command == "import":
            return hr_cli.import_org(http, args.file, dry_run=args.dry_run, yes=args.yes)
        if args.hr_command == "start-cycle":
            return hr_cli.start_cycle(
                http,
                {
                    "id": args.id,
                    "name": args.name,
                    "year": args.year,
                    "window_start": args.window_start,
                    "window_end": args.window_end,
                    "scope": args.scope,
                    "template": args.template,
                },
            )
        if args.hr_command == "templates":
            return _templates(http, args)
        return hr_cli.funnel(http, args.cycle_id, args.unit)


def _templates(http: httpx.Client, args: argparse.Namespace) -> int:
    from samtale import hr_templates

    if args.templates_command == "list":
        return hr_templates.list_templates(http)
    if args.templates_command == "preview":
        return hr_templates.preview(
            http, args.key, lang=args.lang, version=args.version, senior=args.senior
        )
    return hr_templates.add(http, args.file)
