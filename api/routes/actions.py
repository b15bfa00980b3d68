"""Agreed follow-up actions: a manager's team's, or your own."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter

from api.deps import CurrentUser, NowDep, SessionDep
from api.reviews_view import action_out, oslo_today
from api.schemas import ActionOut, Limit, Offset, Page
from store.queries import ActionStatus, list_actions

router = APIRouter(prefix="/actions", tags=["actions"])


@router.get("", response_model=Page[ActionOut])
async def list_(
    session: SessionDep,
    me: CurrentUser,
    now: NowDep,
    scope: Literal["team", "mine"] = "team",
    status: ActionStatus = ActionStatus.OPEN,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[ActionOut]:
    """`team`: actions from your reports' reviews (you as manager); `mine`: those you own.

    `overdue` means open and due before today in Europe/Oslo."""
    today = oslo_today(now)
    rows, total = await list_actions(
        session,
        today=today,
        status=status,
        manager_id=me.id if scope == "team" else None,
        owner_id=me.id if scope == "mine" else None,
        limit=limit,
        offset=offset,
    )
    return Page(items=[action_out(a, today) for a in rows], total=total, limit=limit, offset=offset)
