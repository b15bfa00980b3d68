"""Build and run the Temporal worker: the workflows plus activities wired to real resources."""

from __future__ import annotations

import asyncio
import gc
import os
import sys
import threading
from collections.abc import Sequence
from importlib.machinery import SOURCE_SUFFIXES, FileFinder, SourceFileLoader
from pathlib import Path
from types import CodeType
from typing import Any

from sqlalchemy.ext.asyncio import async_sessionmaker
from temporalio.bridge.proto.workflow_activation import WorkflowActivation
from temporalio.bridge.proto.workflow_completion import Success, WorkflowActivationCompletion
from temporalio.client import Client
from temporalio.converter import (
    ActivitySerializationContext,
    DataConverter,
    StorageDriverStoreContext,
    StorageDriverWorkflowInfo,
    WorkflowSerializationContext,
)
from temporalio.worker import (
    Worker,
    WorkflowInstance,
    WorkflowInstanceDetails,
    WorkflowRunner,
)
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

import workflows
from activities.cycle_close import CycleCloseActivities
from activities.digests import DigestActivities
from activities.email import EmailActivities
from activities.kickoff import KickoffActivities
from activities.mail.mailer import MailConfig, Mailer
from activities.mail.smtp import SmtpConfig, SmtpSender
from activities.org_changes import OrgChangeActivities
from activities.readmodel import ReadModelActivities
from core.settings import Settings
from core.temporal import DATA_CONVERTER, connect
from samtale import eventloop
from store.db import engine_for, session_factory
from workflows.cycle import CycleWorkflow
from workflows.digest import ManagerDigestWorkflow
from workflows.ids import email_task_queue
from workflows.org_changes import OrgChangesWorkflow
from workflows.review import ReviewWorkflow

WORKFLOWS: Sequence[type] = (
    ReviewWorkflow,
    CycleWorkflow,
    ManagerDigestWorkflow,
    OrgChangesWorkflow,
)
# Workflow definitions (review, cycle, digest, org_changes) stay inside the sandbox: each run
# imports them afresh and every clock read, random number or I/O call in them fails the task.
# Only modules that are pure (no clock, no randomness, no I/O, no mutable globals) and
# stable pass through, imported once and shared by every run:
# - contracts: the dataclasses on the wire; the converter needs the host's own classes;
# - rules, reminders, review_checks: pure functions of the state, the time and the policy
#   passed in (the review's command checks are rules too);
# - calendar: the holiday table, built once at import (the `holidays` package reads the
#   clock when it builds a year, which the sandbox would refuse) and frozen;
# - ids: string formatting shared with the activities and the API;
# - definition: our `workflow.defn` and `workflow.update`, whose registry of checked
#   classes and handlers (written by the worker's own imports, outside the sandbox) lets
#   a run's fresh class skip the SDK's check of an identical one; the only state that
#   passes through, and it never changes what a run does.
# ruff's banned-api (TID251, pyproject.toml) keeps clocks, randomness and I/O out of all of
# workflows/, so the passed-through modules are held to the same line by the linter.
PURE_MODULES = (
    "workflows.contracts",
    "workflows.rules",
    "workflows.reminders",
    "workflows.review_checks",
    "workflows.calendar",
    "workflows.ids",
    "workflows.definition",
)
SANDBOX = SandboxedWorkflowRunner(
    restrictions=SandboxRestrictions.default.with_passthrough_modules(*PURE_MODULES)
)


class _OnFirstActivation(WorkflowInstance):
    """A run's sandboxed instance, built when the run is first activated, in that
    activation's thread. See `OffTheLoop`."""

    _loops = threading.local()

    def __init__(
        self, runner: WorkflowRunner, det: WorkflowInstanceDetails, *, context_free: bool
    ) -> None:
        self._runner = runner
        self._det = det
        self._context_free = context_free
        self._instance: WorkflowInstance | None = None

    def _built(self) -> WorkflowInstance:
        if self._instance is None:
            try:
                asyncio.get_running_loop()
                self._instance = self._runner.create_instance(self._det)
            except RuntimeError:  # a workflow task thread: set-up wants a running loop
                loop = getattr(self._loops, "loop", None)
                if loop is None:
                    loop = self._loops.loop = asyncio.new_event_loop()
                self._instance = loop.run_until_complete(self._build())
        return self._instance

    async def _build(self) -> WorkflowInstance:
        return self._runner.create_instance(self._det)

    def activate(self, act: WorkflowActivation) -> WorkflowActivationCompletion:
        if self._instance is None and all(j.HasField("remove_from_cache") for j in act.jobs):
            # Evicted before it ever ran (its first task failed): nothing to tear down.
            return WorkflowActivationCompletion(run_id=act.run_id, successful=Success())
        return self._built().activate(act)

    # The SDK asks both of these for every payload sequence of every activation and
    # completion, three visits each way, and a sandboxed instance answers each by running
    # code in the sandbox. With a context-free converter (see `context_free`) the answer
    # cannot change a byte: no context, and the run itself as the store target, which no
    # external storage reads.
    def get_serialization_context(self, command_info: Any) -> Any:
        if self._context_free:
            return None
        return self._built().get_serialization_context(command_info)

    def get_external_store_context(self, command_info: Any) -> Any:
        if self._context_free:
            i = self._det.info
            run = StorageDriverWorkflowInfo(
                id=i.workflow_id, run_id=i.run_id, type=i.workflow_type, namespace=i.namespace
            )
            return StorageDriverStoreContext(target=run)
        return self._built().get_external_store_context(command_info)

    def get_info(self) -> Any:
        return self._det.info

    def get_thread_id(self) -> int | None:
        return None if self._instance is None else self._instance.get_thread_id()


