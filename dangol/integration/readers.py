"""Read import files (CSV, XLSX, vCard, Google and Outlook contact exports) into tables.

Every reader returns a ``Table``: a pandas frame of strings indexed by the line of the
file each row came from (the first line is 1), so that a reject names the line a person
sees in their editor or in Excel. Nothing is interpreted here beyond decoding: types,
choices and references are checked column-wise in ``validate.py``.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import decimal
import hashlib
import io
import quopri
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from pyarrow.lib import ArrowInvalid

from dangol.integration.errors import ImportFileError, IntegrationErrorCode

FORMATS = ("csv", "xlsx", "vcard", "google", "outlook")
_EXTENSIONS = {".csv": "csv", ".txt": "csv", ".tsv": "csv", ".xlsx": "xlsx", ".vcf": "vcard"}
_DELIMITERS = (",", "\t", ";", "|")


@dataclass
class Reject:
    """One bad value: where it is, what it was and why it was refused."""

    line: int
    column: str
    value: str
    reason: str


@dataclass
class Table:
    """The rows of a file as strings, indexed by file line; plus rows unreadable as such."""

    frame: pd.DataFrame
    rejects: list[Reject] = field(default_factory=list)
    encoding: str = ""


def detect_encoding(data: bytes, encoding: str | None = None) -> str:
    """Return the codec to decode ``data`` with.

    A byte-order mark wins, then strict UTF-8, then CP949 (Windows' Korean code page, a
    superset of EUC-KR, which Korean ERP and Excel exports use). ``encoding`` overrides.
    """
    if encoding:
        try:
            name = codecs.lookup(encoding).name
        except LookupError as exc:
            raise ImportFileError(
                f"Unknown encoding {encoding!r}", code=IntegrationErrorCode.UNREADABLE_FILE
            ) from exc
        if name == "utf-8" and data.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        return name
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return "cp949"
    return "utf-8"


def decode(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """Return ``data`` decoded and the codec used; a decoding error names the byte offset."""
    codec = detect_encoding(data, encoding)
    try:
        return data.decode(codec), codec
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ImportFileError(
            f"The file is not valid {codec} at line {line}, column {column} "
            f"(byte {exc.start}); give the right one with --encoding",
            code=IntegrationErrorCode.UNREADABLE_FILE,
        ) from exc


def guess_format(path: Path, fmt: str | None = None) -> str:
    """Return the format named by ``fmt`` or by the file's extension."""
    if fmt:
        if fmt not in FORMATS:
            raise ImportFileError(
                f"Unknown format {fmt!r}; use one of {', '.join(FORMATS)}",
                code=IntegrationErrorCode.UNKNOWN_FORMAT,
            )
        return fmt
    found = _EXTENSIONS.get(path.suffix.lower())
    if found is None:
        raise ImportFileError(
            f"Cannot tell the format of {path.name}; give it with --format",
            code=IntegrationErrorCode.UNKNOWN_FORMAT,
        )
    return found


def read_file(path: Path, *, fmt: str | None = None, encoding: str | None = None) -> Table:
    """Read ``path`` in the given (or guessed) format into a ``Table``.

    Google Contacts and Outlook exports are recognised by their headers when the format
    is CSV; they and vCards come back with the canonical customer columns.
    """
    path = Path(path)
    kind = guess_format(path, fmt)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImportFileError(f"Cannot read {path}: {exc.strerror}") from exc
    if kind == "xlsx":
        return read_xlsx(data)
    text, codec = decode(data, encoding)
    if kind == "vcard":
        table = read_vcard(text)
    else:
        table = read_csv_text(text)
        contact_kind = kind if kind in ("google", "outlook") else sniff_contacts(table.frame)
        if contact_kind == "google":
            table = Table(google_to_customers(table.frame), table.rejects)
        elif contact_kind == "outlook":
            table = Table(outlook_to_customers(table.frame), table.rejects)
    table.encoding = codec
    return table


# --- CSV ---------------------------------------------------------------------------------


def _sniff_delimiter(text: str) -> str:
    first = text.split("\n", 1)[0]
    counts = {d: first.count(d) for d in _DELIMITERS}
    best = max(counts, key=counts.get)
    return best if counts[best] > 0 else ","


