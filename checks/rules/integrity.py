"""跨台账的完整性：编号唯一，引用的对象存在。"""

from __future__ import annotations

from collections import defaultdict

from ..findings import Hit
from ..references import TARGETS, known_ids, references
from . import rule

CHAPTER = "配置管理"


@rule("REF001", name="reference-exists", title="引用的人员、设备、配置项、供应商等必须存在", clause="config-7")
def reference_exists(handbook):
    """
    ## 检查什么
    台账和文档头信息中引用的人员、设备、软件、配置项、供应商、变更、事件、岗位和文档，
    都必须在对应的台账（或文档）中存在。哪些字段是引用由 schema 决定：类型为
    `common.schema.json` 中 `$defs/person`、`$defs/device` 等的字段。

    ## 为什么
    标准要求“应保存配置项历史记录，确保与事件管理、问题管理、变更管理等流程记录的
    关联性”。记录之间的关联只有在被引用的对象真实存在时才成立；写错的编号会让
    主备岗、变更审批、设备责任人等检查失去依据。

    ## 如何修复
    改正编号，或先在对应台账中添加该记录。人员离职时不要删除其记录，把 `status`
    改为 `left`，历史记录中的引用仍然有效。

    ## 示例
    ```yaml
    # registers/positions.yaml
    - id: system-admin
      primary: P099   # 错误：staff.yaml 中没有 P099
    ```
    """
    cache: dict = {}
    for source, kind, value, path in references(handbook):
        if kind not in cache:
            cache[kind] = known_ids(handbook, kind)
        ids = cache[kind]
        if ids is None or value in ids:
            continue
        register = TARGETS[kind][0]
        where = f"registers/{register}.yaml 中没有这一编号" if register else "docs/ 中没有头信息 id 为此编号的文档"
        yield Hit(source.at(*path), f"引用的{TARGETS[kind][2]}“{value}”不存在（{where}）")


@rule("UID001", name="unique-id", title="编号唯一", clause="config-5")
def unique_id(handbook):
    """
    ## 检查什么
    每个台账中同一列表内记录的 `id` 不得重复；文档编号（头信息 `id`）在全部文档中不得重复。

    ## 为什么
    标准要求“配置项编号应唯一”。编号是记录之间相互引用的依据，重复的编号会让
    引用指向不明确的对象。

    ## 如何修复
    为其中一条记录换一个未使用的编号；若两条记录其实是同一对象，合并它们。
    """
    for register in handbook.registers.values():
        root = handbook.root_of(register.name)
        if root is None:
            continue
        for key, value in root.data.items():
            if not isinstance(value, list):
                continue
            seen: dict = {}
            for record in root.records(key):
                rid = record.id
                if rid is None:
                    continue
                if rid in seen:
                    yield Hit(record.at("id"), f"编号“{rid}”重复（第 {seen[rid]} 行已使用）")
                else:
                    seen[rid] = record.line("id")
    by_id = defaultdict(list)
    for document in handbook.docs():
        if document.doc_id:
            by_id[document.doc_id].append(document)
    for doc_id, documents in by_id.items():
        for document in documents[1:]:
            yield Hit(document.meta.at("id"), f"文档编号“{doc_id}”与 {documents[0].path} 重复",
                      refs=(documents[0].path,))
