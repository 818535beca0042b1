"""Waivers (registers/waivers.yaml): a waived finding is 已豁免 and does not fail the gate until the
waiver expires; WAV001–WAV005 keep waivers honest; the dashboard data lists them."""

from __future__ import annotations

import datetime as dt
import json

import yaml

from checks import engine, waivers

from conftest import AS_OF, fired, run_opsbook

WAIVER = {
    "id": "WVR-2026-01",
    "rule": "ORG002",
    "file": "registers/positions.yaml",
    "record": "room-admin",
    "reason": "机房管理员备岗人员调岗，新备岗人员培训中，12 月底前到岗",
    "requested_by": "P002",
    "approved_by": "P001",
    "approved": dt.date(2026, 11, 16),
    "expires": dt.date(2026, 12, 31),
}


def _with_gap(ws):
    """The sample with a real gap: the room administrator has no backup (ORG002)."""
    ws.edit_yaml("registers/positions.yaml", lambda d: d["positions"][0].pop("backup"))


def _waive(ws, *entries):
    ws.edit_yaml("registers/waivers.yaml", lambda d: d.update(waivers=[dict(WAIVER, **e) for e in entries]))


WAV_RULES = ("WAV001", "WAV002", "WAV003", "WAV004", "WAV005")


def _rules(result, prefix):
    """(rule, message) of the result's findings of the WAV rules starting with ``prefix``
    (each such rule noted, fired or quiet, for test_every_rule_has_tests)."""
    return sorted((f.rule, f.message) for rule in WAV_RULES if rule.startswith(prefix) for f in fired(result, rule))


def test_sample_waiver_register_is_valid_and_empty(sample_result):
    assert sample_result.handbook.usable("waivers")
    assert _rules(sample_result, "WAV") == []


def test_a_waiver_silences_its_finding_until_it_expires(ws):
    _with_gap(ws)
    _waive(ws, {})
    result = ws.check()
    org = [f for f in result.findings if f.rule == "ORG002"]
    assert len(org) == 1 and org[0].waiver == "WVR-2026-01" and org[0].label() == "已豁免 WVR-2026-01"
    assert result.errors == 0 and result.summary()["waived"] == 1 and result.summary()["passed"]
    assert _rules(result, "WAV") == []
    # the day after it expires, the finding counts again and the waiver itself is an error
    later = ws.check(dt.date(2027, 1, 1))
    org = [f for f in later.findings if f.rule == "ORG002"]
    assert org and org[0].waiver is None
    assert ("WAV001", "例外 WVR-2026-01（规则 ORG002，文件 registers/positions.yaml；记录 room-admin）已于 2026-12-31 到期，"
            "不再豁免；请整改后删除，或重新审批") in _rules(later, "WAV")


def test_a_waiver_covers_only_its_scope(ws):
    _with_gap(ws)
    ws.edit_yaml("registers/positions.yaml", lambda d: d["positions"][1].pop("backup"))
    _waive(ws, {})
    result = ws.check()
    org = {f.message: f.waiver for f in result.findings if f.rule == "ORG002"}
    assert org == {"关键岗位“机房管理员”未设置备岗（backup）": "WVR-2026-01", "关键岗位“网络管理员”未设置备岗（backup）": None}
    assert result.errors == 1


def test_wav002_warns_on_a_waiver_that_matches_nothing(ws):
    _waive(ws, {})
    result = ws.check()
    assert _rules(result, "WAV") == [("WAV002", "例外 WVR-2026-01 没有覆盖任何发现（规则 ORG002，文件 registers/positions.yaml；记录 room-admin）："
                                                "问题已解决时请删除这条例外，范围写错时请改正")]
    assert next(f for f in result.findings if f.rule == "WAV002").severity == "warning"


def test_wav002_is_quiet_when_only_some_rules_run(ws):
    from checks.rules import get

    _waive(ws, {})
    assert [f for f in ws.check(rules=[get("ORG001")]).findings if f.rule == "WAV002"] == []


