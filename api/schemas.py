"""Request and response bodies, and the bounds of every parameter.

Every string has a maximum length and every number and date a range, so no input can
reach the database or the engine out of bounds. Datetimes sent must carry an offset;
datetimes answered carry Europe/Oslo's (as the emails show them).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

from fastapi import Body, Path, Query
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from conversation.model import KEY_PATTERN
from conversation.templates import DEFAULT_TEMPLATE_KEY
from store.directory import CycleSpec
from workflows.calendar import OSLO
from workflows.contracts import EmailKind, LocationKind, Policy

T = TypeVar("T")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)  # what samtale plans within
ID_PATTERN = r"^[A-Za-z0-9._-]+$"


def _aware_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("give the time with its offset, e.g. 2027-02-15T10:00:00+01:00")
    if not FIRST_DAY <= value.date() <= LAST_DAY:
        raise ValueError(f"give a time between {FIRST_DAY} and {LAST_DAY}")
    return value.astimezone(UTC)


def _in_oslo(value: datetime) -> datetime:
    return value.astimezone(OSLO)


def _email(value: str) -> str:
    if not _EMAIL.match(value):
        raise ValueError(f"{value!r} is not an email address")
    return value


AwareDatetime = Annotated[datetime, AfterValidator(_aware_utc)]
OsloDatetime = Annotated[datetime, AfterValidator(_in_oslo)]  # answers: Oslo's offset
Day = Annotated[date, Field(ge=FIRST_DAY, le=LAST_DAY)]
Email = Annotated[str, Field(max_length=254), AfterValidator(_email)]
Id = Annotated[str, Field(min_length=1, max_length=64, pattern=ID_PATTERN)]
Language = Literal["nb", "en"]

# Path and query parameters.
# review:{cycle}:{employee} with '%' and ':' escaped in each part (workflows/ids.py), or
# review-{cycle}-{employee} for reviews started before that scheme.
ReviewId = Annotated[
    str,
    Path(
        min_length=1,
        max_length=160,
        pattern=r"^[A-Za-z0-9._:%-]+$",
        description="the review's id, as GET /reviews lists it",
        examples=["review:2027:e-1"],
    ),
]
EmployeeId = Annotated[str, Path(min_length=1, max_length=64, pattern=ID_PATTERN)]
ActionNumber = Annotated[int, Path(ge=1, le=10_000, description="the action's number, from 1")]
Kind = Annotated[EmailKind, Path()]
Limit = Annotated[int, Query(ge=1, le=200)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]
IdFilter = Annotated[str | None, Query(min_length=1, max_length=64, pattern=ID_PATTERN)]
CycleId = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[a-z0-9][a-z0-9-]*$")]
ImportId = Annotated[str, Path(min_length=1, max_length=64, pattern=ID_PATTERN)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EmployeeIn(Strict):
    id: Id
    name: str = Field(min_length=1, max_length=200)
    email: Email
    language: Language = "nb"
    manager_id: Id | None = None
    is_hr: bool = False


EmployeesIn = Annotated[
    list[EmployeeIn],
    Body(
        min_length=1,
        max_length=1000,
        examples=[
            [
                {
                    "id": "e-9",
                    "name": "Nora Dahl",
                    "email": "nora.dahl@example.no",
                    "language": "nb",
                    "manager_id": "m-1",
                }
            ]
        ],
    ),
]


class EmployeeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    name: str
    email: str
    language: str
    manager_id: str | None
    is_hr: bool
    active: bool


class PolicyIn(Strict):
    """Overrides of the default policy for one cycle; omitted fields keep their defaults."""

    notice_days: int | None = Field(default=None, ge=1, le=60)
    min_duration_minutes: int | None = Field(default=None, ge=15, le=240)
    scheduling_deadline_days: int | None = Field(default=None, ge=1, le=365)
    schedule_reminder_days: list[Annotated[int, Field(ge=1, le=365)]] | None = Field(
        default=None, max_length=20
    )
    prep_reminder_days: list[Annotated[int, Field(ge=1, le=60)]] | None = Field(
        default=None, max_length=20
    )
    summary_reminder_days: int | None = Field(default=None, ge=1, le=60)
    signoff_reminder_days: int | None = Field(default=None, ge=1, le=60)
    action_reminder_days: int | None = Field(default=None, ge=1, le=60)
    overdue_notice_days: list[Annotated[int, Field(ge=1, le=365)]] | None = Field(
        default=None, max_length=20
    )

    def apply(self) -> Policy:
        return Policy(**self.model_dump(exclude_none=True))


class CycleIn(Strict):
    """A cycle; the example starts one review only, for the demo organisation's e-1."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "id": "try-2027",
                    "name": "Medarbeidersamtaler 2027 (try-out)",
                    "year": 2027,
                    "window_start": "2027-01-04",
                    "window_end": "2027-12-17",
                    "employee_ids": ["e-1"],
                }
            ]
        },
    )
    id: Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[a-z0-9][a-z0-9-]*$")]
    name: str = Field(min_length=1, max_length=200)
    year: int = Field(ge=2000, le=2100)
    window_start: Day
    window_end: Day
    scope: list[Id] | None = Field(
        default=None,
        description="Org units whose employees (sub-units included) get a review; "
        "default: every active employee who has a manager",
        max_length=5000,
    )
    employee_ids: list[Id] | None = Field(
        default=None, description="Or exactly these employees", max_length=5000
    )
    policy: PolicyIn = Field(default_factory=PolicyIn)
    template: str = Field(
        default=DEFAULT_TEMPLATE_KEY,
        max_length=64,
        pattern=KEY_PATTERN,
        description="the conversation template (GET /templates); its latest version now "
        "is the one every review of the cycle keeps",
    )

    def spec(self) -> CycleSpec:
        """The cycle to start, the one translation of a request (API or page) into it."""
        return CycleSpec(
            id=self.id,
            name=self.name,
            year=self.year,
            window_start=self.window_start,
            window_end=self.window_end,
            scope=self.scope,
            employee_ids=self.employee_ids,
            policy=self.policy.apply(),
            template=self.template,
        )


