"""The pages about one's own conversations: the list, one conversation, accepting the
invitation (and its calendar file), marking an action done.

Reads go through store/queries.py and api/reviews_view.py (the API's visibility: a review
you are not in is a 404, the summary only for its two people); commands go through
api/commands.py with the form's own Idempotency-Key, so a double click applies once.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData

from activities.mail.ical import MeetingInvite, build_ics, uid_for
from api.commands import IDEMPOTENCY_KEY, Ctx, Update, run_command
from api.deps import NowDep, SessionDep, SettingsDep
from api.errors import NotFound, Unprocessable
from api.reviews_view import can_see, oslo_today, review_out
from api.schemas import ReviewOut
from store.directory import reports_of
from store.models import Employee, Review
from store.queries import ReviewFilter, list_reviews, review_detail
from web.pages import Form, PageRoute, PageUser, flash, render, review_path, see_other
from workflows.contracts import Accept, Actor, CompleteAction, Person
from workflows.review import ReviewWorkflow

router = APIRouter(route_class=PageRoute, include_in_schema=False)
MAX_LISTED = 200


def new_key() -> str:
    """A form's Idempotency-Key, made when the form is shown: resubmitting it is a retry."""
    return secrets.token_urlsafe(18)


def idempotency_key(form: FormData) -> str:
    key = form.get("idempotency_key")
    if not isinstance(key, str) or not re.fullmatch(IDEMPOTENCY_KEY, key):
        raise Unprocessable("the form is missing its submission key: reload the page", rule="input")
    return key


def actor(me: Employee) -> Actor:
    return Actor(id=me.id, is_hr=me.is_hr)


async def is_manager(session: AsyncSession, me: Employee) -> bool:
    return bool(await reports_of(session, me.id))


async def layout(session: AsyncSession, me: Employee) -> dict[str, object]:
    """What the header needs: who is signed in, and which parts of the menu are theirs."""
    return {"is_manager": await is_manager(session, me)}


async def visible_review(
    session: AsyncSession, me: Employee, review_id: str, now: datetime
) -> ReviewOut:
    detail = await review_detail(session, review_id)
    if detail is None or not can_see(me, detail.review.manager_id, detail.review.employee_id):
        raise NotFound(f"review {review_id} not found")
    return review_out(detail, me, now)


def command_ctx(
    request: Request, session: AsyncSession, me: Employee, now: datetime, key: str
) -> Ctx:
    """The JSON API's command context, for a signed-in person and a form's key."""
    state = request.app.state
    return Ctx(
        temporal=state.temporal,
        session=session,
        sessions=state.sessions,
        settings=state.settings,
        me=me,
        now=now,
        idempotency_key=key,
    )


async def command(
    request: Request,
    session: AsyncSession,
    me: Employee,
    now: datetime,
    form: FormData,
    review_id: str,
    update: Update,
    cmd: object,
) -> ReviewOut:
    ctx = command_ctx(request, session, me, now, idempotency_key(form))
    return await run_command(ctx, review_id, update, cmd)


@router.get("/")
async def home(request: Request, session: SessionDep, me: PageUser, now: NowDep) -> Response:
    """My conversations: the ones still going or of this year, then earlier years."""
    rows, _ = await list_reviews(
        session, ReviewFilter(employee_id=me.id), limit=MAX_LISTED, offset=0
    )
    year = oslo_today(now).year

    def now_or_this_year(r: Review) -> bool:
        return r.ended_at is None or oslo_today(r.ended_at).year >= year

    current = [r for r, _ in rows if now_or_this_year(r)]
    earlier = [r for r, _ in rows if not now_or_this_year(r)]
    current.sort(key=lambda r: r.started_at, reverse=True)
    earlier.sort(key=lambda r: r.started_at, reverse=True)
    return render(
        request,
        "mine.html",
        {"current": current, "earlier": earlier, **await layout(session, me)},
        me=me,
    )


@router.get("/conversations/{review_id}")
async def conversation(
    request: Request, review_id: str, session: SessionDep, me: PageUser, now: NowDep
) -> Response:
    review = await visible_review(session, me, review_id, now)
    completable = {
        (a.review_id, a.number)
        for a in review.actions
        if a.done_at is None
        and review.phase == "follow_up"
        and me.id in (a.owner_id, review.manager.id)
    }
    context = {
        "review": review,
        "owners": {
            review.employee.id: review.employee.name,
            review.manager.id: review.manager.name,
        },
        "completable": completable,
        "is_employee": me.id == review.employee.id,
        "is_review_manager": me.id == review.manager.id,
        "key": new_key(),
        "today": oslo_today(now),
        **await layout(session, me),
    }
    return render(request, "conversation.html", context, me=me)


@router.post("/conversations/{review_id}/accept")
async def accept(
    request: Request, review_id: str, form: Form, session: SessionDep, me: PageUser, now: NowDep
) -> Response:
    await command(
        request, session, me, now, form, review_id, ReviewWorkflow.accept, Accept(actor(me))
    )
    flash(request, "accepted")
    return see_other(review_path(review_id))


@router.post("/conversations/{review_id}/actions/{number}/done")
async def action_done(
    request: Request,
    review_id: str,
    number: int,
    form: Form,
    session: SessionDep,
    me: PageUser,
    now: NowDep,
) -> Response:
    cmd = CompleteAction(actor(me), number)
    await command(request, session, me, now, form, review_id, ReviewWorkflow.complete_action, cmd)
    flash(request, "saved")
    back = form.get("back")
    return see_other(back if back == "/team/actions" else review_path(review_id))


@router.get("/conversations/{review_id}/invitation.ics")
async def invitation(
    review_id: str, session: SessionDep, settings: SettingsDep, me: PageUser, now: NowDep
) -> Response:
    """The meeting as a calendar file, the same entry (UID, sequence) the emails carry."""
    review = await visible_review(session, me, review_id, now)
    if review.meeting is None or me.id not in (review.employee.id, review.manager.id):
        raise NotFound("this conversation has no meeting in your calendar")
    m = review.meeting
    people = {
        p.id: Person(p.id, p.name, p.email, p.language) for p in (review.employee, review.manager)
    }
    invite = MeetingInvite(
        method="REQUEST",
        uid=uid_for(review.id, settings.mail_domain),
        sequence=m.sequence,
        start=m.start,
        duration_minutes=m.duration_minutes,
        summary=f"Medarbeidersamtale: {review.employee.name} og {review.manager.name}",
        description=settings.base_url.rstrip("/") + review_path(review.id),
        location=m.location_text,
        organizer=people[review.manager.id],
        attendee=people[review.employee.id],
        stamp=now,
    )
    return Response(
        build_ics(invite),
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="medarbeidersamtale.ics"'},
    )