class OffTheLoop(WorkflowRunner):
    """The sandbox, built off the worker's event loop.

    The SDK creates a run's instance on the worker's event loop thread. A sandboxed one
    takes milliseconds (the run imports the workflow definitions afresh and the SDK
    checks the class again), and meanwhile the loop stands still: every RPC, activity
    and other workflow's dispatch waits (at a kickoff, the start calls of the next
    reviews). This builds the very same sandbox on the run's first activation, in the
    workflow task thread the activation runs in anyway.

    `converter` is the worker's: if it is context-free, the per-payload questions of the
    serialization context are answered without entering the sandbox."""

    def __init__(self, runner: WorkflowRunner, converter: DataConverter) -> None:
        self.runner = runner
        self.context_free = context_free(converter)

    def prepare_workflow(self, defn: Any) -> None:
        self.runner.prepare_workflow(defn)

    def create_instance(self, det: WorkflowInstanceDetails) -> WorkflowInstance:
        return _OnFirstActivation(self.runner, det, context_free=self.context_free)

    def set_worker_level_failure_exception_types(
        self, types: Sequence[type[BaseException]]
    ) -> None:
        self.runner.set_worker_level_failure_exception_types(types)


def context_free(converter: DataConverter) -> bool:
    """True if no part of the converter takes a serialization context (no codec, no
    external storage, converters that ignore it): ours, which is plain JSON. A codec that
    encrypts per workflow would make this False, and the sandbox is asked again."""
    workflow_ctx = WorkflowSerializationContext(namespace="", workflow_id="")
    activity_ctx = ActivitySerializationContext(
        namespace="",
        workflow_id="",
        workflow_type="",
        activity_type="",
        activity_id="",
        activity_task_queue="",
        is_local=False,
    )
    return converter.external_storage is None and all(
        converter.with_context(c) is converter for c in (workflow_ctx, activity_ctx)
    )


def workflow_runner(converter: DataConverter = DATA_CONVERTER) -> OffTheLoop:
    """The runner every worker of ours uses (and the tests' own workers): the sandbox, built
    off the event loop, for a worker whose client has this converter."""
    return OffTheLoop(SANDBOX, converter)


class _CompiledOnce(SourceFileLoader):
    """Compiles a workflow module's source once per process, not once per workflow run.

    The sandbox imports each workflow definition afresh for every run (that is its
    isolation). Without bytecode files (PYTHONDONTWRITEBYTECODE, read-only images) every
    such import compiled the source again: at a kickoff of 10,000 reviews, two thirds of
    each review's first task. A code object is immutable, so sharing it keeps the
    isolation: each run still executes it into a module of its own. Keyed by the file's
    modification time, so an edited module is compiled again."""

    _codes: dict[tuple[str, int], CodeType] = {}

    def get_code(self, fullname: str) -> CodeType:
        key = (self.path, os.stat(self.path).st_mtime_ns)
        code = self._codes.get(key)
        if code is None:
            code = super().get_code(fullname)
            if code is None:
                raise ImportError(f"no code for {fullname}", name=fullname)
            self._codes[key] = code
        return code


def compile_workflows_once() -> None:
    """Route imports from the workflows package's directory through `_CompiledOnce`, in the
    sandbox and out (the sandbox finds modules through the host's path importer cache)."""
    for folder in workflows.__path__:
        path = str(Path(folder))
        sys.path_importer_cache[path] = FileFinder(path, (_CompiledOnce, SOURCE_SUFFIXES))


def smtp_sender(settings: Settings, *, paced: bool = True) -> SmtpSender:
    """`paced`: the sender spaces its own sends (the bulk activities); the review emails'
    sender is not, its worker's limits pace it (see email_worker)."""
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
            max_per_second=settings.smtp_max_per_second if paced else None,
        )
    )


