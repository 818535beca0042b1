"""文档管理：文档的标识、版本控制、废止，以及文档管理责任人。"""

from __future__ import annotations

import posixpath
from urllib.parse import unquote

from ..findings import Hit
from . import rule
from ._common import appointed, missing_fields, version_key as _version_key

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
