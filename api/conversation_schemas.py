"""Bodies of the conversation's endpoints: preparation, summary, comment and sign-off.

Bounded like every other body (api/schemas.py). Item and section keys are checked
against the review's template by api/conversation.py, not here: a body fits the schema
first, then the template.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from api.schemas import Day, Id, OsloDatetime, Strict
from workflows.contracts import ActionKind, Decision

Key = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]{0,63}$")]
ANSWER_MAX = 5_000
SECTION_MAX = 10_000


class AnswerIn(Strict):
    value: Annotated[str, Field(max_length=ANSWER_MAX)] | int = Field(
        description="the answer: text (text and HMS items), 1-10 (scale), an option's key (choice)"
    )
    shared: bool = Field(default=False, description="show it to the other side once both submit")
    needs_follow_up: bool = Field(
        default=False, description="HMS items only: this needs following up in the summary"
    )
    follow_up: list[Annotated[str, Field(max_length=ANSWER_MAX)]] = Field(
        default_factory=list, max_length=5, description="scale items: answers to its questions"
    )


class PreparationIn(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "answers": {
                        "workload": {
                            "value": "Too many evening deadlines this spring.",
                            "shared": True,
                            "needs_follow_up": True,
                        }
                    },
                    "feedback_in_summary": False,
                }
            ]
        },
    )

    answers: dict[Key, AnswerIn] = Field(default_factory=dict, max_length=200)
    feedback_in_summary: bool = Field(
        default=False,
        description="employee only: the summary may include the feedback to the manager",
    )


class AnswerOut(BaseModel):
    value: str | int
    shared: bool
    needs_follow_up: bool = False
    follow_up: list[str] = Field(default_factory=list)


class OwnPreparationOut(BaseModel):
    answers: dict[str, AnswerOut]
    feedback_in_summary: bool
    updated_at: OsloDatetime | None
    submitted_at: OsloDatetime | None


class SharedPreparationOut(BaseModel):
    """The other side's answers they chose to share: shown once both have submitted."""

    author_id: str
    submitted_at: OsloDatetime | None
    answers: dict[str, AnswerOut]


class CarriedActionOut(BaseModel):
    """An action agreed in the employee's previous conversation, and where it stands."""

    review_id: str
    number: int
    title: str | None = Field(
        description="the employee and that review's manager only; null for a manager who "
        "took over since"
    )
    owner_id: str
    due: Day
    done_at: OsloDatetime | None
    status: str = Field(description="done, open or overdue")


class PreparationOut(BaseModel):
    review_id: str
    template_key: str
    template_version: int
    mine: OwnPreparationOut
    other_submitted: bool
    other: SharedPreparationOut | None = Field(
        description="null until both sides have submitted; then only what they shared"
    )
    carry_over: list[CarriedActionOut]


class SummaryActionIn(Strict):
    title: str = Field(min_length=1, max_length=500)
    owner_id: Id
    due: Day
    kind: ActionKind = ActionKind.OTHER
    number: int | None = Field(
        default=None, ge=1, le=100, description="a correction: the agreed action this changes"
    )


class HmsAnswerIn(Strict):
    item_key: Key
    action: int | None = Field(
        default=None, ge=1, le=100, description="the agreed action (1-based, in `actions`)"
    )
    reason: str | None = Field(default=None, max_length=500, description="no action, because …")


class SummaryIn(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "sections": {"summary": "We agreed on one course and a lighter spring."},
                    "actions": [
                        {
                            "title": "Take the course",
                            "owner_id": "e-1",
                            "due": "2027-06-30",
                            "kind": "development",
                        }
                    ],
                    "hms": [{"item_key": "workload", "action": 1}],
                }
            ]
        },
    )

    sections: dict[Key, Annotated[str, Field(max_length=SECTION_MAX)]] = Field(
        default_factory=dict, max_length=50
    )
    actions: list[SummaryActionIn] = Field(default_factory=list, max_length=50)
    hms: list[HmsAnswerIn] = Field(default_factory=list, max_length=100)


class SummaryActionOut(BaseModel):
    number: int
    title: str
    owner_id: str
    due: Day
    kind: str
    done_at: OsloDatetime | None = None


class HmsAnswerOut(BaseModel):
    item_key: str
    category: str
    action: int | None
    reason: str | None


class SummaryVersionOut(BaseModel):
    version: int
    sections: dict[str, str]
    actions: list[SummaryActionOut]
    hms: list[HmsAnswerOut]
    created_by: str
    created_at: OsloDatetime
    decision: str | None
    decided_at: OsloDatetime | None
    comment: str | None = Field(description="the employee's, which the manager cannot edit")
    commented_at: OsloDatetime | None


class SummaryOut(BaseModel):
    review_id: str
    current_version: int
    signed_version: int | None = Field(description="the last version the employee signed")
    versions: list[SummaryVersionOut]


# A comment says something: blank is no comment (stripped, then at least one character).
Comment = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=SECTION_MAX)
]


class CommentIn(Strict):
    comment: Comment


class SignOffIn(Strict):
    version: int = Field(
        ge=0,
        description="the summary version you read and sign (GET /reviews/{id}/summary, "
        "current_version): if the manager wrote another since, you are told to reload (409)",
    )
    decision: Decision = Field(
        default=Decision.APPROVE,
        description="approve; disagree (signed, with a comment); decline (not signed, with a "
        "comment: the review closes as closed_unsigned)",
    )
    comment: Comment | None = Field(default=None, description="saved as your comment")
