"""Every dataclass that crosses the Temporal wire: workflow input, commands, state, email requests.

One module, imported by the workflow, the activities and the API alike, so the
shape of a command is defined once. Fields are added with defaults only, so a
running review (they last a year) can still decode what it was started with.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum


class Phase(StrEnum):
    SCHEDULING = "scheduling"
    INVITED = "invited"
    PREPARING = "preparing"
    AWAITING_SUMMARY = "awaiting_summary"
    AWAITING_SIGNOFF = "awaiting_signoff"
    FOLLOW_UP = "follow_up"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    # The employee declined to sign the summary: the review ends with their comment (kept
    # in the database), and the cycle goes on without it.
    CLOSED_UNSIGNED = "closed_unsigned"


TERMINAL_PHASES = frozenset({Phase.COMPLETED, Phase.CANCELLED, Phase.CLOSED_UNSIGNED})


class LocationKind(StrEnum):
    MEETING_ROOM = "meeting_room"
    VIDEO = "video"
    OFFSITE = "offsite"
    MANAGER_OFFICE = "manager_office"


class EmailKind(StrEnum):
    SCHEDULE_REMINDER = "schedule_reminder"
    SCHEDULING_ESCALATION = "scheduling_escalation"
    INVITATION = "invitation"
    RESCHEDULE = "reschedule"
    CANCELLATION = "cancellation"
    PREP_REMINDER = "prep_reminder"
    DAY_BEFORE = "day_before"
    NO_SHOW = "no_show"
    SUMMARY_REMINDER = "summary_reminder"
    SIGNOFF_REQUEST = "signoff_request"
    SIGNOFF_REMINDER = "signoff_reminder"
    ACTION_DUE_SOON = "action_due_soon"
    ACTION_OVERDUE = "action_overdue"
    KICKOFF = "kickoff"
    MANAGER_DIGEST = "manager_digest"
    HR_DIGEST = "hr_digest"
    EMAIL_UNDELIVERABLE = "email_undeliverable"
    REVIEW_CANCELLED = "review_cancelled"
    MANAGER_CHANGED = "manager_changed"


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    email: str
    language: str = "nb"


@dataclass
class Policy:
    """Every rule's number in one place, with the defaults SPEC.md gives."""

    notice_days: int = 14
    min_duration_minutes: int = 60
    max_duration_minutes: int = 240
    workday_start_hour: int = 8
    workday_end_hour: int = 16
    schedule_reminder_days: list[int] = field(default_factory=lambda: [7, 14])
    scheduling_deadline_days: int = 21
    prep_reminder_days: list[int] = field(default_factory=lambda: [7, 2])
    day_before_reminder: bool = True
    summary_reminder_days: int = 2
    signoff_reminder_days: int = 3
    action_reminder_days: int = 7
    overdue_notice_days: list[int] = field(default_factory=lambda: [1, 8, 22])
    reminder_hour: int = 8
    # The calendar policy: which days and hours are bookable (statutory holidays always are
    # not). Days are named as in workflows/calendar.py (julaften, nyttarsaften, paskeaften,
    # pinseaften, onsdag_for_skjaertorsdag) or given as a fixed "MM-DD".
    blocked_days: list[str] = field(
        default_factory=lambda: ["julaften", "nyttarsaften", "paskeaften", "pinseaften"]
    )
    # Days whose working day ends early: name -> the hour a meeting must end by.
    early_closing: dict[str, int] = field(default_factory=lambda: {"onsdag_for_skjaertorsdag": 12})
    # Shorter summer hours ("sommertid"), from summer_first_day to summer_last_day ("MM-DD").
    summer_hours: bool = False
    summer_first_day: str = "05-15"
    summer_last_day: str = "09-14"
    summer_start_hour: int = 8
    summer_end_hour: int = 15
    # Bookable but worth a warning: a day squeezed between days off (inneklemt dag), and the
    # ISO weeks of the July holidays (fellesferie).
    warn_squeezed_days: bool = True
    holiday_weeks: list[int] = field(default_factory=lambda: [28, 29, 30, 31])


@dataclass
class ReviewInput:
    review_id: str
    cycle_id: str
    employee: Person
    manager: Person
    hr: Person
    policy: Policy = field(default_factory=Policy)
    window_end: date | None = None
    # Set by a cycle kickoff that already wrote the review's first read-model row: the
    # review then skips its own first write (at 10,000 reviews, 10,000 activities).
    registered: bool = False
    # The patches the starter's code takes for granted (PATCHES_OF_2026_12): the review then
    # records no patch marker at all. Empty in reviews started before it, which ask each patch.
    patches: str = ""