def _clean_header(names) -> list[str]:
    return [str(n).replace("\ufeff", "").strip() for n in names]


def read_csv_text(text: str) -> Table:
    """Parse CSV ``text`` (header on the first line) into a ``Table``.

    The fast path is pandas' C parser; when quoted fields span lines or a row has the
    wrong number of fields, the csv module reads the file again so that every row keeps
    its exact line and a malformed row is rejected on its own.
    """
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise ImportFileError("The file is empty", code=IntegrationErrorCode.UNREADABLE_FILE)
    delimiter = _sniff_delimiter(text)
    # pyarrow's parser is multi-threaded (a million rows in under a second, where the
    # csv module takes ten) but drops blank lines, which would shift the line numbers;
    # it is used only when there are none.
    blank_lines = "\n\n" in text or "\n\r\n" in text
    try:
        if blank_lines:
            frame = pd.read_csv(
                io.StringIO(text),
                sep=delimiter,
                dtype=str,
                keep_default_na=False,
                na_filter=False,
                skip_blank_lines=False,
                engine="c",
            )
        else:
            frame = _read_csv_arrow(text, delimiter)
    except (pd.errors.ParserError, ValueError, ArrowInvalid):
        return _read_csv_exact(text, delimiter)
    newlines = text.count("\n") + (0 if text.endswith("\n") else 1)
    if newlines != len(frame) + 1:
        # A quoted field holds a line break: line = row + 2 would drift.
        return _read_csv_exact(text, delimiter)
    frame.columns = _clean_header(frame.columns)
    frame = frame.fillna("")
    frame.index = pd.RangeIndex(2, len(frame) + 2, name="line")
    return Table(_drop_blank_rows(frame))


