"""Reading files: encodings, line numbers, XLSX, vCard and contact exports."""

from __future__ import annotations

import datetime as dt

import pytest
from openpyxl import Workbook

from dangol.integration.errors import ImportFileError
from dangol.integration.readers import detect_encoding, read_file

from .conftest import DATA, write


def test_detect_encoding_prefers_bom_then_utf8_then_cp949():
    assert detect_encoding("\ufeffa".encode()) == "utf-8-sig"
    assert detect_encoding("홍길동".encode()) == "utf-8"
    assert detect_encoding("홍길동".encode("cp949")) == "cp949"
    assert detect_encoding("홍길동".encode("euc-kr"), "euc-kr") == "euc_kr"


def test_cp949_file_reads_korean(tmp_path):
    path = write(tmp_path, "erp.csv", "external_id,name\nK1,김철수\nK2,똠방각하\n", "cp949")
    table = read_file(path)
    assert table.encoding == "cp949"
    assert table.frame["name"].tolist() == ["김철수", "똠방각하"]
    assert table.frame.index.tolist() == [2, 3]


def test_utf8_bom_header_is_clean(tmp_path):
    path = write(tmp_path, "bom.csv", "\ufeffexternal_id,name\nK1,이영희\n")
    table = read_file(path)
    assert table.encoding == "utf-8-sig"
    assert list(table.frame.columns) == ["external_id", "name"]


def test_wrong_encoding_is_named(tmp_path):
    path = write(tmp_path, "x.csv", "a,b\n홍길동,1\n", "cp949")
    with pytest.raises(ImportFileError, match="not valid utf-8 at line"):
        read_file(path, encoding="utf-8")


def test_line_numbers_survive_blank_lines_and_multiline_fields(tmp_path):
    path = write(tmp_path, "x.csv", 'a,b\n1,"two\nlines"\n\n3,4\n5\n')
    table = read_file(path)
    assert table.frame.index.tolist() == [2, 5]
    assert table.frame["b"].tolist() == ["two\nlines", "4"]
    assert [(r.line, r.reason) for r in table.rejects] == [(6, "has 1 fields, the header has 2")]


def test_blank_line_keeps_numbering_on_fast_path(tmp_path):
    path = write(tmp_path, "x.csv", "a,b\n1,2\n\n3,4\n")
    assert read_file(path).frame.index.tolist() == [2, 4]


def test_xlsx_rows_keep_sheet_row_numbers(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["external_id", "name", "birth_date", "consent_email"])
    sheet.append(["X1", "박민수", dt.datetime(1990, 5, 6), True])
    sheet.append([])
    sheet.append(["X2", 12345, None, 0])
    path = tmp_path / "c.xlsx"
    book.save(path)
    frame = read_file(path).frame
    assert frame.index.tolist() == [2, 4]
    assert frame.loc[2].tolist() == ["X1", "박민수", "1990-05-06", "true"]
    assert frame.loc[4].tolist() == ["X2", "12345", "", "0"]


def test_not_an_xlsx_is_a_clear_error(tmp_path):
    path = write(tmp_path, "c.xlsx", "not a zip")
    with pytest.raises(ImportFileError, match=r"Not a readable \.xlsx"):
        read_file(path)


def test_vcard_30():
    frame = read_file(DATA / "contacts-v3.vcf").frame
    assert frame.index.tolist() == [1, 13]
    first, second = frame.loc[1], frame.loc[13]
    assert first["name"] == "홍길동"
    assert first["email"] == "GilDong.Hong@Example.com"
    assert first["phone"] == "+82 10-1234-5678"
    assert (first["birth_date"], first["city"], first["region"]) == (
        "1985-03-15",
        "강남구",
        "서울특별시",
    )
    assert first["external_id"].startswith("vcard-")
    assert second["external_id"] == "4fbe8971-0bc3-424c-9c26-36c3e1eff6b1"
    assert (second["name"], second["birth_date"]) == ("Jisoo Kim", "1992-07-04")


def test_vcard_40():
    frame = read_file(DATA / "contacts-v4.vcf").frame
    person, company = frame.iloc[0], frame.iloc[1]
    assert (person["name"], person["gender"], person["phone"]) == (
        "이서연",
        "female",
        "+82-10-9876-5432",
    )
    assert person["birth_date"] == "1990-02-01"
    assert (company["kind"], company["name"]) == ("company", "주식회사 한빛유통")


def test_google_contacts_csv():
    frame = read_file(DATA / "google-contacts.csv").frame
    assert frame["name"].tolist() == ["박민준", "Emily Clark", "대한물산"]
    assert frame["kind"].tolist() == ["person", "person", "company"]
    assert frame["email"].tolist()[1] == "emily.clark@acme.example"
    assert frame["birth_date"].tolist() == ["1988-11-02", "", ""]
    assert frame.index.tolist() == [2, 3, 4]


def test_outlook_csv_in_cp949():
    table = read_file(DATA / "outlook-contacts.csv")
    assert table.encoding == "cp949"
    frame = table.frame
    assert frame["name"].tolist() == ["최지훈", "Sarah Lee", "한국상사"]
    assert frame["phone"].tolist() == ["010-4444-5555", "02-333-4444", "02-777-8888"]
    assert frame["birth_date"].tolist() == ["1979-03-07", "", ""]
    assert frame["gender"].tolist() == ["male", "", ""]
    assert frame["region"].tolist() == ["대구광역시", "", "서울"]


def test_contact_ids_are_stable():
    first = read_file(DATA / "google-contacts.csv").frame["external_id"].tolist()
    again = read_file(DATA / "google-contacts.csv").frame["external_id"].tolist()
    assert first == again
    assert len(set(first)) == 3