# What a starter puts in ReviewInput.patches today (workflows/review_core.CURRENT_PATCHES).
PATCHES_OF_2026_12 = "2026-12"


@dataclass(frozen=True)
class Actor:
    """Who issued a command: set by the API from the bearer token, never from a request body."""

    id: str
    is_hr: bool = False


@dataclass
class ScheduleMeeting:
    actor: Actor
    start: datetime
    duration_minutes: int
    location_kind: LocationKind
    location_text: str


@dataclass
class Accept:
    actor: Actor


@dataclass(frozen=True)
class HmsFlag:
    """An HMS item the author of a preparation flagged `needs_follow_up`: the item's key and
    its category (e.g. "workload"), never what they wrote about it."""

    item_key: str
    category: str


@dataclass
class SubmitPreparation:
    """A preparation is submitted: its text stays in the database; the workflow gets the
    digest of what was frozen and the HMS items flagged for follow-up."""

    actor: Actor
    digest: str = ""
    flagged: list[HmsFlag] = field(default_factory=list)


@dataclass
class RecordOutcome:
    actor: Actor
    held: bool


class ActionKind(StrEnum):
    DEVELOPMENT = "development"
    GOAL = "goal"
    WORK_ENVIRONMENT = "work_environment"
    # Adjustment of work (aml. § 4-6): agreed without any diagnosis or health detail.
    TILRETTELEGGING = "tilrettelegging"
    OTHER = "other"


@dataclass
class NewAction:
    """An agreed action as the workflow sees it: owner, due date and kind. Its title lives in
    the database (`title` stays for the histories of reviews started before that)."""

    owner_id: str
    due: date
    title: str = ""
    kind: ActionKind = ActionKind.OTHER
    # A correction may change an open action of an earlier version: its number; None: new.
    number: int | None = None


@dataclass(frozen=True)
class HmsResolution:
    """How the summary answers a flagged HMS item: `action` is the 1-based position of the
    agreed action in this summary's list, or None for "no action" (the reason why is kept
    in the database)."""

    item_key: str
    action: int | None = None


@dataclass
class SubmitSummary:
    """A summary version: its text and action titles are in the database; the workflow gets
    the version number, a digest of its content and the facts (actions, HMS answers)."""

    actor: Actor
    summary: str = ""
    actions: list[NewAction] = field(default_factory=list)
    version: int = 0  # 0: a summary from before versions (its text is `summary`)
    digest: str = ""
    hms: list[HmsResolution] = field(default_factory=list)
    # A version has text in at least one section (the text itself is in the database).
    written: bool = True


class Decision(StrEnum):
    APPROVE = "approve"
    DISAGREE = "disagree"  # signed, with disagreement in the comment
    DECLINE = "decline"  # not signed: the review closes as closed_unsigned


@dataclass
class SignOff:
    actor: Actor
    decision: Decision = Decision.APPROVE
    has_comment: bool = False  # the comment itself is in the database
    # The summary version the employee read, and its digest: signing another is refused.
    # None: a sign-off from before versions were signed (saved histories).
    version: int | None = None
    digest: str = ""


@dataclass
class CompleteAction:
    actor: Actor
    action_id: int


@dataclass
class Cancel:
    actor: Actor
    reason: str


@dataclass
class ChangeManager:
    actor: Actor
    new_manager: Person


@dataclass
class Meeting:
    start: datetime
    duration_minutes: int
    location_kind: LocationKind
    location_text: str
    sequence: int
    set_at: datetime
    held: bool = False


@dataclass
class Action:
    id: int
    title: str  # "" since summaries are versioned: the title is in the database
    owner_id: str
    due: date
    created_at: datetime
    done_at: datetime | None = None
    kind: ActionKind = ActionKind.OTHER


@dataclass
class TimelineEvent:
    seq: int
    at: datetime
    kind: str
    actor_id: str | None = None
    detail: str = ""


