"""Erasure reaches the warehouse at once, not at the next refresh (SQLite and PostgreSQL).

docs/privacy.md, "Derived stores": after ``customer_erase`` commits, the warehouse's
current file holds none of the person's personal strings (every VARCHAR column of every
table is scanned), their date of birth is gone, and every total is unchanged.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from dangol.analytics.warehouse.connection import (
    warehouse_connect,
    warehouse_current_path,
    warehouse_dir,
)
from dangol.analytics.warehouse.errors import WarehouseBusy
from dangol.analytics.warehouse.services import (
    _refresh_lock,
    warehouse_erasures_apply,
    warehouse_erasures_due,
    warehouse_refresh,
)
from dangol.core.customfields.services import custom_field_create
from dangol.customers.models import Customer
from dangol.customers.privacy import customer_erase

CITY = "Erasureville-7Q"
HANDLE = "insta-@gildong-7Q"
BIRTH = dt.date(1987, 3, 14)
PERSONAL = (CITY, HANDLE)


def _strings_found(con: duckdb.DuckDBPyConnection, needles: tuple[str, ...]) -> list[str]:
    """Return "table.column" for every VARCHAR column of any table holding a needle."""
    columns = con.execute(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE data_type = 'VARCHAR' AND table_schema = 'main'"
    ).fetchall()
    found = []
    for table, column in columns:
        for needle in needles:
            hits = con.execute(
                f'SELECT count(*) FROM "{table}" WHERE contains(lower("{column}"), lower(?))',
                [needle],
            ).fetchone()[0]
            if hits:
                found.append(f"{table}.{column}")
    return found


def _totals(con: duckdb.DuckDBPyConnection) -> tuple:
    return (
        con.execute(
            "SELECT count(*), sum(revenue), sum(cost), sum(quantity) FROM fact_sales"
        ).fetchone()
        + con.execute("SELECT count(*) FROM dim_customer").fetchone()
    )


def _person_row(con: duckdb.DuckDBPyConnection, pk: int, custom: str = ", cf_handle") -> tuple:
    return con.execute(
        f"SELECT gender, birth_date, age_band, city{custom} FROM dim_customer "
        "WHERE customer_id = ?",
        [pk],
    ).fetchone()


@pytest.fixture(autouse=True)
def inline_tasks(settings):
    """Run background tasks inline, as ``DANGOL_TASK_BACKEND=immediate`` does."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def person(demo, admin_user):
    """A demo customer with orders, a unique city, a birth date and a custom field."""
    custom_field_create(
        actor=admin_user, entity="customer", key="handle", label="Handle", field_type="text"
    )
    customer = Customer.objects.filter(orders__isnull=False).order_by("id").first()
    Customer.objects.filter(pk=customer.pk).update(
        city=CITY, gender="F", birth_date=BIRTH, custom_fields={"handle": HANDLE}
    )
    return customer


def _erase(customer, actor, capture) -> None:
    with capture(execute=True):
        customer_erase(customer=customer, actor=actor, reason="request #1")


def test_erase_blanks_the_person_in_the_current_warehouse_file_at_once(
    person, admin_user, django_capture_on_commit_callbacks
):
    warehouse_refresh()
    with warehouse_connect() as con:
        assert _person_row(con, person.pk) == ("F", BIRTH, "30-39", CITY, HANDLE)
        assert sorted(_strings_found(con, PERSONAL)) == [
            "dim_customer.cf_handle",
            "dim_customer.city",
        ]
        before = _totals(con)
        old_file = warehouse_current_path()

    _erase(person, admin_user, django_capture_on_commit_callbacks)

    current = warehouse_current_path()
    assert current != old_file
    assert not old_file.exists()  # the file holding the values is gone, not kept as previous
    assert [p.name for p in warehouse_dir().glob("wh-*.duckdb*")] == [current.name]
    with warehouse_connect() as con:
        assert _strings_found(con, PERSONAL) == []
        assert _person_row(con, person.pk) == ("", None, "unknown", "", None)
        assert _totals(con) == before
        assert con.execute("SELECT customer_id FROM warehouse_erased").fetchall() == [(person.pk,)]
        # Rollups were rebuilt from the blanked rows: the person counts as gender ''.
        revenue = con.execute(
            "SELECT sum(revenue) FROM fact_sales_valid WHERE customer_id = ?", [person.pk]
        ).fetchone()[0]
        assert revenue > 0
    raw = current.read_bytes()
    assert CITY.encode() not in raw and HANDLE.encode() not in raw
    # Idempotent: nothing left to do writes no new file.
    assert warehouse_erasures_apply() == []
    assert warehouse_current_path() == current


