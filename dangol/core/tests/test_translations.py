"""The Korean catalogue is complete, and the pages render in Korean."""

from __future__ import annotations

import ast
import shutil
import subprocess
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import trans_real

from dangol.catalog.tests.factories import ProductFactory
from dangol.customers.tests.factories import CustomerFactory
from dangol.sales.tests.factories import OrderFactory, OrderLineFactory
from dangol.touchpoints.tests.factories import InteractionFactory

LOCALE_DIR = Path(__file__).resolve().parents[2] / "locale"
KO_PO = LOCALE_DIR / "ko" / "LC_MESSAGES" / "django.po"
EN_PO = LOCALE_DIR / "en" / "LC_MESSAGES" / "django.po"


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: list[str] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)
    line: int = 0


def parse_po(path: Path) -> list[Entry]:
    """Return the entries of a .po file (header included, obsolete ``#~`` ones left out)."""
    entries: list[Entry] = []
    current: Entry | None = None
    key = ""
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#~"):
            if not line and current is not None:
                entries.append(current)
                current = None
            continue
        if current is None:
            current = Entry(line=number)
        if line.startswith("#,"):
            current.flags |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            value = ast.literal_eval(line)
            if key == "msgid":
                current.msgid += value
            elif key == "msgid_plural":
                current.msgid_plural = (current.msgid_plural or "") + value
            else:
                current.msgstr[-1] += value
        else:
            key, _, rest = line.partition(" ")
            value = ast.literal_eval(rest)
            if key == "msgid":
                current.msgid = value
            elif key == "msgid_plural":
                current.msgid_plural = value
            elif key.startswith("msgstr"):
                current.msgstr.append(value)
                key = "msgstr"
    if current is not None:
        entries.append(current)
    return entries


def test_korean_catalogue_is_complete_and_not_fuzzy():
    entries = parse_po(KO_PO)
    header, messages = entries[0], entries[1:]

    assert header.msgid == ""
    assert "fuzzy" not in header.flags
    assert "Plural-Forms: nplurals=1; plural=0;" in header.msgstr[0]
    assert len(messages) > 200
    untranslated = [e.msgid for e in messages if not all(s.strip() for s in e.msgstr)]
    fuzzy = [e.msgid for e in messages if "fuzzy" in e.flags]
    assert untranslated == []
    assert fuzzy == []


def test_korean_catalogue_keeps_placeholders():
    for entry in parse_po(KO_PO)[1:]:
        # Korean has one plural form, which speaks of the count: it follows msgid_plural.
        source = entry.msgid_plural or entry.msgid
        for placeholder in ("%(", "%s", "%d"):
            assert source.count(placeholder) == entry.msgstr[0].count(placeholder), entry.msgid


def test_english_catalogue_exists_with_the_same_messages():
    ko = {e.msgid for e in parse_po(KO_PO)}
    en = {e.msgid for e in parse_po(EN_PO)}

    assert en == ko


@pytest.fixture(scope="module")
def compiled_catalogue():
    """Compile the .po files when their .mo is missing or older (``make`` does it too)."""
    stale = [
        po
        for po in (KO_PO, EN_PO)
        if not po.with_suffix(".mo").exists()
        or po.with_suffix(".mo").stat().st_mtime < po.stat().st_mtime
    ]
    if stale:
        msgfmt = shutil.which("msgfmt")
        assert msgfmt, "msgfmt (GNU gettext) is needed to compile the catalogues"
        for po in stale:
            subprocess.run(  # noqa: S603 - fixed arguments, our own files
                [msgfmt, "--check", "-o", str(po.with_suffix(".mo")), str(po)], check=True
            )
        # Catalogues are cached per process; drop them so the new .mo files are read.
        trans_real._translations = {}
        trans_real._default = None
    yield


def test_gettext_returns_korean(compiled_catalogue):
    with translation.override("ko"):
        assert translation.gettext("Customers") == "고객"
        assert translation.ngettext("%(counter)s order", "%(counter)s orders", 3) == (
            "주문 %(counter)s건"
        )


@pytest.mark.django_db
def test_pages_render_in_korean(client, admin_user, compiled_catalogue):
    customer = CustomerFactory(name="김민지")
    product = ProductFactory(name="유기농 우유")
    order = OrderFactory(customer=customer, number="ORD-KO-1")
    OrderLineFactory(order=order, product=product, quantity=2, unit_price=Decimal("3500"))
    InteractionFactory(customer=customer, subject="배송 문의")
    client.force_login(admin_user)
    client.cookies["django_language"] = "ko"

    pages = {
        reverse("customers:list"): ["고객", "검색", "고객군", "담당자", "김민지"],
        reverse("customers:detail", args=[customer.pk]): [
            "프로필",
            "마케팅 수신 동의",
            "타임라인",
            "주문번호",
            "아직 계산되지 않았습니다",
            "영업기회",
            "7,000",
        ],
        reverse("catalog:product_list"): ["상품", "카테고리", "단가", "유기농 우유"],
        reverse("sales:order_detail", args=[order.pk]): ["주문 합계", "수량", "품목 합계"],
    }
    for url, words in pages.items():
        response = client.get(url)
        body = response.content.decode()
        assert response.status_code == 200, url
        assert '<html lang="ko">' in body, url
        for word in words:
            assert word in body, (url, word)
        assert "Customers" not in body, url


@pytest.mark.django_db
def test_language_switch_sets_english(client, admin_user, compiled_catalogue):
    client.force_login(admin_user)

    response = client.post(
        reverse("set_language"), {"language": "en", "next": reverse("customers:list")}
    )
    page = client.get(reverse("customers:list")).content.decode()

    assert response.status_code == 302
    assert response["Location"] == reverse("customers:list")
    assert '<html lang="en">' in page
    assert "Customers" in page


def test_catalogue_covers_every_translatable_string_in_the_source(tmp_path, monkeypatch, settings):
    """Extract the strings afresh (as ``makemessages`` does) and require Korean for each.

    The catalogue test above only sees what is already in the .po file; this one catches a
    string added to a template or module without a translation.
    """
    if shutil.which("xgettext") is None:
        pytest.fail("xgettext (GNU gettext) is needed to extract the messages")
    from django.core.management import call_command

    source = LOCALE_DIR.parent
    copy = tmp_path / "dangol"
    shutil.copytree(
        source,
        copy,
        ignore=shutil.ignore_patterns("__pycache__", "*.mo", "tests", "static", "migrations"),
    )
    settings.LOCALE_PATHS = [copy / "locale"]
    monkeypatch.chdir(copy)
    call_command("makemessages", locale=["ko"], verbosity=0, no_obsolete=True)

    entries = parse_po(copy / "locale" / "ko" / "LC_MESSAGES" / "django.po")[1:]
    missing = sorted(e.msgid for e in entries if not all(s.strip() for s in e.msgstr))
    fuzzy = sorted(e.msgid for e in entries if "fuzzy" in e.flags)
    assert missing == [], "strings without Korean; run makemessages and translate them"
    assert fuzzy == [], "fuzzy matches; check and translate them"
