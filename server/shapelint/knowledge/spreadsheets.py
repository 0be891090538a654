"""`pd.read_excel` of an .xlsx workbook: the columns from the header row, read without a spreadsheet library.

An .xlsx file is a zip of XML parts. Through `ev.workspace` only, and bounded: the central
directory, the first bytes of `xl/workbook.xml` and its relationships (which part is which sheet),
the first bytes of the sheet (its `<dimension>` and first rows) and of `xl/sharedStrings.xml` (the
text of the header cells). The XML is read with an incremental parser fed a prefix, so a part cut
short still gives the elements it holds. The width is the sheet's used range, trusted only when the
header row has a label in its last column; anything else is unknown. Rows are a symbol, as for CSV.

    df = pd.read_excel("data/sales.xlsx")                  # DataFrame (n_sales, 5): the header row's labels
    df = pd.read_excel("data/sales.xlsx", sheet_name="Q2", usecols=["a", "b"], index_col=0)
"""

from __future__ import annotations

import functools
import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import cast

from shapelint.calls import CallArgs
from shapelint.data_headers import ZipMember
from shapelint.knowledge.data_files import rows_symbol, zip_member_head, zip_members
from shapelint.knowledge.pandas import DataFrameValue, Name, select_columns, unique_labels
from shapelint.knowledge.paths import path_text
from shapelint.knowledge.registry import Evaluator, function
from shapelint.values import UNKNOWN, Const, Value, const_int, const_str

XML_HEAD = 256 * 1024  # of each part: the workbook, the sheet's first rows, the first shared strings
_MAX_COLUMNS = 16_384  # Excel's own limit
_CELL = re.compile(r"([A-Z]{1,3})([0-9]+)$")
_EXCEL = (".xlsx", ".xlsm")
_KEYWORDS = frozenset(
    [
        "io",
        "sheet_name",
        "header",
        "index_col",
        "usecols",
        "dtype",
        "engine",
        "na_values",
        "keep_default_na",
        "na_filter",
        "true_values",
        "false_values",
        "parse_dates",
        "date_format",
        "thousands",
        "decimal",
        "verbose",
        "storage_options",
        "dtype_backend",
        "engine_kwargs",
        "converters",
    ]
)


@dataclass(frozen=True)
class SheetHeader:
    """What the first rows of a sheet say: its used width, the header row's labels, a data row seen."""

    width: int
    labels: tuple[str, ...]
    has_data: bool


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _elements(head: bytes) -> Iterator[ElementTree.Element]:
    """The complete elements of an XML prefix, in document order of their end tags."""
    parser: ElementTree.XMLPullParser[ElementTree.Element] = ElementTree.XMLPullParser(events=("end",))
    try:
        parser.feed(head)
        for _, element in cast("Iterator[tuple[str, object]]", parser.read_events()):
            if isinstance(element, ElementTree.Element):
                yield element
    except ElementTree.ParseError:
        return  # cut short (or not XML): what came before still counts


def column_number(letters: str) -> int:
    """`A` -> 1, `Z` -> 26, `AA` -> 27."""
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


@functools.lru_cache(maxsize=64)
def _sheet_parts(workbook: bytes, relations: bytes) -> tuple[tuple[str, str], ...]:
    """(sheet name, part path) in the workbook's order."""
    targets: dict[str, str] = {}
    for element in _elements(relations):
        if _local(element.tag) == "Relationship" and element.get("Id") and element.get("Target"):
            target = element.get("Target", "")
            targets[element.get("Id", "")] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    sheets = []
    for element in _elements(workbook):
        if _local(element.tag) == "sheet":
            relation = next((v for k, v in element.attrib.items() if _local(k) == "id"), None)
            if relation is None or relation not in targets or element.get("name") is None:
                return ()
            sheets.append((element.get("name", ""), targets[relation]))
    return tuple(sheets)


@functools.lru_cache(maxsize=64)
def _shared_strings(head: bytes) -> tuple[str, ...]:
    """The shared strings a prefix of sharedStrings.xml completes (rich text runs joined)."""
    strings = []
    for element in _elements(head):
        if _local(element.tag) == "si":
            strings.append("".join(t.text or "" for t in element.iter() if _local(t.tag) == "t"))
    return tuple(strings)


@functools.lru_cache(maxsize=64)
def _sheet_rows(head: bytes) -> tuple[str | None, tuple[tuple[int, tuple[tuple[int, str, str], ...]], ...]]:
    """The sheet's used range and its first complete rows: (row number, ((column, type, text), ...))."""
    dimension = None
    rows = []
    for element in _elements(head):
        name = _local(element.tag)
        if name == "dimension":
            dimension = element.get("ref")
        elif name == "row":
            cells = []
            for cell in element:
                if _local(cell.tag) != "c":
                    continue
                found = _CELL.match(cell.get("r", ""))
                if found is None:
                    return dimension, ()
                text = "".join(part.text or "" for part in cell.iter() if _local(part.tag) in ("v", "t"))
                cells.append((column_number(found.group(1)), cell.get("t", "n"), text))
            rows.append((int(element.get("r", "0")), tuple(cells)))
            if len(rows) >= 2:
                break
    return dimension, tuple(rows)


