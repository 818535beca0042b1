"""The rules that read git history (HIS001–HIS008), each in a real temporary git repository:
the sample is committed as the base, the working tree is changed, and the rule runs on the pair."""

from __future__ import annotations

import copy
import datetime as dt

import pytest

from checks import engine, review
from checks.rules import get

from conftest import AS_OF, Workspace
from gitkit import commit, fired, git, init

DOC = "docs/policies/pol-06-configuration.md"


@pytest.fixture(scope="module")
def _shared_repo(tmp_path_factory):
    ws = Workspace(tmp_path_factory)
    init(ws)
    return ws, git(ws.root, "rev-parse", "HEAD").strip()


@pytest.fixture
def repo(_shared_repo):
    """The sample committed in a git repository (one per module, reset before each test)."""
    ws, start = _shared_repo
    git(ws.root, "reset", "-q", "--hard", start)
    git(ws.root, "clean", "-q", "-fd")
    return ws


def _item(data, item_id):
    return next(i for i in data["items"] if i["id"] == item_id)


# -- HIS001 配置项的增删改有变更记录 ----------------------------------------------

def test_his001_quiet_without_changes(repo):
    assert fired(repo, "HIS001") == []


def test_his001_fires_on_an_item_changed_without_a_change_record(repo):
    repo.edit_yaml("registers/configuration.yaml", lambda d: _item(d, "CI-APP-TRADE").update(version="V6.3.0"))
    found = fired(repo, "HIS001")
    assert [f.message for f in found] == [
        "修改了配置项 CI-APP-TRADE（version），但没有变更记录写明它（变更的 targets 或 cmdb_updated.items）"]
    assert found[0].status == "new" and found[0].file == "registers/configuration.yaml"


def test_his001_fires_on_added_and_removed_items(repo):
    def change(d):
        item = copy.deepcopy(_item(d, "CI-APP-ONLINE"))
        item.update(id="CI-APP-NEW", name="新系统")
        item.pop("history", None)
        d["items"].append(item)
        d["items"] = [i for i in d["items"] if i["id"] != "CI-APP-MARGIN"]
    repo.edit_yaml("registers/configuration.yaml", change)
    messages = sorted(f.message for f in fired(repo, "HIS001"))
    assert messages == [
        "删除了配置项 CI-APP-MARGIN，但没有变更记录写明它（变更的 targets 或 cmdb_updated.items）",
        "新增了配置项 CI-APP-NEW，但没有变更记录写明它（变更的 targets 或 cmdb_updated.items）",
    ]


def test_his001_quiet_when_a_new_change_record_names_the_item(repo):
    repo.edit_yaml("registers/configuration.yaml", lambda d: _item(d, "CI-APP-TRADE").update(version="V6.3.0"))

    def add_change(d):
        change = copy.deepcopy(d["changes"][0])
        change.update(id="CHG-2026-099", title="集中交易系统 V6.3 升级", targets=["CI-APP-TRADE"])
        d["changes"].append(change)
    repo.edit_yaml("registers/changes.yaml", add_change)
    assert fired(repo, "HIS001") == []


def test_his001_quiet_when_only_history_is_appended(repo):
    repo.edit_yaml("registers/configuration.yaml", lambda d: _item(d, "CI-APP-TRADE")["history"].append(
        {"date": dt.date(2026, 11, 20), "action": "修改", "change": "CHG-2026-012", "by": "P016", "description": "补记"}))
    assert fired(repo, "HIS001") == []


# -- HIS002 操作记录在保存期内不被删除 ---------------------------------------------

def test_his002_fires_on_a_recent_operation_record_deleted(repo):
    repo.edit_yaml("registers/operations.yaml", lambda d: d["operations"].pop(0))
    found = fired(repo, "HIS002")
    assert [f.message for f in found] == ["删除了操作记录 OP-2026-1120-01（2026-11-20），它应保存至 2027-11-20（保存期 365 天）"]


def test_his002_fires_on_a_patrol_record_deleted(repo):
    repo.edit_yaml("registers/operations.yaml", lambda d: d["patrols"].pop(0))
    assert [f.message for f in fired(repo, "HIS002")] == ["删除了巡检记录 2026-11-14 的巡检记录（2026-11-14），它应保存至 2027-11-14（保存期 365 天）"]


