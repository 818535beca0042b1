"""制度和流程管理 (POL) and 文档管理 (DOC) rules."""

import datetime as dt

import pytest

from conftest import fired

from checks.rules import get


def path_of(ws, doc_id):
    return next(d.path for d in ws.load().documents if d.doc_id == doc_id)


@pytest.mark.parametrize("rule", ["POL001", "POL002", "POL003", "DOC001", "DOC002", "DOC003", "DOC004", "DOC005", "DOC006", "DOC007"])
def test_quiet_on_sample(sample_result, rule):
    assert fired(sample_result, rule) == []


def test_pol001_fires_when_a_policy_is_missing(ws):
    ws.remove(path_of(ws, "POL-03"))
    found = ws.findings("POL001")
    assert [f.message for f in found] == ["缺少“数据和介质管理”管理制度（kind: policy，covers: 数据和介质管理）"]


def test_pol001_fires_when_the_only_version_is_a_draft(ws):
    path = path_of(ws, "POL-03")
    ws.edit_front_matter(path, lambda m: m.update(status="draft"))
    found = ws.findings("POL001")
    assert len(found) == 1 and found[0].file == path and "没有现行版本" in found[0].message


def test_pol002_fires_when_a_procedure_is_missing(ws):
    ws.remove(path_of(ws, "PRC-03"))
    assert [f.message for f in ws.findings("POL002")] == ["缺少“问题处理”操作流程（kind: procedure，covers: 问题处理）"]


def test_pol003_fires_when_review_is_overdue(ws):
    path = path_of(ws, "POL-01")
    ws.edit_front_matter(path, lambda m: m.update(last_reviewed=dt.date(2025, 11, 20)))
    found = ws.findings("POL003")
    assert len(found) == 1 and found[0].file == path
    assert "上次评审于 2025-11-20，已超过 12 个月的评审周期（应于 2026-11-20 前评审）" in found[0].message
    text = ws.read(path).split("\n")
    assert text[found[0].line - 1].startswith("last_reviewed:")


def test_pol003_stays_quiet_on_the_last_day_of_the_cycle(ws):
    path = path_of(ws, "POL-01")
    ws.edit_front_matter(path, lambda m: m.update(last_reviewed=dt.date(2025, 11, 21)))
    assert ws.findings("POL003") == []


def test_pol003_document_cycle_overrides_setting(ws):
    path = path_of(ws, "POL-01")
    ws.edit_front_matter(path, lambda m: m.update(last_reviewed=dt.date(2026, 3, 1), review_cycle_months=6))
    assert len(ws.findings("POL003")) == 1


def test_pol003_organisation_setting(ws):
    ws.edit_yaml("registers/organisation.yaml", lambda d: d["settings"].update(review_cycle_months=1))
    assert len(ws.findings("POL003")) > 5


def test_pol003_missing_and_future_dates(ws):
    ws.edit_front_matter(path_of(ws, "POL-01"), lambda m: m.pop("last_reviewed"))
    ws.edit_front_matter(path_of(ws, "POL-02"), lambda m: m.update(last_reviewed=dt.date(2026, 12, 1)))
    messages = [f.message for f in ws.findings("POL003")]
    assert any("没有最近评审日期" in m for m in messages) and any("晚于检查日期" in m for m in messages)


def test_pol003_ignores_obsolete_documents(ws):
    obsolete = path_of(ws, "POL-08-2022")
    ws.edit_front_matter(obsolete, lambda m: m.update(last_reviewed=dt.date(2020, 1, 1)))
    assert ws.findings("POL003") == []


def test_doc001_fires_without_sensitivity_tags(ws):
    path = path_of(ws, "POL-02")
    ws.edit_front_matter(path, lambda m: [m.pop(k) for k in ("sensitivity", "approval_authority")])
    found = ws.findings("DOC001")
    assert len(found) == 1 and found[0].file == path
    assert "敏感性（sensitivity）" in found[0].message and "审批权限（approval_authority）" in found[0].message


def test_doc001_fires_on_a_document_without_front_matter(ws):
    ws.write("docs/notes.md", "# 随手记\n")
    found = ws.findings("DOC001")
    assert [(f.file, f.line) for f in found] == [("docs/notes.md", 1)]


def test_doc002_fires_when_metadata_is_incomplete(ws):
    path = path_of(ws, "PRC-01")
    ws.edit_front_matter(path, lambda m: [m.pop(k) for k in ("author", "storage")])
    found = ws.findings("DOC002")
    assert len(found) == 1 and "编写人（author）" in found[0].message and "存放方式（storage）" in found[0].message


