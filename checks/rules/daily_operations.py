"""日常操作：操作手册与交易业务系统操作规程、特殊和临时操作的审批与双岗、操作记录留痕与保存、环境隔离。"""

from __future__ import annotations

import datetime as dt
import re

from .. import dates
from ..findings import Hit
from ..obligations import Obligation
from ..model import Location
from . import rule
from ._common import ci_name as _ci_name, config_items, employed_on as _employed_on

CHAPTER = "日常操作"

PROCEDURE_SECTION = "交易业务系统操作规程"
# 交易业务系统操作规程的八项基本要素，在每个规程中写成行首的加粗标签，如 “**操作对象**：…”
ELEMENTS = ("操作对象", "操作时间", "操作步骤", "操作指令", "操作要点", "复核要点", "操作人", "复核人")
# possessive quantifiers: linear time on any line (tests/test_hostile.py)
_LABEL = re.compile(r"^\s*+(?:[-*+]\s++)?\*\*\s*+(" + "|".join(ELEMENTS) + r")\s*+[：:]?\s*+\*\*\s*+[：:]?(.*)$")
_FENCE = re.compile(r"^\s*+(```|~~~)")
SPECIAL = ("特殊操作", "临时操作")


# -- shared helpers ------------------------------------------------------------

def _active_manuals(handbook):
    return [d for d in handbook.docs("manual") if d.status == "active"]


def _sections(document, title: str, level: int):
    return [h for h in document.headings if h.level == level and h.text == title]


def _procedures(document):
    """(heading, section text) of every ``###`` under the manual's trading procedures section."""
    out = []
    for section in _sections(document, PROCEDURE_SECTION, 2):
        end = next((h.line for h in document.headings if h.line > section.line and h.level <= 2), None)
        for heading in document.headings:
            if heading.level == 3 and heading.line > section.line and (end is None or heading.line < end):
                out.append((heading, document.section(heading)))
    return out


def _elements(text: str) -> dict:
    """Element label -> its text (the rest of the label's line and the lines up to the next label)."""
    found: dict = {}
    current = None
    in_fence = False
    for line in text.split("\n"):
        if _FENCE.match(line):
            in_fence = not in_fence
            if current:
                found[current] += "\n" + line
            continue
        match = None if in_fence else _LABEL.match(line)
        if match:
            current = match.group(1)
            found.setdefault(current, "")
            found[current] += match.group(2)
        elif current:
            found[current] += "\n" + line
    return {k: v.strip() for k, v in found.items()}




def _trading_parts(items) -> set:
    """Trading systems (``trading: true``) and the items they run on, depend on or use."""
    trading = {ci for ci, item in items.items() if item.get("trading")}
    parts = set(trading)
    for ci in trading:
        parts.update(r.get("target") for r in items[ci].records("relations") if r.get("target"))
    return parts


# -- rules ---------------------------------------------------------------------

@rule("OPS001", name="operations-manual", title="制定经审批并及时修订的操作手册", clause="ops-1", dated=True)
def operations_manual(handbook):
    """
    ## 检查什么
    `docs/` 中至少有一篇现行的操作手册（头信息 `kind: manual`、`status: active`）；每篇现行操作手册
    写明审批人 `approver`，并且最近一次评审或修订（`last_reviewed` 与修订记录 `revisions` 中最晚的日期）
    距检查日期不超过评审周期：文档头信息的 `review_cycle_months`，或机构设置
    `settings.review_cycle_months`（默认 12 个月）。

    ## 为什么
    标准要求：“证券期货机构应制定操作手册。”并要求“依据业务、信息系统的变化对操作手册及规程进行
    及时修订，经审批通过后遵照执行”。没有现行手册，操作只能凭个人经验；长期无人评审的手册，
    很可能已跟不上系统的变化。

    ## 如何修复
    在 `docs/manuals/` 中编写操作手册，经审批后把状态改为 `active` 并填写审批人；按周期评审手册，
    评审后更新 `last_reviewed`，内容有修订时升级 `version` 并增加一条修订记录。
    """
    manuals = handbook.docs("manual")
    active = [d for d in manuals if d.status == "active"]
    if not active:
        if manuals:
            yield Hit(manuals[0].meta.at("status"), f"操作手册《{manuals[0].title}》不是现行版本（状态为 {manuals[0].status}）")
        else:
            yield Hit(Location("docs/", None), "没有操作手册（头信息 kind: manual 的现行文档）")
        return
    default = handbook.settings.review_cycle_months
    for document in active:
        meta = document.meta
        if not meta.get("approver"):
            yield Hit(meta.at(), f"操作手册《{document.title}》没有写明审批人（approver），不能视为经审批通过")
        touched = [meta.date("last_reviewed")] + [r.date("date") for r in meta.records("revisions")]
        touched = [d for d in touched if d and d <= handbook.as_of]
        if not touched:
            yield Hit(meta.at(), f"操作手册《{document.title}》没有评审日期（last_reviewed）或修订记录，无法确认及时修订")
            continue
        months = meta.get("review_cycle_months", default)
        due = dates.add_months(max(touched), months)
        yield Obligation(f"评审操作手册《{document.title}》", due, meta.at("last_reviewed") if meta.get("last_reviewed") else meta.at(),
                         f"操作手册《{document.title}》最近一次评审或修订在 {max(touched)}，已超过 {months} 个月（应于 {due} 前评审）",
                         owner=meta.get("owner"), cycle=f"每 {months} 个月", key=f"{document.path}|review")


