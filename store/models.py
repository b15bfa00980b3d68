"""The read model's tables. Workflows are the truth; these rows are what lists and reports read."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from store.types import UTCDateTime


class Base(DeclarativeBase):
    pass


class OrgUnit(Base):
    __tablename__ = "org_units"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    parent_id: Mapped[str | None] = mapped_column(
        ForeignKey("org_units.id"), index=True, default=None
    )


class Employee(Base):
    __tablename__ = "employees"
    # A kickoff pages through employees grouped by manager.
    __table_args__ = (Index("ix_employees_manager_id_id", "manager_id", "id"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(2), default="nb")
    manager_id: Mapped[str | None] = mapped_column(
        ForeignKey("employees.id"), index=True, default=None
    )
    is_hr: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    org_unit_id: Mapped[str | None] = mapped_column(
        ForeignKey("org_units.id"), index=True, default=None
    )
    start_date: Mapped[date | None] = mapped_column(Date, default=None)
    end_date: Mapped[date | None] = mapped_column(Date, default=None)
    # Optional import column: only the senior section (from the year they turn 62) reads it.
    birth_year: Mapped[int | None] = mapped_column(Integer, default=None)


class Cycle(Base):
    __tablename__ = "cycles"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    year: Mapped[int] = mapped_column(Integer)
    window_start: Mapped[date] = mapped_column(Date)
    window_end: Mapped[date] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(ForeignKey("employees.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    scope: Mapped[str | None] = mapped_column(Text, default=None)  # JSON list of unit ids
    status: Mapped[str] = mapped_column(String(16), default="running", server_default="running")
    final_figures: Mapped[str | None] = mapped_column(Text, default=None)  # JSON
    policy: Mapped[str | None] = mapped_column(Text, default=None)  # JSON of Policy
    employee_ids: Mapped[str | None] = mapped_column(Text, default=None)  # JSON list, if given
    # The template the cycle was started with, pinned at its latest version then; NULL for
    # cycles started before templates: the default's (store/templates.py).
    template_key: Mapped[str | None] = mapped_column(String(64), default=None)
    template_version: Mapped[int | None] = mapped_column(Integer, default=None)


class Review(Base):
    __tablename__ = "reviews"
    __table_args__ = (
        Index("ix_reviews_cycle_phase", "cycle_id", "phase"),
        Index("ix_reviews_manager_phase", "manager_id", "phase"),
        Index("ix_reviews_cycle_unit_phase", "cycle_id", "org_unit_id", "phase"),
    )

    id: Mapped[str] = mapped_column(String(160), primary_key=True)
    cycle_id: Mapped[str] = mapped_column(ForeignKey("cycles.id"))
    employee_id: Mapped[str] = mapped_column(ForeignKey("employees.id"), index=True)
    manager_id: Mapped[str] = mapped_column(ForeignKey("employees.id"))
    org_unit_id: Mapped[str | None] = mapped_column(String(64), default=None)
    phase: Mapped[str] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(Integer, default=0)
    # The workflow's state version, checked on every update (UPDATE ... WHERE version =
    # the version read): two writers that read the same row cannot both count its change
    # in the tallies; the second fails (StaleDataError) and its retry reads afresh.
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    phase_since: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    meeting_start: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    meeting_duration_minutes: Mapped[int | None] = mapped_column(Integer, default=None)
    location_kind: Mapped[str | None] = mapped_column(String(32), default=None)
    location_text: Mapped[str | None] = mapped_column(String(500), default=None)
    meeting_sequence: Mapped[int | None] = mapped_column(Integer, default=None)
    meeting_held: Mapped[bool] = mapped_column(Boolean, default=False)
    employee_prepared: Mapped[bool] = mapped_column(Boolean, default=False)
    manager_prepared: Mapped[bool] = mapped_column(Boolean, default=False)
    summary: Mapped[str | None] = mapped_column(Text, default=None)
    signed_off_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    cancel_reason: Mapped[str | None] = mapped_column(String(500), default=None)
    # The conversation as facts, for everyone who may see the review (HR included): the
    # summary's version, the employee's decision and the flagged HMS categories; never text.
    summary_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    decision: Mapped[str | None] = mapped_column(String(16), default=None)
    hms_categories: Mapped[str] = mapped_column(String(1000), default="", server_default="")
    # The template version the review started with (its cycle's); NULL on reviews started
    # before templates, which resolve to the default's latest version.
    template_key: Mapped[str | None] = mapped_column(String(64), default=None)
    template_version: Mapped[int | None] = mapped_column(Integer, default=None)


class TemplateRow(Base):
    """One version of a conversation template: its document as parse_template accepted it
    (JSON). Versions are never changed once stored: reviews keep the one they started with."""

    __tablename__ = "templates"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    document: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str | None] = mapped_column(ForeignKey("employees.id"), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PhaseTally(Base):
    """Reviews of a cycle in a phase, in a unit and everything below it (store/tallies.py)."""

    __tablename__ = "phase_tallies"

    cycle_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    unit_id: Mapped[str] = mapped_column(String(64), primary_key=True)  # "": the whole cycle
    phase: Mapped[str] = mapped_column(String(32), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)


class SlipTally(Base):
    """What may slip, by the day it counts from (store/tallies.py)."""

    __tablename__ = "slip_tallies"

    cycle_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    unit_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    what: Mapped[str] = mapped_column(String(32), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)


class ActionItem(Base):
    __tablename__ = "actions"
    __table_args__ = (
        UniqueConstraint("review_id", "number"),
        Index("ix_actions_manager_open", "manager_id", "done_at", "due"),
        Index("ix_actions_owner_open", "owner_id", "done_at", "due"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    review_id: Mapped[str] = mapped_column(ForeignKey("reviews.id"))
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(500))
    owner_id: Mapped[str] = mapped_column(ForeignKey("employees.id"))
    manager_id: Mapped[str] = mapped_column(ForeignKey("employees.id"))
    due: Mapped[date] = mapped_column(Date)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    kind: Mapped[str] = mapped_column(String(32), default="other", server_default="other")


class ReviewEvent(Base):
    __tablename__ = "review_events"
    __table_args__ = (UniqueConstraint("review_id", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    review_id: Mapped[str] = mapped_column(ForeignKey("reviews.id"))
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(64))
    actor_id: Mapped[str | None] = mapped_column(String(64), default=None)
    detail: Mapped[str] = mapped_column(String(1000), default="")


class SentEmail(Base):
    """One row per idempotency key: the outcome of every send, the guard against sending twice."""

    __tablename__ = "emails"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    review_id: Mapped[str] = mapped_column(String(160), index=True)
    kind: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(2))
    to_addrs: Mapped[str] = mapped_column(String(1000))
    cc_addrs: Mapped[str] = mapped_column(String(1000), default="")
    subject: Mapped[str] = mapped_column(String(500))
    message_id: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(1000), default=None)
    first_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class OrgChange(Base):
    """A re-import's changes, kept until every running cycle has them (the outbox of
    OrgChangesWorkflow): a crash between the import and its workflow loses nothing."""

    __tablename__ = "org_changes"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(ForeignKey("employees.id"))
    report: Mapped[str] = mapped_column(Text)  # JSON: added, left, manager_changed
    result: Mapped[str | None] = mapped_column(Text, default=None)  # JSON of OrgChangesResult
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None, index=True)


class OrgImport(Base):
    """Every applied import: who, when, which file (its SHA-256) and what it changed. Its id
    is also its org_changes row's, when it carried changes into running cycles."""

    __tablename__ = "imports"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    by: Mapped[str] = mapped_column(ForeignKey("employees.id"))
    file_digest: Mapped[str] = mapped_column(String(64))
    rows: Mapped[int] = mapped_column(Integer)
    added: Mapped[int] = mapped_column(Integer)
    updated: Mapped[int] = mapped_column(Integer)
    left: Mapped[int] = mapped_column(Integer)
    unchanged: Mapped[int] = mapped_column(Integer)
    confirmed: Mapped[bool] = mapped_column(Boolean)  # it needed, and got, a confirmation