def test_doc003_fires_when_version_and_revisions_disagree(ws):
    path = path_of(ws, "POL-04")
    ws.edit_front_matter(path, lambda m: m.update(version="9.9"))
    found = ws.findings("DOC003")
    assert len(found) == 1 and "9.9" in found[0].message


def test_doc003_fires_on_a_revision_dated_in_the_future(ws):
    path = path_of(ws, "POL-04")

    def future(meta):
        meta["revisions"].append({"version": "9.0", "date": dt.date(2027, 1, 1), "summary": "未来"})
        meta["version"] = "9.0"
    ws.edit_front_matter(path, future)
    assert any("晚于检查日期" in f.message for f in ws.findings("DOC003"))


def test_doc004_fires_when_an_active_document_links_to_an_obsolete_one(ws):
    path = path_of(ws, "POL-09")
    obsolete = path_of(ws, "POL-08-2022")
    import posixpath
    link = posixpath.relpath(obsolete, posixpath.dirname(path))
    ws.write(path, ws.read(path) + f"\n参见[旧办法]({link}#值班)。\n")
    found = ws.findings("DOC004")
    assert len(found) == 1 and found[0].file == path
    assert found[0].line == len(ws.read(path).rstrip("\n").split("\n"))
    assert "已废止的文档" in found[0].message and found[0].refs == (obsolete,)


def test_doc004_quiet_for_links_from_the_obsolete_document(ws):
    obsolete = path_of(ws, "POL-08-2022")
    successor = path_of(ws, "POL-08")
    import posixpath
    ws.write(obsolete, ws.read(obsolete) + f"\n现行版本见[值班管理制度]({posixpath.relpath(successor, posixpath.dirname(obsolete))})。\n")
    assert ws.findings("DOC004") == []


def test_doc005_fires_without_successor(ws):
    obsolete = path_of(ws, "POL-08-2022")
    ws.edit_front_matter(obsolete, lambda m: m.pop("superseded_by"))
    found = ws.findings("DOC005")
    assert len(found) == 1 and "替代文档" in found[0].message


def test_doc005_fires_when_successor_is_not_active(ws):
    ws.edit_front_matter(path_of(ws, "POL-08"), lambda m: m.update(status="draft"))
    found = ws.findings("DOC005")
    assert len(found) == 1 and "不是现行文档" in found[0].message


def test_doc006_fires_without_document_owner(ws):
    ws.edit_yaml("registers/organisation.yaml", lambda d: d["responsibilities"].pop("document_owner"))
    assert len(ws.findings("DOC006")) == 1
    ws.edit_yaml("registers/organisation.yaml", lambda d: d["responsibilities"].update(document_owner="P020"))
    assert "已不在职" in ws.findings("DOC006")[0].message


def test_pol001_points_at_the_current_policy_that_lost_its_kind_not_the_obsolete_one(ws):
    path = path_of(ws, "POL-08")
    ws.edit_front_matter(path, lambda m: m.pop("kind"))
    found = [f for f in ws.findings("POL001")]
    assert len(found) == 1 and found[0].file == path
    assert "《值班管理制度》是现行的“值班管理”文档，但没有写 kind，因此不算作管理制度：应为 kind: policy" in found[0].message
    assert "archive" not in found[0].message


def test_pol001_names_the_draft_and_its_status_in_chinese(ws):
    path = path_of(ws, "POL-03")
    ws.edit_front_matter(path, lambda m: m.update(status="draft"))
    (finding,) = ws.findings("POL001")
    assert finding.message.startswith("“数据和介质管理”管理制度没有现行版本：《") and "的状态为草稿（status: draft）" in finding.message


# -- DOC007 超范围、超权限使用 ------------------------------------------------------------

USE = "registers/document_use.yaml"


def edit_use(ws, use_id, change):
    ws.edit_yaml(USE, lambda d: change(next(u for u in d["uses"] if u["id"] == use_id)))