class CycleOut(BaseModel):
    id: str
    name: str
    year: int
    window_start: date
    window_end: date
    status: str
    scope: list[str] | None
    template: str
    template_version: int | None = Field(description="None: started before templates")


class CountsOut(BaseModel):
    total: int
    phases: dict[str, int]
    slipping: dict[str, int]


class UnitProgress(CountsOut):
    unit: str
    parent: str | None


class CycleProgress(CycleOut):
    """Counts come from the read model; `units` hold each unit with its sub-units rolled up."""

    overall: CountsOut
    units: list[UnitProgress]
    final_figures: dict[str, object] | None


class CancelCycleIn(Strict):
    reason: str = Field(max_length=500, examples=["started by mistake"])


class ScheduleIn(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "start": "2027-03-02T10:00:00+01:00",
                    "duration_minutes": 60,
                    "location_kind": "meeting_room",
                    "location_text": "Fjordrommet",
                }
            ]
        },
    )

    start: AwareDatetime
    duration_minutes: int = Field(ge=1, le=24 * 60)
    location_kind: LocationKind
    location_text: str = Field(max_length=500)


class OutcomeIn(Strict):
    held: bool = Field(description="true: the meeting took place; false: a no-show, reschedule")


class CancelIn(Strict):
    reason: str = Field(max_length=500, examples=["the employee has left"])


class MeetingOut(BaseModel):
    start: OsloDatetime
    duration_minutes: int
    location_kind: str
    location_text: str
    sequence: int
    held: bool
    warnings: list[str] = Field(
        default_factory=list,
        description="what the calendar policy warns of at this time, without refusing it "
        "(a day squeezed between days off, the July holiday weeks)",
    )


class ActionOut(BaseModel):
    review_id: str
    number: int
    title: str | None = Field(description="Shown only to the employee and the manager")
    kind: str = "other"
    owner_id: str
    manager_id: str
    due: date
    done_at: OsloDatetime | None
    overdue: bool


class EventOut(BaseModel):
    at: OsloDatetime
    kind: str
    actor_id: str | None
    detail: str


class EmailOut(BaseModel):
    kind: str
    to: str
    cc: str
    subject: str
    status: str
    attempts: int
    last_error: str | None
    sent_at: OsloDatetime | None


