"""Reads of customers: the list with search and filters, and the 360 view's parts.

How search works
----------------
The list must answer in well under 50 ms at 1,000,000 customers on SQLite and PostgreSQL
(figures in docs/performance.md, from benchmarks/bench_customer_list.py). Three rules:

- **Keyset pages, no count.** Pages are ``id < cursor ORDER BY id DESC LIMIT 26``: the same
  cost at any depth; there is no total (a ``COUNT`` alone costs 13-60 ms at 1M).
- **One indexed query per field, merged here.** The search text becomes branches: an email
  (text with "@") is an email prefix; otherwise a phone prefix (normalised digits, if the
  text looks like a phone number), the name, an external-id prefix and an email prefix.
  Names match anywhere for three characters or more (SQLite: FTS5 trigram table; PostgreSQL:
  pg_trgm GIN on ``UPPER(name)``) and at the start, in any case, for one or two. Each branch
  returns at most a page past the cursor and the union is paged again; an ``OR`` across the
  fields would defeat every index.
- **The access path fits the term.** A rare term is read from its own index and sorted; a
  common one ('김' starts a fifth of all names) is found faster by walking the list newest
  first and checking each row, which needs a few hundred rows for a page. The choice is
  made from what the term's index holds, not from estimates: ``_branch_ids_sqlite`` reads
  at most ``DENSE_BRANCH_ROWS`` ids from the term's index (SQLite keeps no statistics on
  value ranges) and walks the list when there are more; an FTS5 match is read in rowid
  order, newest first, and stops at a full page. ``_branch_postgresql`` counts up to
  ``PG_FEW_MATCHES`` matches and walks at most ``PG_WALK_ROWS`` rows before sorting, because
  the planner's estimates missed terms whose matches sit among the oldest customers.

Filters and the role visibility rule are plain conditions on indexed ``(column, id)`` pairs,
so the newest-first walk also runs on the narrowest filter's index.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL

from dangol.core.customfields.filters import custom_filter_q
from dangol.core.errors import NotFoundError
from dangol.core.pagination import Page, keyset_page_by_id, page_of_ids
from dangol.core.prepared import PreparedQuery
from dangol.customers import permissions
from dangol.customers.models import (
    ConsentEvent,
    Customer,
    CustomerChurnBand,
    CustomerGroup,
    CustomerScore,
)
from dangol.customers.normalize import normalize_email, normalize_phone

# Queries shorter than this match the start of a name; longer ones match anywhere in it
# (trigram indexes need three characters to narrow anything down).
MIN_SUBSTRING_LENGTH = 3
_PHONE_LIKE = re.compile(r"^[\d\s+().-]+$")
PREFIX_END = "\uffff"
# Shown in the list; outer joins on the page's rows cost less than a query each.
LIST_RELATED = ("customer_group", "owner", "score")
# A search term with fewer matches than this is read whole through its index (SQLite).
DENSE_BRANCH_ROWS = 2000
# PostgreSQL search (see ``_branch_postgresql``): a term with fewer matches than this is
# read through its index and sorted; a commoner one walks at most PG_WALK_ROWS ids first.
PG_FEW_MATCHES = 2000
PG_WALK_ROWS = 20_000


@dataclass(frozen=True)
class CustomerFilters:
    """The list filters of the customer list (all optional)."""

    kind: str = ""
    customer_group: str = ""  # CustomerGroup.code
    region: str = ""
    status: str = ""
    owner: int | None = None
    value_tier: str = ""
    # Custom-field filters: ((form field name, value), ...), see core.customfields.filters.
    custom: tuple = ()
    # The customer's active custom-field definitions when the caller already read them.
    custom_definitions: tuple | None = field(default=None, compare=False)
    at_risk: bool = False  # churn risk at least AT_RISK_CHURN
    churn_band: int | None = None  # an index into CHURN_BAND_EDGES

    def apply(self, queryset: QuerySet) -> QuerySet:
        """Return ``queryset`` narrowed by the filters that are set."""
        if self.kind:
            queryset = queryset.filter(kind=self.kind)
        if self.customer_group:
            # Filter on the id, not through a join on the code: the planners then see which
            # group it is, use its statistics and combine its index with the others
            # (72 ms -> 2 ms for a rare combination at 1,000,000 customers on PostgreSQL).
            group_id = (
                CustomerGroup.objects.filter(code=self.customer_group)
                .values_list("id", flat=True)
                .first()
            )
            if group_id is None:
                return queryset.none()
            queryset = queryset.filter(customer_group_id=group_id)
        if self.region:
            queryset = queryset.filter(region=self.region)
        if self.status:
            queryset = queryset.filter(status=self.status)
        if self.owner is not None:
            queryset = queryset.filter(owner_id=self.owner)
        if self.value_tier:
            queryset = queryset.filter(score__value_tier=self.value_tier)
        if self.custom:
            definitions = (
                list(self.custom_definitions) if self.custom_definitions is not None else None
            )
            condition = custom_filter_q(
                entity="customer", values=dict(self.custom), definitions=definitions
            )
            if condition is not None:
                queryset = queryset.filter(condition)
        if self.at_risk:
            queryset = queryset.filter(score__churn_probability__gte=AT_RISK_CHURN)
        if self.churn_band is not None:
            low, high = churn_band_bounds(self.churn_band)
            queryset = queryset.filter(score__churn_probability__gte=low)
            if high is not None:
                queryset = queryset.filter(score__churn_probability__lt=high)
        return queryset


# A customer "at risk" on the home page and the list's risk filter: the churn model's
# default cut of the at-risk report (analytics.churn.selectors.DEFAULT_MIN_CHURN).
AT_RISK_CHURN = 0.5
# Churn-risk bands of the manager's home page: [0, .25), [.25, .5), [.5, .75), [.75, 1]; the
# cut AT_RISK_CHURN is an edge, so the at-risk count is a sum of whole bands.
CHURN_BAND_EDGES = (0.0, 0.25, 0.5, 0.75)


def churn_band_bounds(band: int) -> tuple[float, float | None]:
    """Return the churn risks ``[low, high)`` of ``band`` (``high`` None for the last)."""
    edges = CHURN_BAND_EDGES
    return edges[band], edges[band + 1] if band + 1 < len(edges) else None


def churn_band_label(band: int) -> str:
    """Return ``band`` as the home page and the list's filter show it, e.g. "50-75%"."""
    low, high = churn_band_bounds(band)
    return f"{round(low * 100)}-{round((high or 1) * 100)}%"


