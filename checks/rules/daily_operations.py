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
# a configuration item's id written in a procedure's 操作对象, such as “集中交易系统（CI-APP-TRADE）”
_CI_ID = re.compile(r"(?<![0-9A-Za-z-])CI-[0-9A-Z-]++")
CHANGED = ("已实施", "已复核")  # a rolled-back change leaves the systems as they were


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


def _manual_systems(document) -> dict:
    """The systems a manual's procedures operate on: configuration item id -> where it is named
    (front matter ``systems``, or the 操作对象 of a procedure)."""
    meta = document.meta
    found = {ci: meta.at("systems") for ci in meta.get("systems", []) or [] if isinstance(ci, str)}
    for heading, text in _procedures(document):
        for ci in _CI_ID.findall(_elements(text).get("操作对象", "")):
            found.setdefault(ci.rstrip("-"), Location(document.path, heading.line))
    return found


def _first_issued(document, default):
    """The day a manual was first issued (its first revision, else ``published``): no change before it can ask
    for its revision."""
    days = [r.date("date") for r in document.meta.records("revisions") if r.date("date")]
    days.append(document.meta.date("published"))
    days = [d for d in days if d]
    return min(days) if days else default


def _changed_on(change):
    """The day a change altered its systems: its implementation's end (else start), else its window's end."""
    implementation = change.sub("implementation")
    for record, key in ((implementation, "end"), (implementation, "start"), (change.sub("window"), "end"),
                        (change.sub("window"), "start")):
        when = record.datetime(key) if record is not None else None
        if when is not None:
            return when.date()
    return None


@rule("OPS007", name="manual-revised-after-change", title="信息系统变更后及时修订操作手册", clause="ops-8",
      needs=("changes",), dated=True)
