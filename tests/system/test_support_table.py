"""docs/SUPPORT.md stays true: every status is one of the four the page defines, every row that
says a feature works names a test, every test it names exists, and every system test file is
named somewhere on the page. Reads files only; no QEMU."""
import os
import re

from qemu import ROOT

SUPPORT = os.path.join(ROOT, "docs", "SUPPORT.md")
STATUSES = {"supported", "tested on QEMU only", "experimental", "absent"}
TEST_REF = re.compile(r"`(tests/[\w./-]+)(?:::(\w+))?`")


def rows():
    """(feature, status, tests cell) of every table row with four cells, headers skipped."""
    out = []
    for line in open(SUPPORT, encoding="utf-8"):
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not line.startswith("|") or len(cells) != 4 or cells[0] in ("feature", "status") \
                or set(cells[1]) <= set("-"):
            continue
        out.append(tuple(cells[:3]))
    return out


def test_every_row_has_a_known_status_and_a_test():
    table = rows()
    assert len(table) > 30
    for feature, status, tests in table:
        assert status in STATUSES, "%r: unknown status %r" % (feature, status)
        if status != "absent":
            assert TEST_REF.search(tests), "%r is %s but names no test" % (feature, status)


def test_every_named_test_exists():
    text = open(SUPPORT, encoding="utf-8").read()
    refs = TEST_REF.findall(text)
    assert refs
    for path, func in refs:
        full = os.path.join(ROOT, path)
        assert os.path.isfile(full), "docs/SUPPORT.md names %s, which does not exist" % path
        if func:
            src = open(full, encoding="utf-8").read()
            pattern = r"^def %s\(" % func if path.endswith(".py") else r"\b%s\s*\(" % func
            assert re.search(pattern, src, re.M), "docs/SUPPORT.md names %s::%s, not in that file" % (path, func)


def test_every_system_test_file_is_listed():
    text = open(SUPPORT, encoding="utf-8").read()
    here = os.path.dirname(os.path.abspath(__file__))
    for name in sorted(os.listdir(here)):
        if name.startswith("test_") and name.endswith(".py") and name != "test_support_table.py":
            assert "tests/system/%s" % name in text, "docs/SUPPORT.md lists no test of tests/system/%s" % name
