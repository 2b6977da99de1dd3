from __future__ import annotations

import pytest

from dangol.customers import selectors
from dangol.customers.selectors import CustomerFilters, customer_list
from dangol.customers.tests.factories import CustomerFactory, CustomerGroupFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["sparse", "dense", "short_walk"])
def branch_path(request, monkeypatch):
    """Run a search test down every access path of a search term (see the selector).

    With the thresholds at one every term counts as common, so SQLite walks the list newest
    first instead of reading the term's index, and PostgreSQL's prefix branches walk the
    newest ids instead of sorting the prefix's matches; with a walk of two ids PostgreSQL
    falls short and sorts the matches after all. Results must not change.
    """
    if request.param != "sparse":
        monkeypatch.setattr(selectors, "DENSE_BRANCH_ROWS", 1)
        monkeypatch.setattr(selectors, "PG_FEW_MATCHES", 1)
    if request.param == "short_walk":
        monkeypatch.setattr(selectors, "PG_WALK_ROWS", 2)
    return request.param


@pytest.fixture
def people():
    wholesale = CustomerGroupFactory(code="wholesale", name="Wholesale")
    return [
        CustomerFactory(
            name="김민준",
            email="minjun@example.kr",
            phone="010-1111-2222",
            external_id="ERP-001",
            region="busan",
        ),
        CustomerFactory(
            name="이서연",
            email="seoyeon@example.kr",
            phone="010-3333-4444",
            external_id="ERP-002",
            customer_group=wholesale,
        ),
        CustomerFactory(
            name="John Kimball",
            email="john@example.com",
            phone="+1 212 555 0100",
            external_id="US-7",
        ),
        CustomerFactory(
            name="Acme Trading",
            kind="company",
            email="sales@acme.test",
            phone="02-555-0000",
            external_id="ERP-003",
        ),
    ]


def names(page):
    return [c.name for c in page.items]


def test_list_is_newest_first(admin_user, people):
    assert names(customer_list(user=admin_user)) == [
        "Acme Trading",
        "John Kimball",
        "이서연",
        "김민준",
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kimb", ["John Kimball"]),  # substring, case-insensitive
        ("IMBAL", ["John Kimball"]),
        ("민준", []),  # two characters match only the start of the name
        ("김민", ["김민준"]),
        ("Ac", ["Acme Trading"]),  # short: start of the name, any case
        ("rading", ["Acme Trading"]),
        ("SEOYEON@example.kr", ["이서연"]),  # email, case-insensitive
        ("seoyeon@", ["이서연"]),
        ("010-3333", ["이서연"]),  # phone prefix in any format
        ("01011112222", ["김민준"]),
        ("ERP-00", ["Acme Trading", "이서연", "김민준"]),  # external id prefix
        ("nobody-matches", []),
    ],
)
def test_search(admin_user, people, branch_path, query, expected):
    assert names(customer_list(user=admin_user, query=query)) == expected


def test_search_treats_fts_syntax_as_text(admin_user, people):
    assert names(customer_list(user=admin_user, query='" OR name:*')) == []
    assert names(customer_list(user=admin_user, query="a AND b NOT c")) == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("100%", ["100% Cotton"]),  # LIKE's wildcards are plain text
        ("0% c", ["100% Cotton"]),
        ("a_b", ["a_b Ltd"]),
        ("a_", ["a_b Ltd"]),
        ("O'Br", ["O'Brien \\ Sons"]),
        ("n \\ s", ["O'Brien \\ Sons"]),
        ("%", []),
        ("_", []),
    ],
)
def test_search_treats_like_wildcards_and_quotes_as_text(admin_user, branch_path, query, expected):
    for name in ("100% Cotton", "1000 Cotton", "a_b Ltd", "axb Ltd", "O'Brien \\ Sons"):
        CustomerFactory(name=name, email="", phone="")
    assert names(customer_list(user=admin_user, query=query)) == expected


def test_filters(admin_user, people):
    assert names(customer_list(user=admin_user, filters=CustomerFilters(region="busan"))) == [
        "김민준"
    ]
    assert names(
        customer_list(user=admin_user, filters=CustomerFilters(customer_group="wholesale"))
    ) == ["이서연"]
    assert names(customer_list(user=admin_user, filters=CustomerFilters(kind="company"))) == [
        "Acme Trading"
    ]