def manual_revised_after_change(handbook):
    """
    ## 检查什么
    每篇现行操作手册涉及的信息系统，是它头信息 `systems` 中的配置项，加上“交易业务系统操作规程”中
    各规程的 `**操作对象**` 写到的配置项编号（如“集中交易系统（CI-APP-TRADE）”）。

    `registers/changes.yaml` 中已实施或已复核的变更（已回退、已取消的除外：系统没有改变），只要变更对象
    `targets` 中有某篇手册涉及的系统，就要在 `manuals` 中对这篇手册写明处理结果，二者写其一：

    - `version`：依据本次变更修订后的版本。手册的修订记录 `revisions` 中要有这个版本，修订日期不早于
      变更申请日期 `applied`（否则不是依据本次变更的修订）、不晚于变更实施后
      `settings.manual_revision_days` 天（默认 10 天，只能设得更短），并写明审批人 `approver`
      （经审批通过后遵照执行）；
    - `reason`：本次变更不改变手册中任何操作步骤、指令和要点的理由，由复核人在复核时确认。

    期限内尚未写明的，列在“即将到期”中（负责人是变更实施人）；超过期限仍没有的是错误。手册首次发布
    （最早的修订记录）之前实施的变更不要求修订它。
    手册既没有 `systems`、规程中也没有写到任何配置项时，无法判断哪些变更涉及它，也报告。

    “及时”的天数：标准没有给出数字。默认 10 天与变更复核期限 `settings.change_review_days` 相同——
    手册自己规定“业务或系统发生变化时，相关岗位管理员应在变更关闭前提出本手册的修订”，而变更应在实施后
    10 天内复核关闭。设得更短可以，不能更长。

    ## 为什么
    标准要求：“证券期货机构应依据业务、信息系统的变化对操作手册及规程进行及时修订，经审批通过后遵照执行。”
    系统变了而手册没变，值班人员次日仍会按旧的步骤和指令操作。只看手册是否在一年内评审过（OPS001）
    看不出这一点：要从变更记录看每一次变化之后手册是否跟上。业务的变化（没有系统变更的）仍由年度评审覆盖。

    ## 如何修复
    修订手册：升级 `version`，在 `revisions` 中增加一条带审批人的修订记录，再在变更的 `manuals` 中写明该版本；
    确实无需修订的，写明理由。手册新涉及的系统加入头信息 `systems`。

    ## 示例
    ```yaml
    # 操作手册（docs/manuals/ 中）的头信息
    systems: [CI-APP-TRADE, CI-DB-TRADE, CI-APP-QUOTE]
    revisions:
      - {version: "4.3", date: 2026-11-13, author: P016, approver: P002, summary: 行情系统 V3.8 升级，更新启动规程}

    # registers/changes.yaml 中的变更
    manuals:
      - {document: MAN-01, version: "4.3"}
    # 或
    manuals:
      - {document: MAN-01, reason: 补丁不改变数据库的启停、检查和备份指令}
    ```
    """
    days = handbook.settings.manual_revision_days
    items = config_items(handbook)
    manuals = []
    for document in _active_manuals(handbook):
        systems = _manual_systems(document)
        if not systems:
            yield Hit(document.meta.at(), f"操作手册《{document.title}》没有写明涉及的信息系统（systems），规程的操作对象中"
                                          "也没有配置项编号：无法判断哪些系统变更后需要修订手册")
        else:
            manuals.append((document, systems))
    for change in handbook.records("changes"):
        if change.get("status") not in CHANGED:
            continue
        changed = _changed_on(change)
        targets = [t for t in change.get("targets", []) or [] if isinstance(t, str)]
        answers = {}
        for entry in change.records("manuals"):
            if entry.get("version") and entry.get("reason"):
                yield Hit(entry.at("reason"), f"变更 {change.id} 对手册 {entry.get('document')} 同时写了修订版本和无需修订的理由：只写其一")
            elif not entry.get("version") and not entry.get("reason") and not entry.invalid("reason"):
                yield Hit(entry.at("document"), f"变更 {change.id} 对手册 {entry.get('document')} 没有写修订后的版本（version）"
                                                "或无需修订的理由（reason）")
            answers.setdefault(entry.get("document"), entry)
        for document, systems in manuals:
            touched = [t for t in targets if t in systems]
            if not touched or changed is None or changed < _first_issued(document, changed):
                continue
            names = "、".join(_ci_name(items, t) for t in touched)
            due = changed + dt.timedelta(days=days)
            entry = answers.get(document.doc_id)
            if entry is None:
                yield Obligation(f"修订操作手册《{document.title}》或写明无需修订的理由（变更 {change.id}）", due,
                                 change.at("manuals") if change.get("manuals") else change.at("status"),
                                 f"变更 {change.id} 于 {changed} 实施，改变了操作手册《{document.title}》涉及的 {names}，"
                                 f"{days} 天内（{due} 前，settings.manual_revision_days）没有修订手册，也没有写明无需修订的理由"
                                 f"（manuals: [{{document: {document.doc_id}, version: …}}]）",
                                 owner=change.get("implementer"), cycle="一次",
                                 key=f"{change.source.path}#{change.id}|manual|{document.doc_id}")
                continue
            version = entry.get("version")
            if not version or entry.get("reason"):  # no version, or both (reported above)
                continue
            revision = next((r for r in document.meta.records("revisions") if str(r.get("version")) == str(version)), None)
            if revision is None:
                yield Hit(entry.at("version"), f"变更 {change.id} 写明手册《{document.title}》修订为 {version} 版，"
                                               f"但手册的修订记录（revisions）中没有 {version} 版")
                continue
            revised, applied = revision.date("date"), change.date("applied")
            if revised and revised > due:
                yield Hit(entry.at("version"), f"变更 {change.id} 于 {changed} 实施，手册《{document.title}》{revised} 才修订为 {version} 版，"
                                               f"超过 {days} 天（应不晚于 {due}，settings.manual_revision_days），未及时修订")
            elif revised and applied and revised < applied:
                yield Hit(entry.at("version"), f"手册《{document.title}》{version} 版修订于 {revised}，早于变更 {change.id} 的申请"
                                               f"（{applied}），不是依据本次变更的修订")
            if not revision.get("approver"):
                yield Hit(revision.at(), f"手册《{document.title}》{version} 版（依据变更 {change.id} 修订）没有审批人（approver），"
                                         "修订应经审批通过后执行")

