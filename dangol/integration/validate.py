"""Validate import tables column by column, with vectorised pandas operations.

A million rows cannot be checked one Python call at a time within the time budget, so
each rule is one operation over a whole column that returns the mask of bad rows; the
masks become rejects (line, column, value, reason). What passes is converted to the
types the bulk writers take.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from django.conf import settings

from dangol.core.customfields.imports import custom_columns_clean
from dangol.core.customfields.selectors import custom_field_definitions
from dangol.integration.errors import ImportFileError, IntegrationErrorCode
from dangol.sales.choices import LossReason, OpportunityChannel
from dangol.service.choices import TicketChannel, TicketKind, TicketPriority, TicketStatus

REJECT_COLUMNS = ["line", "column", "value", "reason"]
MAX_REJECT_VALUE = 200

_CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
_EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
_PHONE = r"^[0-9+() .\-/]*$"
_AMOUNT = r"^-?\d{1,12}(\.\d{1,2})?$"
_TOO_PRECISE = r"^-?\d+\.\d{3,}$"

TRUE_WORDS = ("1", "true", "t", "y", "yes", "on", "o", "예", "네", "동의", "참")
FALSE_WORDS = ("0", "false", "f", "n", "no", "off", "x", "아니오", "아니요", "미동의", "거짓")


def _aliases(choices: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """Return a map from every accepted spelling (lower case) to the stored code."""
    out: dict[str, str] = {}
    for code, words in choices.items():
        out[code.lower()] = code
        for word in words:
            out[word.lower()] = code
    return out


KIND_CHOICES = _aliases({"person": ("개인", "individual"), "company": ("법인", "회사", "기업")})
GENDER_CHOICES = _aliases(
    {
        "female": ("f", "여", "여성", "여자", "woman"),
        "male": ("m", "남", "남성", "남자", "man"),
        "other": ("o", "기타"),
        "": ("unknown", "u", "미상", "알수없음"),
    }
)
REGION_CHOICES = _aliases(
    {
        "seoul": ("서울", "서울시", "서울특별시"),
        "busan": ("부산", "부산시", "부산광역시"),
        "daegu": ("대구", "대구시", "대구광역시"),
        "incheon": ("인천", "인천시", "인천광역시"),
        "gwangju": ("광주", "광주시", "광주광역시"),
        "daejeon": ("대전", "대전시", "대전광역시"),
        "ulsan": ("울산", "울산시", "울산광역시"),
        "sejong": ("세종", "세종시", "세종특별자치시"),
        "gyeonggi": ("경기", "경기도"),
        "gangwon": ("강원", "강원도", "강원특별자치도"),
        "chungbuk": ("충북", "충청북도", "north chungcheong"),
        "chungnam": ("충남", "충청남도", "south chungcheong"),
        "jeonbuk": ("전북", "전라북도", "전북특별자치도", "north jeolla"),
        "jeonnam": ("전남", "전라남도", "south jeolla"),
        "gyeongbuk": ("경북", "경상북도", "north gyeongsang"),
        "gyeongnam": ("경남", "경상남도", "south gyeongsang"),
        "jeju": ("제주", "제주도", "제주특별자치도"),
        "abroad": ("해외", "overseas"),
        "": ("unknown", "미상"),
    }
)
STATUS_CHOICES = _aliases(
    {
        "lead": ("리드", "잠재"),
        "prospect": ("가망", "가망고객"),
        "customer": ("고객", "활성"),
        "churned": ("이탈", "휴면"),
    }
)
_CHANNELS = {
    "store": ("매장", "오프라인"),
    "online": ("온라인", "웹", "web"),
    "call_center": ("콜센터", "call center", "전화"),
    "field_sales": ("방문판매", "영업", "field sales"),
    "partner": ("파트너", "제휴"),
}
ACQUISITION_CHOICES = _aliases(
    {**_CHANNELS, "referral": ("추천", "소개"), "campaign": ("캠페인",), "": ("unknown",)}
)
SALES_CHANNEL_CHOICES = _aliases(_CHANNELS)
ORDER_STATUS_CHOICES = _aliases(
    {
        "pending": ("대기", "접수"),
        "paid": ("결제완료", "결제"),
        "shipped": ("배송중", "발송"),
        "completed": ("완료", "구매확정"),
        "cancelled": ("취소", "canceled"),
        "returned": ("반품",),
    }
)


@dataclass(frozen=True)
class Column:
    """How one canonical column is read.

    ``required``: the column must be in the file (its absence stops the import);
    ``not_empty``: every row needs a value; ``default``: the value of an empty cell.
    """

    name: str
    type: str = "text"  # text, email, phone, date, datetime, decimal, int, bool, choice
    required: bool = False
    not_empty: bool = False
    max_length: int | None = None
    choices: dict[str, str] | None = None
    default: object = ""
    until_today: bool = True  # a date column: reject days after today (birth dates)


CUSTOMER_COLUMNS = [
    Column("external_id", required=True, not_empty=True, max_length=64),
    Column("kind", "choice", choices=KIND_CHOICES, default="person"),
    Column("name", required=True, not_empty=True, max_length=200),
    Column("email", "email", max_length=254),
    Column("phone", "phone", max_length=32),
    Column("gender", "choice", choices=GENDER_CHOICES),
    Column("birth_date", "date"),
    Column("region", "choice", choices=REGION_CHOICES),
    Column("city", max_length=64),
    Column("customer_group", max_length=100),
    Column("acquisition_channel", "choice", choices=ACQUISITION_CHOICES),
    Column("status", "choice", choices=STATUS_CHOICES, default="lead"),
    Column("consent_email", "bool", default=False),
    Column("consent_sms", "bool", default=False),
    Column("consent_phone", "bool", default=False),
    Column("consent_post", "bool", default=False),
]
PRODUCT_COLUMNS = [
    Column("sku", required=True, not_empty=True, max_length=64),
    Column("name", required=True, not_empty=True, max_length=200),
    Column("category_path", max_length=500),
    Column("unit_price", "decimal", required=True, not_empty=True),
    Column("unit_cost", "decimal", default="0"),
    Column("active", "bool", default=True),
]
ORDER_COLUMNS = [
    Column("order_number", required=True, not_empty=True, max_length=64),
    Column("customer_external_id", required=True, not_empty=True, max_length=64),
    Column("ordered_at", "datetime", required=True, not_empty=True),
    Column("sku", required=True, not_empty=True, max_length=64),
    Column("quantity", "int", required=True, not_empty=True),
    Column("unit_price", "decimal", required=True, not_empty=True),
    Column("discount", "decimal", default="0"),
    Column("channel", "choice", required=True, not_empty=True, choices=SALES_CHANNEL_CHOICES),
    Column("status", "choice", choices=ORDER_STATUS_CHOICES, default="completed"),
]
BUDGET_COLUMNS = [
    Column("customer_external_id", required=True, not_empty=True, max_length=64),
    Column("category_path", required=True, not_empty=True, max_length=500),
    Column("annual_budget", "decimal", required=True, not_empty=True),
]
# Tickets and opportunities: a row with an ``id`` updates that record, a row without one
# creates a record (then the columns in ``CREATE_REQUIRED`` need a value). Choice cells
# default to empty: on an update an empty cell leaves the stored value alone.
TICKET_COLUMNS = [
    Column("id", "int"),
    Column("customer_external_id", max_length=64),
    Column("subject", max_length=200),
    Column("kind", "choice", choices=_aliases(dict.fromkeys(TicketKind.values, ()))),
    Column("channel", "choice", choices=_aliases(dict.fromkeys(TicketChannel.values, ()))),
    Column("status", "choice", choices=_aliases(dict.fromkeys(TicketStatus.values, ()))),
    Column("priority", "choice", choices=_aliases(dict.fromkeys(TicketPriority.values, ()))),
    Column("category", max_length=40),
    Column("queue", max_length=40),
    Column("assignee", max_length=150),
    Column("product_sku", max_length=64),
    Column("opened_at", "datetime"),
    Column("first_responded_at", "datetime"),
    Column("resolved_at", "datetime"),
    Column("closed_at", "datetime"),
]
OPPORTUNITY_COLUMNS = [
    Column("id", "int"),
    Column("customer_external_id", max_length=64),
    Column("name", max_length=200),
    Column("stage", max_length=40),
    Column("amount", "decimal"),
    Column("expected_close", "date", until_today=False),
    Column("owner", max_length=150),
    Column("channel", "choice", choices=_aliases(dict.fromkeys(OpportunityChannel.values, ()))),
    Column("loss_reason", "choice", choices=_aliases(dict.fromkeys(LossReason.values, ()))),
    Column("outcome_note", max_length=5000),
    Column("closed_at", "datetime"),
]
CREATE_REQUIRED = {
    "tickets": ("customer_external_id", "subject", "channel"),
    "opportunities": (
        "customer_external_id",
        "name",
        "amount",
        "expected_close",
        "owner",
        "channel",
    ),
}
SPECS: dict[str, list[Column]] = {
    "customers": CUSTOMER_COLUMNS,
    "products": PRODUCT_COLUMNS,
    "orders": ORDER_COLUMNS,
    "budgets": BUDGET_COLUMNS,
    "tickets": TICKET_COLUMNS,
    "opportunities": OPPORTUNITY_COLUMNS,
}
# Import kinds whose ``cf_<key>`` columns are custom fields of this record type.
CUSTOM_FIELD_ENTITIES = {
    "customers": "customer",
    "products": "product",
    "tickets": "ticket",
    "opportunities": "opportunity",
}
KEYS = {
    "customers": ("external_id",),
    "products": ("sku",),
    "orders": ("order_number", "sku"),
    "budgets": ("customer_external_id", "category_path"),
    "tickets": ("id",),
    "opportunities": ("id",),
}


@dataclass
class Validated:
    """The rows that passed (typed, indexed by line), the columns the file had, the rejects."""

    frame: pd.DataFrame
    present: frozenset[str]
    rejects: pd.DataFrame
    rows_read: int = 0
    bad_lines: frozenset[int] = field(default_factory=frozenset)


class _Collector:
    """Accumulate reject tables; each rule adds the rows its mask selects."""

    def __init__(self) -> None:
        self.parts: list[pd.DataFrame] = []

    def add(self, mask: pd.Series, column: str, values: pd.Series, reason) -> None:
        if not mask.any():
            return
        picked = values[mask].astype(str).str.slice(0, MAX_REJECT_VALUE)
        reasons = reason[mask] if isinstance(reason, pd.Series) else reason
        self.parts.append(
            pd.DataFrame(
                {"line": picked.index, "column": column, "value": picked.values, "reason": reasons}
            )
        )

    def add_rows(self, rows: list[tuple[int, str, str, str]]) -> None:
        if rows:
            self.parts.append(pd.DataFrame(rows, columns=REJECT_COLUMNS))

    def table(self) -> pd.DataFrame:
        if not self.parts:
            return pd.DataFrame(columns=REJECT_COLUMNS).astype({"line": "int64"})
        out = pd.concat(self.parts, ignore_index=True)
        out["line"] = out["line"].astype("int64")
        return out.sort_values(["line", "column"], kind="stable").reset_index(drop=True)


def apply_mapping(frame: pd.DataFrame, mapping: dict[str, str]) -> pd.DataFrame:
    """Rename source headers to canonical names (``--map source=target``)."""
    missing = [source for source in mapping if source not in frame.columns]
    if missing:
        raise ImportFileError(
            f"--map names a column the file does not have: {', '.join(missing)}; "
            f"the file has: {', '.join(map(str, frame.columns))}",
            code=IntegrationErrorCode.BAD_MAPPING,
        )
    return frame.rename(columns=mapping)


def check_columns(kind: str, frame: pd.DataFrame) -> None:
    """Stop with a clear error when a required column is missing."""
    names = set(frame.columns)
    missing = [c.name for c in SPECS[kind] if c.required and c.name not in names]
    if missing:
        raise ImportFileError(
            f"Missing required column(s): {', '.join(missing)}. "
            f"The file has: {', '.join(map(str, frame.columns))}. "
            "Rename them with --map source=target (see docs/import.md).",
            code=IntegrationErrorCode.MISSING_COLUMN,
        )
    duplicated = sorted({c for c in frame.columns if list(frame.columns).count(c) > 1})
    if duplicated:
        raise ImportFileError(
            f"Column(s) appear twice: {', '.join(duplicated)}",
            code=IntegrationErrorCode.MISSING_COLUMN,
        )


# --- per-type conversions: each returns (converted series, bad mask, reason) -------------


def _text(values: pd.Series, column: Column, out: _Collector) -> pd.Series:
    values = values.str.strip()
    out.add(
        values.str.contains(_CONTROL, regex=True),
        column.name,
        values,
        "contains a control character",
    )
    if column.max_length is not None:
        out.add(
            values.str.len() > column.max_length,
            column.name,
            values,
            f"longer than {column.max_length} characters",
        )
    return values


def _date(values: pd.Series, column: Column, out: _Collector) -> pd.Series:
    text = values.str.strip().str.replace(r"[./]", "-", regex=True)
    compact = text.str.fullmatch(r"\d{8}")
    text = text.where(~compact, text.str[:4] + "-" + text.str[4:6] + "-" + text.str[6:])
    parsed = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
    filled = text != ""
    bad = filled & parsed.isna()
    out.add(bad, column.name, values, "not a date (YYYY-MM-DD)")
    today = pd.Timestamp(dt.date.today())
    last = today if column.until_today else pd.Timestamp("2199-12-31")
    implausible = filled & ~bad & ((parsed < pd.Timestamp("1900-01-01")) | (parsed > last))
    reason = "not a plausible date (1900 to " + ("today)" if column.until_today else "2199)")
    out.add(implausible, column.name, values, reason)
    return parsed.dt.strftime("%Y-%m-%d").where(filled & ~bad & ~implausible, None)


def _datetime(values: pd.Series, column: Column, out: _Collector) -> pd.Series:
    text = values.str.strip()
    aware = text.str.contains(r"(?:Z|[+-]\d{2}:?\d{2})$", regex=True)
    result = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns, UTC]")
    if aware.any():
        result[aware] = pd.to_datetime(text[aware], format="ISO8601", utc=True, errors="coerce")
    naive = ~aware & (text != "")
    if naive.any():
        local = pd.to_datetime(
            text[naive].str.replace(r"[./]", "-", regex=True), format="ISO8601", errors="coerce"
        )
        result[naive] = local.dt.tz_localize(
            settings.TIME_ZONE, ambiguous="NaT", nonexistent="NaT"
        ).dt.tz_convert("UTC")
    out.add(
        (text != "") & result.isna(),
        column.name,
        values,
        "not a date and time (YYYY-MM-DD HH:MM[:SS][+09:00])",
    )
    return result


def _cents(values: pd.Series, column: Column, out: _Collector) -> pd.Series:
    """Return amounts as integer cents (exact), rejecting what is not an amount."""
    text = values.str.strip().str.replace(r"[,\s₩원]", "", regex=True)
    filled = text != ""
    too_precise = filled & text.str.match(_TOO_PRECISE)
    out.add(too_precise, column.name, values, "more than 2 decimal places")
    bad = filled & ~too_precise & ~text.str.match(_AMOUNT)
    out.add(bad, column.name, values, "not an amount")
    good = filled & ~too_precise & ~bad
    cents = pd.Series(np.nan, index=values.index)
    if good.any():
        parts = text[good].str.split(".", n=1, expand=True)
        whole = parts[0].astype("int64")
        frac = (
            parts[1].fillna("").str.ljust(2, "0").replace("", "00").astype("int64")
            if parts.shape[1] > 1
            else 0
        )
        sign = np.where(text[good].str.startswith("-"), -1, 1)
        cents[good] = sign * (whole.abs() * 100 + frac)
    negative = good & (cents < 0)
    out.add(negative, column.name, values, "must not be negative")
    return cents.where(good & ~negative)


def cents_to_text(cents: pd.Series) -> pd.Series:
    """Return integer cents as decimal strings ("1200.50"); missing stays missing."""
    known = cents.notna()
    whole = cents.fillna(0).astype("int64")
    text = (whole // 100).astype(str) + "." + (whole % 100).astype(str).str.zfill(2)
    return text.where(known, None)


def _int(values: pd.Series, column: Column, out: _Collector) -> pd.Series:
    text = values.str.strip().str.replace(",", "", regex=False)
    filled = text != ""
    bad = filled & ~text.str.fullmatch(r"-?\d{1,9}")
    out.add(bad, column.name, values, "not a whole number")
    return pd.to_numeric(text.where(filled & ~bad, None), errors="coerce")


def _bool(values: pd.Series, column: Column, out: _Collector) -> pd.Series:
    text = values.str.strip().str.lower()
    mapped = text.map({**dict.fromkeys(TRUE_WORDS, True), **dict.fromkeys(FALSE_WORDS, False)})
    bad = (text != "") & mapped.isna()
    out.add(bad, column.name, values, "not a yes/no value (1/0, true/false, y/n, 예/아니오)")
    return mapped.where(text != "", column.default).fillna(column.default).astype(bool)


def _choice(values: pd.Series, column: Column, out: _Collector) -> pd.Series:
    text = values.str.strip().str.lower()
    mapped = text.map(column.choices)
    bad = (text != "") & mapped.isna()
    allowed = ", ".join(sorted(c for c in set(column.choices.values()) if c))
    out.add(bad, column.name, values, f"not one of: {allowed}")
    return mapped.where(text != "", column.default).fillna(column.default)


def _email(values: pd.Series, column: Column, out: _Collector) -> pd.Series:
    values = _text(values, column, out).str.lower()
    out.add((values != "") & ~values.str.match(_EMAIL), column.name, values, "not an email address")
    return values


def _phone(values: pd.Series, column: Column, out: _Collector) -> pd.Series:
    values = _text(values, column, out)
    digits = values.str.count(r"\d")
    bad = (values != "") & (~values.str.match(_PHONE) | (digits < 7) | (digits > 15))
    out.add(bad, column.name, values, "not a phone number")
    return values


_CONVERTERS: dict[str, Callable] = {
    "text": _text,
    "email": _email,
    "phone": _phone,
    "date": _date,
    "datetime": _datetime,
    "decimal": _cents,
    "int": _int,
    "bool": _bool,
    "choice": _choice,
}


def _duplicates(frame: pd.DataFrame, keys: tuple[str, ...], out: _Collector) -> None:
    """Reject every row whose key appears more than once: which copy is right is unknown."""
    filled = (frame[list(keys)] != "").all(axis=1)
    dup = frame.duplicated(list(keys), keep=False) & filled
    if not dup.any():
        return
    lines = pd.Series(frame.index, index=frame.index)
    first = lines[dup].groupby([frame.loc[dup, k] for k in keys]).transform("min")
    count = lines[dup].groupby([frame.loc[dup, k] for k in keys]).transform("size")
    label = " + ".join(keys)
    reasons = (
        f"duplicate {label} in the file ("
        + count.astype(str)
        + " rows, first at line "
        + first.astype(str)
        + ")"
    )
    out.add(
        dup, keys[-1] if len(keys) > 1 else keys[0], frame[keys[-1]], reasons.reindex(frame.index)
    )


def validate(
    kind: str,
    frame: pd.DataFrame,
    *,
    lookups: dict[str, Callable] | None = None,
    whole_file: bool = True,
) -> Validated:
    """Check ``frame`` (strings, indexed by line) against the columns of ``kind``.

    :param lookups: functions resolving references (``customer_group``, ``sku``,
        ``customer_external_id``) from a list of distinct values to a ``{value: id}`` map.
    :param whole_file: ``frame`` is the whole file, so the checks across rows run too
        (duplicate keys, lines of one order agreeing, whole orders rejected). A file read
        in slices passes False and runs them once over the file (``streaming.py``).
    :returns: the typed good rows, the set of canonical columns present, the rejects.
    """
    check_columns(kind, frame)
    lookups = lookups or {}
    out = _Collector()
    spec = SPECS[kind]
    present = frozenset(c.name for c in spec if c.name in frame.columns)
    typed = pd.DataFrame(index=frame.index)
    for column in spec:
        if column.name not in frame.columns:
            continue
        raw = frame[column.name].astype(str)
        if column.not_empty:
            out.add(raw.str.strip() == "", column.name, raw, "required value is empty")
        typed[column.name] = _CONVERTERS[column.type](raw, column, out)
    if kind in CUSTOM_FIELD_ENTITIES:
        custom = custom_columns_clean(entity=CUSTOM_FIELD_ENTITIES[kind], frame=frame, add=out.add)
        if custom.unknown:
            raise ImportFileError(
                f"No active custom field for column(s): {', '.join(custom.unknown)}. "
                "Define them under Settings > Custom fields, or remove the columns.",
                code=IntegrationErrorCode.MISSING_COLUMN,
            )
        if custom.json is not None:
            typed["custom_fields"] = custom.json
            present = present | {"custom_fields"}
    stripped = frame[[c.name for c in spec if c.name in KEYS[kind] and c.name in present]].apply(
        lambda s: s.astype(str).str.strip()
    )
    if kind == "budgets":  # "A>B" and "A > B" name the same category
        stripped["category_path"] = stripped["category_path"].map(
            lambda path: " > ".join(p.strip() for p in path.split(">") if p.strip())
        )
    if whole_file and all(k in stripped.columns for k in KEYS[kind]):
        _duplicates(stripped, KEYS[kind], out)
    _RULES[kind](typed, frame, present, lookups, out)
    if whole_file and kind == "orders":
        _order_lines_agree(typed, frame, present, out)
    for column in spec:
        if column.type == "decimal" and column.name in typed:
            typed[column.name] = cents_to_text(typed[column.name])
    rejects = out.table()
    bad_lines = set(rejects["line"].tolist())
    if whole_file and kind == "orders" and bad_lines:
        bad_lines |= _reject_whole_orders(typed, frame, bad_lines, out)
        rejects = out.table()
    good = typed.drop(index=list(bad_lines & set(typed.index)))
    return Validated(
        frame=good,
        present=present,
        rejects=rejects,
        rows_read=len(frame),
        bad_lines=frozenset(bad_lines),
    )


# --- rules across columns and against the database ---------------------------------------


def _reference(
    typed: pd.DataFrame,
    frame: pd.DataFrame,
    column: str,
    target: str,
    lookup: Callable | None,
    reason: str,
    out: _Collector,
) -> None:
    if lookup is None or column not in typed:
        return
    values = typed[column]
    distinct = [v for v in values.unique().tolist() if v]
    found = lookup(distinct) if distinct else {}
    ids = values.map(found)
    out.add((values != "") & ids.isna(), column, frame[column], reason)
    typed[target] = ids.astype("Int64")


def _customer_rules(typed, frame, present, lookups, out) -> None:
    if "customer_group" in present:
        _reference(
            typed,
            frame,
            "customer_group",
            "customer_group_id",
            lookups.get("customer_group"),
            "unknown customer group (create it first; use its code)",
            out,
        )


def _product_rules(typed, frame, present, lookups, out) -> None:
    if "category_path" in present:
        parts = typed["category_path"].str.split(">")
        empty_part = (typed["category_path"] != "") & parts.map(
            lambda p: any(not x.strip() for x in p) if isinstance(p, list) else False
        )
        out.add(
            empty_part,
            "category_path",
            frame["category_path"],
            "a category path needs a name between every '>'",
        )
        too_long = parts.map(
            lambda p: any(len(x.strip()) > 100 for x in p) if isinstance(p, list) else False
        )
        out.add(
            too_long,
            "category_path",
            frame["category_path"],
            "a category name is longer than 100 characters",
        )


def _order_rules(typed, frame, present, lookups, out) -> None:
    _reference(typed, frame, "sku", "product_id", lookups.get("sku"), "unknown sku", out)
    _reference(
        typed,
        frame,
        "customer_external_id",
        "customer_id",
        lookups.get("customer_external_id"),
        "unknown customer external id",
        out,
    )
    quantity = typed["quantity"]
    out.add(
        quantity.notna() & (quantity <= 0), "quantity", frame["quantity"], "must be more than 0"
    )
    if "discount" in typed:
        gross = quantity * typed["unit_price"]
        over = (
            typed["discount"].notna() & gross.notna() & (quantity > 0) & (typed["discount"] > gross)
        )
        out.add(over, "discount", frame["discount"], "more than quantity x unit_price")


ORDER_HEADER_COLUMNS = ("customer_external_id", "ordered_at", "channel", "status")


def _order_lines_agree(typed, frame, present, out) -> None:
    """Reject lines that differ from their order's first line on the order's own fields."""
    lines = pd.Series(typed.index, index=typed.index)
    groups = frame["order_number"].str.strip()
    first_line = lines.groupby(groups).transform("min")
    for column in ORDER_HEADER_COLUMNS:
        if column not in present:
            continue
        values = frame[column].str.strip()
        first = values.groupby(groups).transform("first")
        out.add(
            values != first,
            column,
            frame[column],
            "differs from line " + first_line.astype(str) + " of the same order",
        )


def _reject_whole_orders(typed, frame, bad_lines: set[int], out: _Collector) -> set[int]:
    """Reject every line of an order one of whose lines is bad: no half-written orders."""
    numbers = frame["order_number"].str.strip()
    bad_numbers = set(numbers[numbers.index.isin(list(bad_lines))].tolist())
    collateral = numbers.isin(bad_numbers) & ~numbers.index.isin(list(bad_lines))
    if collateral.any():
        lines = pd.Series(frame.index, index=frame.index)
        first_bad = lines[lines.isin(list(bad_lines))].groupby(numbers).min()
        reasons = (
            "another line of this order is bad (line "
            + numbers.map(first_bad).astype("Int64").astype(str)
            + ")"
        )
        out.add(collateral, "order_number", frame["order_number"], reasons)
    return set(frame.index[collateral].tolist())


def _budget_rules(typed, frame, present, lookups, out) -> None:
    _reference(
        typed,
        frame,
        "customer_external_id",
        "customer_id",
        lookups.get("customer_external_id"),
        "unknown customer external id",
        out,
    )
    _reference(
        typed,
        frame,
        "category_path",
        "category_id",
        lookups.get("category_path"),
        "unknown category (import the products that create it first)",
        out,
    )


def _record_rules(kind: str, what: str, references: list[tuple[str, str, str]]):
    """Return the rules of a kind keyed by ``id`` (tickets, opportunities).

    :param references: ``(column, typed id column, reason)`` looked up by column name.
    """

    def rules(typed, frame, present, lookups, out) -> None:
        if "id" in present:
            ids = typed["id"]
            wanted = sorted({int(v) for v in ids.dropna().unique()})
            known = lookups["id"](wanted) if wanted and "id" in lookups else set()
            out.add(
                ids.notna() & ~ids.isin(list(known)), "id", frame["id"], f"no {what} has this id"
            )
            creating = ids.isna()
        else:
            creating = pd.Series(True, index=typed.index)
        for column, target, reason in references:
            if column in present:
                _reference(typed, frame, column, target, lookups.get(column), reason, out)
        if not creating.any():
            return
        empty = pd.Series("", index=typed.index)
        for column in CREATE_REQUIRED[kind]:
            raw = frame[column].astype(str) if column in frame.columns else empty
            out.add(
                creating & (raw.str.strip() == ""),
                column,
                raw,
                f"required for a new {what} (a row without id)",
            )
        entity = CUSTOM_FIELD_ENTITIES[kind]
        for definition in custom_field_definitions(entity=entity):
            column = f"cf_{definition.key}"
            if definition.required and column not in frame.columns:
                out.add(
                    creating,
                    column,
                    empty,
                    f"{definition.display_label}: required for a new {what}",
                )

    return rules


_RULES = {
    "customers": _customer_rules,
    "products": _product_rules,
    "orders": _order_rules,
    "budgets": _budget_rules,
    "tickets": _record_rules(
        "tickets",
        "ticket",
        [
            ("customer_external_id", "customer_id", "unknown customer external id"),
            ("category", "category_id", "unknown ticket category code"),
            ("queue", "queue_id", "unknown queue code"),
            ("assignee", "assignee_id", "no active service, sales or manager user of this name"),
            ("product_sku", "product_id", "unknown sku"),
        ],
    ),
    "opportunities": _record_rules(
        "opportunities",
        "opportunity",
        [
            ("customer_external_id", "customer_id", "unknown customer external id"),
            ("stage", "stage_id", "unknown pipeline stage code"),
            ("owner", "owner_id", "no active sales, manager or admin user of this name"),
        ],
    ),
}