@rule("OPS002", name="trading-procedure-elements", title="交易业务系统操作规程包含八项基本要素", clause="ops-4")
def trading_procedure_elements(handbook):
    """
    ## 检查什么
    现行操作手册（`kind: manual`）中有一节 `## 交易业务系统操作规程`，其下每个 `###` 是一项操作规程，
    每项规程都以行首加粗标签写明八项要素，且内容不为空：
    `**操作对象**：`、`**操作时间**：`、`**操作步骤**：`、`**操作指令**：`、`**操作要点**：`、
    `**复核要点**：`、`**操作人**：`、`**复核人**：`。
    要素内容可以写在标签同一行，也可以写在其后的列表或代码块中。

    ## 为什么
    标准要求：“交易业务系统的操作规程应至少包括操作的对象、时间、步骤、指令、操作要点、复核要点、
    操作人、复核人等基本要素。”缺少任何一项，操作人就无法照做，复核人也无从核对。

    ## 如何修复
    在该规程下补齐缺少的要素；没有这一节的，在操作手册中新增 `## 交易业务系统操作规程`，
    把交易业务系统的各项操作逐项写成 `###` 规程。

    ## 示例
    ```markdown
    ## 交易业务系统操作规程

    ### 集中交易系统开盘前检查

    **操作对象**：集中交易系统（CI-APP-TRADE）
    **操作时间**：每个交易日 08:00～08:40
    **操作步骤**：1. 登录堡垒机……
    **操作指令**：`trade-ctl status --all`
    **操作要点**：系统日期与交易日历不一致的，不得开市
    **复核要点**：复核人逐项核对进程数量和系统日期
    **操作人**：高翔（P015）
    **复核人**：徐婷（P016）
    ```
    """
    manuals = _active_manuals(handbook)
    if not manuals:
        return  # OPS001
    with_section = [d for d in manuals if _sections(d, PROCEDURE_SECTION, 2)]
    if not with_section:
        document = manuals[0]
        yield Hit(document.at_line(document.body_line),
                  f"操作手册《{document.title}》中没有“## {PROCEDURE_SECTION}”一节")
        return
    for document in with_section:
        procedures = _procedures(document)
        if not procedures:
            section = _sections(document, PROCEDURE_SECTION, 2)[0]
            yield Hit(document.at_line(section.line), f"《{document.title}》的“{PROCEDURE_SECTION}”下没有任何操作规程（### 标题）")
            continue
        for heading, text in procedures:
            found = _elements(text)
            missing = [e for e in ELEMENTS if e not in found]
            empty = [e for e in ELEMENTS if e in found and not found[e]]
            if missing:
                yield Hit(document.at_line(heading.line), f"操作规程“{heading.text}”缺少要素：{'、'.join(missing)}")
            if empty:
                yield Hit(document.at_line(heading.line), f"操作规程“{heading.text}”的要素内容为空：{'、'.join(empty)}")


@rule("OPS003", name="special-operation-approval", title="特殊操作、临时操作经批准后双岗执行", clause="ops-6",
      needs=("operations", "staff"))
