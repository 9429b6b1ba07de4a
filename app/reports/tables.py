"""A report table: named columns and rows of plain values, rendered as HTML, CSV and XLSX from the
same object (so an export always matches the page)."""
import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter

from app.core.i18n import gettext as _

#: how a column's values are shown ("share": a percent with two decimals, for small shares of many
#: clients); exports write minutes as hours:minutes (XLSX: a duration cell Excel can add up)
KINDS = ("text", "link", "int", "minutes", "percent", "share", "money", "ratio", "datetime")


@dataclass
class Column:
    key: str
    label: str
    kind: str = "int"
    #: sortable on the page (`?sort=key`)
    sortable: bool = True


@dataclass
class Table:
    name: str
    title: str
    columns: list[Column]
    rows: list[dict]
    #: shown under the title (thresholds, definitions)
    note: str = ""
    #: rows to show per page on the HTML page (exports always hold every row)
    per_page: int = 100
    extra: dict = field(default_factory=dict)
    #: the zone exports write times in (the office's)
    tz: ZoneInfo = ZoneInfo("UTC")

    def sort(self, key: str | None, descending: bool) -> None:
        column = next((c for c in self.columns if c.key == key and c.sortable), None)
        if column is None:
            return

        def value(row):
            v = row.get(key)
            return v[0] if isinstance(v, tuple) else v   # a link sorts by its label

        present = sorted((r for r in self.rows if value(r) is not None), key=value, reverse=descending)
        self.rows = present + [r for r in self.rows if value(r) is None]   # blanks last either way

    def plain(self, row: dict, column: Column):
        value = row.get(column.key)
        if column.kind == "link" and isinstance(value, tuple):
            return value[0]
        if column.kind == "money" and value is not None:
            return Decimal(value).quantize(Decimal("0.01"))
        if column.kind == "datetime" and value is not None:
            return value.astimezone(self.tz).strftime("%Y-%m-%d %H:%M")
        if column.kind in ("percent", "share", "ratio") and value is not None:
            return round(float(value), 1 if column.kind == "percent" else 2)
        return value


#: a spreadsheet reads a cell starting with one of these as a formula (=HYPERLINK(…), +cmd|…)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """Text a person typed (a client's name, a ticket's subject) as inert text in a spreadsheet:
    one starting like a formula gets a leading apostrophe, which Excel and LibreOffice hide."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def hours_minutes(minutes: int) -> str:
    """Minutes as h:mm for a spreadsheet (an ASCII minus: Excel reads it as a number's sign)."""
    sign = "-" if minutes < 0 else ""
    hours, mins = divmod(abs(int(minutes)), 60)
    return f"{sign}{hours}:{mins:02d}"


def to_csv(table: Table, *, russian: bool = False) -> str:
    """CSV as the reader's Excel opens it: for Russian, `;` between fields and a decimal comma
    (Russian Excel splits on `;` and reads «1234,50» as a number); otherwise `,` and a point.
    Minutes are written as h:mm, which Excel reads as a duration."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";" if russian else ",")
    writer.writerow([_header(c) for c in table.columns])
    for row in table.rows:
        cells = []
        for column in table.columns:
            value = table.plain(row, column)
            if value is None:
                value = ""
            elif column.kind == "minutes":
                value = hours_minutes(value)
            elif russian and isinstance(value, (Decimal, float)):
                value = str(value).replace(".", ",")
            elif column.kind in ("text", "link"):
                value = neutralise(value)
            cells.append(value)
        writer.writerow(cells)
    return out.getvalue()


def to_xlsx(table: Table) -> bytes:
    """A workbook with one sheet: the header, then the rows; money with two decimals. Written in
    openpyxl's streaming mode, so a table of ten thousand clients stays quick."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(table.name[:31])
    for index, column in enumerate(table.columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(10, min(40, len(_header(column)) + 2))
    sheet.freeze_panes = "A2"
    sheet.append([_header(c) for c in table.columns])
    money = {i for i, c in enumerate(table.columns) if c.kind == "money"}
    durations = {i for i, c in enumerate(table.columns) if c.kind == "minutes"}
    for row in table.rows:
        values = []
        for index, column in enumerate(table.columns):
            value = table.plain(row, column)
            if index in money and value is not None:
                value = WriteOnlyCell(sheet, value=float(value))
                value.number_format = "#,##0.00"
            elif index in durations and value is not None:
                # a duration in days, shown as hours:minutes past 24 (sums stay sums)
                value = WriteOnlyCell(sheet, value=int(value) / 1440)
                value.number_format = "[h]:mm"
            elif isinstance(value, Decimal):
                value = float(value)
            elif isinstance(value, str) and value.startswith(_FORMULA_START):
                # a string cell, never a formula (openpyxl would write one for a leading "=")
                value = WriteOnlyCell(sheet, value=value)
                value.data_type = "s"   # after the value: assigning the value picks the type again
            values.append(value)
        sheet.append(values)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _header(column: Column) -> str:
    unit = {"minutes": " (" + _("h:mm") + ")", "percent": " (%)", "share": " (%)"}.get(column.kind, "")
    return f"{column.label}{unit}"
