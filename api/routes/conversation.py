"""The conversation: prepare blind, then see what the other shared; the summary in versions;
the employee's comment and decision. Text is kept in the database (store/conversation.py);
a command tells the review's workflow facts only (api/conversation.py says which)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter
from sqlalchemy.ext.asyncio import AsyncSession

from api import conversation as conv
from api.commands import CtxDep, run_command
from api.conversation_schemas import (
    AnswerOut,
    CarriedActionOut,
    CommentIn,
    OwnPreparationOut,
    PreparationIn,
    PreparationOut,
    SharedPreparationOut,
    SignOffIn,
    SummaryIn,
    SummaryOut,
)
from api.deps import CurrentUser, NowDep, SessionDep
from api.errors import ApiError, Conflict, Forbidden, Gone, Unavailable, responses
from api.reviews_view import oslo_today, summary_out
from api.schemas import ReviewId, ReviewOut
from store import conversation as texts
from store.models import Employee
from store.queries import ReviewDetail
from store.templates import template_for_review
from workflows.contracts import (
    Actor,
    CommandResult,
    SignOff,
    SubmitPreparation,
    SubmitSummary,
)
from workflows.review import ReviewWorkflow
from workflows.review_checks import ALREADY_SUBMITTED, SUMMARY_CHANGED

router = APIRouter(prefix="/reviews", tags=["reviews"])
DRAFT_PHASES = ("scheduling", "invited", "preparing")


def _actor(me: Employee) -> Actor:
    return Actor(id=me.id, is_hr=me.is_hr)


# ---- preparation --------------------------------------------------------------------------


@router.get("/{review_id}/preparation", response_model=PreparationOut)
async def get_preparation(
    review_id: ReviewId, session: SessionDep, me: CurrentUser, now: NowDep
) -> PreparationOut:
    """Your preparation; the other side's shared answers once both have submitted; last
    cycle's agreed actions and where they stand."""
    d = await conv.reader(session, review_id, me, "preparation")
    return await _preparation_out(session, d, me, now)


@router.put("/{review_id}/preparation", response_model=PreparationOut)
async def save_preparation(
    review_id: ReviewId, body: PreparationIn, session: SessionDep, me: CurrentUser, now: NowDep
) -> PreparationOut:
    """Save your draft answers (employee or manager), checked against the review's template.
    Nothing reaches the workflow until you submit."""
    d = await conv.reader(session, review_id, me, "preparation")
    if d.review.phase not in DRAFT_PHASES:
        raise Conflict(
            f"the review is {d.review.phase}: preparations are written before the meeting",
            rule="phase",
        )
    mine = (await texts.preparations(session, review_id)).get(me.id)
    if texts.submitted(mine):
        raise Conflict("your preparation is submitted and no longer changes", rule="phase")
    if texts.pending(mine):
        raise Conflict(
            "your preparation is being submitted and no longer changes: submit again to "
            "learn whether it went through",
            rule="submitted",
        )
    t = await template_for_review(session, review_id)
    answers = conv.checked_answers(t, body)
    feedback = body.feedback_in_summary and me.id == d.review.employee_id
    await texts.save_draft(
        session,
        review_id=review_id,
        author_id=me.id,
        answers=answers,
        feedback_in_summary=feedback,
        now=now,
    )
    return await _preparation_out(session, d, me, now)


@router.post("/{review_id}/preparation/submit", response_model=ReviewOut)
async def submit_preparation(review_id: ReviewId, ctx: CtxDep) -> ReviewOut:
    """Submit your preparation as saved (employee or manager): it is frozen, your
    preparation reminders stop, and the workflow learns its digest and HMS flags."""
    return await _submit(review_id, ctx)


@router.post("/{review_id}/preparation", response_model=ReviewOut, deprecated=True)
async def submit_preparation_as_before(review_id: ReviewId, ctx: CtxDep) -> ReviewOut:
    """As POST /reviews/{id}/preparation/submit (the path before drafts existed)."""
    return await _submit(review_id, ctx)