def test_wav003_a_waiver_for_an_unknown_rule_is_an_error_and_covers_nothing(ws):
    _with_gap(ws)
    _waive(ws, {"rule": "ORG999"}, {"id": "WVR-2026-02", "rule": "WAV001"})
    result = ws.check()
    assert _rules(result, "WAV003") == [
        ("WAV003", "例外 WVR-2026-01 指向的规则“ORG999”不存在（或是例外管理自身的规则，不能豁免）"),
        ("WAV003", "例外 WVR-2026-02 指向的规则“WAV001”不存在（或是例外管理自身的规则，不能豁免）"),
    ]
    assert next(f for f in result.findings if f.rule == "ORG002").waiver is None


def test_wav004_approver_needs_the_authority_and_is_not_the_requester(ws):
    _with_gap(ws)
    _waive(ws, {"approved_by": "P002", "requested_by": "P013"}, {"id": "WVR-2026-02", "requested_by": "P001"})
    result = ws.check()
    assert _rules(result, "WAV004") == [
        ("WAV004", "例外 WVR-2026-01 的审批人李建国（P002）没有例外审批权限；有权审批的是：周明远（P001）（it_head）"),
        ("WAV004", "例外 WVR-2026-02 的审批人与申请人都是 周明远（P001），不得自己审批"),
    ]
    assert next(f for f in result.findings if f.rule == "ORG002").waiver is None and result.errors >= 3


def test_wav004_the_settings_name_who_may_approve(ws):
    _with_gap(ws)
    _waive(ws, {"approved_by": "P002", "requested_by": "P013"})
    ws.edit_yaml("registers/organisation.yaml", lambda d: d["settings"].update(waiver_approvers=["it_head", "operations_head"]))
    result = ws.check()
    assert _rules(result, "WAV") == [] and result.errors == 0


def test_wav005_scope_and_period(ws):
    _with_gap(ws)
    too_long = {"expires": dt.date(2027, 6, 30)}
    no_scope = {"id": "WVR-2026-02", "rule": "ORG003"}
    backwards = {"id": "WVR-2026-03", "expires": dt.date(2026, 11, 1)}
    ws.edit_yaml("registers/waivers.yaml", lambda d: d.update(waivers=[
        dict(WAIVER, **too_long), {k: v for k, v in dict(WAIVER, **no_scope).items() if k not in ("file", "record")},
        dict(WAIVER, **backwards)]))
    messages = [m for _, m in _rules(ws.check(), "WAV005")]
    assert messages == ["例外 WVR-2026-01 有效期 226 天，超过上限 180 天（settings.waiver_max_days）",
                        "例外 WVR-2026-02 没有写明覆盖范围（file、record 或 document 至少一项），不会豁免任何发现",
                        "例外 WVR-2026-03 的到期日期 2026-11-01 早于审批日期 2026-11-16"]


def test_wav005_max_days_is_a_setting(ws):
    _with_gap(ws)
    _waive(ws, {})
    ws.edit_yaml("registers/organisation.yaml", lambda d: d["settings"].update(waiver_max_days=30))
    assert [m for _, m in _rules(ws.check(), "WAV005")] == ["例外 WVR-2026-01 有效期 45 天，超过上限 30 天（settings.waiver_max_days）"]


def test_waiver_by_document_id(ws):
    ws.edit_front_matter("docs/policies/pol-06-configuration.md", lambda m: m.pop("storage"))
    found = [f for f in ws.check().findings if f.file == "docs/policies/pol-06-configuration.md"]
    assert found
    rule = found[0].rule
    ws.edit_yaml("registers/waivers.yaml", lambda d: d.update(waivers=[
        {k: v for k, v in dict(WAIVER, rule=rule, document="POL-06").items() if k not in ("file", "record")}]))
    assert all(f.waiver == "WVR-2026-01" for f in ws.check().findings if f.rule == rule and f.file.endswith("pol-06-configuration.md"))


