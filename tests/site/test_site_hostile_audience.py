"""Audience leaks through the checker's own words: a finding that quotes a value of a field more sensitive
than the reader (a mistyped mobile number in the staff register, restricted by ``x-sensitivity``) must
not publish the value on the dashboard, the register page or the rule page, nor stop the build."""

from __future__ import annotations

import pytest

from checks.site import build as site_build
from sitekit import AS_OF, Site, copy_sample, html_text, scratch_dir

pytestmark = pytest.mark.site
TYPO = "1390000100X"  # a mobile number (x-sensitivity: restricted) that its pattern rejects


@pytest.fixture(scope="module")
def built():
    root = copy_sample(scratch_dir("hostile-audience"))
    staff = root / "registers" / "staff.yaml"
    staff.write_text(staff.read_text(encoding="utf-8").replace('mobile: "13900001001"', f'mobile: "{TYPO}"', 1),
                     encoding="utf-8")
    staged = site_build.stage_only(root, root.parent / "stage", "internal", AS_OF)
    out = site_build.build(root, site_dir=root.parent / "site", audience="internal", as_of=AS_OF)
    return staged, Site(out, "internal")


def test_masked_value_quoted_by_a_finding_is_masked(built):
    staged, site = built
    for path in staged.rglob("*.md"):
        assert TYPO not in path.read_text(encoding="utf-8"), path
    for path in site.files(".html", ".json", ".js", ".xml", ".txt"):
        assert TYPO not in path.read_text(encoding="utf-8"), path
    dashboard = html_text(site.text("dashboard.html"))
    assert "SCH001" in dashboard and "（受限字段）" in dashboard
