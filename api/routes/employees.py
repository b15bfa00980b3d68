"""Employees and their managers; who am I."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import CurrentUser, HrUser, NowDep, SessionDep
from api.errors import NotFound, Unprocessable
from api.schemas import EmployeeId, EmployeeOut, EmployeesIn
from store.directory import DirectoryError, NewEmployee, add_employees, get_employee

router = APIRouter(tags=["employees"])


@router.get("/me", response_model=EmployeeOut)
async def me(me: CurrentUser) -> EmployeeOut:
    """The employee your token speaks for."""
    return EmployeeOut.model_validate(me)


@router.post("/employees", response_model=list[EmployeeOut], status_code=201)
async def create(
    body: EmployeesIn, session: SessionDep, me: HrUser, now: NowDep
) -> list[EmployeeOut]:
    """Add employees with their managers (HR). All are added, or none when any is wrong."""
    new = [NewEmployee(e.id, e.name, e.email, e.language, e.manager_id, e.is_hr) for e in body]
    try:
        rows = await add_employees(session, new, now=now)
    except DirectoryError as e:
        raise Unprocessable(str(e), rule="input", problems=e.problems) from None
    return [EmployeeOut.model_validate(r) for r in rows]


@router.get("/employees/{employee_id}", response_model=EmployeeOut)
async def get(employee_id: EmployeeId, session: SessionDep, me: CurrentUser) -> EmployeeOut:
    """One employee: yourself, your reports and your manager; HR sees everybody."""
    e = await get_employee(session, employee_id)
    if e is None or not (me.is_hr or me.id in (e.id, e.manager_id) or e.id == me.manager_id):
        raise NotFound(f"employee {employee_id} not found")
    return EmployeeOut.model_validate(e)