def test_page_loads_groups_owners_and_scores_in_the_same_query(
    admin_user, people, django_assert_num_queries
):
    customer_list(user=admin_user)  # reads the user's role once, then keeps it on the user
    with django_assert_num_queries(1):
        page = customer_list(user=admin_user)
        assert [c.customer_group.code for c in page.items] == [
            "retail",
            "retail",
            "wholesale",
            "retail",
        ]
        assert [c.owner for c in page.items] == [None, None, None, None]


def test_unknown_group_matches_nothing(admin_user, people):
    unknown = CustomerFilters(customer_group="no-such-group")
    assert names(customer_list(user=admin_user, filters=unknown)) == []
    assert names(customer_list(user=admin_user, query="김", filters=unknown)) == []


def test_keyset_pages_forward_and_back(admin_user):
    made = [CustomerFactory(name=f"P{i:02d}") for i in range(7)]
    first = customer_list(user=admin_user, size=3)
    assert names(first) == ["P06", "P05", "P04"] and first.prev_cursor is None
    second = customer_list(user=admin_user, size=3, after=first.next_cursor)
    assert names(second) == ["P03", "P02", "P01"]
    last = customer_list(user=admin_user, size=3, after=second.next_cursor)
    assert names(last) == ["P00"] and last.next_cursor is None
    back = customer_list(user=admin_user, size=3, before=second.prev_cursor)
    assert names(back) == ["P06", "P05", "P04"] and back.prev_cursor is None
    assert len(made) == 7


def test_search_pages_keep_order(admin_user, branch_path):
    for i in range(5):
        CustomerFactory(name=f"Park {i}")
    CustomerFactory(name="Other")
    first = customer_list(user=admin_user, query="Park", size=2)
    assert names(first) == ["Park 4", "Park 3"]
    second = customer_list(user=admin_user, query="Park", size=2, after=first.next_cursor)
    assert names(second) == ["Park 2", "Park 1"]
    back = customer_list(user=admin_user, query="Park", size=2, before=second.prev_cursor)
    assert names(back) == ["Park 4", "Park 3"]


@pytest.mark.parametrize("query", ["Pa", "Park", "010-77"])
def test_search_pages_with_filters_forward_and_back(admin_user, branch_path, query):
    busan = [
        CustomerFactory(name=f"Park {i}", phone=f"010-7777-{i:04d}", region="busan")
        for i in range(5)
    ]
    CustomerFactory(name="Park Seoul", phone="010-7777-9999", region="seoul")
    only_busan = CustomerFilters(region="busan")
    first = customer_list(user=admin_user, query=query, filters=only_busan, size=2)
    assert names(first) == ["Park 4", "Park 3"] and first.prev_cursor is None
    second = customer_list(
        user=admin_user, query=query, filters=only_busan, size=2, after=first.next_cursor
    )
    assert names(second) == ["Park 2", "Park 1"]
    last = customer_list(
        user=admin_user, query=query, filters=only_busan, size=2, after=second.next_cursor
    )
    assert names(last) == ["Park 0"] and last.next_cursor is None
    back = customer_list(
        user=admin_user, query=query, filters=only_busan, size=2, before=second.prev_cursor
    )
    assert names(back) == ["Park 4", "Park 3"] and back.prev_cursor is None
    assert len(busan) == 5


def test_search_shows_a_sales_user_only_their_customers(sales, other_sales, branch_path):
    CustomerFactory(name="김하나", email="hana@example.kr", owner=sales)
    CustomerFactory(name="김두리", email="duri@example.kr", owner=other_sales)
    CustomerFactory(name="김세찌", email="sejji@example.kr", owner=sales)
    assert names(customer_list(user=sales, query="김")) == ["김세찌", "김하나"]
    assert names(customer_list(user=other_sales, query="김")) == ["김두리"]
    assert names(customer_list(user=sales, query="duri@example.kr")) == []
    assert names(customer_list(user=sales, query="김하나")) == ["김하나"]