def test_overview_lists_active_and_expiring_waivers_for_the_dashboard(ws):
    _with_gap(ws)
    _waive(ws, {}, {"id": "WVR-2026-02", "rule": "ORG003", "approved": dt.date(2026, 10, 2), "expires": dt.date(2027, 3, 31)},
           {"id": "WVR-2026-03", "approved": dt.date(2026, 6, 1), "expires": dt.date(2026, 10, 31)})
    result = ws.check()
    rows = waivers.overview(result.handbook, result.findings)
    assert [(r.id, r.state, r.days_left) for r in rows] == [
        ("WVR-2026-03", "expired", -21), ("WVR-2026-01", "active", 40), ("WVR-2026-02", "active", 130)]
    assert rows[1].covered == 1 and rows[1].approved_by == "周明远（P001）" and rows[1].rule_title
    soon = waivers.overview(ws.check(dt.date(2026, 12, 10)).handbook)
    assert next(r for r in soon if r.id == "WVR-2026-01").state_zh == "即将到期"


def test_waived_status_in_every_output(ws):
    _with_gap(ws)
    _waive(ws, {})

    def run(fmt):
        return run_opsbook("--root", ws.root, "check", "--as-of", "2026-11-21", "--format", fmt)
    text = run("text")
    assert text.returncode == 0
    assert any(" ORG002 " in line and line.endswith("[已豁免 WVR-2026-01]") for line in text.stdout.splitlines())
    assert "1 个发现已豁免" in text.stdout
    assert next(f for f in json.loads(run("json").stdout)["findings"] if f["rule"] == "ORG002")["waiver"] == "WVR-2026-01"
    github = next(l for l in run("github").stdout.splitlines() if "ORG002" in l)
    assert github.startswith("::notice ") and "已豁免 WVR-2026-01" in github
    gitlab = next(i for i in json.loads(run("gitlab").stdout) if i["check_name"] == "ORG002")
    assert gitlab["severity"] == "info" and "已豁免" in gitlab["description"]
    assert "已豁免 WVR-2026-01" in run("junit").stdout
    sarif = json.loads(run("sarif").stdout)["runs"][0]["results"]
    result = next(r for r in sarif if r["ruleId"] == "ORG002")
    assert result["suppressions"] == [{"kind": "external", "status": "accepted", "justification": "例外 WVR-2026-01：" + WAIVER["reason"]}]


def test_waiver_schema_rejects_unknown_fields(ws):
    _waive(ws, {"scope": "全部"})
    messages = [f.message for f in ws.check().findings if f.rule == "SCH001" and f.file == "registers/waivers.yaml"]
    assert messages and "未知字段：scope" in messages[0]
    assert yaml.safe_load(ws.read("registers/waivers.yaml"))["waivers"][0]["scope"] == "全部"


def test_the_dashboard_lists_waivers_and_marks_waived_findings(ws):
    from checks.site import pages
    from checks.site.context import SiteContext

    _with_gap(ws)
    _waive(ws, {}, {"id": "WVR-2026-02", "rule": "ORG003", "approved": dt.date(2026, 10, 2), "expires": dt.date(2027, 3, 31)})
    ctx = SiteContext.create(ws.root, "internal", dt.date(2026, 12, 10))
    page = pages.dashboard_page(ctx, "dashboard/")
    section = page[page.index("## 例外（豁免）"):page.index("## 按章节")]
    assert "WVR-2026-01" in section and "即将到期" in section and "（还有 21 天）" in section and "（现有 1 条）" in section
    assert "WVR-2026-02" in section and "有效" in section
    assert "李建国（P002） → 周明远（P001）" in section
    assert '<span class="ob-badge ob-waived">已豁免 WVR-2026-01</span>' in page
    errors = sum(1 for f in ctx.findings if f.severity == "error" and not f.waiver)
    assert f'<span>错误</span><strong>{errors}</strong>' in page  # the waived ORG002 is not counted
    assert '<span>已豁免</span><strong>1</strong>' in page
    public = pages.dashboard_page(SiteContext.create(ws.root, "public", dt.date(2026, 12, 10)), "dashboard/")
    assert "## 例外（豁免）" not in public  # the waivers register is internal


def test_a_waived_error_leaves_its_clause_in_warning_not_failed(ws):
    from checks import clauses

    _with_gap(ws)
    chapters = clauses.load(ws.tree)
    status = lambda result: next(r["status"] for r in clauses.matrix(result, chapters) if r["id"] == "org-4")  # noqa: E731
    assert status(ws.check()) == "fail"
    _waive(ws, {})
    assert status(ws.check()) == "warn"