@dataclass(frozen=True)
class _Prefix:
    """A search branch: ``column`` starts with one of ``prefixes``."""

    column: str
    prefixes: tuple[str, ...]
    any_case: bool = False  # PostgreSQL: one ``istartswith`` instead of the variants


@dataclass(frozen=True)
class _Substring:
    """A search branch: the name contains ``text`` in any case (three characters or more)."""

    text: str


def _search_branches(query: str) -> list[_Prefix | _Substring]:
    """Return one indexed condition per field the search text may be about."""
    if "@" in query:
        return [_Prefix("email", (normalize_email(query),))]
    branches: list[_Prefix | _Substring] = []
    digits = normalize_phone(query)
    if _PHONE_LIKE.match(query) and len(digits) >= 3:
        branches.append(_Prefix("phone_digits", (digits,)))
    if len(query) < MIN_SUBSTRING_LENGTH:
        variants = {query, query.lower(), query.upper(), query[:1].upper() + query[1:].lower()}
        branches.append(_Prefix("name", tuple(sorted(variants)), any_case=True))
    else:
        branches.append(_Substring(query))
    branches.append(_Prefix("external_id", (query,)))
    if len(query) >= MIN_SUBSTRING_LENGTH:
        branches.append(_Prefix("email", (normalize_email(query),)))
    return branches


def _ordered_ids(queryset: QuerySet, *, size: int, after: int | None, before: int | None):
    """Return up to ``size + 1`` ids of ``queryset`` past the cursor, in walking order."""
    if before is not None:
        return list(
            queryset.filter(id__gt=before).order_by("id").values_list("id", flat=True)[: size + 1]
        )
    if after is not None:
        queryset = queryset.filter(id__lt=after)
    return list(queryset.order_by("-id").values_list("id", flat=True)[: size + 1])


