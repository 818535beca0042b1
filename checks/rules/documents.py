"""文档管理：文档的标识、版本控制、废止，以及文档管理责任人。"""

from __future__ import annotations

import posixpath
from urllib.parse import unquote

from ..findings import Hit
from ..obligations import Obligation
from . import rule
from ._common import appointed, employed_on, missing_fields, version_key as _version_key

CHAPTER = "文档管理"

SENSITIVITY_FIELDS = {
    "sensitivity": "敏感性",
    "scope": "使用范围",
    "access": "使用权限",
    "approval_authority": "审批权限",
    "approver": "审批人",
}
METADATA_FIELDS = {
    "id": "文档编号",
    "category": "分类",
    "author": "编写人",
    "version": "版本",
    "published": "发布时间",
    "storage": "存放方式",
    "revisions": "修订记录",
}


@rule("DOC001", name="sensitivity-tags", title="文档标识敏感性、使用范围、使用权限和审批", clause="doc-5")
def sensitivity_tags(handbook):
    """
    ## 检查什么
    每篇文档的头信息都有：敏感性 `sensitivity`（public/internal/restricted/confidential）、
    使用范围 `scope`、使用权限 `access`、审批权限 `approval_authority` 和审批人 `approver`。

    ## 为什么
    标准要求：“文档应标识敏感性、使用范围、使用权限、审批权限等。”站点按敏感性决定
    谁能看到文档：没有敏感性标识的文档按“机密”处理，不会发布给任何普通读者。

    ## 如何修复
    在头信息中补齐这些字段。

    ## 示例
    ```yaml
    sensitivity: internal
    scope: 信息技术部全体人员
    access: 运维中心可阅读；文档管理员可修改
    approval_authority: 运维组织负责人审核，信息技术负责人批准
    approver: P001
    ```
    """
    for document in handbook.documents:
        if not document.readable or not document.valid:  # YAML001/SCH001 already say why it can't be read
            continue
        if not document.has_front_matter:
            yield Hit(document.at(), f"{document.path} 没有头信息（文件开头 --- 之间的 YAML），无法标识敏感性等信息")
            continue
        missing = missing_fields(document.meta, SENSITIVITY_FIELDS)
        if missing:
            yield Hit(document.meta.at(), f"《{document.title}》缺少：{'、'.join(missing)}")


@rule("DOC002", name="metadata-complete", title="文档元数据完整", clause="doc-1")
def metadata_complete(handbook):
    """
    ## 检查什么
    每篇文档的头信息都有：文档编号 `id`、分类 `category`、编写人 `author`、版本 `version`、
    发布时间 `published`、存放方式 `storage` 和修订记录 `revisions`（审批人和敏感性由
    DOC001 检查）。

    ## 为什么
    标准要求文档管理制度“对文档的分类、命名规则、编写人、审批人、版本、敏感性标识、
    发布时间、存放方式、修订记录、废止等做出规定”；本手册的文档管理制度规定这些信息
    都写在头信息中。

    ## 如何修复
    补齐头信息。修订记录至少有一条（首次发布）。
    """
    for document in handbook.docs():
        missing = missing_fields(document.meta, METADATA_FIELDS)
        if missing:
            yield Hit(document.meta.at(), f"《{document.title}》缺少：{'、'.join(missing)}")


@rule("DOC003", name="version-matches-revision", title="版本与最新修订记录一致", clause="doc-4", dated=True)
def version_matches_revision(handbook):
    """
    ## 检查什么
    头信息的 `version` 等于修订记录中最新一条（日期最晚、版本最高）的版本；修订记录的
    日期不晚于检查日期。

    ## 为什么
    标准要求“对文档的版本应当进行控制”，并且“文档在使用时应能读取、使用最新版本”。
    版本号与修订记录不一致时，读者无法确定自己读到的是哪一版。

    ## 如何修复
    修订文档时同时更新 `version` 并在 `revisions` 中增加一条记录。
    """
    for document in handbook.docs():
        revisions = document.meta.records("revisions")
        version = document.meta.get("version")
        if not revisions or version is None:
            continue
        newest = max(revisions, key=lambda r: (r.date("date") or handbook.as_of, _version_key(r.get("version"))))
        if str(newest.get("version")) != str(version):
            yield Hit(document.meta.at("version"),
                      f"《{document.title}》的版本 {version} 与最新修订记录的版本 {newest.get('version')}（{newest.get('date')}）不一致")
        for revision in revisions:
            when = revision.date("date")
            if when and when > handbook.as_of:
                yield Hit(revision.at("date"), f"《{document.title}》的修订记录日期 {when} 晚于检查日期")


def _resolve_link(document, target: str) -> str | None:
    target = unquote(target.split("#", 1)[0].split("?", 1)[0])
    if not target or "://" in target or target.startswith(("mailto:", "/")):
        return None
    path = posixpath.normpath(posixpath.join(posixpath.dirname(document.path), target))
    return path