def special_operation_approval(handbook):
    """
    ## 检查什么
    `registers/operations.yaml` 中每一条特殊操作或临时操作（`kind: 特殊操作` / `临时操作`）：

    - 有批准人 `approved_by` 和批准时间 `approved`，批准时间不晚于开始时间 `start`，批准人不是操作人本人；
    - 双岗执行：有操作人 `operator` 和复核人 `reviewer`，两人不同，操作时都在职；
    - 记录留痕：写明申请单、操作记录和录像的位置 `record`。

    ## 为什么
    标准要求：“特殊操作、临时操作应经批准后方可双岗执行。”并要求“操作过程应进行记录留痕”。
    这类操作不在常规规程之内或风险较高，事前审批和一人操作、一人复核是防止误操作的最后一道关口。

    ## 如何修复
    事后补批不能替代事前审批：发现未经批准就执行的操作，应按事件或检查发现处理并在 `note` 中说明；
    今后先走操作申请，批准后再执行，并登记操作人和复核人。

    ## 示例
    ```yaml
    - id: OP-2026-1118-01
      kind: 特殊操作
      title: 调整融资融券标的证券折算率参数
      systems: [CI-APP-MARGIN]
      approved_by: P002
      approved: "2026-11-18 14:30"
      start: "2026-11-18 20:00"
      operator: P016
      reviewer: P015
      record: 操作申请单 OPR-2026-057
    ```
    """
    for op in handbook.records("operations"):
        kind = op.get("kind")
        if kind not in SPECIAL:
            continue
        label = f"{kind} {op.id}" + (f"（{op.get('title')}）" if op.get("title") else "")
        start, approved = op.datetime("start"), op.datetime("approved")
        approver, operator, reviewer = op.get("approved_by"), op.get("operator"), op.get("reviewer")
        if not approver or approved is None:
            missing = "、".join(zh for key, zh in (("approved_by", "批准人"), ("approved", "批准时间")) if not op.get(key))
            yield Hit(op.at("id"), f"{label} 没有审批记录（缺少{missing}）")
        elif start is not None and approved > start:
            yield Hit(op.at("approved"), f"{label} 在 {approved:%Y-%m-%d %H:%M} 才批准，晚于开始时间 {start:%Y-%m-%d %H:%M}：应经批准后方可执行")
        if approver and approver in (operator, reviewer):
            yield Hit(op.at("approved_by"), f"{label} 的批准人 {handbook.person_name(approver)} 同时是执行人，不能自己批准自己的操作")
        if not operator or not reviewer:
            missing = "、".join(zh for key, zh in (("operator", "操作人"), ("reviewer", "复核人")) if not op.get(key))
            yield Hit(op.at("id"), f"{label} 没有双岗执行（缺少{missing}）")
        elif operator == reviewer:
            yield Hit(op.at("reviewer"), f"{label} 的操作人和复核人是同一人 {handbook.person_name(operator)}，不是双岗执行")
        day = (start or approved).date() if (start or approved) else handbook.as_of
        for key, zh in (("operator", "操作人"), ("reviewer", "复核人")):
            person = op.get(key)
            if person and not _employed_on(handbook, person, day):
                yield Hit(op.at(key), f"{label} 的{zh} {handbook.person_name(person)} 在操作日期 {day} 已不在职")
        if not op.get("record"):
            yield Hit(op.at("id"), f"{label} 没有写明操作记录的位置（record），无法证明记录留痕")


@rule("OPS004", name="operation-record-retention", title="交易业务系统操作记录保存不少于一年", clause="ops-5",
      needs=("operations",), dated=True)