def test_his002_quiet_when_the_record_is_past_its_retention(repo):
    old = {"id": "OP-2024-0105-01", "kind": "例行操作", "procedure": "集中交易系统开盘前检查", "systems": ["CI-APP-TRADE"],
           "start": "2024-01-05 08:05", "end": "2024-01-05 08:30", "operator": "P015", "reviewer": "P016", "result": "成功"}
    repo.edit_yaml("registers/operations.yaml", lambda d: d["operations"].append(old))
    commit(repo, "old operation record")
    repo.edit_yaml("registers/operations.yaml", lambda d: d["operations"].pop())
    assert fired(repo, "HIS002") == []


def test_his002_quiet_when_a_record_is_corrected_not_deleted(repo):
    repo.edit_yaml("registers/operations.yaml", lambda d: d["operations"][0].update(result="成功（已复核）"))
    assert fired(repo, "HIS002") == []


# -- HIS003 监控日志在保存期内不被删除 ---------------------------------------------

def _log_class(d, kind):
    return next(c for c in d["logs"]["classes"] if c["type"] == kind)


def test_his003_fires_when_logs_inside_retention_are_purged(repo):
    repo.edit_yaml("registers/monitoring.yaml", lambda d: _log_class(d, "监控日志").update(earliest=dt.date(2026, 1, 1)))
    assert [f.message for f in fired(repo, "HIS003")] == [
        "日志类别“监控日志”的最早可查日期由 2024-12-01 推后到 2026-01-01，清除了保存期（365 天）内的日志"]


def test_his003_fires_when_a_log_class_is_removed(repo):
    repo.edit_yaml("registers/monitoring.yaml", lambda d: d["logs"]["classes"].remove(_log_class(d, "安全日志")))
    assert len(fired(repo, "HIS003")) == 1


def test_his003_quiet_when_only_logs_past_retention_are_purged(repo):
    repo.edit_yaml("registers/monitoring.yaml", lambda d: _log_class(d, "监控日志").update(earliest=dt.date(2025, 6, 1)))
    assert fired(repo, "HIS003") == []


# -- HIS004 历史数据 ---------------------------------------------------------------

def test_his004_fires_when_history_data_younger_than_a_year_is_purged(repo):
    repo.edit_yaml("registers/backups.yaml", lambda d: d["history"][0].update(earliest=dt.date(2026, 3, 1)))
    assert [f.message for f in fired(repo, "HIS004")] == [
        "CI-APP-TRADE 的历史数据“委托、成交、资金和股份变动流水”的现存最早日期由 2019-10-08 推后到 2026-03-01，清理了不满一年的历史数据"]


def test_his004_fires_when_a_history_record_is_removed(repo):
    repo.edit_yaml("registers/backups.yaml", lambda d: d["history"].pop(3))
    assert len(fired(repo, "HIS004")) == 1


def test_his004_quiet_when_older_data_is_purged(repo):
    repo.edit_yaml("registers/backups.yaml", lambda d: d["history"][0].update(earliest=dt.date(2025, 1, 1)))
    assert fired(repo, "HIS004") == []


# -- HIS005 演练记录 ---------------------------------------------------------------

def test_his005_fires_on_a_drill_record_deleted_within_two_years(repo):
    repo.edit_yaml("registers/drills.yaml", lambda d: d["drills"].pop(0))
    assert [f.message for f in fired(repo, "HIS005")] == ["删除了演练记录 DRL-2025-01（2025-10-25），它应保存至 2027-10-25"]


def test_his005_quiet_when_the_drill_is_older_than_two_years(repo):
    def add_old(d):
        old = copy.deepcopy(d["drills"][0])
        old.update(id="DRL-2023-01", date=dt.date(2023, 10, 21))
        d["drills"].append(old)
    repo.edit_yaml("registers/drills.yaml", add_old)
    commit(repo, "old drill")
    repo.edit_yaml("registers/drills.yaml", lambda d: d["drills"].pop())
    assert fired(repo, "HIS005") == []


# -- HIS006 文档正文修改时更新版本 --------------------------------------------------

def test_his006_fires_when_the_body_changes_and_the_version_does_not(repo):
    repo.replace(DOC, "## 第一章 总则", "## 第一章 总则\n\n新增一段规定。")
    found = fired(repo, "HIS006")
    assert [f.message for f in found] == ["文档 POL-06 的正文已修改，但版本 version 仍为 2.0；请提高版本并增加修订记录"]
    assert found[0].file == DOC


def test_his006_fires_when_the_new_version_has_no_revision_record(repo):
    repo.replace(DOC, "## 第一章 总则", "## 第一章 总则\n\n新增一段规定。")
    repo.replace(DOC, 'version: "2.0"', 'version: "2.1"')
    assert [f.message for f in fired(repo, "HIS006")] == [
        "文档 POL-06 的正文已修改、版本改为 2.1，但 revisions 中没有该版本的修订记录"]


