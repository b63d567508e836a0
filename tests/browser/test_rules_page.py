"""The published rules in a real browser: axe finds nothing, and the contents list and rule links work."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def test_rules_page_is_accessible_and_its_links_work(page: Page, live_server, assert_accessible):
    page.goto(f"{live_server}/rules")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "The rules: who may change what, when"
    )
    assert_accessible(page)

    page.get_by_role("navigation", name="Contents").get_by_role(
        "link", name="TRS console: changes by state"
    ).click()
    expect(page).to_have_url(f"{live_server}/rules#trs-console")
    managed = page.get_by_role("table", name="while CPD manages the induction")
    managed.get_by_role("link", name="TRS-INPROGRESS-TO-EXEMPT").click()
    expect(page.locator("#rule-TRS-INPROGRESS-TO-EXEMPT")).to_be_in_viewport()
    expect(page.locator("#rule-TRS-INPROGRESS-TO-EXEMPT")).to_contain_text("Allowed")
