"""Synthetic customers: people and companies, their contact details, status and consent.

Everything is drawn per chunk of customers with numpy; the only Python loops build the
strings (names, emails, phones) of one chunk.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dangol.core.demo import names as voc
from dangol.core.demo.catalog import PROFILE_NAMES
from dangol.core.demo.spec import SECONDS_PER_DAY, STREAM_CONSENT, STREAM_CUSTOMERS, DemoSpec

GROUPS = ("retail", "wholesale", "industrial")
GROUP_SHARE = np.array([0.84, 0.11, 0.05])
RETAIL, WHOLESALE, INDUSTRIAL = 0, 1, 2

STATUSES = np.array(["lead", "prospect", "customer", "churned"])
LEAD, PROSPECT, CUSTOMER, CHURNED = 0, 1, 2, 3

GENDERS = np.array(["female", "male", "other", ""])
ACQUISITION = np.array(
    ["store", "online", "call_center", "field_sales", "partner", "referral", "campaign", ""]
)
# Acquisition channel shares per group (order as ACQUISITION).
ACQUISITION_BY_GROUP = np.array(
    [
        [30, 32, 8, 0, 3, 9, 15, 3],
        [4, 6, 8, 42, 28, 9, 0, 3],
        [0, 3, 5, 60, 27, 3, 0, 2],
    ],
    dtype=float,
)
SALES_CHANNELS = np.array(["store", "online", "call_center", "field_sales", "partner"])
SALES_CHANNEL_BY_GROUP = np.array(
    [[44, 38, 13, 0, 5], [3, 7, 15, 45, 30], [0, 5, 10, 65, 20]], dtype=float
)
# Buying profile shares per group (order as catalog.PROFILE_NAMES).
PROFILE_BY_GROUP = np.array(
    [
        [40, 10, 3, 12, 18, 17, 0],
        [30, 20, 20, 0, 10, 15, 5],
        [0, 25, 15, 0, 0, 0, 60],
    ],
    dtype=float,
)
assert PROFILE_BY_GROUP.shape[1] == len(PROFILE_NAMES)

CONSENT_CHANNELS = ("email", "sms", "phone", "post")
CONSENT_RATE = np.array([[0.55, 0.45, 0.25, 0.15], [0.35, 0.20, 0.30, 0.10]])  # person, company
CONSENT_SOURCE = {
    "store": "store membership form",
    "online": "web sign-up form",
    "call_center": "call center (recorded)",
    "field_sales": "signed supply contract",
    "partner": "partner referral form",
    "referral": "referral sign-up form",
    "campaign": "campaign landing page",
    "": "data import",
}


def _cumulative(weights: np.ndarray) -> np.ndarray:
    return np.cumsum(weights / weights.sum(axis=-1, keepdims=True), axis=-1)


def _pick_rows(rng: np.random.Generator, cum: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Draw one column per element from the cumulative distribution of row ``rows``."""
    u = rng.random(len(rows))
    return np.minimum((cum[rows] < u[:, None]).sum(axis=1), cum.shape[1] - 1)


@dataclass
class Staff:
    """The demo users customers are assigned to."""

    sales_capital: list[int]
    sales_south: list[int]
    service: list[int]


@dataclass
class CustomerChunk:
    """One chunk of customers: what is written, plus the hidden buying behaviour."""

    ids: np.ndarray
    is_company: np.ndarray
    company_id: list[int | None]
    external_id: list[str]
    name: list[str]
    email: list[str]
    phone: list[str]
    phone_digits: list[str]
    gender: np.ndarray
    birth_date: list[str | None]
    region: list[str]
    city: list[str]
    group: np.ndarray
    acquisition: np.ndarray
    status: np.ndarray
    owner_id: np.ndarray  # 0 = none
    consent: np.ndarray  # n x 4 booleans, CONSENT_CHANNELS order
    created_at: np.ndarray  # epoch seconds
    updated_at: np.ndarray
    english: np.ndarray
    # Behaviour that drives orders and interactions (never written).
    acq_day: np.ndarray
    stop_day: np.ndarray  # exclusive; == days when the customer never stopped
    rate: np.ndarray  # orders per year while active
    value: np.ndarray  # basket size multiplier
    profile: np.ndarray
    channel_pref: np.ndarray


_REGION_CODES = list(voc.REGIONS)
_REGION_POP = np.array([voc.REGIONS[r][0] for r in _REGION_CODES])
_SURNAME_P = np.array([w for _, _, w in voc.KOREAN_SURNAMES])
_SURNAME_P /= _SURNAME_P.sum()
_DOMAIN_P = np.array([w for _, w in voc.EMAIL_DOMAINS], dtype=float)
_DOMAIN_P /= _DOMAIN_P.sum()


