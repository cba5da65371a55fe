"""Exports: the same permission path as the list; spreadsheet formulas neutralised."""

from __future__ import annotations

import csv
import io

import pytest

from core.api.export import neutralise
from tests.web.conftest import GADGETS, create_gadget, sign_in

pytestmark = pytest.mark.xietong_plugins(GADGETS)


def test_neutralise_keeps_numbers_and_defuses_formulas():
    assert neutralise('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    for text in ("+1+2", "-2+3", "@SUM(A1)", "\tx", "\rx"):
        assert neutralise(text) == "'" + text
    assert neutralise("-12.50") == "-12.50" and neutralise("5") == "5" and neutralise(7) == 7
    assert neutralise(None) == "" and neutralise(True) == "true"


def test_csv_export_has_every_visible_row_with_formulas_neutralised(site):
    create_gadget(site, name="=cmd|' /C calc'!A0", amount="-3.00")
    for number in range(3):
        create_gadget(site, name=f"row {number}", status="active")
    response = site.client.get(
        f"{site.api}/gadgets/export?format=csv&sort=name", headers=site.headers["admin"]
    )
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert [r["name"] for r in rows] == ["'=cmd|' /C calc'!A0", "row 0", "row 1", "row 2"]
    assert rows[0]["amount"] == "-3.00"
    filtered = site.client.get(f"{site.api}/gadgets/export?status=active", headers=site.headers["admin"])
    assert len(list(csv.DictReader(io.StringIO(filtered.data.decode("utf-8-sig"))))) == 3
    assert (
        site.client.get(f"{site.api}/gadgets/export?format=pdf", headers=site.headers["admin"]).status_code
        == 400
    )
    with site.kernel.tenant_context(site.slug):
        from core.identity.models import AuditEntry

        assert AuditEntry.select().where(AuditEntry.action == "export").count() == 2  # not the refused pdf


def test_xlsx_export_opens_and_is_neutralised(site):
    from openpyxl import load_workbook

    create_gadget(site, name="=1+1", amount="10.00")
    response = site.client.get(f"{site.api}/gadgets/export?format=xlsx", headers=site.headers["admin"])
    sheet = load_workbook(io.BytesIO(response.data)).active
    header = [c.value for c in sheet[1]]
    row = dict(zip(header, [c.value for c in sheet[2]], strict=True))
    assert row["name"] == "'=1+1" and row["amount"] == "10.00"


def test_bulk_export_from_the_list_page_exports_only_visible_selected_rows(site):
    mine = create_gadget(site, "sales", name="mine")
    theirs = create_gadget(site, "sales2", name="theirs")
    with site.kernel.tenant_context(site.slug):
        from core.identity.rules import set_right

        set_right("sales", "gadget", "export", "own")
    csrf = sign_in(site, "sales")
    response = site.client.post(
        f"{site.web}/gadgets/bulk",
        data={"csrf_token": csrf, "action": "export", "ids": [mine["id"], theirs["id"]]},
    )
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert [r["name"] for r in rows] == ["mine"]