@rule("DOC004", name="no-link-to-obsolete", title="现行文档不得引用已废止文档", clause="doc-6")
def no_link_to_obsolete(handbook):
    """
    ## 检查什么
    现行文档（`status: active`）中的链接不得指向已废止（`status: obsolete`）的文档。

    ## 为什么
    标准要求：“文档在使用时应能读取、使用最新版本，防止作废文件的逾期使用。”
    现行制度链接到已废止的文档，会把读者引向作废的规定。

    ## 如何修复
    把链接改为指向替代它的现行文档（见已废止文档的 `superseded_by`）。
    """
    by_path = handbook.documents_by_path
    for document in handbook.docs():
        if document.status != "active":
            continue
        for link in document.links:
            path = _resolve_link(document, link.target)
            target = by_path.get(path) if path else None
            if target is not None and target.status == "obsolete":
                successor = handbook.document(target.meta.get("superseded_by"))
                hint = f"，应改为链接《{successor.title}》" if successor else ""
                yield Hit(document.at_line(link.line), f"《{document.title}》链接到已废止的文档《{target.title}》{hint}",
                          refs=(target.path,))


@rule("DOC005", name="obsolete-successor", title="已废止文档注明替代文档", clause="doc-6")
def obsolete_successor(handbook):
    """
    ## 检查什么
    已废止的文档（`status: obsolete`）在头信息中写明废止日期 `obsoleted` 和替代它的现行文档
    `superseded_by`，该文档存在且为现行。

    ## 为什么
    标准要求文档管理制度对“废止”做出规定，并“防止作废文件的逾期使用”。站点在已废止文档
    顶部显示“已废止”横幅并链接到替代文档，读者因此能找到现行版本。

    ## 如何修复
    填写 `superseded_by`（替代文档的编号）和 `obsoleted`；若文档没有替代者而是直接取消，
    请在正文说明，并把 `superseded_by` 指向说明取消决定的现行文档。
    """
    for document in handbook.docs():
        if document.status != "obsolete":
            continue
        if not document.meta.get("obsoleted"):
            yield Hit(document.meta.at("status"), f"已废止的《{document.title}》没有写明废止日期（obsoleted）")
        successor_id = document.meta.get("superseded_by")
        if not successor_id:
            yield Hit(document.meta.at("status"), f"已废止的《{document.title}》没有写明替代文档（superseded_by）")
            continue
        successor = handbook.document(successor_id)
        if successor is not None and successor.status != "active":
            yield Hit(document.meta.at("superseded_by"),
                      f"已废止的《{document.title}》的替代文档《{successor.title}》不是现行文档（状态为 {successor.status}）",
                      refs=(successor.path,))


@rule("DOC006", name="document-owner", title="明确文档管理责任人", clause="doc-2", needs=("organisation", "staff"))
def document_owner(handbook):
    """
    ## 检查什么
    `registers/organisation.yaml` 的 `responsibilities.document_owner` 指定了文档管理责任人，且此人在职。

    ## 为什么
    标准要求：“证券期货机构应明确文档管理的责任人。”

    ## 如何修复
    填写文档管理责任人的人员编号。
    """
    yield from appointed(handbook, "document_owner", "文档管理责任人")


def _version_on(document, provided):
    """The document's current version on the day it was provided: the latest revision dated by then."""
    day = provided.date("date") if provided is not None else None
    dated = [r for r in document.meta.records("revisions") if r.date("date") and day and r.date("date") <= day]
    if not dated:
        return None
    return str(max(dated, key=lambda r: (r.date("date"), _version_key(r.get("version")))).get("version"))


@rule("DOC007", name="document-use-records", title="超范围、超权限使用文档经审批并保存使用记录", clause="doc-7",
      needs=("document_use",), dated=True)