def _read_csv_arrow(text: str, delimiter: str) -> pd.DataFrame:
    """Parse CSV ``text`` with pyarrow, every column as text and nothing as missing."""
    import pyarrow as pa
    from pyarrow import csv as pa_csv

    header = next(csv.reader(io.StringIO(text.split("\n", 1)[0]), delimiter=delimiter), [])
    table = pa_csv.read_csv(
        pa.py_buffer(text.encode()),
        parse_options=pa_csv.ParseOptions(delimiter=delimiter),
        convert_options=pa_csv.ConvertOptions(
            column_types=dict.fromkeys(header, pa.string()),
            null_values=[],
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    if table.num_columns != len(header):
        raise ValueError("the header and the parsed columns disagree")
    return table.to_pandas()


def _drop_blank_rows(frame: pd.DataFrame) -> pd.DataFrame:
    if frame.empty or not len(frame.columns):
        return frame
    blank = (frame == "").all(axis=1)
    return frame[~blank] if blank.any() else frame


def _read_csv_exact(text: str, delimiter: str) -> Table:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    rows: list[list[str]] = []
    lines: list[int] = []
    rejects: list[Reject] = []
    last = 0
    try:
        for record in reader:
            start = last + 1
            last = reader.line_num
            if not record or all(v == "" for v in record):
                continue
            if header is None:
                header = _clean_header(record)
                continue
            if len(record) != len(header):
                rejects.append(
                    Reject(
                        start,
                        "",
                        delimiter.join(record)[:200],
                        f"has {len(record)} fields, the header has {len(header)}",
                    )
                )
                continue
            rows.append(record)
            lines.append(start)
    except csv.Error as exc:
        raise ImportFileError(
            f"Line {reader.line_num}: {exc}", code=IntegrationErrorCode.UNREADABLE_FILE
        ) from exc
    if header is None:
        raise ImportFileError("The file is empty", code=IntegrationErrorCode.UNREADABLE_FILE)
    frame = pd.DataFrame(rows, columns=header, dtype=str)
    frame.index = pd.Index(lines, name="line", dtype="int64")
    return Table(frame, rejects)


# --- XLSX --------------------------------------------------------------------------------


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0) and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    return str(value)


def read_xlsx(data: bytes) -> Table:
    """Read the first sheet of an Excel workbook; the line is the sheet's row number."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several unrelated types for a bad file
        raise ImportFileError(
            f"Not a readable .xlsx workbook: {exc}", code=IntegrationErrorCode.UNREADABLE_FILE
        ) from exc
    try:
        sheet = book.worksheets[0]
        header: list[str] | None = None
        rows: list[list[str]] = []
        lines: list[int] = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            texts = [_cell_text(v) for v in values]
            if not any(t.strip() for t in texts):
                continue
            if header is None:
                while texts and texts[-1] == "":
                    texts.pop()
                header = _clean_header(texts)
                continue
            texts = (texts + [""] * len(header))[: len(header)]
            rows.append(texts)
            lines.append(number)
    finally:
        book.close()
    if header is None:
        raise ImportFileError("The workbook is empty", code=IntegrationErrorCode.UNREADABLE_FILE)
    frame = pd.DataFrame(rows, columns=header, dtype=str)
    frame.index = pd.Index(lines, name="line", dtype="int64")
    return Table(frame)


# --- Contacts: shared helpers ------------------------------------------------------------

CONTACT_COLUMNS = ["external_id", "kind", "name", "email", "phone", "gender", "birth_date"]
_HANGUL = re.compile(r"^[\uac00-\ud7a3]+$")


def _join_name(first: str, middle: str, last: str) -> str:
    """Join name parts: Korean names family-name first without a space, others given first."""
    first, middle, last = first.strip(), middle.strip(), last.strip()
    if last and first and _HANGUL.match(last) and _HANGUL.match(first):
        return last + middle + first
    return " ".join(p for p in (first, middle, last) if p)


def contact_key(prefix: str, *parts: str) -> str:
    """Return a stable external id for a contact without one (re-imports match it)."""
    digest = hashlib.sha256("\x1f".join(p.strip().lower() for p in parts).encode()).hexdigest()
    return f"{prefix}-{digest[:16]}"


def _contact_date(value: str) -> str:
    """Return a contact birthday as YYYY-MM-DD, "" when it has no year, else as given."""
    value = value.strip()
    if not value or value.startswith("--") or value in {"0/0/00", "00/00/0000"}:
        return ""
    m = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", value)  # Outlook: month/day/year
    if m:
        return f"{m[3]}-{int(m[1]):02d}-{int(m[2]):02d}"
    m = re.fullmatch(r"(\d{4})-?(\d{2})-?(\d{2})(?:T.*)?", value)
    if m:
        return f"{m[1]}-{m[2]}-{m[3]}"
    return value


def _first(row: dict[str, str], *names: str) -> str:
    for name in names:
        value = row.get(name, "").strip()
        if value:
            return value
    return ""


def _contacts_frame(records: list[dict[str, str]], lines: list[int]) -> pd.DataFrame:
    columns = list(CONTACT_COLUMNS)
    for record in records:
        for key in record:
            if key not in columns:
                columns.append(key)
    frame = pd.DataFrame(records, columns=columns, dtype=str).fillna("")
    frame.index = pd.Index(lines, name="line", dtype="int64")
    return frame


def sniff_contacts(frame: pd.DataFrame) -> str:
    """Return "google" or "outlook" when the header is that export's, else ""."""
    names = set(frame.columns)
    if "E-mail 1 - Value" in names or "Phone 1 - Value" in names:
        return "google"
    if "E-mail Address" in names and ("First Name" in names or "Mobile Phone" in names):
        return "outlook"
    return ""


_GENDER_WORDS = {"female": "female", "f": "female", "male": "male", "m": "male"}


def google_to_customers(frame: pd.DataFrame) -> pd.DataFrame:
    """Map a Google Contacts CSV (the current or the older export) to customer columns."""
    records, lines = [], []
    for line, row in zip(frame.index, frame.to_dict("records"), strict=True):
        name = _first(row, "Name") or _join_name(
            _first(row, "First Name", "Given Name"),
            _first(row, "Middle Name", "Additional Name"),
            _first(row, "Last Name", "Family Name"),
        )
        organization = _first(row, "Organization Name", "Organization 1 - Name")
        kind = "person"
        if not name and organization:
            name, kind = organization, "company"
        email = _first(row, "E-mail 1 - Value").split(" ::: ")[0]
        phone = _first(row, "Phone 1 - Value").split(" ::: ")[0]
        records.append(
            {
                "external_id": contact_key("google", name, email, phone),
                "kind": kind,
                "name": name,
                "email": email,
                "phone": phone,
                "gender": _GENDER_WORDS.get(_first(row, "Gender").lower(), ""),
                "birth_date": _contact_date(_first(row, "Birthday")),
                "city": _first(row, "Address 1 - City"),
                "region": _first(row, "Address 1 - Region"),
            }
        )
        lines.append(line)
    return _contacts_frame(records, lines)


def outlook_to_customers(frame: pd.DataFrame) -> pd.DataFrame:
    """Map an Outlook contacts CSV export to customer columns."""
    records, lines = [], []
    for line, row in zip(frame.index, frame.to_dict("records"), strict=True):
        name = _join_name(
            _first(row, "First Name"), _first(row, "Middle Name"), _first(row, "Last Name")
        )
        company = _first(row, "Company")
        kind = "person"
        if not name and company:
            name, kind = company, "company"
        email = _first(row, "E-mail Address", "E-mail 2 Address")
        phone = _first(row, "Mobile Phone", "Primary Phone", "Business Phone", "Home Phone")
        gender = _first(row, "Gender").lower()
        records.append(
            {
                "external_id": contact_key("outlook", name, email, phone),
                "kind": kind,
                "name": name,
                "email": email,
                "phone": phone,
                "gender": _GENDER_WORDS.get(gender, ""),
                "birth_date": _contact_date(_first(row, "Birthday")),
                "city": _first(row, "Home City", "Business City"),
                "region": _first(row, "Home State", "Business State"),
            }
        )
        lines.append(line)
    return _contacts_frame(records, lines)


# --- vCard 3.0 / 4.0 ---------------------------------------------------------------------

_VCARD_GENDER = {"F": "female", "M": "male", "O": "other", "N": "", "U": ""}
# Dangol's own extension properties: the fields a vCard has no place for (round trips).
VCARD_EXTENSIONS = {
    "X-DANGOL-KIND": "kind",
    "X-DANGOL-GENDER": "gender",
    "X-DANGOL-REGION": "region",
    "X-DANGOL-GROUP": "customer_group",
    "X-DANGOL-CHANNEL": "acquisition_channel",
    "X-DANGOL-STATUS": "status",
    "X-DANGOL-CONSENT-EMAIL": "consent_email",
    "X-DANGOL-CONSENT-SMS": "consent_sms",
    "X-DANGOL-CONSENT-PHONE": "consent_phone",
    "X-DANGOL-CONSENT-POST": "consent_post",
}


def _vcard_unescape(value: str) -> str:
    out, i = [], 0
    while i < len(value):
        ch = value[i]
        if ch == "\\" and i + 1 < len(value):
            nxt = value[i + 1]
            out.append("\n" if nxt in "nN" else nxt)
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def _vcard_split(value: str, sep: str) -> list[str]:
    """Split a structured value on unescaped ``sep``."""
    parts, current, i = [], [], 0
    while i < len(value):
        ch = value[i]
        if ch == "\\" and i + 1 < len(value):
            current.append(value[i : i + 2])
            i += 2
            continue
        if ch == sep:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
        i += 1
    parts.append("".join(current))
    return parts


def _vcard_lines(text: str) -> list[tuple[int, str]]:
    """Unfold continuation lines, keeping the line number each property starts on."""
    unfolded: list[tuple[int, str]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if raw[:1] in (" ", "\t") and unfolded:
            start, previous = unfolded[-1]
            unfolded[-1] = (start, previous + raw[1:])
        elif (
            unfolded
            and unfolded[-1][1].endswith("=")
            and "QUOTED-PRINTABLE" in (unfolded[-1][1].split(":", 1)[0].upper())
        ):
            start, previous = unfolded[-1]  # a quoted-printable soft line break (2.1)
            unfolded[-1] = (start, previous[:-1] + raw)
        elif raw.strip():
            unfolded.append((number, raw))
    return unfolded


def _vcard_property(line: str) -> tuple[str, dict[str, str], str]:
    head, _, value = line.partition(":")
    parts = head.split(";")
    name = parts[0].split(".")[-1].upper()  # drop a group prefix ("item1.EMAIL")
    params: dict[str, str] = {}
    for part in parts[1:]:
        key, eq, val = part.partition("=")
        if eq:
            params[key.upper()] = params.get(key.upper(), "") + "," + val.strip('"').upper()
        else:  # 2.1 style bare type ("TEL;CELL:")
            params["TYPE"] = params.get("TYPE", "") + "," + key.upper()
    if params.get("ENCODING", "").strip(",") == "QUOTED-PRINTABLE":
        charset = params.get("CHARSET", ",UTF-8").strip(",").lower() or "utf-8"
        value = quopri.decodestring(value.encode("ascii", "replace")).decode(charset, "replace")
    return name, params, value


def _pick(values: list[tuple[dict[str, str], str]], preferred: tuple[str, ...]) -> str:
    for params, value in values:
        types = params.get("TYPE", "") + params.get("PREF", "")
        if any(word in types for word in preferred) or "PREF" in params:
            return value
    return values[0][1] if values else ""


def read_vcard(text: str) -> Table:
    """Read vCards (3.0, 4.0, and the 2.1 that phones still write) as customer rows.

    The line of a row is the line of its ``BEGIN:VCARD``.
    """
    records: list[dict[str, str]] = []
    lines: list[int] = []
    card: dict[str, list[tuple[dict[str, str], str]]] | None = None
    start = 0
    for number, line in _vcard_lines(text):
        name, params, value = _vcard_property(line)
        if name == "BEGIN" and value.strip().upper() == "VCARD":
            card, start = {}, number
        elif name == "END" and card is not None:
            records.append(_card_to_customer(card))
            lines.append(start)
            card = None
        elif card is not None:
            card.setdefault(name, []).append((params, value))
    if not records:
        raise ImportFileError(
            "No vCard (BEGIN:VCARD ... END:VCARD) in the file",
            code=IntegrationErrorCode.UNREADABLE_FILE,
        )
    return Table(_contacts_frame(records, lines))


def _card_to_customer(card: dict[str, list[tuple[dict[str, str], str]]]) -> dict[str, str]:
    def one(prop: str) -> str:
        values = card.get(prop)
        return _vcard_unescape(values[0][1]).strip() if values else ""

    name = one("FN")
    if not name and card.get("N"):
        parts = [_vcard_unescape(p) for p in _vcard_split(card["N"][0][1], ";")] + ["", "", ""]
        name = _join_name(parts[1], parts[2], parts[0])
    organization = _vcard_unescape(_vcard_split(card["ORG"][0][1], ";")[0]) if "ORG" in card else ""
    kind = "company" if one("KIND").lower() in ("org", "organization") else "person"
    if not name and organization:
        name, kind = organization.strip(), "company"
    email = _vcard_unescape(_pick(card.get("EMAIL", []), ("PREF", "INTERNET"))).strip()
    phone = _vcard_unescape(_pick(card.get("TEL", []), ("CELL", "MOBILE", "PREF"))).strip()
    phone = phone.removeprefix("tel:")
    uid = one("UID").removeprefix("urn:uuid:")
    record = {
        "external_id": uid or contact_key("vcard", name, email, phone),
        "kind": kind,
        "name": name,
        "email": email.removeprefix("mailto:"),
        "phone": phone,
        "gender": _VCARD_GENDER.get(_vcard_split(one("GENDER"), ";")[0].upper(), ""),
        "birth_date": _contact_date(one("BDAY")),
    }
    if "ADR" in card:
        adr = [_vcard_unescape(p) for p in _vcard_split(card["ADR"][0][1], ";")] + [""] * 7
        record["city"] = adr[3].strip()
        record["region"] = adr[4].strip()
    for prop, column in VCARD_EXTENSIONS.items():
        if prop in card:
            record[column] = one(prop)
    return record