def _like_condition(branch) -> tuple[str, list[str]]:
    """Return ``branch`` as a condition on the alias ``b``, in the form its index serves.

    The expressions are the ones Django writes for ``icontains``/``istartswith``/
    ``startswith`` (and the indexes of migrations 0003 and 0011 are built on), with the
    text escaped for ``LIKE`` the same way.
    """
    escape = connection.ops.prep_for_like_query
    if isinstance(branch, _Substring):  # GIN trigram on UPPER(name)
        return 'UPPER(b."name"::text) LIKE UPPER(%s)', [f"%{escape(branch.text)}%"]
    column = connection.ops.quote_name(branch.column)
    if branch.any_case:  # one pattern index on UPPER(column), migration 0003
        return f"UPPER(b.{column}::text) LIKE UPPER(%s)", [f"{escape(branch.prefixes[0])}%"]
    condition = " OR ".join(f"b.{column}::text LIKE %s" for _ in branch.prefixes)
    return f"({condition})", [f"{escape(prefix)}%" for prefix in branch.prefixes]


@dataclass(frozen=True)
class _BranchSql:
    """A search branch on PostgreSQL: either its ids (walked) or a query for them."""

    ids: tuple[int, ...] = ()
    sql: str = ""
    params: tuple = ()


def _match_counts(conditions: list[tuple[str, list]]) -> list[int]:
    """Return each condition's matches among all customers, counted up to ``PG_FEW_MATCHES``.

    One statement for every branch (index-only scans, stopping at the cap): the counts
    decide each branch's path and cost a round trip, not one per branch.
    """
    counts = ", ".join(
        f'(SELECT count(*) FROM (SELECT 1 FROM "customers_customer" b WHERE {condition}'
        " LIMIT %s) m)"
        for condition, _ in conditions
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {counts}", [p for _, like in conditions for p in (*like, PG_FEW_MATCHES)]
        )
        return list(cursor.fetchone())


def _branch_postgresql(
    base: tuple[str, tuple],
    branch: tuple[str, list],
    *,
    matches: int,
    size: int,
    after: int | None,
    before: int | None,
) -> _BranchSql:
    """Return a branch's ids past the cursor, or the query reading them.

    Left to itself, PostgreSQL picks between reading the term's index (then sorting) and
    walking the primary key newest first until a page matches, from an estimate that
    assumes the matches spread evenly over the ids and that its estimate of the matches
    is right. Neither holds for every term: a prefix whose matches all sit among the
    oldest customers (the demo's ``order1``... order desks) or a full name the trigram
    statistics think common walks most of the table (0.2-1 s at 1M). So the path follows
    what small queries find rather than the estimate:

    - fewer than ``PG_FEW_MATCHES`` matches in all (counted, stopping
      there): read them and sort (``id + 0`` keeps the primary key from providing the
      order);
    - more: walk only the ``PG_WALK_ROWS`` ids next past the cursor, which holds a page
      for any term spread evenly enough to be worth walking;
    - the walk fell short: read the matches and sort after all.

    ``base`` is the list's query (filters and visibility) as SQL selecting the searched
    columns, ``branch`` the term's condition (``_like_condition``) and ``matches`` its
    count (``_match_counts``). The statements are written here rather than through the
    ORM because compiling them cost more CPU than running them (docs/performance.md,
    "Under load").
    """
    base_sql, base_params = base
    condition, like = branch
    past, cursor_params, direction = _past_cursor(after=after, before=before)
    where, params = f"{condition} AND {past}", [*like, *cursor_params]
    sort_read = _BranchSql(
        sql=f"SELECT b.id FROM ({base_sql}) b WHERE {where} ORDER BY b.id + 0 {direction} LIMIT %s",
        params=(*base_params, *params, size + 1),
    )
    # Counted without the list's filters: an upper bound of the rows the sort reads.
    if matches < PG_FEW_MATCHES:
        return sort_read
    window, window_params = _walk_window(after=after, before=before)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT b.id FROM ({base_sql}) b WHERE {where} AND {window}"
            f" ORDER BY b.id {direction} LIMIT %s",
            [*base_params, *params, *window_params, size + 1],
        )
        walked = tuple(row[0] for row in cursor.fetchall())
    return _BranchSql(ids=walked) if len(walked) > size else sort_read


def _past_cursor(*, after: int | None, before: int | None) -> tuple[str, list[int], str]:
    """Return the condition "past the cursor" on ``b.id``, its parameters and the walk's order.

    Going back (``before``) walks oldest first; the page is turned newest first afterwards.
    """
    if before is not None:
        return "b.id > %s", [before], "ASC"
    if after is not None:
        return "b.id < %s", [after], "DESC"
    return "TRUE", [], "DESC"


