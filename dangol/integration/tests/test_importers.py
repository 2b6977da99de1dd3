"""Importing: upserts, malformed rows, modes, idempotence, interruption, hostile input."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd
import pytest
from django.db import connection

from dangol.catalog.models import Category, Product
from dangol.customers.choices import Region
from dangol.customers.models import ConsentEvent, Customer
from dangol.integration.errors import ImportFileError, RejectedRowsError
from dangol.integration.importers import import_file, parse_mapping, rejects_path_for
from dangol.sales.models import Order, OrderLine

from .conftest import CUSTOMER_ROWS, DATA, customers_csv, write

REGIONS = [r for r in Region.values if r]
ORDER_HEADER = (
    "order_number,customer_external_id,ordered_at,sku,quantity,unit_price,discount,channel"
)


def rejects_of(exc_info) -> list[tuple]:
    frame = exc_info.value.result.rejects
    return list(frame[["line", "column", "reason"]].itertuples(index=False, name=None))


def snapshot() -> list[tuple]:
    return list(Customer.objects.order_by("external_id").values_list())


@pytest.mark.django_db
def test_customers_import_normalises_and_records_consent(tmp_path, retail):
    result = import_file(kind="customers", path=customers_csv(tmp_path))
    assert (result.rows_read, result.inserted, result.updated, result.unchanged) == (3, 3, 0, 0)
    hong = Customer.objects.get(external_id="C001")
    assert (hong.name, hong.email, hong.phone_digits, hong.gender) == (
        "홍길동",
        "hong@example.com",
        "01012345678",
        "male",
    )
    assert (hong.birth_date, hong.region, hong.customer_group) == (
        dt.date(1985, 3, 15),
        "seoul",
        retail,
    )
    assert (hong.consent_email, hong.consent_sms, hong.consent_phone, hong.consent_post) == (
        True,
        False,
        True,
        False,
    )
    kim = Customer.objects.get(external_id="C003")
    assert (kim.birth_date, kim.status, kim.phone_digits) == (
        dt.date(1992, 7, 4),
        "prospect",
        "01099990000",
    )
    events = sorted(ConsentEvent.objects.values_list("customer__external_id", "channel", "source"))
    assert events == [
        ("C001", "email", "import customers.csv"),
        ("C001", "phone", "import customers.csv"),
        ("C002", "email", "import customers.csv"),
        ("C003", "sms", "import customers.csv"),
    ]
    assert not rejects_path_for(tmp_path / "customers.csv").exists()


@pytest.mark.django_db
def test_importing_twice_changes_nothing(tmp_path, retail):
    path = customers_csv(tmp_path)
    import_file(kind="customers", path=path)
    before = snapshot()
    events = ConsentEvent.objects.count()
    again = import_file(kind="customers", path=path)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)
    assert snapshot() == before  # version and updated_at included
    assert ConsentEvent.objects.count() == events


@pytest.mark.django_db
def test_changed_rows_are_updated_and_consent_change_recorded(tmp_path, retail):
    import_file(kind="customers", path=customers_csv(tmp_path))
    hong_before = Customer.objects.get(external_id="C001")
    rows = [r.replace("강남구", "서초구").replace("1,0,y,n", "0,0,y,n") for r in CUSTOMER_ROWS]
    result = import_file(kind="customers", path=customers_csv(tmp_path, rows))
    assert (result.inserted, result.updated, result.unchanged) == (0, 1, 2)
    hong = Customer.objects.get(external_id="C001")
    assert (hong.city, hong.consent_email, hong.version) == ("서초구", False, 2)
    assert hong.updated_at > hong_before.updated_at
    withdrawn = ConsentEvent.objects.filter(customer=hong, granted=False)
    assert list(withdrawn.values_list("channel", flat=True)) == ["email"]


@pytest.mark.django_db
def test_columns_absent_from_the_file_are_left_alone(tmp_path, retail):
    import_file(kind="customers", path=customers_csv(tmp_path))
    path = write(tmp_path, "names.csv", "external_id,name\nC001,홍길순\n")
    result = import_file(kind="customers", path=path)
    assert (result.updated, result.unchanged) == (1, 0)
    hong = Customer.objects.get(external_id="C001")
    assert (hong.name, hong.city, hong.email, hong.consent_email) == (
        "홍길순",
        "강남구",
        "hong@example.com",
        True,
    )


@pytest.mark.django_db
def test_cp949_customers_file(tmp_path, retail):
    path = customers_csv(tmp_path, encoding="cp949")
    result = import_file(kind="customers", path=path)
    assert (result.encoding, result.inserted) == ("cp949", 3)
    assert Customer.objects.get(external_id="C002").name == "주식회사 단골"


@pytest.mark.django_db
def test_utf8_bom_customers_file(tmp_path, retail):
    path = write(tmp_path, "bom.csv", "\ufeffexternal_id,name\nB1,김보미\n")
    result = import_file(kind="customers", path=path)
    assert (result.encoding, result.inserted) == ("utf-8-sig", 1)
    assert Customer.objects.get(external_id="B1").name == "김보미"


@pytest.mark.django_db
def test_map_renames_columns(tmp_path):
    path = write(tmp_path, "erp.csv", "고객번호,고객명,휴대폰\nE1,정우성,010-1111-2222\n", "cp949")
    mapping = parse_mapping(["고객번호=external_id", "고객명=name", "휴대폰=phone"])
    result = import_file(kind="customers", path=path, mapping=mapping)
    assert result.inserted == 1
    assert Customer.objects.get(external_id="E1").phone_digits == "01011112222"


def test_parse_mapping_refuses_malformed_pairs():
    with pytest.raises(ImportFileError, match="source=target"):
        parse_mapping(["name"])


@pytest.mark.django_db
def test_missing_required_column_is_fatal(tmp_path):
    path = write(tmp_path, "c.csv", "external_id,email\nC1,a@b.kr\n")
    with pytest.raises(ImportFileError, match=r"Missing required column\(s\): name"):
        import_file(kind="customers", path=path)
    assert Customer.objects.count() == 0


@pytest.mark.django_db
def test_malformed_customer_rows_are_each_reported(tmp_path, retail):
    rows = [
        "C001,person,좋은 고객,ok@example.com,010-1234-5678,,1985-03-15,,,,,,,,,",
        "C002,alien,,bad-email,12,x,1985-02-30,mars,,gold,tv,vip,maybe,,,",
        "C001,person,중복,dup@example.com,,,,,,,,,,,,",
        "C004,person,미래인,,,,2999-01-01,,,,,,,,,",
    ]
    path = customers_csv(tmp_path, rows)
    with pytest.raises(RejectedRowsError) as exc_info:
        import_file(kind="customers", path=path)
    assert rejects_of(exc_info) == [
        (2, "external_id", "duplicate external_id in the file (2 rows, first at line 2)"),
        (
            3,
            "acquisition_channel",
            "not one of: call_center, campaign, field_sales, online, partner, referral, store",
        ),
        (3, "birth_date", "not a date (YYYY-MM-DD)"),
        (3, "consent_email", "not a yes/no value (1/0, true/false, y/n, 예/아니오)"),
        (3, "customer_group", "unknown customer group (create it first; use its code)"),
        (3, "email", "not an email address"),
        (3, "gender", "not one of: female, male, other"),
        (3, "kind", "not one of: company, person"),
        (3, "name", "required value is empty"),
        (3, "phone", "not a phone number"),
        (3, "region", "not one of: " + ", ".join(sorted(REGIONS))),
        (3, "status", "not one of: churned, customer, lead, prospect"),
        (4, "external_id", "duplicate external_id in the file (2 rows, first at line 2)"),
        (5, "birth_date", "not a plausible date (1900 to today)"),
    ]
    assert Customer.objects.count() == 0
    written = pd.read_csv(rejects_path_for(path), encoding="utf-8-sig", dtype=str)
    assert list(written.columns) == ["line", "column", "value", "reason"]
    assert written.iloc[1].tolist() == [
        "3",
        "acquisition_channel",
        "tv",
        rejects_of(exc_info)[1][2],
    ]


@pytest.mark.django_db
def test_all_or_nothing_leaves_the_database_unchanged(tmp_path, retail):
    import_file(kind="customers", path=customers_csv(tmp_path))
    before = snapshot()
    rows = ["C001,person,바뀐 이름,,,,,,,,,,,,,", "C009,person,,,,,,,,,,,,,,"]
    with pytest.raises(RejectedRowsError) as exc_info:
        import_file(kind="customers", path=customers_csv(tmp_path, rows, name="more.csv"))
    assert exc_info.value.result.written is False
    assert snapshot() == before


@pytest.mark.django_db
def test_skip_bad_imports_good_rows_and_writes_rejects(tmp_path, retail):
    rows = ["G1,person,좋은 행,,,,,,,,,,,,,", "G2,person,나쁜 행,not-an-email,,,,,,,,,,,,"]
    path = customers_csv(tmp_path, rows)
    result = import_file(kind="customers", path=path, skip_bad=True)
    assert (result.inserted, result.rejected) == (1, 1)
    assert list(Customer.objects.values_list("external_id", flat=True)) == ["G1"]
    text = rejects_path_for(path).read_text(encoding="utf-8-sig")
    assert text == "line,column,value,reason\n3,email,not-an-email,not an email address\n"
    assert result.rejects_path == rejects_path_for(path)


@pytest.mark.django_db
def test_hostile_strings_are_stored_verbatim_or_rejected_with_a_reason(tmp_path):
    script = "<script>alert('x')</script>"
    sql = "Robert'); DROP TABLE customers_customer;--"
    long_name = "가" * 201
    frame = pd.DataFrame(
        {
            "external_id": ["H1", "H2", "H3", "H4", "x" * 65],
            "name": [script, sql, long_name, "nul\x00byte", "ok"],
            "city": ['=HYPERLINK("http://evil")', "", "", "", ""],
        }
    )
    path = tmp_path / "hostile.csv"
    frame.to_csv(path, index=False)
    result = import_file(kind="customers", path=path, skip_bad=True)
    assert result.inserted == 2
    assert list(
        result.rejects[["line", "column", "reason"]].itertuples(index=False, name=None)
    ) == [
        (4, "name", "longer than 200 characters"),
        (5, "name", "contains a control character"),
        (6, "external_id", "longer than 64 characters"),
    ]
    assert Customer.objects.get(external_id="H1").name == script
    assert Customer.objects.get(external_id="H2").name == sql
    assert Customer.objects.get(external_id="H1").city == '=HYPERLINK("http://evil")'
    assert Customer.objects.filter(name=long_name[:200]).count() == 0  # never truncated


@pytest.mark.django_db
def test_products_with_category_tree(tmp_path):
    path = write(
        tmp_path,
        "p.csv",
        "sku,name,category_path,unit_price,unit_cost,active\n"
        'S1,우유 1L, 식품 >유제품> 우유 ,"2,500",1800,1\n'
        "S2,치즈,식품 > 유제품,4000.5,3000,아니오\n",
    )
    result = import_file(kind="products", path=path)
    assert (result.inserted, result.extra["categories"]) == (2, 2)
    assert list(Category.objects.order_by("path").values_list("path", "depth")) == [
        ("식품", 0),
        ("식품 > 유제품", 1),
        ("식품 > 유제품 > 우유", 2),
    ]
    milk = Product.objects.get(sku="S1")
    assert (milk.unit_price, milk.unit_cost, milk.category.path, milk.active) == (
        Decimal("2500.00"),
        Decimal("1800.00"),
        "식품 > 유제품 > 우유",
        True,
    )
    assert Product.objects.get(sku="S2").active is False
    again = import_file(kind="products", path=path)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 2)


@pytest.mark.django_db
def test_malformed_product_rows(tmp_path):
    path = write(
        tmp_path,
        "p.csv",
        "sku,name,category_path,unit_price,unit_cost,active\n"
        "S1,a,A >> B,-1,1.234,maybe\nS1,b,,abc,,\n",
    )
    with pytest.raises(RejectedRowsError) as exc_info:
        import_file(kind="products", path=path)
    assert rejects_of(exc_info) == [
        (2, "active", "not a yes/no value (1/0, true/false, y/n, 예/아니오)"),
        (2, "category_path", "a category path needs a name between every '>'"),
        (2, "sku", "duplicate sku in the file (2 rows, first at line 2)"),
        (2, "unit_cost", "more than 2 decimal places"),
        (2, "unit_price", "must not be negative"),
        (3, "sku", "duplicate sku in the file (2 rows, first at line 2)"),
        (3, "unit_price", "not an amount"),
    ]


def orders_csv(tmp_path, rows, name="orders.csv"):
    return write(tmp_path, name, "\n".join([ORDER_HEADER, *rows]) + "\n")


GOOD_ORDERS = [
    "O1,C001,2024-03-01 13:45,P1,2,2500,0,online",
    "O1,C001,2024-03-01 13:45,P2,1,4000.50,500,online",
    "O2,C002,2024-03-02T09:00:00+09:00,P1,10,2400,1000,매장",
]


@pytest.mark.django_db
def test_orders_import_and_reimport(tmp_path, retail, products):
    import_file(kind="customers", path=customers_csv(tmp_path))
    path = orders_csv(tmp_path, GOOD_ORDERS)
    result = import_file(kind="orders", path=path)
    assert (result.inserted, result.extra["lines_written"]) == (2, 3)
    o1 = Order.objects.get(number="O1")
    assert o1.ordered_at == dt.datetime(2024, 3, 1, 4, 45, tzinfo=dt.UTC)
    assert (o1.customer.external_id, o1.channel, o1.status) == ("C001", "online", "completed")
    assert sorted(o1.lines.values_list("product__sku", "quantity", "unit_price", "discount")) == [
        ("P1", 2, Decimal("2500.00"), Decimal("0.00")),
        ("P2", 1, Decimal("4000.50"), Decimal("500.00")),
    ]
    assert Order.objects.get(number="O2").channel == "store"
    before = list(Order.objects.order_by("id").values_list())
    line_ids = list(OrderLine.objects.order_by("id").values_list("id", flat=True))
    shuffled = orders_csv(tmp_path, [GOOD_ORDERS[1], GOOD_ORDERS[2], GOOD_ORDERS[0]], "again.csv")
    again = import_file(kind="orders", path=shuffled)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 2)
    assert list(Order.objects.order_by("id").values_list()) == before
    assert list(OrderLine.objects.order_by("id").values_list("id", flat=True)) == line_ids


@pytest.mark.django_db
def test_reimported_order_with_other_lines_replaces_them(tmp_path, retail, products):
    import_file(kind="customers", path=customers_csv(tmp_path))
    import_file(kind="orders", path=orders_csv(tmp_path, GOOD_ORDERS))
    changed = orders_csv(tmp_path, ["O1,C001,2024-03-01 13:45,P2,3,4000.50,0,online"], "c.csv")
    result = import_file(kind="orders", path=changed)
    assert (result.inserted, result.updated, result.unchanged) == (0, 1, 0)
    lines = Order.objects.get(number="O1").lines.values_list("product__sku", "quantity")
    assert list(lines) == [("P2", 3)]
    assert OrderLine.objects.filter(order__number="O2").count() == 1


@pytest.mark.django_db
def test_malformed_order_rows(tmp_path, retail, products):
    import_file(kind="customers", path=customers_csv(tmp_path))
    rows = [
        "O1,C001,2024-02-30 10:00,P1,2,2500,0,online",  # 2: bad date
        "O2,C001,2024-03-01,P1,-1,2500,0,online",  # 3: negative quantity
        "O3,C001,2024-03-01,NOPE,1,2500,0,online",  # 4: unknown sku
        "O4,C999,2024-03-01,P1,1,2500,0,online",  # 5: unknown customer
        "O5,C001,2024-03-01,P1,1,100,300,online",  # 6: discount over gross
        "O6,C001,2024-03-01,P1,1,100,0,online",  # 7: duplicate line
        "O6,C001,2024-03-01,P1,1,100,0,online",  # 8: duplicate line
        "O7,C001,2024-03-01,P1,1,100,0,online",  # 9: good line of a bad order
        "O7,C002,2024-03-01,P2,1,100,0,online",  # 10: other customer in the same order
        "O8,C001,2024-03-01,P2,1,100,0,online",  # 11: good
    ]
    with pytest.raises(RejectedRowsError) as exc_info:
        import_file(kind="orders", path=orders_csv(tmp_path, rows))
    assert rejects_of(exc_info) == [
        (2, "ordered_at", "not a date and time (YYYY-MM-DD HH:MM[:SS][+09:00])"),
        (3, "quantity", "must be more than 0"),
        (4, "sku", "unknown sku"),
        (5, "customer_external_id", "unknown customer external id"),
        (6, "discount", "more than quantity x unit_price"),
        (7, "sku", "duplicate order_number + sku in the file (2 rows, first at line 7)"),
        (8, "sku", "duplicate order_number + sku in the file (2 rows, first at line 7)"),
        (9, "order_number", "another line of this order is bad (line 10)"),
        (10, "customer_external_id", "differs from line 9 of the same order"),
    ]
    assert Order.objects.count() == 0
    result = import_file(kind="orders", path=orders_csv(tmp_path, rows), skip_bad=True)
    assert (result.inserted, result.rejected) == (1, 9)
    assert list(Order.objects.values_list("number", flat=True)) == ["O8"]


@pytest.mark.django_db
def test_interrupted_order_import_leaves_nothing(tmp_path, retail, products, monkeypatch):
    import_file(kind="customers", path=customers_csv(tmp_path))
    from dangol.sales import bulk

    def crash(*args, **kwargs):
        raise RuntimeError("power cut")

    monkeypatch.setattr(bulk, "temp_table_drop", crash)  # after orders and lines are written
    with pytest.raises(RuntimeError, match="power cut"):
        import_file(kind="orders", path=orders_csv(tmp_path, GOOD_ORDERS))
    assert (Order.objects.count(), OrderLine.objects.count()) == (0, 0)


@pytest.mark.django_db
def test_interrupted_customer_import_leaves_nothing(tmp_path, retail, monkeypatch):
    from dangol.customers import bulk

    def crash(*args, **kwargs):
        raise RuntimeError("killed")

    monkeypatch.setattr(bulk, "temp_table_drop", crash)  # after customers and consents
    with pytest.raises(RuntimeError, match="killed"):
        import_file(kind="customers", path=customers_csv(tmp_path))
    assert (Customer.objects.count(), ConsentEvent.objects.count()) == (0, 0)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "fmt", "count"),
    [
        ("contacts-v3.vcf", None, 2),
        ("contacts-v4.vcf", None, 2),
        ("google-contacts.csv", None, 3),
        ("outlook-contacts.csv", "outlook", 3),
    ],
)
def test_contact_files_import_idempotently(name, fmt, count):
    result = import_file(kind="customers", path=DATA / name, fmt=fmt)
    assert result.inserted == count
    again = import_file(kind="customers", path=DATA / name, fmt=fmt)
    assert (again.inserted, again.unchanged) == (0, count)
    if name == "contacts-v3.vcf":
        hong = Customer.objects.get(name="홍길동")
        assert (hong.email, hong.region, hong.city) == (
            "gildong.hong@example.com",
            "seoul",
            "강남구",
        )


@pytest.mark.django_db
def test_large_file_with_progress_bar(tmp_path):
    rows = [f"L{i},person,고객{i},,,,,,,,,,,,," for i in range(10_001)]
    result = import_file(kind="customers", path=customers_csv(tmp_path, rows), show_progress=True)
    assert result.inserted == 10_001


@pytest.mark.django_db
def test_progress_covers_the_merge(tmp_path):
    rows = [f"P{i},person,고객{i},,,,,,,,,,,,," for i in range(10_001)]
    steps: list[int] = []
    import_file(kind="customers", path=customers_csv(tmp_path, rows), progress=steps.append)
    assert steps == [10_001, 10_001]  # staged, then merged


@pytest.mark.postgres
@pytest.mark.django_db
def test_ten_thousand_rows_on_postgresql(tmp_path, retail):
    assert connection.vendor == "postgresql"
    rows = [
        f"K{i:05d},person,고객{i},u{i}@example.kr,010-{i % 10000:04d}-{i % 7777:04d},,"
        f"1980-01-{1 + i % 28:02d},seoul,중구,retail,online,customer,{i % 2},0,0,1"
        for i in range(10_000)
    ]
    path = customers_csv(tmp_path, rows)
    result = import_file(kind="customers", path=path)
    assert (result.inserted, Customer.objects.count()) == (10_000, 10_000)
    assert ConsentEvent.objects.filter(channel="post").count() == 10_000
    again = import_file(kind="customers", path=path)
    assert again.unchanged == 10_000


def _schema_of(table: str) -> tuple[list, list]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = %s ORDER BY indexdef", [table]
        )
        indexes = [r[0] for r in cursor.fetchall()]
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass ORDER BY conname",
            [table],
        )
        return indexes, cursor.fetchall()


@pytest.mark.postgres
@pytest.mark.django_db
def test_large_first_load_rebuilds_indexes_and_keys_on_postgresql(tmp_path, retail, monkeypatch):
    from dangol.customers import bulk

    monkeypatch.setattr(bulk, "REBUILD_MIN_ROWS", 1)  # the rebuild path, on a small file
    before = _schema_of("customers_customer")
    assert len(before[0]) >= 10
    result = import_file(kind="customers", path=customers_csv(tmp_path))
    assert (result.inserted, Customer.objects.count()) == (3, 3)
    assert _schema_of("customers_customer") == before
    assert Customer.objects.filter(customer_group=retail).count() == 2


@pytest.mark.postgres
@pytest.mark.django_db
def test_large_first_order_load_rebuilds_indexes_and_keys_on_postgresql(
    tmp_path, retail, products, monkeypatch
):
    from dangol.sales import bulk

    monkeypatch.setattr(bulk, "REBUILD_MIN_ROWS", 1)  # the rebuild path, on a small file
    import_file(kind="customers", path=customers_csv(tmp_path))
    before = (_schema_of("sales_order"), _schema_of("sales_orderline"))
    result = import_file(kind="orders", path=orders_csv(tmp_path, GOOD_ORDERS))
    assert (result.inserted, result.extra["lines_written"]) == (2, 3)
    assert (_schema_of("sales_order"), _schema_of("sales_orderline")) == before
    assert OrderLine.objects.filter(order__number="O1").count() == 2


def _sqlite_schema_of(table: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = %s ORDER BY name",
            [table],
        )
        return cursor.fetchall()


def _fts_ids(text: str) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rowid FROM customers_customer_fts WHERE customers_customer_fts MATCH %s "
            "ORDER BY rowid",
            [f'"{text}"'],
        )
        return [r[0] for r in cursor.fetchall()]


@pytest.mark.django_db
def test_large_load_rebuilds_indexes_and_search_on_sqlite(tmp_path, retail, monkeypatch):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's index rebuild")
    from dangol.customers import bulk

    existing = Customer.objects.create(external_id="C001", name="옛이름 고객")
    monkeypatch.setattr(bulk, "REBUILD_MIN_ROWS", 1)  # the rebuild path, on a small file
    before = _sqlite_schema_of("customers_customer")
    assert sum(1 for kind, _, _ in before if kind == "index") >= 10
    assert any(name == "customers_customer_fts_ai" for _, name, _ in before)

    result = import_file(kind="customers", path=customers_csv(tmp_path))

    assert (result.inserted, result.updated) == (2, 1)
    assert _sqlite_schema_of("customers_customer") == before
    by_ext = dict(Customer.objects.values_list("external_id", "id"))
    # New rows were added to the search table after the load, the updated name through
    # the UPDATE trigger (old name gone), and a later insert through the trigger again.
    assert _fts_ids("주식회사") == [by_ext["C002"]]
    assert _fts_ids("Jisoo") == [by_ext["C003"]]
    assert _fts_ids("홍길동") == [existing.pk]
    assert _fts_ids("옛이름") == []
    later = Customer.objects.create(external_id="C004", name="나중고객")
    assert _fts_ids("나중고") == [later.pk]


@pytest.mark.django_db(transaction=True)
def test_sqlite_index_rebuild_is_undone_with_a_failed_import(monkeypatch):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's index rebuild")
    from django.db import transaction

    from dangol.customers import bulk

    before = _sqlite_schema_of("customers_customer")
    with (
        pytest.raises(RuntimeError),
        transaction.atomic(),
        bulk._sqlite_indexes_rebuilt_after(table="customers_customer", enabled=True),
    ):
        assert _sqlite_schema_of("customers_customer") != before
        raise RuntimeError("the load failed")
    assert _sqlite_schema_of("customers_customer") == before