class ReviewItem(BaseModel):
    id: str
    cycle_id: str
    employee_id: str
    employee_name: str
    manager_id: str
    org_unit: str | None
    phase: str
    phase_since: OsloDatetime
    meeting_start: OsloDatetime | None

    @classmethod
    def from_row(cls, r: Any, employee_name: str) -> ReviewItem:
        return cls(
            id=r.id,
            cycle_id=r.cycle_id,
            employee_id=r.employee_id,
            employee_name=employee_name,
            manager_id=r.manager_id,
            org_unit=r.org_unit_id,
            phase=r.phase,
            phase_since=r.phase_since,
            meeting_start=r.meeting_start,
        )


class ActionCounts(BaseModel):
    total: int = 0
    done: int = 0
    overdue: int = 0
    by_kind: dict[str, int] = Field(default_factory=dict)


class ReviewOut(BaseModel):
    id: str
    cycle_id: str
    phase: str
    phase_since: OsloDatetime
    started_at: OsloDatetime
    employee: EmployeeOut
    manager: EmployeeOut
    meeting: MeetingOut | None
    employee_prepared: bool
    manager_prepared: bool
    summary: str | None = Field(
        description="A summary from before versions (GET /reviews/{id}/summary has today's); "
        "shown only to the employee and the manager"
    )
    summary_version: int = 0
    decision: str | None = Field(
        default=None, description="the employee's: approve, disagree or decline"
    )
    action_counts: ActionCounts = Field(default_factory=lambda: ActionCounts())
    hms_categories: list[str] = Field(
        default_factory=list, description="work-environment categories flagged for follow-up"
    )
    signed_off_at: OsloDatetime | None
    ended_at: OsloDatetime | None
    cancel_reason: str | None
    actions: list[ActionOut]
    timeline: list[EventOut]
    emails: list[EmailOut]


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


class Preview(BaseModel):
    """An email as its recipient would get it, filled with sample data."""

    kind: EmailKind
    language: str
    subject: str
    text: str
    html: str


# Organisation imports (api/routes/imports.py, api/org_import.py)


class PersonRef(BaseModel):
    id: str
    name: str


class EmployeeChange(PersonRef):
    fields: list[str] = Field(description="what changes: name, email, manager_id, …")


class ReviewToCancel(BaseModel):
    review_id: str
    cycle_id: str
    employee: PersonRef
    manager: PersonRef


class ReviewToMove(ReviewToCancel):
    new_manager: PersonRef


class ImportPreview(BaseModel):
    """Exactly what the file would change; nothing is written."""

    file_digest: str = Field(description="SHA-256 of the file as sent")
    rows: int
    active_before: int
    joiners: list[PersonRef]
    changes: list[EmployeeChange]
    leavers: list[PersonRef]
    unchanged: int
    reviews_to_cancel: list[ReviewToCancel]
    reviews_to_move: list[ReviewToMove]
    needs_confirmation: list[str] = Field(
        description="why the import needs confirming; empty: it applies at once"
    )
    confirmation: str = Field(
        description="send as ?confirm= to apply exactly these changes "
        "(a digest of the file and of this preview)"
    )


class CycleChanges(BaseModel):
    """What the import changed in running cycles; counts once applied."""

    id: str
    status: Literal["applied", "in_progress"]
    reviews_started: int | None = Field(description="late joiners' reviews in running cycles")
    reviews_cancelled: int | None = Field(description="leavers' open reviews cancelled")
    reviews_moved: int | None = Field(description="reviews moved to a new manager")


class ImportReport(BaseModel):
    id: str = Field(description="the import's id in GET /imports")
    file_digest: str
    added: list[str]
    updated: list[str]
    left: list[str]
    manager_changed: list[tuple[str, str | None, str | None]]
    unit_changed: dict[str, str | None] = Field(description="employee -> their new org unit")
    unchanged: int
    running_cycles: CycleChanges | None = Field(
        description="the changes carried into running cycles (none when nothing to carry): "
        "applied within the request when quick, else in the background; "
        "GET /imports/{running_cycles.id} tells the outcome"
    )


class ImportOut(BaseModel):
    """One applied import, as the log keeps it."""

    id: str
    at: OsloDatetime
    by: str
    file_digest: str
    rows: int
    added: int
    updated: int
    left: int
    unchanged: int
    confirmed: bool = Field(description="it needed HR's confirmation, and had it")
    running_cycles: CycleChanges | None