def test_an_erasure_missed_while_the_warehouse_is_locked_is_applied_later(
    person, admin_user, django_capture_on_commit_callbacks
):
    warehouse_refresh()
    with _refresh_lock():  # a refresh is running: the task cannot write
        _erase(person, admin_user, django_capture_on_commit_callbacks)
        with pytest.raises(WarehouseBusy):
            warehouse_erasures_apply()
    with warehouse_connect() as con:
        assert _strings_found(con, PERSONAL) != []
    # The worker's sweep sees the missing erasure and runs the task again (inline here).
    assert warehouse_erasures_due() == 1
    with warehouse_connect() as con:
        assert _strings_found(con, PERSONAL) == []
    assert warehouse_erasures_due() == 0


def test_the_next_refresh_applies_an_erasure_no_task_ran_for(person, admin_user):
    warehouse_refresh()
    with warehouse_connect() as con:
        before = _totals(con)
    # No on-commit callbacks run in this test: the background task never happened.
    customer_erase(customer=person, actor=admin_user, reason="request #2")
    result = warehouse_refresh()
    assert result.mode == "incremental"
    with warehouse_connect() as con:
        assert _strings_found(con, PERSONAL) == []
        assert _person_row(con, person.pk) == ("", None, "unknown", "", None)
        assert _totals(con) == before
        assert con.execute("SELECT customer_id FROM warehouse_erased").fetchall() == [(person.pk,)]
    # Refreshed again with nothing new: the erased row is not rewritten.
    assert warehouse_refresh().erased_blanked == 0


def test_a_refresh_whose_sources_predate_the_erasure_still_publishes_it_blank(
    person, admin_user, monkeypatch
):
    """The refresh read the person before the erasure committed: blanked before publishing."""
    from dangol.analytics.warehouse import services

    warehouse_refresh()
    erased = {person.pk}
    monkeypatch.setattr(services, "customer_erased_ids", lambda: erased)
    Customer.objects.filter(pk=person.pk).update(updated_at=person.updated_at + dt.timedelta(1))
    result = warehouse_refresh()  # stages the unerased row (the source still holds it)
    assert result.erased_blanked == 1
    with warehouse_connect() as con:
        assert _strings_found(con, PERSONAL) == []
        assert _person_row(con, person.pk) == ("", None, "unknown", "", None)


def test_no_warehouse_yet_erasure_writes_nothing(
    person, admin_user, django_capture_on_commit_callbacks
):
    _erase(person, admin_user, django_capture_on_commit_callbacks)
    assert warehouse_current_path() is None
    assert warehouse_erasures_apply() == []
    # The first refresh reads the erased row and records the id.
    warehouse_refresh()
    with warehouse_connect() as con:
        assert _strings_found(con, PERSONAL) == []
        assert con.execute("SELECT customer_id FROM warehouse_erased").fetchall() == [(person.pk,)]


@pytest.mark.django_db(transaction=True)
def test_a_restored_backup_does_not_bring_the_person_back_into_the_warehouse(
    committed_demo, tmp_path
):
    """The backup's warehouse file predates the erasure; the restore blanks it again."""
    import io

    from django.core.management import call_command

    customer = Customer.objects.filter(orders__isnull=False).order_by("id").first()
    Customer.objects.filter(pk=customer.pk).update(city=CITY, gender="M", birth_date=BIRTH)
    warehouse_refresh()
    with warehouse_connect() as con:
        assert _strings_found(con, (CITY,)) == ["dim_customer.city"]
        before = _totals(con)
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", output=archive, stdout=io.StringIO())
    customer_erase(customer=customer, actor=None, reason="request after the backup")
    with warehouse_connect() as con:
        assert _strings_found(con, (CITY,)) == []

    out = io.StringIO()
    call_command("restore", str(archive), force=True, stdout=out)

    assert f"erased after the backup was taken: {customer.pk}" in out.getvalue()
    with warehouse_connect() as con:
        assert _strings_found(con, (CITY,)) == []
        assert _person_row(con, customer.pk, custom="") == ("", None, "unknown", "")
        assert _totals(con) == before
    raw = warehouse_current_path().read_bytes()
    assert CITY.encode() not in raw