def operation_record_retention(handbook):
    """
    ## 检查什么
    `registers/operations.yaml` 的 `record_stores` 写明交易业务系统操作记录存放在哪里、保存多久：

    - 每个存放处有存放位置 `location`，保存期限 `retention_days` 不少于机构设置
      `settings.operation_record_retention_days`（默认 365 天）；
    - 最早可查记录日期 `earliest_record` 早于检查日期前一个保存期限，或不晚于所覆盖系统的投产日期
      （配置库 `in_service`，投产不满一年的系统记录自投产起齐全即可）；
    - 配置库中每个交易业务系统（`trading: true`，状态不是停用或下线）都至少有一个存放处覆盖
      （`systems` 中列出）。

    ## 为什么
    标准要求：“证券期货机构应严格按照操作手册执行运维操作，对交易业务系统的操作过程应进行记录留痕，
    记录的保存时间不少于一年。”特殊操作、临时操作的记录同样“保存时间不少于一年”。

    ## 如何修复
    把保存期限设为一年以上，并确认最早的记录仍可调阅（核实后更新 `earliest_record` 和 `checked`）；
    为尚未覆盖的交易业务系统登记其操作记录的存放处。

    ## 示例
    ```yaml
    record_stores:
      - id: OPR-01
        name: 堡垒机会话录像和命令日志
        systems: [CI-APP-TRADE, CI-APP-MARGIN]
        location: 运维审计堡垒机，每日归档至日志审计平台
        retention_days: 1095
        earliest_record: 2023-11-01
    ```
    """
    register = handbook.register("operations")
    minimum = handbook.settings.operation_record_retention_days
    items = config_items(handbook)
    stores = handbook.records("operations", "record_stores")
    if not stores:
        yield Hit(register.at(), "没有登记交易业务系统操作记录的存放位置和保存期限（record_stores）")
        return
    cutoff = handbook.as_of - dt.timedelta(days=minimum)
    for store in stores:
        label = f"操作记录存放处“{store.get('name', store.id)}”"
        if not store.get("location"):
            yield Hit(store.at(), f"{label}没有写明存放位置（location）")
        days = store.get("retention_days")
        if not isinstance(days, int):
            yield Hit(store.at(), f"{label}没有写明保存期限（retention_days）")
        elif days < minimum:
            yield Hit(store.at("retention_days"), f"{label}的保存期限 {days} 天少于 {minimum} 天")
        earliest = store.date("earliest_record")
        systems = store.get("systems", [])
        if earliest is None:
            yield Hit(store.at(), f"{label}没有写明最早可查记录日期（earliest_record），无法确认记录已保存一年")
        elif earliest > handbook.as_of:
            yield Hit(store.at("earliest_record"), f"{label}的最早可查记录日期 {earliest} 晚于检查日期")
        elif earliest > cutoff:
            # records younger than a year are enough when every system they cover went live since
            went_live = [items[s].date("in_service") if items and s in items else None for s in systems]
            if not went_live or None in went_live or earliest > min(went_live):
                yield Hit(store.at("earliest_record"),
                          f"{label}最早只能查到 {earliest} 的记录，不满 {minimum} 天（应至少可查到 {cutoff} 或系统投产之日的记录）")
    if items is None:
        return
    covered = {s for store in stores for s in store.get("systems", [])}
    for ci, item in items.items():
        if not item.get("trading") or item.get("status") in ("停用", "下线"):
            continue
        if ci not in covered:
            yield Hit(register.at("record_stores"), f"交易业务系统 {_ci_name(items, ci)} 的操作记录没有登记存放位置和保存期限")


@rule("OPS005", name="environment-separation", title="核心交易业务系统操作和监控环境独立并与开发测试分离",
      clause="ops-9", needs=("operations",))
def environment_separation(handbook):
    """
    ## 检查什么
    `registers/operations.yaml` 的 `environments` 中，配置库里每个核心交易业务系统（`core: true`，
    状态不是停用或下线）都有一条记录（`systems` 中列出），其中：

    - 操作环境 `operation` 和监控环境 `monitoring` 都标为独立设置 `separate: true`，并有说明 `description`；
    - 两者的 `shared_with` 为空：不与开发、测试、办公等其他环境共用；
    - 写明开发、测试环境的位置及隔离方式 `dev_test`；`registers/system_tests.yaml` 中模拟这些系统的
      每个模拟环境都确认了与生产环境分离（`separate_from_production: true`）——分离以测试台账的事实为准，
      不只看这里的说明。

    配置库不可用时，只检查已登记的记录。

    ## 为什么
    标准要求：“证券期货机构应对核心交易业务系统设置独立的操作和监控环境，并与开发、测试等其他操作环境
    严格分离。”共用终端或网段，开发测试中的误操作就可能直接落到生产交易系统上。

    ## 如何修复
    为核心交易业务系统设置专用的运维操作终端和监控终端、独立网段，经堡垒机访问生产；与开发测试网络
    断开路由；完成后登记说明并标为 `separate: true`。

    ## 示例
    ```yaml
    environments:
      - systems: [CI-APP-TRADE, CI-APP-MARGIN]
        operation: {separate: true, description: 监控室独立运维网段，经堡垒机访问生产, shared_with: []}
        monitoring: {separate: true, description: 生产管理区专用监控服务器和终端, shared_with: []}
        dev_test: 独立测试机房和测试网络，与生产网络无路由互通
    ```
    """
    register = handbook.register("operations")
    environments = handbook.records("operations", "environments")
    items = config_items(handbook)
    for env in environments:
        names = "、".join(_ci_name(items, s) for s in env.get("systems", []))
        for key, zh in (("operation", "操作环境"), ("monitoring", "监控环境")):
            part = env.sub(key)
            if part is None:
                yield Hit(env.at(), f"{names} 没有登记{zh}（{key}）")
                continue
            if part.get("separate") is not True:
                yield Hit(part.at("separate") if "separate" in part else part.at(),
                          f"{names} 的{zh}没有独立设置（{key}.separate 应为 true）")
            if not part.get("description"):
                yield Hit(part.at(), f"{names} 的{zh}没有说明（{key}.description）")
            shared = part.get("shared_with", [])
            if shared:
                yield Hit(part.at("shared_with"), f"{names} 的{zh}仍与{'、'.join(map(str, shared))}环境共用，应严格分离")
        if not env.get("dev_test"):
            yield Hit(env.at(), f"{names} 没有写明开发、测试环境的位置及隔离方式（dev_test）")
        # the test register says how the test environments of these systems are actually kept apart
        systems = set(env.get("systems", []) or [])
        for test_env in handbook.records("system_tests", "environments"):
            overlap = systems & set(test_env.get("systems", []) or [])
            if overlap and test_env.get("separate_from_production") is not True:
                label = f"模拟环境 {test_env.id}（{test_env.get('name', '')}）"
                yield Hit(env.at("dev_test") if "dev_test" in env else env.at(),
                          f"{'、'.join(_ci_name(items, s) for s in sorted(overlap))} 的{label}在 registers/system_tests.yaml 中"
                          "未确认与生产环境分离（separate_from_production: true），与开发、测试环境严格分离没有依据")
    if items is None:
        if not environments:
            yield Hit(register.at(), "没有登记核心交易业务系统的操作和监控环境（environments）")
        return
    listed = {s for env in environments for s in env.get("systems", [])}
    for ci, item in items.items():
        if item.get("core") and item.get("status") not in ("停用", "下线") and ci not in listed:
            where = register.at("environments") if environments else register.at()
            yield Hit(where, f"核心交易业务系统 {_ci_name(items, ci)} 没有登记独立的操作和监控环境（environments）")