def _walk_window(*, after: int | None, before: int | None) -> tuple[str, list[int]]:
    """Return the condition "among the ``PG_WALK_ROWS`` ids next past the cursor".

    Ids are dense (gaps are deleted customers), so the window is a range of ids: the
    walk reads at most ``PG_WALK_ROWS`` rows, with no query to find the range's end.
    """
    if before is not None:
        return "b.id < %s", [before + 1 + PG_WALK_ROWS]
    if after is not None:
        return "b.id > %s", [after - 1 - PG_WALK_ROWS]
    newest = 'SELECT id FROM "customers_customer" ORDER BY id DESC LIMIT 1'
    return f"b.id > COALESCE(({newest}), 0) - %s", [PG_WALK_ROWS]


def _branch_ids_sqlite(base: QuerySet, branch, *, narrowed: bool, size, after, before) -> list[int]:
    """Return a branch's ids past the cursor, choosing the access path by the term's size.

    SQLite keeps no statistics on value ranges, so the choice is made here: a term with
    fewer than ``DENSE_BRANCH_ROWS`` matches is read whole from its index and sorted; a
    more common one is checked row by row while walking the list newest first (on the
    primary key, or on the index of a filter), which finds a page within a few thousand
    rows. A name substring walks the FTS5 index in rowid order and stops at a full page.
    """
    if isinstance(branch, _Substring):
        phrase = '"' + branch.text.replace('"', '""') + '"'
        where = [
            "customers_customer_fts.rowid = customers_customer.id",
            "customers_customer_fts MATCH %s",
        ]
        params: list = [phrase]
        if before is not None:
            where.append("customers_customer_fts.rowid > %s")
            params.append(before)
        elif after is not None:
            where.append("customers_customer_fts.rowid < %s")
            params.append(after)
        # Fixed SQL with bound parameters; the ORM has no lookup for an FTS5 MATCH.
        walk = base.extra(  # noqa: S610
            tables=["customers_customer_fts"],
            where=where,
            params=params,
            select={"fts_rowid": "customers_customer_fts.rowid"},
            # Ordering by the FTS rowid lets FTS5 deliver rows in order: no sort, early stop.
            order_by=["fts_rowid" if before is not None else "-fts_rowid"],
        )
        return list(walk.values_list("id", flat=True)[: size + 1])
    ranges = [(prefix, prefix + PREFIX_END) for prefix in branch.prefixes]
    found: set[int] = set()
    for low, high in ranges:
        probe = Customer.objects.filter(
            **{f"{branch.column}__gte": low, f"{branch.column}__lt": high}
        ).values_list("id", flat=True)[:DENSE_BRANCH_ROWS]
        found.update(probe)
        if len(found) >= DENSE_BRANCH_ROWS:
            break
    if len(found) < DENSE_BRANCH_ROWS:
        # Every match is known: keep the ones past the cursor, newest first (or oldest
        # first when going back), and let the filters have their say.
        if before is not None:
            candidates = sorted(i for i in found if i > before)
        else:
            candidates = sorted((i for i in found if after is None or i < after), reverse=True)
        if not narrowed:
            return candidates[: size + 1]
        order = "id" if before is not None else "-id"
        matching = base.filter(id__in=candidates).order_by(order)
        return list(matching.values_list("id", flat=True)[: size + 1])
    # A common term: the unary ``+`` keeps SQLite off the term's index so that it walks ids.
    column = f'+"customers_customer".{connection.ops.quote_name(branch.column)}'
    where = " OR ".join(f"({column} >= %s AND {column} < %s)" for _ in ranges)
    walk = base.extra(where=[where], params=[v for pair in ranges for v in pair])  # noqa: S610
    return _ordered_ids(walk, size=size, after=after, before=before)


# The searched columns: the branches' conditions read them from the list's query.
_SEARCHED_COLUMNS = ("id", "name", "email", "phone_digits", "external_id")