def test_his006_quiet_with_a_new_version_and_its_revision_record(repo):
    repo.replace(DOC, "## 第一章 总则", "## 第一章 总则\n\n新增一段规定。")
    repo.replace(DOC, 'version: "2.0"', 'version: "2.1"')
    repo.replace(DOC, "  - {version: \"2.0\"", "  - {version: \"2.1\", date: 2026-11-20, author: P016, approver: P001, summary: 增加一段规定}\n  - {version: \"2.0\"")
    assert fired(repo, "HIS006") == []


def test_his006_quiet_on_whitespace_only_changes(repo):
    repo.replace(DOC, "## 第一章 总则", "## 第一章 总则   ")
    assert fired(repo, "HIS006") == []


# -- HIS007 修订记录不被改写 --------------------------------------------------------

def test_his007_fires_when_a_published_revision_is_rewritten(repo):
    repo.replace(DOC, "summary: 首次发布}", "summary: 首次发布（补充说明）}")
    assert [f.message for f in fired(repo, "HIS007")] == ["文档 POL-06 改写了已发布的 1.0 版修订记录（summary）"]


def test_his007_fires_when_a_revision_is_deleted_or_the_approver_rewritten(repo):
    repo.edit_front_matter(DOC, lambda m: (m["revisions"].pop(1), m.update(approver="P002")))
    assert sorted(f.message for f in fired(repo, "HIS007")) == [
        "文档 POL-06 删除了 1.1 版的修订记录",
        "文档 POL-06 在版本 2.0 不变的情况下改写了审批人（approver）",
    ]


def test_his007_quiet_when_a_revision_is_added(repo):
    repo.replace(DOC, 'version: "2.0"', 'version: "2.1"')
    repo.replace(DOC, "  - {version: \"2.0\"", "  - {version: \"2.1\", date: 2026-11-20, author: P016, approver: P002, summary: 修订}\n  - {version: \"2.0\"")
    repo.edit_front_matter(DOC, lambda m: m.update(approver="P002"))
    assert fired(repo, "HIS007") == []


# -- HIS008 变更审批记录不被改写 ----------------------------------------------------

def test_his008_fires_when_an_approval_is_rewritten(repo):
    repo.edit_yaml("registers/changes.yaml", lambda d: d["changes"][0]["approval"].update(opinion="同意（补签）"))
    assert [f.message for f in fired(repo, "HIS008")] == ["变更 CHG-2026-012 改写了已有的审批记录（approval：opinion）"]


def test_his008_fires_when_the_approver_is_replaced_or_the_approval_removed(repo):
    def change(d):
        d["changes"][0]["approver"] = "P002"
        d["changes"][1].pop("approval")
    repo.edit_yaml("registers/changes.yaml", change)
    messages = sorted(f.message for f in fired(repo, "HIS008"))
    assert len(messages) == 2 and "变更 CHG-2026-012 在审批之后更换了审批人（approver）" in messages
    assert any("删除了已有的审批记录" in m for m in messages)


def test_his008_quiet_when_other_fields_of_a_change_are_updated(repo):
    repo.edit_yaml("registers/changes.yaml", lambda d: d["changes"][0]["implementation"].update(record="实施记录（扫描件）"))
    assert fired(repo, "HIS008") == []


# -- the audit view over a range ----------------------------------------------------

def test_since_runs_history_rules_over_every_commit_of_the_range(repo):
    start = commit(repo, "start")
    repo.edit_yaml("registers/drills.yaml", lambda d: d["drills"].pop(0))
    commit(repo, "drop a drill record")
    repo.edit_yaml("registers/configuration.yaml", lambda d: _item(d, "CI-APP-TRADE").update(owner="P016"))
    commit(repo, "owner changed")
    rules = [get("HIS001"), get("HIS005")]
    result = engine.check(repo.root, AS_OF, rules=rules, history=review.steps(repo.root, start))
    messages = [f.message for f in result.findings if f.rule.startswith("HIS")]
    assert len(messages) == 2
    assert any(m.startswith("提交 ") and "删除了演练记录 DRL-2025-01" in m for m in messages)
    assert any("修改了配置项 CI-APP-TRADE（owner）" in m for m in messages)


def test_history_rules_do_not_run_without_a_base(repo):
    repo.edit_yaml("registers/drills.yaml", lambda d: d["drills"].pop(0))
    assert [f for f in engine.check(repo.root, AS_OF, rules=[get("HIS005")]).findings] == []
