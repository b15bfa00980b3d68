"""Build and run the Temporal worker: the workflows plus activities wired to real resources."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import async_sessionmaker
from temporalio.client import Client
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from activities.cycle_close import CycleCloseActivities
from activities.digests import DigestActivities
from activities.email import EmailActivities
from activities.kickoff import KickoffActivities
from activities.mail.mailer import MailConfig, Mailer
from activities.mail.smtp import SmtpConfig, SmtpSender
from activities.org_changes import OrgChangeActivities
from activities.readmodel import ReadModelActivities
from core.settings import Settings
from core.temporal import connect
from store.db import engine_for, session_factory
from store.migrate import upgrade
from workflows.cycle import CycleWorkflow
from workflows.digest import ManagerDigestWorkflow
from workflows.org_changes import OrgChangesWorkflow
from workflows.review import ReviewWorkflow

WORKFLOWS: Sequence[type] = (
    ReviewWorkflow,
    CycleWorkflow,
    ManagerDigestWorkflow,
    OrgChangesWorkflow,
)
# The sandbox still guards every call a workflow makes (no clock, no I/O), but our own
# `workflows` package, deterministic and without mutable globals, is imported once rather
# than once per workflow run: at a kickoff of thousands that re-import was half the time.
WORKFLOW_RUNNER = SandboxedWorkflowRunner(
    restrictions=SandboxRestrictions.default.with_passthrough_modules("workflows")
)


def smtp_sender(settings: Settings) -> SmtpSender:
    return SmtpSender(
        SmtpConfig(
            host=settings.smtp_host,
            port=settings.smtp_port,
            starttls=settings.smtp_starttls,
            implicit_tls=settings.smtp_implicit_tls,
            username=settings.smtp_username,
            password=settings.smtp_password,
            timeout=settings.smtp_timeout_seconds,
            validate_certs=settings.smtp_validate_certs,
            ca_file=settings.smtp_ca_file,
            pool_size=settings.smtp_pool_size,
            max_per_second=settings.smtp_max_per_second,
        )
    )


def mail_config(settings: Settings) -> MailConfig:
    return MailConfig(
        sender=settings.mail_from,
        reply_to=settings.mail_reply_to,
        domain=settings.mail_domain,
        base_url=settings.base_url,
    )


def mailer(settings: Settings, sessions: async_sessionmaker) -> Mailer:
    return Mailer(smtp=smtp_sender(settings), sessions=sessions, config=mail_config(settings))


def activities_for(client: Client, settings: Settings, sessions: async_sessionmaker) -> list[Any]:
    shared = mailer(settings, sessions)
    email = EmailActivities(shared)
    digests = DigestActivities(mailer=shared, sessions=sessions)
    kickoff = KickoffActivities(
        client=client,
        sessions=sessions,
        mailer=shared,
        task_queue=settings.task_queue,
        page_size=settings.kickoff_page_size,
        concurrent_starts=settings.kickoff_concurrent_starts,
        concurrent_emails=settings.smtp_pool_size,
    )
    close = CycleCloseActivities(client=client, sessions=sessions, mailer=shared)
    readmodel = ReadModelActivities(sessions)
    org = OrgChangeActivities(client=client, sessions=sessions, task_queue=settings.task_queue)
    return [
        email.send_email,
        readmodel.sync_review,
        digests.send_manager_digests,
        kickoff.start_cycle_reviews,
        kickoff.send_kickoff_emails,
        close.finish_cycle,
        close.send_hr_digest,
        org.apply_org_changes,
    ]


def build_worker(
    client: Client, settings: Settings, sessions: async_sessionmaker, **options: Any
) -> Worker:
    """`options` go to the Worker as they are (tests use them to tune caching)."""
    options.setdefault("workflow_runner", WORKFLOW_RUNNER)
    return Worker(
        client,
        task_queue=settings.task_queue,
        workflows=list(WORKFLOWS),
        activities=activities_for(client, settings, sessions),
        **options,
    )


async def connect_client(settings: Settings) -> Client:
    return await connect(settings.temporal_address, settings.temporal_namespace)


async def run_worker(settings: Settings) -> None:
    engine = engine_for(settings, "samtale-worker")
    await upgrade(engine)
    client = await connect_client(settings)
    worker = build_worker(client, settings, session_factory(engine))
    try:
        await worker.run()
    finally:
        await engine.dispose()


def main() -> None:
    asyncio.run(run_worker(Settings()))


if __name__ == "__main__":
    main()
