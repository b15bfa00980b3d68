"""Which employee a provider's claims name, by the configured claim."""

from __future__ import annotations

import pytest

from api.auth import EmployeeKey, employee_key
from api.errors import Unauthorized
from core.settings import Settings


def test_by_default_the_email_claim_names_the_employee() -> None:
    key = employee_key(Settings(), {"sub": "abc", "email": "Kari@Example.no"})
    assert key == EmployeeKey("email", "Kari@Example.no")


def test_an_employee_id_claim_of_the_configured_name_names_the_employee() -> None:
    settings = Settings(oidc_match="employee_id", oidc_employee_id_claim="employeeid")
    claims = {"sub": "abc", "email": "kari@example.no", "employeeid": "e-100"}
    assert employee_key(settings, claims) == EmployeeKey("id", "e-100")


@pytest.mark.parametrize("claims", [{"sub": "abc"}, {"sub": "abc", "email": ""}])
def test_claims_without_the_matching_claim_are_refused(claims: dict[str, str]) -> None:
    with pytest.raises(Unauthorized, match="no email claim"):
        employee_key(Settings(), claims)
