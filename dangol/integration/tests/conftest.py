"""Fixtures of the import/export tests: a group, products, files written on the fly."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from dangol.catalog.models import Product
from dangol.customers.models import CustomerGroup

DATA = Path(__file__).resolve().parent / "data"

CUSTOMER_HEADER = (
    "external_id,kind,name,email,phone,gender,birth_date,region,city,customer_group,"
    "acquisition_channel,status,consent_email,consent_sms,consent_phone,consent_post"
)
CUSTOMER_ROWS = [
    "C001,person,홍길동,Hong@Example.com,+82 10-1234-5678,남,1985-03-15,서울,강남구,retail,"
    "online,customer,1,0,y,n",
    "C002,company,주식회사 단골,info@dangol.kr,02-555-1234,,,경기도,성남시,,store,lead,예,"
    "아니오,0,0",
    "C003,person,Jisoo Kim,jisoo@example.org,010 9999 0000,female,1992.07.04,busan,"
    "Haeundae-gu,retail,referral,prospect,false,true,false,false",
]


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def customers_csv(tmp_path: Path, rows=None, name="customers.csv", encoding="utf-8") -> Path:
    body = "\n".join([CUSTOMER_HEADER, *(CUSTOMER_ROWS if rows is None else rows)]) + "\n"
    return write(tmp_path, name, body, encoding)


@pytest.fixture
def retail(db):
    return CustomerGroup.objects.create(code="retail", name="Retail", name_ko="소매")


@pytest.fixture
def products(db):
    return {
        sku: Product.objects.create(
            sku=sku, name=name, unit_price=Decimal(price), unit_cost=Decimal("100")
        )
        for sku, name, price in [("P1", "우유 1L", "2500"), ("P2", "치즈", "4000.50")]
    }