def _header(
    dimension: str | None, rows: tuple[tuple[int, tuple[tuple[int, str, str], ...]], ...]
) -> tuple[int, list[tuple[int, str, str]], bool] | None:
    """(width, header cells, a data row seen) when the used range starts at A1 and row 1 is its header."""
    if dimension is None or ":" not in dimension:
        return None
    first, last = dimension.split(":", 1)
    start, end = _CELL.match(first), _CELL.match(last)
    if start is None or end is None or (start.group(1), start.group(2)) != ("A", "1"):
        return None
    width = column_number(end.group(1))
    if not rows or rows[0][0] != 1 or not 0 < width <= _MAX_COLUMNS:
        return None
    header = [cell for cell in rows[0][1] if cell[2] != ""]
    data = len(rows) > 1 and any(text != "" for _, _, text in rows[1][1])
    return width, header, data


def _sheet_header(ev: Evaluator, located: str, members: list[ZipMember], part: str) -> SheetHeader | None:
    by_name = {member.name: member for member in members}
    sheet = by_name.get(part)
    head = zip_member_head(ev.workspace, located, sheet, XML_HEAD) if sheet is not None else None
    if head is None:
        return None
    found = _header(*_sheet_rows(head))
    if found is None:
        return None
    width, cells, has_data = found
    if not cells or cells[-1][0] != width:
        return None  # the used range is wider than the header: pandas' width is not the header's
    strings: tuple[str, ...] = ()
    if any(kind == "s" for _, kind, _ in cells):
        shared = by_name.get("xl/sharedStrings.xml")
        shared_head = zip_member_head(ev.workspace, located, shared, XML_HEAD) if shared is not None else None
        strings = _shared_strings(shared_head) if shared_head is not None else ()
    labels = [""] * width
    for column, kind, text in cells:
        if kind == "s":
            index = int(text) if text.isdigit() else -1
            if not 0 <= index < len(strings):
                return None
            labels[column - 1] = strings[index]
        elif kind in ("inlineStr", "str"):
            labels[column - 1] = text
        else:
            return None  # a number or a date as a label: pandas' spelling of it is not guessed
    return SheetHeader(width, tuple(labels), has_data)


@function("pandas.read_excel")
def _read_excel(ev: Evaluator, call: CallArgs) -> Value:
    """pd.read_excel(io, sheet_name=0, header=0 or None, usecols=, index_col=) of an .xlsx workbook."""
    if call.has_star or len(call.args) > 2 or any(key not in _KEYWORDS for key in call.kwargs):
        return UNKNOWN
    source = call.get(0, "io")
    name = path_text(source)
    if name is None or not name.lower().endswith(_EXCEL):
        return UNKNOWN  # .xls (binary), .ods: not read
    sheet = call.get(1, "sheet_name") or Const(0)
    header_value = call.get(None, "header") or Const(0)
    if header_value not in (Const(0), Const(None)) or not isinstance(sheet, Const):
        return UNKNOWN
    located = ev.workspace.locate(name)
    if located is None:
        return ev.unknown("file not found or not readable")
    members = zip_members(ev.workspace, located)
    if members is None:
        return UNKNOWN
    by_name = {member.name: member for member in members}
    workbook, relations = by_name.get("xl/workbook.xml"), by_name.get("xl/_rels/workbook.xml.rels")
    if workbook is None or relations is None:
        return UNKNOWN
    workbook_head = zip_member_head(ev.workspace, located, workbook, XML_HEAD)
    relations_head = zip_member_head(ev.workspace, located, relations, XML_HEAD)
    if workbook_head is None or relations_head is None:
        return UNKNOWN
    sheets = _sheet_parts(workbook_head, relations_head)
    position, label = const_int(sheet), const_str(sheet)
    if position is not None and 0 <= position < len(sheets):
        chosen = sheets[position]
    elif label is not None and [n for n, _ in sheets].count(label) == 1:
        chosen = next(item for item in sheets if item[0] == label)
    else:
        return UNKNOWN  # sheet_name=None (every sheet, a dict) or a sheet the workbook lacks
    found = _sheet_header(ev, located, members, chosen[1])
    if found is None:
        return UNKNOWN
    plain = header_value == Const(None)  # header=None: the columns are numbered
    columns: list[Name] = list(range(found.width)) if plain else unique_labels(list(found.labels))
    frame = select_columns(DataFrameValue(tuple(columns)), call)
    if frame is None:
        return UNKNOWN
    if not (found.has_data or header_value == Const(None)):
        return frame
    return replace(frame, row_symbol=rows_symbol(source, f"excel:{chosen[0]}:{header_value.describe()}"))