def _cities(rng: np.random.Generator, region: np.ndarray, abroad: np.ndarray) -> list[str]:
    city = np.empty(len(region), dtype=object)
    for r, code in enumerate(_REGION_CODES):
        where = np.flatnonzero((region == r) & ~abroad)
        table = voc.REGIONS[code][2]
        p = np.array([w for _, w in table])
        city[where] = np.array([c for c, _ in table], dtype=object)[
            rng.choice(len(table), size=len(where), p=p / p.sum())
        ]
    where = np.flatnonzero(abroad)
    p = np.array([w for _, w in voc.ABROAD_CITIES], dtype=float)
    city[where] = np.array([c for c, _ in voc.ABROAD_CITIES], dtype=object)[
        rng.choice(len(p), size=len(where), p=p / p.sum())
    ]
    return city.tolist()


def customer_chunk(
    spec: DemoSpec, *, chunk: int, first_id: int, count: int, staff: Staff
) -> CustomerChunk:
    """Generate ``count`` customers with ids from ``first_id`` (chunk number ``chunk``)."""
    rng = spec.rng(STREAM_CUSTOMERS, chunk)
    n = count
    days = spec.days
    ids = np.arange(first_id, first_id + n)

    group = rng.choice(3, size=n, p=GROUP_SHARE)
    is_company = rng.random(n) < np.array([0.01, 0.55, 0.8])[group]
    english = rng.random(n) < np.where(is_company, 0.10, 0.06)
    # Contacts: people in business groups who work for one of this chunk's companies.
    companies = ids[is_company]
    is_contact = (~is_company) & (group != RETAIL) & (rng.random(n) < 0.6)
    if len(companies) == 0:
        is_contact[:] = False
    contact_of = (
        companies[rng.integers(0, max(1, len(companies)), size=n)] if len(companies) else ids
    )
    company_id = [int(c) if flag else None for c, flag in zip(contact_of, is_contact, strict=True)]

    abroad = english & (rng.random(n) < 0.3)
    region = rng.choice(len(_REGION_CODES), size=n, p=_REGION_POP / _REGION_POP.sum())
    city = _cities(rng, region, abroad)
    region_codes = np.array(_REGION_CODES, dtype=object)[region]
    region_codes[abroad] = "abroad"

    # Names.
    gender = rng.choice(4, size=n, p=[0.52, 0.455, 0.005, 0.02])
    female = gender == 0
    surname = rng.choice(len(voc.KOREAN_SURNAMES), size=n, p=_SURNAME_P)
    given = rng.integers(0, len(voc.KOREAN_GIVEN_FEMALE), size=n)
    en_given = rng.integers(0, len(voc.ENGLISH_GIVEN_FEMALE), size=n)
    en_last = rng.integers(0, len(voc.ENGLISH_SURNAMES), size=n)
    co_prefix = rng.integers(0, len(voc.COMPANY_PREFIXES_KO), size=n)
    co_type = rng.integers(0, len(voc.COMPANY_TYPES_KO), size=n)
    co_legal = rng.random(n) < 0.5
    co_prefix_en = rng.integers(0, len(voc.COMPANY_PREFIXES_EN), size=n)
    co_type_en = rng.integers(0, len(voc.COMPANY_TYPES_EN), size=n)
    domain = rng.choice(len(voc.EMAIL_DOMAINS), size=n, p=_DOMAIN_P)
    no_email = rng.random(n) < 0.08
    no_phone = rng.random(n) < 0.05
    phone_salt = int(rng.integers(0, 10**8))
    landline = rng.integers(0, 10**7, size=n)

    name, email, phone = [], [], []
    for i in range(n):
        cid = int(ids[i])
        if is_company[i]:
            if english[i]:
                prefix = voc.COMPANY_PREFIXES_EN[co_prefix_en[i]]
                label = f"{prefix} {voc.COMPANY_TYPES_EN[co_type_en[i]]}"
                mail = f"orders{cid}@{label.split()[0].lower()}-biz.example"
            else:
                label = voc.COMPANY_PREFIXES_KO[co_prefix[i]] + voc.COMPANY_TYPES_KO[co_type[i]]
                if co_legal[i]:
                    label = "(주)" + label
                mail = f"order{cid}@biz{cid % 97}.example"
            area = voc.REGIONS.get(region_codes[i], (0, "02", []))[1]
            num = int(landline[i])
            tel = f"{area}-{2000 + num // 10_000 % 8000}-{num % 10_000:04d}"
        else:
            if english[i]:
                first = (voc.ENGLISH_GIVEN_FEMALE if female[i] else voc.ENGLISH_GIVEN_MALE)[
                    en_given[i]
                ]
                last = voc.ENGLISH_SURNAMES[en_last[i]]
                label = f"{first} {last}"
                local = f"{first}.{last}".lower()
            else:
                sur_ko, sur_en, _ = voc.KOREAN_SURNAMES[surname[i]]
                giv_ko, giv_en = (voc.KOREAN_GIVEN_FEMALE if female[i] else voc.KOREAN_GIVEN_MALE)[
                    given[i]
                ]
                label = sur_ko + giv_ko
                local = f"{giv_en}.{sur_en}"
            mail = f"{local}{cid}@{voc.EMAIL_DOMAINS[domain[i]][0]}"
            # An affine map of the id modulo 10^8 is a bijection: mobile numbers never repeat.
            num = (cid * 48_271 + phone_salt) % 10**8
            tel = f"010-{num // 10_000:04d}-{num % 10_000:04d}"
        name.append(label)
        email.append("" if no_email[i] else mail)
        phone.append("" if no_phone[i] else tel)
    phone_digits = [p.replace("-", "") for p in phone]

    # People have a gender and a birth date; companies have neither.
    gender = np.where(is_company, 3, gender)
    age_days = (rng.gamma(7.0, 6.0, size=n) + 19) * 365.25
    birth = (np.datetime64(spec.end_date.isoformat(), "D") - age_days.astype(np.int64)).astype(str)
    birth_date = [None if c or m else str(b) for b, c, m in zip(
        birth, is_company, rng.random(n) < 0.1, strict=True
    )]  # fmt: skip

    acquisition = _pick_rows(rng, _cumulative(ACQUISITION_BY_GROUP), group)

    # Lifecycle: leads and prospects have not bought; buyers may stop (churn) part-way.
    u = rng.random(n)
    status = np.where(u < 0.08, LEAD, np.where(u < 0.15, PROSPECT, CUSTOMER))
    acq_day = np.minimum((days * rng.random(n) ** 1.6).astype(np.int64), days - 1)
    buyer = status == CUSTOMER
    churns = buyer & (rng.random(n) < 0.32)
    stop = acq_day + 1 + ((days - acq_day) * rng.uniform(0.15, 0.9, size=n)).astype(np.int64)
    churns &= stop < days - 90
    stop_day = np.where(churns, stop, days)
    status = np.where(churns, CHURNED, status)

    base_rate = np.array([4.0, 10.0, 8.0])[group]
    rate = base_rate * rng.lognormal(0.0, np.array([0.8, 0.6, 0.6])[group])
    value = np.array([1.0, 2.2, 2.6])[group] * rng.lognormal(0.0, np.array([0.55, 0.6, 0.6])[group])
    profile = _pick_rows(rng, _cumulative(PROFILE_BY_GROUP), group)
    channel_pref = _pick_rows(rng, _cumulative(SALES_CHANNEL_BY_GROUP), group)

    # Owners: a sales rep of the team covering the region; most raw leads are unassigned.
    capital = np.isin(region_codes, list(voc.CAPITAL_AREA)) | (region_codes == "abroad")
    pool_c = np.array(staff.sales_capital or [0])
    pool_s = np.array(staff.sales_south or staff.sales_capital or [0])
    owner = np.where(
        capital,
        pool_c[rng.integers(0, len(pool_c), size=n)],
        pool_s[rng.integers(0, len(pool_s), size=n)],
    )
    unassigned = (status == LEAD) & ~is_company & (rng.random(n) < 0.7)
    owner = np.where(unassigned, 0, owner)

    consent = rng.random((n, 4)) < CONSENT_RATE[is_company.astype(int)]
    consent[:, 0] &= ~np.array(no_email)
    consent[:, 1:3] &= ~np.array(no_phone)[:, None]

    created_at = (
        spec.start_epoch + acq_day * SECONDS_PER_DAY + rng.integers(7 * 3600, 10 * 3600, size=n)
    )
    remaining = (days - acq_day) * SECONDS_PER_DAY
    updated_at = created_at + (remaining * rng.random(n) * 0.5).astype(np.int64)

    return CustomerChunk(
        ids=ids,
        is_company=is_company,
        company_id=company_id,
        external_id=[f"C{int(i):07d}" for i in ids],
        name=name,
        email=email,
        phone=phone,
        phone_digits=phone_digits,
        gender=GENDERS[gender],
        birth_date=birth_date,
        region=region_codes.tolist(),
        city=city,
        group=group,
        acquisition=ACQUISITION[acquisition],
        status=status,
        owner_id=owner,
        consent=consent,
        created_at=created_at,
        updated_at=updated_at,
        english=english,
        acq_day=acq_day,
        stop_day=stop_day,
        rate=rate,
        value=value,
        profile=profile,
        channel_pref=channel_pref,
    )


@dataclass
class ConsentRows:
    customer_id: np.ndarray
    channel: list[str]
    occurred_at: np.ndarray
    source: list[str]


def consent_events(spec: DemoSpec, customers: CustomerChunk, *, chunk: int) -> ConsentRows:
    """Return one grant event per consent a customer holds, shortly after sign-up."""
    rng = spec.rng(STREAM_CONSENT, chunk)
    rows, cols = np.nonzero(customers.consent)
    delay = rng.integers(0, 3 * SECONDS_PER_DAY, size=len(rows))
    sources = np.array([CONSENT_SOURCE[a] for a in customers.acquisition], dtype=object)
    return ConsentRows(
        customer_id=customers.ids[rows],
        channel=[CONSENT_CHANNELS[c] for c in cols],
        occurred_at=np.minimum(customers.created_at[rows] + delay, spec.end_epoch),
        source=sources[rows].tolist(),
    )