@dataclass
class ReviewState:
    review_id: str
    cycle_id: str
    employee: Person
    manager: Person
    hr: Person
    policy: Policy
    phase: Phase
    started_at: datetime
    phase_since: datetime
    scheduling_round: int = 0
    meeting: Meeting | None = None
    employee_prepared: bool = False
    manager_prepared: bool = False
    summary: str | None = None
    summary_at: datetime | None = None
    signed_off_at: datetime | None = None
    actions: list[Action] = field(default_factory=list)
    ended_at: datetime | None = None
    cancel_reason: str | None = None
    version: int = 0
    sent_email_keys: list[str] = field(default_factory=list)
    failed_email_keys: list[str] = field(default_factory=list)
    # Times the read-model write gave up (the database down for minutes): the review
    # pauses and writes again later; a count that rises means its read model lags.
    sync_failures: int = 0
    # Timed emails dropped unsent: their moment had passed (EmailRequest.useful_until), or
    # their reason went away (a preparation reminder once that person has prepared).
    dropped_email_keys: list[str] = field(default_factory=list)
    # The conversation as facts (its text is in the database, never here).
    employee_prep_digest: str = ""
    manager_prep_digest: str = ""
    flagged: list[HmsFlag] = field(default_factory=list)  # by either side, once per item
    summary_version: int = 0
    summary_digest: str = ""
    hms: list[HmsResolution] = field(default_factory=list)  # of the current version
    signed_version: int = 0  # the version the employee signed (0: none yet)
    decision: Decision | None = None
    has_comment: bool = False
    # When the signed version was signed, kept through a correction: declined, the signed
    # version stands again (SIGNED_VERSION_STANDS).
    signed_at: datetime | None = None
    # A correction of a signed summary awaits its signature: the signed actions' reminders
    # keep running meanwhile (set under SIGNED_VERSION_STANDS, so older histories replay).
    correcting_signed: bool = False


@dataclass
class EmailRequest:
    """One email to send. `key` names the occasion, so a retried send is recognised."""

    key: str
    kind: EmailKind
    review_id: str
    to: list[Person]
    cc: list[Person] = field(default_factory=list)
    context: dict[str, str] = field(default_factory=dict)
    # A timed reminder that can no longer help after this moment (the day-before reminder
    # once the meeting has begun) is dropped then, not sent late; None: always worth sending.
    useful_until: datetime | None = None

    @property
    def language(self) -> str:
        return self.to[0].language


@dataclass
class EmailOutcome:
    key: str
    status: str  # "sent", "already_sent"
    message_id: str


@dataclass
class ReviewSync:
    """The read-model write after a transition: the (small) state and the new timeline events."""

    state: ReviewState
    events: list[TimelineEvent] = field(default_factory=list)


@dataclass
class CommandResult:
    """What an accepted review command answers: the review as it now stands, and the timeline
    events the workflow has not yet written to the read model. The API writes both (the write
    is version-checked, so the workflow's own later sync of the same change is a no-op) before
    it answers, so read-your-write holds without waiting on a second workflow task."""

    state: ReviewState
    events: list[TimelineEvent] = field(default_factory=list)
    # The workflow wrote this version to the read model itself, before it answered (patch
    # write-in-task): the caller only reads. False in answers recorded before the patch.
    written: bool = False


@dataclass
class DigestInput:
    """The ISO week (e.g. 2027-W07) to send for; by default the week the run starts in, so a
    schedule needs no input. Naming a week re-sends only what that week did not send."""

    week: str | None = None


@dataclass
class DigestRun:
    week: str  # ISO week, e.g. 2027-W07: part of each digest's idempotency key
    today: date


@dataclass
class DigestResult:
    sent: int = 0
    already_sent: int = 0
    failed: int = 0


@dataclass
class CycleInput:
    cycle_id: str
    name: str
    window_start: date
    window_end: date
    hr: Person
    policy: Policy = field(default_factory=Policy)
    scope: list[str] | None = None  # org unit ids, sub-units included; None: everybody
    employee_ids: list[str] | None = None  # or exactly these employees


@dataclass
class CancelCycle:
    """HR cancels a running cycle, saying why (every open review is cancelled with it)."""

    reason: str


@dataclass
class OrgChangesInput:
    """Carry one committed re-import (the org_changes row) into every running cycle."""

    change_id: str


@dataclass
class KickoffResult:
    reviews: int = 0
    emails_sent: int = 0


@dataclass
class OrgChangesResult:
    """What a re-import changed in running cycles."""

    reviews_started: int = 0  # late joiners'
    reviews_cancelled: int = 0  # leavers'
    reviews_moved: int = 0  # to a new manager


@dataclass
class CycleEnd:
    cycle_id: str
    status: str  # "finished" or "cancelled"
    hr: Person
    reason: str = ""
    reviews: int = 0


@dataclass
class HrDigestRun:
    cycle_id: str
    cycle_name: str
    hr: Person
    week: str  # ISO week: the digest's idempotency key