def test_doc007_fires_on_use_before_approval_and_without_the_maintainer(ws):
    # before: the clause was only assessed by hand, so a copy handed out ahead of its approval went unnoticed
    edit_use(ws, "DU-2026-09", lambda u: u["approvals"][1].update(date=dt.date(2026, 10, 15)))
    edit_use(ws, "DU-2026-07", lambda u: u["approvals"].pop(0))
    assert sorted(f.message for f in ws.findings("DOC007")) == [
        "文档使用登记 DU-2026-07 没有文档维护人的批准（approvals 中 role: 文档维护人）",
        "文档使用登记 DU-2026-09 的文档于 2026-10-13 提供，审批人到 2026-10-15 才批准：应先批准后提供"]


def test_doc007_fires_on_self_approval_and_a_wrong_approver_for_an_open_use(ws):
    def by_the_maintainer(use):  # the manual's own maintainer asks for it and approves it
        use.pop("external")
        use["person"] = "P013"
    edit_use(ws, "DU-2026-11", by_the_maintainer)
    edit_use(ws, "DU-2026-11", lambda u: u["approvals"][1].update(by="P001"))
    assert sorted(f.message for f in ws.findings("DOC007")) == [
        "文档使用登记 DU-2026-11 由使用人 马超（P013） 本人批准，不能作为审批",
        "文档使用登记 DU-2026-11 的审批人批准由 周明远（P001） 作出，而文档《运维操作手册》的审批人是 李建国（P002）（头信息 approver）"]


def test_doc007_fires_on_an_unknown_version_and_a_missing_user(ws):
    edit_use(ws, "DU-2026-09", lambda u: u.update(version="2.9"))
    edit_use(ws, "DU-2026-07", lambda u: u.pop("external"))
    assert sorted(f.message for f in ws.findings("DOC007")) == [
        "文档使用登记 DU-2026-07 应写明使用人：本公司人员（person）或外部单位及人员（external），二者写其一",
        "文档使用登记 DU-2026-09：文档 TEC-01 没有 2.9 版"]


def test_doc007_fires_on_an_outdated_version(ws):
    # TEC-01 has been at 3.2 since 2026-05-15: handing out 3.1 in October gives the reader an outdated copy
    edit_use(ws, "DU-2026-09", lambda u: u.update(version="3.1"))
    assert [f.message for f in ws.findings("DOC007")] == [
        "文档使用登记 DU-2026-09 提供的是文档 TEC-01 的 3.1 版，提供时的现行版本是 3.2 版：应提供最新版本"]
    # the version that was current on the day it was provided is right, even if the document has moved on since
    edit_use(ws, "DU-2026-09", lambda u: (u.update(version="3.1"), u["provided"].update(date=dt.date(2026, 5, 14)),
                                          u.update(requested=dt.date(2026, 5, 12), until=dt.date(2026, 5, 20)),
                                          [a.update(date=dt.date(2026, 5, 13)) for a in u["approvals"]],
                                          u["closed"].update(date=dt.date(2026, 5, 20))))
    assert ws.findings("DOC007") == []


def test_doc007_lists_the_return_as_due_and_fires_once_the_term_is_over(ws):
    assert ws.findings("DOC007") == []
    due = get("DOC007").due(ws.load())
    assert [(d.what, d.due, d.owner) for d in due] == [("收回超范围使用的文档 MAN-01（DU-2026-11）", dt.date(2026, 12, 11), "P014")]
    assert [f.message for f in ws.findings("DOC007", dt.date(2026, 12, 12))] == [
        "文档使用登记 DU-2026-11 的使用期限 2026-12-11 已过，没有归还、销毁或收回权限的记录（closed）"]
    edit_use(ws, "DU-2026-09", lambda u: u["closed"].update(date=dt.date(2026, 10, 23)))
    assert "文档使用登记 DU-2026-09 的使用期限是 2026-10-20，2026-10-23 才收回权限，超过期限" in [
        f.message for f in ws.findings("DOC007")]


def test_doc007_quiet_on_earlier_returns_and_approvals_well_ahead(ws):
    # stricter than required: approved the day of the request, returned before the term ends
    edit_use(ws, "DU-2026-09", lambda u: (u["approvals"][1].update(date=dt.date(2026, 10, 12)),
                                          u["closed"].update(date=dt.date(2026, 10, 16))))
    edit_use(ws, "DU-2026-11", lambda u: u.update(closed={"date": dt.date(2026, 11, 20), "how": "归还", "by": "P014"}))
    assert ws.findings("DOC007") == []
    # once returned, the record is history: a later change of the manual's approver does not reopen it
    ws.edit_front_matter(path_of(ws, "MAN-01"), lambda m: m.update(approver="P001"))
    assert ws.findings("DOC007") == []