def document_use_records(handbook):
    """
    ## 检查什么
    `registers/document_use.yaml` 的每一条超范围、超权限使用记录：

    - 写明使用人：本公司人员 `person` 或外部单位及人员 `external`，二者写其一；
    - 使用的版本 `version` 是该文档修订记录中的版本，并且是提供日期当天的现行版本（当天以前最新的修订）——
      超范围使用同样要用最新版本；文档编号本身由 REF001 核对；
    - 审批 `approvals` 中有“文档维护人”和“审批人”两个角色的批准（文档管理制度第十五条），批准人都不是使用人本人，
      批准时在职，批准日期不早于申请日期 `requested`、不晚于提供日期 `provided.date`——先批准，后使用；
      仍在使用中的（没有 `closed`），批准人就是文档头信息现在的维护人 `owner` 和审批人 `approver`；
    - 使用期限 `until` 不早于提供日期；到期要有归还、销毁或收回权限的记录 `closed`：期限内列在“即将到期”中，
      过期未收回、或收回晚于期限的，是错误。

    ## 为什么
    标准要求：“证券期货机构对超范围、超权限使用文档时应保存相关审批、使用记录。”没有审批就提供，或提供后
    不收回，受控文档就会在范围以外流传；台账让每一次超范围使用都有据可查。

    是否**每一次**超范围使用都登记了，检查器看不到（它不知道谁手里有文档）：由文档管理员每季度检查
    （POL-10 第十九条）。

    ## 如何修复
    补齐审批（由文档维护人和文档审批人批准）后再提供；到期收回文档或权限，并在 `closed` 中登记日期和方式。

    ## 示例
    ```yaml
    uses:
      - id: DU-2026-09
        document: TEC-01
        version: "3.2"
        kind: 超权限
        person: P015
        purpose: 报盘网关迁移方案评审，核对交易网段的地址规划
        requested: 2026-10-12
        approvals:
          - {role: 文档维护人, by: P004, date: 2026-10-12}
          - {role: 审批人, by: P002, date: 2026-10-13}
        provided: {date: 2026-10-13, by: P014, form: 临时阅读权限}
        until: 2026-10-20
        closed: {date: 2026-10-20, how: 收回权限, by: P014}
    ```
    """
    roles = {"文档维护人": "owner", "审批人": "approver"}
    for use in handbook.records("document_use", "uses"):
        label = f"文档使用登记 {use.id}"
        person, external = use.get("person"), use.get("external")
        if bool(person) == bool(external) and not use.invalid("person") and not use.invalid("external"):
            yield Hit(use.at("id"), f"{label} 应写明使用人：本公司人员（person）或外部单位及人员（external），二者写其一")
        document = handbook.documents_by_id.get(use.get("document"))
        if document is not None and use.get("version") and not use.invalid("version"):
            versions = {str(document.meta.get("version"))} | {str(r.get("version")) for r in document.meta.records("revisions")}
            if str(use.get("version")) not in versions:
                yield Hit(use.at("version"), f"{label}：文档 {use.get('document')} 没有 {use.get('version')} 版")
            elif (current := _version_on(document, use.sub("provided"))) and _version_key(current) > _version_key(use.get("version")):
                yield Hit(use.at("version"), f"{label} 提供的是文档 {use.get('document')} 的 {use.get('version')} 版，"
                                             f"提供时的现行版本是 {current} 版：应提供最新版本")
        requested, provided = use.date("requested"), use.sub("provided")
        given = provided.date("date") if provided is not None else None
        closed = use.sub("closed")
        approvals = use.records("approvals")
        for role, key in roles.items():
            found = [a for a in approvals if a.get("role") == role]
            if not found:
                if not use.invalid("approvals"):
                    yield Hit(use.at("approvals") if approvals else use.at("id"), f"{label} 没有{role}的批准（approvals 中 role: {role}）")
                continue
            expected = document.meta.get(key) if document is not None else None
            if closed is None and expected and all(a.get("by") != expected for a in found):
                yield Hit(found[0].at("by"), f"{label} 的{role}批准由 {handbook.person_name(found[0].get('by'))} 作出，"
                                             f"而文档《{document.title}》的{role}是 {handbook.person_name(expected)}（头信息 {key}）")
        for approval in approvals:
            by, day = approval.get("by"), approval.date("date")
            if by and by == person:
                yield Hit(approval.at("by"), f"{label} 由使用人 {handbook.person_name(by)} 本人批准，不能作为审批")
            if by and day and not employed_on(handbook, by, day):
                yield Hit(approval.at("by"), f"{label} 的批准人 {handbook.person_name(by)} 在 {day} 已不在职")
            if day and requested and day < requested:
                yield Hit(approval.at("date"), f"{label} 的批准日期 {day} 早于申请日期 {requested}")
            if day and given and day > given:
                yield Hit(approval.at("date"), f"{label} 的文档于 {given} 提供，{approval.get('role')}到 {day} 才批准：应先批准后提供")
        until = use.date("until")
        if until and given and until < given:
            yield Hit(use.at("until"), f"{label} 的使用期限 {until} 早于提供日期 {given}")
            continue
        if until is None or given is None:
            continue
        if closed is None:
            yield Obligation(f"收回超范围使用的文档 {use.get('document')}（{use.id}）", until, use.at("until"),
                             f"{label} 的使用期限 {until} 已过，没有归还、销毁或收回权限的记录（closed）",
                             owner=provided.get("by"), cycle="一次", key=f"{use.source.path}#{use.id}|closed")
        elif closed.date("date") and closed.date("date") > until:
            yield Hit(closed.at("date"), f"{label} 的使用期限是 {until}，{closed.date('date')} 才{closed.get('how') or '收回'}，超过期限")