def mail_config(settings: Settings) -> MailConfig:
    return MailConfig(
        sender=settings.mail_from,
        reply_to=settings.mail_reply_to,
        domain=settings.mail_domain,
        base_url=settings.base_url,
    )


def mailer(settings: Settings, sessions: async_sessionmaker, *, paced: bool = True) -> Mailer:
    return Mailer(
        smtp=smtp_sender(settings, paced=paced), sessions=sessions, config=mail_config(settings)
    )


def activities_for(
    client: Client, settings: Settings, sessions: async_sessionmaker, email: EmailActivities
) -> list[Any]:
    shared = mailer(settings, sessions)
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


class Workers:
    """The worker process's two Temporal workers, run and stopped together: the main one
    (workflows and every activity) and the email one (review emails on their own queue,
    under the relay's limits). Used like a Worker: `async with`, run(), shutdown()."""

    def __init__(self, main: Worker, email: Worker) -> None:
        self.main = main
        self.email = email
        self.task_queue = main.task_queue

    async def run(self) -> None:
        runs = [asyncio.create_task(w.run()) for w in (self.main, self.email)]
        try:
            await asyncio.gather(*runs)
        finally:
            for r in runs:
                r.cancel()
            await asyncio.gather(*runs, return_exceptions=True)

    async def shutdown(self) -> None:
        await asyncio.gather(self.main.shutdown(), self.email.shutdown())

    async def __aenter__(self) -> Workers:
        await self.main.__aenter__()
        try:
            await self.email.__aenter__()
        except BaseException:
            await self.main.__aexit__(None, None, None)
            raise
        return self

    async def __aexit__(self, *exc: Any) -> None:
        try:
            await self.email.__aexit__(*exc)
        finally:
            await self.main.__aexit__(*exc)


def email_worker(client: Client, settings: Settings, email: EmailActivities) -> Worker:
    """Serves send_email on the review emails' queue. The relay's limits are the worker's:
    at most smtp_max_per_second sends start per second on the whole queue (the server
    holds the rest in the queue, where waiting costs no attempt), and no more at once
    than the SMTP pool has connections, so a started send never waits for a slot and its
    one-minute attempt is all sending."""
    return Worker(
        client,
        task_queue=email_task_queue(settings.task_queue),
        activities=[email.send_email],
        max_concurrent_activities=settings.smtp_pool_size,
        max_task_queue_activities_per_second=settings.smtp_max_per_second,
    )


def build_worker(
    client: Client, settings: Settings, sessions: async_sessionmaker, **options: Any
) -> Workers:
    """`options` go to the main Worker as they are (tests use them to tune caching); the
    workflow cache is `settings.workflow_cache` unless they name one."""
    options.setdefault("workflow_runner", workflow_runner(client.data_converter))
    options.setdefault("max_cached_workflows", settings.workflow_cache)
    compile_workflows_once()
    collect_less(settings)  # a process that runs a worker: whichever builds it
    # Review emails, unpaced: the email worker's limits pace them. The main worker also
    # serves send_email, for sends scheduled on its queue before the email queue existed.
    email = EmailActivities(mailer(settings, sessions, paced=False))
    main = Worker(
        client,
        task_queue=settings.task_queue,
        workflows=list(WORKFLOWS),
        activities=activities_for(client, settings, sessions, email),
        **options,
    )
    return Workers(main, email_worker(client, settings, email))


# Young collections between middle ones, and middle ones between full ones (Python: 10, 10).
GC_MIDDLE_EVERY = 20
GC_FULL_EVERY = 10


def collect_less(settings: Settings) -> None:
    """Tune this process's garbage collector for a worker: young collections every
    `gc_young` allocations instead of 700. A sandbox build allocates thousands of objects
    (a fresh module, its classes and functions) that live as long as the run is kept;
    with Python's thresholds most of them were promoted through the generations by
    collections that found nothing to free, and the old generation grew by a quarter
    again and again, each time paying a full collection that stops the event loop and
    every workflow task (at a kickoff of 10,000: 10-13 of them, 4-8 s, up to 1.2 s each).
    Garbage without cycles is freed at once whatever this says."""
    gc.set_threshold(settings.gc_young, GC_MIDDLE_EVERY, GC_FULL_EVERY)


async def connect_client(settings: Settings) -> Client:
    return await connect(settings.temporal_address, settings.temporal_namespace)


async def run_worker(settings: Settings) -> None:
    engine = engine_for(settings, "samtale-worker")
    client = await connect_client(settings)
    worker = build_worker(client, settings, session_factory(engine))
    try:
        await worker.run()
    finally:
        await engine.dispose()


def main() -> None:
    settings = Settings()
    eventloop.run(run_worker(settings), settings)


if __name__ == "__main__":
    main()
