"""An HR export is validated row by row: every problem with its line, column and reason."""

from __future__ import annotations

import pytest

from org.csv_import import InvalidFile, Problem, parse

HEADER = "employee_id,name,email,language,manager_id,org_unit,parent_unit,start_date,end_date\n"
GOOD = HEADER + (
    "ceo,Anne Dahl,anne@example.no,nb,,Konsern,,2010-01-01,\n"
    "m1,Ola Nordmann,ola@example.no,nb,ceo,Salg,Konsern,2015-03-01,\n"
    "e1,Kari Hansen,kari@example.no,en,m1,Salg Vest,Salg,2020-08-15,\n"
)


def problems(text: str) -> list[Problem]:
    with pytest.raises(InvalidFile) as e:
        parse(text)
    return e.value.problems


def test_a_clean_file_gives_rows_and_the_unit_tree() -> None:
    snap = parse(GOOD)
    assert [r.employee_id for r in snap.rows] == ["ceo", "m1", "e1"]
    assert snap.units == {"Konsern": None, "Salg": "Konsern", "Salg Vest": "Salg"}
    assert snap.rows[2].language == "en"


def test_every_bad_row_is_reported_with_line_column_and_reason() -> None:
    text = HEADER + (
        "ceo,Anne Dahl,anne@example.no,nb,,Konsern,,,\n"
        "m1,Ola Nordmann,not-an-email,nb,ceo,Salg,Konsern,,\n"
        "e1,Kari Hansen,kari@example.no,sv,m1,Salg,Konsern,,\n"
        "e2,Per Berg,per@example.no,nb,ghost,Salg,Konsern,,\n"
        "m1,Ola Again,ola2@example.no,nb,ceo,Salg,Konsern,,\n"
        "e3,Lise Lie,lise@example.no,nb,ceo,Salg,Konsern,2024-05-01,2023-01-01\n"
    )
    assert [(p.line, p.column) for p in problems(text)] == [
        (3, "email"),
        (4, "language"),
        (5, "manager_id"),
        (6, "employee_id"),
        (7, "end_date"),
    ]
    reasons = {p.line: p.reason for p in problems(text)}
    assert reasons[4] == "unknown language 'sv': use nb or en"
    assert reasons[5] == "manager 'ghost' is not in the file"
    assert reasons[6] == "'m1' already appears on line 3"


def test_a_management_cycle_is_reported_on_each_of_its_rows() -> None:
    text = HEADER + (
        "a,A,a@example.no,nb,c,U,,,\n"
        "b,B,b@example.no,nb,a,U,,,\n"
        "c,C,c@example.no,nb,b,U,,,\n"
        "d,D,d@example.no,nb,a,U,,,\n"
    )
    found = problems(text)
    assert [(p.line, p.column) for p in found] == [
        (2, "manager_id"),
        (3, "manager_id"),
        (4, "manager_id"),
    ]
    assert "management cycle" in found[0].reason


def test_a_unit_with_two_parents_or_inside_itself_is_refused() -> None:
    text = HEADER + (
        "a,A,a@example.no,nb,,X,Y,,\nb,B,b@example.no,nb,a,Y,X,,\nc,C,c@example.no,nb,a,X,Z,,\n"
    )
    reasons = [p.reason for p in problems(text)]
    assert any("has parent 'Y' on line 2, not 'Z'" in r for r in reasons)
    assert any("inside itself" in r for r in reasons)


def test_a_missing_column_is_reported_on_the_header_line() -> None:
    assert problems("employee_id,name,language\n1,A,nb\n") == [
        Problem(1, "email", "required column is missing"),
        Problem(1, "org_unit", "required column is missing"),
    ]


@pytest.mark.parametrize("text", [HEADER, HEADER + "\n\n", "\ufeff" + HEADER])
def test_a_file_with_a_header_and_no_rows_is_refused(text: str) -> None:
    (problem,) = problems(text)
    assert (problem.line, problem.column) == (2, "employee_id")
    assert "no employees" in problem.reason and "deactivate everybody" in problem.reason


def test_a_file_of_bad_rows_only_reports_the_rows_not_emptiness() -> None:
    assert problems(HEADER + ",Anne,anne@example.no,nb,,Konsern,,,\n") == [
        Problem(2, "employee_id", "is empty")
    ]


def test_values_longer_than_their_columns_are_refused_at_the_edge() -> None:
    unit, name = "U" * 64, "N" * 200
    assert parse(HEADER + f"ceo,{name},anne@example.no,nb,,{unit},,,\n").rows[0].org_unit == unit
    too_long = HEADER + f"ceo,{name}N,anne@example.no,nb,,{unit}U,{unit}P,,\n"
    assert problems(too_long) == [
        Problem(2, "name", "is longer than 200 characters"),
        Problem(2, "org_unit", "is longer than 64 characters"),
        Problem(2, "parent_unit", "is longer than 64 characters"),
    ]


BIRTH = HEADER.replace("end_date\n", "end_date,birth_year\n")


@pytest.mark.parametrize(("year", "stored"), [("", None), ("1900", 1900), ("2100", 2100)])
def test_the_birth_year_is_optional_and_a_year(year: str, stored: int | None) -> None:
    row = parse(BIRTH + f"ceo,Anne Dahl,anne@example.no,nb,,Konsern,,,,{year}\n").rows[0]
    assert row.birth_year == stored


@pytest.mark.parametrize("year", ["1899", "2101", "65", "1965-03-01", "١٩٦٥"])
def test_a_birth_year_that_is_not_a_year_is_refused(year: str) -> None:
    assert problems(BIRTH + f"ceo,Anne Dahl,anne@example.no,nb,,Konsern,,,,{year}\n") == [
        Problem(2, "birth_year", f"{year!r} is not a year of birth (a year from 1900 to 2100)")
    ]