def _merge_pages_postgresql(base: QuerySet, branches: list, *, size: int, after, before) -> Page:
    """Return one keyset page over the union of ``branches``, each planned on its own."""
    try:
        base_sql = base.order_by().values(*_SEARCHED_COLUMNS).query.sql_with_params()
    except EmptyResultSet:
        return Page(items=[])
    conditions = [_like_condition(branch) for branch in branches]
    found = [
        _branch_postgresql(
            base_sql, condition, matches=matches, size=size, after=after, before=before
        )
        for condition, matches in zip(conditions, _match_counts(conditions), strict=True)
    ]
    ids = {i for branch in found for i in branch.ids}
    reads = [branch for branch in found if branch.sql]
    if reads:
        union = " UNION ".join(f"({branch.sql})" for branch in reads)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id FROM ({union}) u", [p for branch in reads for p in branch.params]
            )
            ids.update(row[0] for row in cursor.fetchall())
    return page_of_ids(_list_rows_by_ids, ids, size=size, after=after, before=before)


def _list_rows_query(ids: list[int]) -> QuerySet:
    # One array parameter rather than ``__in``'s placeholder per id: the SQL is the same for
    # every page, so it is compiled once per connection (core.prepared).
    return Customer.objects.select_related(*LIST_RELATED).filter(
        RawSQL('"customers_customer"."id" = ANY(%s::bigint[])', (ids,), BooleanField())
    )


_list_rows_by_ids = PreparedQuery(_list_rows_query)


def _merge_pages(
    base: QuerySet, branches: list, *, narrowed: bool, size: int, after, before
) -> Page:
    """Return one keyset page over the union of ``branches`` (each indexed on its own).

    Each branch yields at most ``size + 1`` ids past the cursor; merging them gives the
    same page an OR would, without the OR that defeats every index.
    """
    page_rows = Customer.objects.select_related(*LIST_RELATED)
    if connection.vendor == "postgresql":
        return _merge_pages_postgresql(base, branches, size=size, after=after, before=before)
    # SQLite answers in process (no round trips to save) and picks each path after a probe.
    ids: set[int] = set()
    for branch in branches:
        ids.update(
            _branch_ids_sqlite(
                base, branch, narrowed=narrowed, size=size, after=after, before=before
            )
        )
    return keyset_page_by_id(page_rows.filter(id__in=ids), size=size, after=after, before=before)


def customer_list(
    *,
    user,
    query: str = "",
    filters: CustomerFilters | None = None,
    after: int | None = None,
    before: int | None = None,
    size: int = 25,
) -> Page:
    """Return a page of the customers ``user`` may see, newest first.

    :param query: free text; an email, a phone number, an external id or part of a name.
    :param after: the last id of the page before (next page); ``before`` goes back.
    """
    # Trashed customers are hidden; almost every row passes, so the walk on the primary
    # key (or a filter's index) checks it per row at no measurable cost.
    queryset = permissions.restrict_visible(Customer.objects.filter(deleted_at__isnull=True), user)
    if filters is not None:
        queryset = filters.apply(queryset)
    query = (query or "").strip()[:100]
    if not query and filters is not None and filters.region:
        ids = _region_ids(
            queryset, user=user, region=filters.region, size=size, after=after, before=before
        )
        if ids is not None and connection.vendor == "postgresql":
            return page_of_ids(_list_rows_by_ids, ids, size=size, after=after, before=before)
        if ids is not None:
            queryset = queryset.filter(id__in=ids)
    if not query:
        page = keyset_page_by_id(
            queryset.select_related(*LIST_RELATED), size=size, after=after, before=before
        )
    else:
        page = _merge_pages(
            queryset,
            _search_branches(query),
            narrowed=queryset.query.has_filters(),
            size=size,
            after=after,
            before=before,
        )
    return page


# Territories make region and owner correlated, which PostgreSQL's planner does not know:
# a manager's customers in a region their team hardly serves were found by walking the
# primary key through every customer (290 ms at 1M customers; docs/performance.md, "Under
# load"). Instead each visible owner's page is read on the (region, owner, id) index (at
# most size + 1 entries each) and the page is cut from their union.
REGION_SLICE_OWNERS = 20


def _region_ids(
    queryset: QuerySet,
    *,
    user,
    region: str,
    size: int,
    after: int | None,
    before: int | None,
) -> list[int] | None:
    """Return the ids a region's page is cut from, or ``None`` to walk ``queryset`` itself."""
    owner_ids = permissions.visible_owner_ids(user)
    if owner_ids is None or len(owner_ids) > REGION_SLICE_OWNERS:
        return None  # sees everyone: the (region, id) index serves the walk
    if not owner_ids:
        return []
    if connection.vendor == "postgresql":
        return _region_ids_postgresql(
            queryset, owner_ids, region=region, size=size, after=after, before=before
        )
    parts = []
    for owner_id in owner_ids:
        part = queryset.filter(region=region, owner_id=owner_id)
        if before is not None:
            part = part.filter(id__gt=before).order_by("id")
        else:
            part = part.filter(id__lt=after) if after is not None else part
            part = part.order_by("-id")
        parts.append(part.values_list("id", flat=True)[: size + 1])
    if len(parts) == 1:
        return list(parts[0])
    if connection.features.supports_slicing_ordering_in_compound:
        return list(parts[0].union(*parts[1:], all=True))
    return [pk for part in parts for pk in part]