class Lock(Base):
    """A named row that a transaction writes first to run alone: two imports at once would
    otherwise both insert the same joiners (store/org_sync.py)."""

    __tablename__ = "locks"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime)


# ---- the conversation's text: only here, never in a workflow (store/conversation.py) ----


class Preparation(Base):
    """One side's preparation of a review: answers by item key (JSON: value, shared and, for
    HMS items, needs_follow_up), a draft until submitted, then frozen with its digest."""

    __tablename__ = "preparations"

    review_id: Mapped[str] = mapped_column(ForeignKey("reviews.id"), primary_key=True)
    author_id: Mapped[str] = mapped_column(ForeignKey("employees.id"), primary_key=True)
    answers: Mapped[str] = mapped_column(Text)  # JSON
    feedback_in_summary: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    digest: Mapped[str | None] = mapped_column(String(64), default=None)
    salt: Mapped[str | None] = mapped_column(String(32), default=None)


class SummaryVersion(Base):
    """One version of a review's summary: text per template section, the agreed actions with
    their titles, the answers to flagged HMS items. A signed version is never changed; a
    correction is the next version."""

    __tablename__ = "summary_versions"

    review_id: Mapped[str] = mapped_column(ForeignKey("reviews.id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    sections: Mapped[str] = mapped_column(Text)  # JSON: section key -> text
    actions: Mapped[str] = mapped_column(Text)  # JSON list: number, title, owner_id, due, kind
    hms: Mapped[str] = mapped_column(Text)  # JSON list: item_key, category, action, reason
    digest: Mapped[str] = mapped_column(String(64))
    salt: Mapped[str] = mapped_column(String(32))  # keeps the digest from being guessed
    created_by: Mapped[str] = mapped_column(ForeignKey("employees.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    decision: Mapped[str | None] = mapped_column(String(16), default=None)
    comment: Mapped[str | None] = mapped_column(Text, default=None)  # the employee's own
    commented_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