async def _submit(review_id: str, ctx: CtxDep) -> ReviewOut:
    """The preparation is made pending first (digested and frozen in the database), then
    the workflow is told its digest; a retry re-reads that pending row and sends the same.
    Refused, it is a draft again, unless the refusal says the workflow already has it."""
    await conv.reader(ctx.session, review_id, ctx.me, "preparation")
    t = await template_for_review(ctx.session, review_id)
    p = await texts.pending_submission(
        ctx.session, review_id=review_id, author_id=ctx.me.id, now=ctx.now
    )
    digest = p.digest or ""
    flagged = conv.flags_of(t, texts.answers_of(p))
    cmd = SubmitPreparation(_actor(ctx.me), digest=digest, flagged=flagged)

    async def mark(session: AsyncSession) -> None:
        await texts.mark_submitted(
            session, review_id=review_id, author_id=ctx.me.id, digest=digest, now=ctx.now
        )

    async def freeze(session: AsyncSession, _: CommandResult) -> None:
        await mark(session)

    try:
        return await run_command(ctx, review_id, ReviewWorkflow.submit_preparation, cmd, freeze)
    except Unavailable:
        raise  # it may have taken effect: the row stays pending for the retry
    except ApiError as e:
        async with ctx.sessions.begin() as session:
            if e.rule == ALREADY_SUBMITTED:
                # Accepted before, its database write lost: what it accepted is this row.
                await mark(session)
            else:
                await texts.withdraw_pending(
                    session, review_id=review_id, author_id=ctx.me.id, digest=digest
                )
        raise


async def _preparation_out(
    session: SessionDep, d: ReviewDetail, me: Employee, now: datetime
) -> PreparationOut:
    t = await template_for_review(session, d.review.id)
    preps = await texts.preparations(session, d.review.id)
    mine, theirs = preps.get(me.id), preps.get(conv.other_side(d, me))
    both = texts.submitted(mine) and texts.submitted(theirs)
    other = None
    if both and theirs is not None:
        other = SharedPreparationOut(
            author_id=theirs.author_id,
            submitted_at=theirs.submitted_at,
            answers=_answers(conv.shared_only(texts.answers_of(theirs))),
        )
    today = oslo_today(now)
    carried = await texts.last_cycles_actions(
        session, employee_id=d.review.employee_id, before_review=d.review.id
    )
    # The earlier review's text (titles) only to those who could read that review.
    titled = me.id in (d.review.employee_id, carried.manager_id)
    return PreparationOut(
        review_id=d.review.id,
        template_key=t.key,
        template_version=t.version,
        mine=OwnPreparationOut(
            answers=_answers(texts.answers_of(mine)),
            feedback_in_summary=bool(mine and mine.feedback_in_summary),
            updated_at=mine.updated_at if mine else None,
            submitted_at=mine.submitted_at if mine else None,
        ),
        other_submitted=texts.submitted(theirs),
        other=other,
        carry_over=[
            CarriedActionOut(
                review_id=a.review_id,
                number=a.number,
                title=a.title if titled else None,
                owner_id=a.owner_id,
                due=a.due,
                done_at=a.done_at,
                status="done" if a.done_at else "overdue" if a.due < today else "open",
            )
            for a in carried.actions
        ],
    )


def _answers(answers: dict[str, Any]) -> dict[str, AnswerOut]:
    return {k: AnswerOut.model_validate(a) for k, a in answers.items()}


# ---- summary ------------------------------------------------------------------------------


@router.put("/{review_id}/summary", response_model=ReviewOut)
async def write_summary(review_id: ReviewId, body: SummaryIn, ctx: CtxDep) -> ReviewOut:
    """Write the summary (the manager holding the review): text per template section,
    agreed actions, and an action or a reason for every flagged HMS item. Each call is a
    new version; after sign-off it is a correction the employee signs again."""
    d = await conv.reader(ctx.session, review_id, ctx.me, "summary")
    if ctx.me.id != d.review.manager_id:
        raise Forbidden("only the employee's manager can write the summary", rule="actor")
    t = await template_for_review(ctx.session, review_id)
    preps = await texts.preparations(ctx.session, review_id)
    employee_prep = preps.get(d.review.employee_id)
    checked = conv.checked_summary(
        t,
        body,
        flagged=conv.flagged_by_both(t, preps),
        feedback_allowed=texts.submitted(employee_prep)
        and bool(employee_prep and employee_prep.feedback_in_summary),
    )
    # Kept first, pending, then sent: what the workflow accepts is what the row holds.
    version = d.review.summary_version + 1
    numbers = conv.numbers_of(body, len(d.actions) + sum(a.number is None for a in body.actions))
    content = texts.version_content(
        checked.sections,
        [
            texts.SummaryAction(n, a.title.strip(), a.owner_id, a.due, a.kind.value)
            for n, a in zip(numbers, body.actions, strict=True)
        ],
        [
            texts.HmsAnswer(key, category, None if at is None else numbers[at - 1], why)
            for key, category, at, why in checked.answers
        ],
    )
    row = await texts.pending_version(
        ctx.session,
        review_id=review_id,
        version=version,
        content=content,
        created_by=ctx.me.id,
        now=ctx.now,
    )
    cmd = SubmitSummary(
        _actor(ctx.me),
        actions=checked.actions,
        version=version,
        digest=row.digest,
        hms=checked.hms,
        written=bool(checked.sections),
    )

    async def keep(session: AsyncSession, answer: CommandResult) -> None:
        # A retry answered with its first attempt's outcome names that attempt's version.
        await texts.reached(session, review_id, answer.state.summary_version)

    return await run_command(ctx, review_id, ReviewWorkflow.submit_summary, cmd, keep)