def _region_ids_postgresql(
    queryset: QuerySet, owner_ids: list[int], *, region: str, size: int, after, before
) -> list[int]:
    # Written as SQL over the list's query, like the search branches: compiling one ORM
    # subquery per owner cost more CPU than running them.
    try:
        base_sql, base_params = (
            queryset.order_by().values("id", "region", "owner_id").query.sql_with_params()
        )
    except EmptyResultSet:
        return []
    past, cursor_params, direction = _past_cursor(after=after, before=before)
    part = (
        f"(SELECT b.id FROM ({base_sql}) b WHERE b.region = %s AND b.owner_id = %s AND {past}"
        f" ORDER BY b.id {direction} LIMIT %s)"
    )
    sql = " UNION ALL ".join(part for _ in owner_ids)
    values = [
        value
        for owner_id in owner_ids
        for value in (*base_params, region, owner_id, *cursor_params, size + 1)
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        return [row[0] for row in cursor.fetchall()]


def customer_search_condition(query: str) -> Q | None:
    """Return the condition the list's search box applies, for reads of every match.

    The same branches as ``customer_list`` (and the same matching: the FTS5 trigram
    table on SQLite, ``icontains`` on PostgreSQL, the same prefix ranges), OR-ed into one
    condition without paging: for exports of the list. ``None`` for an empty query.
    """
    query = (query or "").strip()[:100]
    if not query:
        return None
    condition = Q()
    for branch in _search_branches(query):
        if isinstance(branch, _Substring):
            if connection.vendor == "postgresql":
                condition |= Q(name__icontains=branch.text)
            else:
                phrase = '"' + branch.text.replace('"', '""') + '"'
                matches = RawSQL(
                    "SELECT rowid FROM customers_customer_fts WHERE customers_customer_fts "
                    "MATCH %s",
                    [phrase],
                )
                condition |= Q(id__in=matches)
        elif branch.any_case and connection.vendor == "postgresql":
            condition |= Q(**{f"{branch.column}__istartswith": branch.prefixes[0]})
        elif connection.vendor == "postgresql":
            for prefix in branch.prefixes:
                condition |= Q(**{f"{branch.column}__startswith": prefix})
        else:  # SQLite: the byte ranges ``_branch_ids_sqlite`` reads (case-sensitive)
            for prefix in branch.prefixes:
                condition |= Q(
                    **{f"{branch.column}__gte": prefix, f"{branch.column}__lt": prefix + PREFIX_END}
                )
    return condition


def customer_get(*, user, pk: int) -> Customer:
    """Return the customer ``pk`` if ``user`` may see it, else raise ``NotFoundError``.

    Not-visible and missing look the same, so ids cannot be probed.
    """
    rows = _customer_by_pk(pk)
    customer = rows[0] if rows else None
    if customer is None or not permissions.can_see(user, customer):
        raise NotFoundError("No such customer")
    return customer


def customer_score(*, customer: Customer) -> CustomerScore | None:
    """Return the analytic scores of ``customer``, or ``None`` before the first analysis."""
    rows = _score_of_customer(customer.pk)
    return rows[0] if rows else None


def customer_consent_history(*, customer: Customer, limit: int = 20) -> list[ConsentEvent]:
    """Return the latest consent grants and withdrawals of ``customer``, newest first."""
    return list(
        ConsentEvent.objects.filter(customer=customer)
        .select_related("actor")
        .order_by("-occurred_at", "-id")[:limit]
    )


def customer_contacts(*, user, company: Customer) -> list[Customer]:
    """Return the people recorded as contacts of ``company`` that ``user`` may see."""
    qs = permissions.restrict_visible(
        Customer.objects.filter(company=company, deleted_at__isnull=True), user
    )
    return list(qs.order_by("name")[:50])


def customer_group_list() -> list[CustomerGroup]:
    """Return every customer group, by name."""
    return _groups_by_name()


# Read helpers of the list filters and the 360 page.


def customer_owner_choices(*, user) -> list:
    """Return the staff users ``user`` may filter the customer list by, by username.

    Roles seeing every customer choose among all active staff; a manager among their
    team and themselves; a sales representative only themselves.
    """
    from dangol.accounts.roles import Role, user_role

    role = user_role(user)
    if role in permissions.ROLES_SEEING_ALL:
        return _owners_all()
    if role is Role.MANAGER and user.team_id is not None:
        return _owners_of_team(user.team_id, user.pk)
    if role in (Role.MANAGER, Role.SALES):
        return _owners_self(user.pk)
    return []


def _active_users(condition: Q | None = None) -> QuerySet:
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.filter(is_active=True)
    if condition is not None:
        users = users.filter(condition)
    return users.order_by("username")[:500]


# The list's filter choices, read on every list page: compiled once per connection
# (core/prepared.py).
_groups_by_name = PreparedQuery(lambda: CustomerGroup.objects.order_by("name"))
_owners_all = PreparedQuery(_active_users)
_owners_of_team = PreparedQuery(lambda team_id, pk: _active_users(Q(team_id=team_id) | Q(pk=pk)))
_owners_self = PreparedQuery(lambda pk: _active_users(Q(pk=pk)))


def customer_consent_latest(*, customer: Customer) -> dict[str, ConsentEvent | None]:
    """Return the latest grant or withdrawal per consent channel (``None`` if never).

    One query for all channels: the newest event per channel by a window over the
    ``(customer, channel, occurred_at)`` index, not one query per channel.
    """
    from dangol.customers.choices import ConsentChannel

    latest: dict[str, ConsentEvent | None] = dict.fromkeys(ConsentChannel.values)
    latest.update((event.channel, event) for event in _consent_latest_of_customer(customer.pk))
    return latest


# The 360 page's and the API's reads by id: compiled once per connection (core/prepared.py).
# ``first()`` is ``order_by("pk")[:1]`` on an unordered queryset: the same SQL.
_customer_by_pk = PreparedQuery(
    lambda pk: (
        Customer.objects.select_related("customer_group", "owner", "owner__team", "company")
        .filter(pk=pk)
        .order_by("pk")[:1]
    )
)
_score_of_customer = PreparedQuery(
    lambda customer_id: CustomerScore.objects.filter(customer_id=customer_id).order_by("pk")[:1]
)


def _consent_latest_query(customer_id: int):
    from django.db.models import F, Window
    from django.db.models.functions import RowNumber

    newest_first = [F("occurred_at").desc(), F("id").desc()]
    return (
        ConsentEvent.objects.filter(customer_id=customer_id)
        .select_related("actor")
        .annotate(rank=Window(RowNumber(), partition_by=[F("channel")], order_by=newest_first))
        .filter(rank=1)
    )


_consent_latest_of_customer = PreparedQuery(_consent_latest_query)


def customer_duplicates_find(*, email: str = "", phone: str = "", limit: int = 5) -> list[Customer]:
    """Return existing customers with the same email or phone (normalised), oldest first.

    Email is compared lower-cased, the phone as national digits (``+82 10-…`` equals
    ``010…``): each an indexed equality, so the check costs the same at any table size.
    """
    from dangol.customers.normalize import normalize_email, normalize_phone

    address, digits = normalize_email(email), normalize_phone(phone)
    condition = Q(pk__in=[])
    if address:
        condition |= Q(email=address)
    if len(digits) >= 8:  # shorter strings are extensions or typos, not identities
        condition |= Q(phone_digits=digits)
    return list(Customer.objects.filter(condition).order_by("id")[:limit])


def customer_list_by_ids(*, user, ids) -> list[Customer]:
    """Return the customers with ``ids`` that ``user`` may see."""
    live = Customer.objects.filter(pk__in=list(ids), deleted_at__isnull=True)
    return list(permissions.restrict_visible(live, user))


def category_budget_table():
    """Return every known category budget as a pyarrow Table, read in one query.

    Columns: ``customer_id``, ``category_id``, ``category_path`` ("A > B"),
    ``annual_budget`` (decimal). For the share-of-wallet analysis, which joins it with the
    warehouse in DuckDB; ``values_list`` reads plain tuples, no model objects.
    """
    import pyarrow as pa

    from dangol.customers.models import CategoryBudget

    rows = list(
        CategoryBudget.objects.order_by("customer_id", "category_id").values_list(
            "customer_id", "category_id", "category__path", "annual_budget"
        )
    )
    columns = list(zip(*rows, strict=True)) if rows else [(), (), (), ()]
    return pa.table(
        {
            "customer_id": pa.array(columns[0], type=pa.int64()),
            "category_id": pa.array(columns[1], type=pa.int64()),
            "category_path": pa.array(columns[2], type=pa.string()),
            "annual_budget": pa.array(columns[3], type=pa.decimal128(14, 2)),
        }
    )


def customer_count(*, user, filters: CustomerFilters) -> int:
    """Return how many customers the list shows for ``filters`` (one COUNT; no search)."""
    live = Customer.objects.filter(deleted_at__isnull=True)
    return filters.apply(permissions.restrict_visible(live, user)).count()


@dataclass(frozen=True)
class ChurnBands:
    """Live churn-scored customers per churn-risk band, from the summary the scoring keeps.

    ``bands``: one dict per band (``band``, ``low``, ``high`` or None, ``customers``);
    ``by_owner``: ``{owner_id or None: [customers per band]}``; ``as_of``: when the scores
    were counted (None before the first scoring run).
    """

    bands: list[dict]
    by_owner: dict
    as_of: object

    @property
    def at_risk(self) -> int:
        """Return the customers in the bands at or above ``AT_RISK_CHURN``."""
        return sum(b["customers"] for b in self.bands if b["low"] >= AT_RISK_CHURN)

    @property
    def scored(self) -> int:
        return sum(b["customers"] for b in self.bands)


def customer_churn_band_summary(*, user, owner_id: int | None = None) -> ChurnBands:
    """Return the churn bands of the customers ``user`` sees (only ``owner_id``'s if given).

    Read from ``CustomerChurnBand`` (a few rows per owner), not counted through a million
    scores: exact as of the last scoring run, owner changes and trash included (see
    ``score_services.customer_churn_bands_track``). Trashed customers are not counted;
    customers nobody owns count for those who see everyone.
    """
    owners = permissions.visible_owner_ids(user)
    rows = CustomerChurnBand.objects.all()
    if owners is not None:
        rows = rows.filter(owner_id__in=owners)
    if owner_id is not None:
        rows = rows.filter(owner_id=owner_id)
    n = len(CHURN_BAND_EDGES)
    by_owner: dict = {}
    as_of = None
    for owner, band, customers, computed_at in rows.values_list(
        "owner_id", "band", "customers", "computed_at"
    ):
        by_owner.setdefault(owner, [0] * n)[band] += customers
        as_of = computed_at if as_of is None else max(as_of, computed_at)
    totals = [sum(counts[i] for counts in by_owner.values()) for i in range(n)]
    bands = [
        {"band": i, "low": low, "high": high, "customers": totals[i]}
        for i, (low, high) in enumerate(churn_band_bounds(i) for i in range(n))
    ]
    return ChurnBands(bands=bands, by_owner=by_owner, as_of=as_of)


def customer_churn_bands(*, user) -> list[dict]:
    """Return the visible live scored customers per churn-risk band (``CHURN_BAND_EDGES``).

    Each row: ``low``, ``high`` (None for the last band) and ``customers``; read from the
    summary (``customer_churn_band_summary``).
    """
    return [
        {"low": b["low"], "high": b["high"], "customers": b["customers"]}
        for b in customer_churn_band_summary(user=user).bands
    ]


def customer_erased_ids() -> set[int]:
    """Return the ids of every customer whose personal data was erased.

    Read from the history (the erasure's audit entry) and from the erasure log, so an
    erasure counts from the moment its transaction commits and after any restore.
    Derived stores (the warehouse, the web-analytics store) redact these ids.
    """
    from django.contrib.contenttypes.models import ContentType

    from dangol.core.audit.models import AuditAction, AuditEntry
    from dangol.customers.erasure_log import erasure_log_read

    content_type = ContentType.objects.get_for_model(Customer)
    audited = AuditEntry.objects.filter(content_type=content_type, action=AuditAction.ERASE)
    ids = {int(pk) for pk in audited.values_list("object_id", flat=True)}
    # The log is authoritative as for a restore (``erasure_log.erasures_reapply``).
    return ids | set(erasure_log_read())