@rule("OPS006", name="operations-follow-manual", title="交易业务系统操作按手册执行并复核留痕", clause="ops-5",
      needs=("operations",))
def operations_follow_manual(handbook):
    """
    ## 检查什么
    `registers/operations.yaml` 中每一条例行操作（`kind: 例行操作`）：

    - 写明所依据的操作规程 `procedure`（交易业务系统的操作必须写），且该规程确实是现行操作手册中的
      一个 `###` 标题；
    - 交易业务系统（配置库中 `trading: true` 的配置项，以及它们在关联关系 `relations` 中运行于、依赖、
      使用的配置项，如交易数据库）的操作记录了操作人 `operator` 和复核人 `reviewer`，两人不同。

    ## 为什么
    标准要求：“证券期货机构应严格按照操作手册执行运维操作，对交易业务系统的操作过程应进行记录留痕，
    记录的保存时间不少于一年。”操作记录引用的规程在手册中找不到，说明操作没有依据，或手册已修订
    而操作仍按旧规程执行。

    ## 如何修复
    在 `procedure` 中写操作手册中规程标题的原文；手册修订改名后，同步更新操作清单。手册没有对应规程的
    操作属于临时操作，应按临时操作审批并双岗执行（`kind: 临时操作`）。
    """
    manuals = _active_manuals(handbook)
    titles = {heading.text for d in manuals for heading in d.headings if heading.level == 3}
    items = config_items(handbook)
    parts = _trading_parts(items) if items is not None else None
    for op in handbook.records("operations"):
        if op.get("kind") != "例行操作":
            continue
        systems = op.get("systems", [])
        trading = any(s in parts for s in systems) if parts is not None else bool(systems)
        procedure = op.get("procedure")
        if not procedure:
            if trading:
                yield Hit(op.at("id"), f"交易业务系统例行操作 {op.id} 没有写明所依据的操作规程（procedure）")
        elif manuals and procedure not in titles:
            yield Hit(op.at("procedure"), f"例行操作 {op.id} 依据的操作规程“{procedure}”不在现行操作手册中")
        if trading:
            operator, reviewer = op.get("operator"), op.get("reviewer")
            if not operator or not reviewer:
                missing = "、".join(zh for key, zh in (("operator", "操作人"), ("reviewer", "复核人")) if not op.get(key))
                yield Hit(op.at("id"), f"交易业务系统例行操作 {op.id} 缺少{missing}")
            elif operator == reviewer:
                yield Hit(op.at("reviewer"), f"交易业务系统例行操作 {op.id} 的操作人和复核人是同一人 {handbook.person_name(operator)}")