@router.post("/{review_id}/summary", status_code=410, deprecated=True, responses=responses(Gone))
async def write_summary_as_before(review_id: ReviewId) -> None:
    """Gone: a summary is written in versions now, with PUT /reviews/{id}/summary."""
    raise Gone(
        "a summary is written with PUT /reviews/{id}/summary now (text per template "
        "section, agreed actions, HMS answers): POST with one text is gone"
    )


@router.get("/{review_id}/summary", response_model=SummaryOut)
async def get_summary(review_id: ReviewId, session: SessionDep, me: CurrentUser) -> SummaryOut:
    """The summary's versions, oldest first, each with the employee's comment and decision
    (the employee and the manager holding the review)."""
    d = await conv.reader(session, review_id, me, "summary")
    return summary_out(d, await texts.versions(session, review_id))


@router.post("/{review_id}/comment", response_model=SummaryOut)
async def comment(
    review_id: ReviewId, body: CommentIn, session: SessionDep, me: CurrentUser, now: NowDep
) -> SummaryOut:
    """Write your comment on the summary awaiting your signature (employee; the manager
    cannot edit it). Until you sign, writing again replaces it."""
    d = await conv.reader(session, review_id, me, "summary")
    if me.id != d.review.employee_id:
        raise Forbidden("only the employee writes their comment on the summary", rule="actor")
    current = await texts.current_version(session, d.review)
    if d.review.phase != "awaiting_signoff" or current is None or current.decided_at:
        raise Conflict("there is no summary awaiting your signature", rule="phase")
    texts.set_comment(current, body.comment, now=now)
    await session.flush()
    return summary_out(d, await texts.versions(session, review_id))


@router.post("/{review_id}/signoff", response_model=ReviewOut)
async def signoff(review_id: ReviewId, body: SignOffIn, ctx: CtxDep) -> ReviewOut:
    """Approve the summary version you read, sign it with disagreement, or decline to sign
    (employee; the last two need a comment, given here or before). Declining closes the
    review as closed_unsigned; the cycle goes on. A version other than the current one is
    refused (409): the summary changed, reload it."""
    d = await conv.reader(ctx.session, review_id, ctx.me, "summary")
    if ctx.me.id != d.review.employee_id:
        raise Forbidden("only the employee signs off the summary", rule="actor")
    row = await texts.current_version(ctx.session, d.review)
    if body.version != (d.review.summary_version or 0) or row is None:
        raise Conflict(SUMMARY_CHANGED, rule="version")
    if row.decided_at is not None and row.decision != body.decision.value:
        raise Conflict(f"you have already decided on this version: {row.decision}", rule="phase")
    has_comment = body.comment is not None or bool(row.comment)
    cmd = SignOff(
        _actor(ctx.me),
        decision=body.decision,
        has_comment=has_comment,
        version=body.version,
        digest=row.digest,
    )
    # Decided first (the row locked), then sent: a comment written meanwhile finds the
    # version decided and is refused, so no comment changes after signing. Refused, the
    # row is as it was; a command that may still take effect leaves it decided.
    before = (row.comment, row.commented_at, row.decision, row.decided_at)
    if row.decided_at is None:
        if body.comment is not None:
            texts.set_comment(row, body.comment, now=ctx.now)
        texts.decide(row, body.decision.value, now=ctx.now)

    try:
        return await run_command(ctx, review_id, ReviewWorkflow.sign_off, cmd)
    except Unavailable:
        raise
    except ApiError:
        if before[3] is None:
            async with ctx.sessions.begin() as session:
                await texts.undecide(session, review_id, body.version, before[:2])
        raise
