"""应急准备：应急预案的内容、评估和报备。"""

from __future__ import annotations

import datetime as dt

from ..findings import Hit
from ..obligations import Obligation
from ..model import Location
from . import rule
from ._common import version_key
from ._emergency import completed, emergency_plan, is_regulator, regulator

CHAPTER = "应急准备"

# -- 应急预案 -------------------------------------------------------------------

PLAN_CONTENTS = (
    ("编制目的和依据", (("目的",), ("依据",))),
    ("适用范围", (("适用范围",),)),
    ("组织体系及职责", (("组织体系", "组织机构"), ("职责",))),
    ("预防措施、保障措施与应急准备", (("预防",), ("保障",), ("准备",))),
    ("预警监测、处置和信息报送", (("预警",), ("报送", "信息报告"))),
    ("事件分级分类", (("分级",), ("分类",))),
    ("事件报告流程", (("报告流程", "报告程序"),)),
    ("事件处置的一般原则", (("原则",),)),
    ("事件处置的具体方案", (("具体方案", "处置方案"),)),
    ("内部调查处理及分析总结", (("调查",), ("总结",))),
)
TEMPLATES = ("统一解释口径和通知公告模板", (("口径",), ("公告", "通知")))


def _matches(text: str, groups) -> bool:
    return all(any(word in text for word in group) for group in groups)


def plan_heading(document, groups):
    for heading in document.headings:
        if heading.level == 2 and _matches(heading.text, groups):
            return heading
    return None


def _missing_plan():
    return Hit(Location("docs/", None), "缺少网络与信息安全事件应急预案（头信息 kind: plan，covers: 应急处置，如 PLN-01）")


@rule("EMG004", name="plan-contents", title="应急预案内容完整", clause="prep-5")
def plan_contents(handbook):
    """
    ## 检查什么
    有一篇现行的网络与信息安全事件应急预案（头信息 `kind: plan`、`covers: 应急处置`，示例手册中为
    PLN-01），并且有标准规定的十项内容，各为一个二级标题（`##`），按关键词识别：
    编制目的和依据、适用范围、组织体系及职责、预防措施、保障措施与应急准备、预警监测、处置和信息报送、
    事件分级分类、事件报告流程、事件处置的一般原则、事件处置的具体方案、内部调查处理及分析总结。

    ## 为什么
    标准要求：“证券期货机构应制定网络与信息安全事件应急预案，内容至少包括：”上述十项。

    ## 如何修复
    在预案中补充缺少的章节，标题中包含该项内容的名称，例如 `## 事件分级分类`。
    """
    document = emergency_plan(handbook)
    if document is None:
        yield _missing_plan()
        return
    if document.status != "active":
        yield Hit(document.meta.at("status"), f"应急预案《{document.title}》不是现行版本（状态为 {document.status}）")
    missing = [name for name, groups in PLAN_CONTENTS if plan_heading(document, groups) is None]
    if missing:
        yield Hit(document.at_line(document.body_line),
                  f"应急预案《{document.title}》缺少以下内容（二级标题）：{'、'.join(missing)}")


@rule("EMG005", name="plan-specific-scenarios", title="具体方案包括各种技术故障的处置流程和报告流程",
      clause="prep-17", severity="warning")
def plan_specific_scenarios(handbook):
    """
    ## 检查什么
    应急预案“事件处置的具体方案”一节按技术故障分为若干小节（`###`，每种可能发生的技术故障一节），
    并写明了报告流程（正文中出现“报告”）。

    ## 为什么
    标准要求：“网络与信息安全事件处置的具体方案应包括各种可能发生的技术故障的应急处置流程、报告流程等”。
    是否覆盖了“各种”故障需要人工评估，本规则只检查方案按故障分节并写了报告要求。

    ## 如何修复
    为每种技术故障（如主机故障、数据库故障、网络中断、机房断电、网络攻击）写一个 `###` 小节，
    包括处置步骤和报告路径。
    """
    document = emergency_plan(handbook)
    if document is None:
        return  # EMG004
    heading = plan_heading(document, PLAN_CONTENTS[8][1])
    if heading is None:
        return  # EMG004
    text = document.section(heading)
    end = next((h.line for h in document.headings if h.line > heading.line and h.level <= heading.level), None)
    subsections = [h for h in document.headings
                   if h.level == 3 and h.line > heading.line and (end is None or h.line < end)]
    if not subsections:
        yield Hit(document.at_line(heading.line), f"应急预案《{document.title}》的“{heading.text}”没有按技术故障分节（###）")
    if "报告" not in text:
        yield Hit(document.at_line(heading.line), f"应急预案《{document.title}》的“{heading.text}”没有写明报告流程")


@rule("EMG006", name="plan-statement-templates", title="应急预案有统一解释口径和通知公告模板", clause="prep-18")
def plan_statement_templates(handbook):
    """
    ## 检查什么
    应急预案有一个二级标题包含“口径”和“公告”（或“通知”）的章节，例如
    `## 统一解释口径和通知公告模板`，且该节有正文。

    ## 为什么
    标准要求：“应针对各种技术故障拟定统一的解释口径和通知公告模板”。事件发生时客服、营业部和
    官网按同一口径对外说明，避免信息不一致。

    ## 如何修复
    在预案中增加该章节，按技术故障分别给出对客户的解释口径和公告模板。
    """
    document = emergency_plan(handbook)
    if document is None:
        return  # EMG004
    heading = plan_heading(document, TEMPLATES[1])
    if heading is None:
        yield Hit(document.at_line(document.body_line),
                  f"应急预案《{document.title}》缺少“{TEMPLATES[0]}”章节（二级标题）")
    elif not document.section(heading).strip():
        yield Hit(document.at_line(heading.line), f"应急预案《{document.title}》的“{heading.text}”一节没有内容")


def _dated(records, key="date"):
    return [(r.date(key), r) for r in records if r.date(key)]


@rule("EMG007", name="plan-yearly-evaluation", title="应急预案每年至少评估一次", clause="prep-19",
      needs=("emergency",), dated=True)
def plan_yearly_evaluation(handbook):
    """
    ## 检查什么
    `registers/emergency.yaml` 的 `evaluations` 中，从最早一次评估所在年度起，每个已经结束的年度
    都至少有一次应急预案评估（任何原因的评估都算）。当年的评估在年度结束前不要求。

    ## 为什么
    标准要求应急预案“应每年至少进行一次评估，并及时修订”。

    ## 如何修复
    组织年度评估，把评估日期、结论和修订后的版本记入 `evaluations`。

    ## 示例
    ```yaml
    evaluations:
      - {date: 2026-03-13, trigger: 年度, result: 预案总体适用，更新联络方式, revised_version: "4.1", major_change: false}
    ```
    """
    register = handbook.register("emergency")
    evaluations = [(d, r) for d, r in _dated(handbook.records("emergency", "evaluations")) if d <= handbook.as_of]
    if not evaluations:
        yield Hit(register.at("evaluations"), "没有应急预案评估记录（evaluations）；应每年至少评估一次")
        return
    years = {d.year for d, _ in evaluations}
    first = min(years)
    for year in range(first, handbook.as_of.year + 1):  # this year's evaluation is due by its end
        if year not in years:
            yield Obligation(f"评估 {year} 年度应急预案", dt.date(year, 12, 31), register.at("evaluations"),
                             f"{year} 年没有应急预案评估记录；应每年至少评估一次", cycle="每年",
                             key=f"emergency|evaluation|{year}")


@rule("EMG008", name="plan-evaluated-after-drill", title="根据应急演练情况评估应急预案", clause="prep-20",
      needs=("emergency", "drills"), dated=True)
def plan_evaluated_after_drill(handbook):
    """
    ## 检查什么
    每次已完成的应急演练之后（演练当天或以后）都有一次应急预案评估记录。演练后
    `settings.drill_evaluation_days`（默认 30）天内尚未评估的不报告；这期间评估列在到期事项中，
    负责人是应急预案的维护人（头信息 `owner`）。

    ## 为什么
    标准要求应急预案“应根据应急演练的情况进行评估和更新”。演练暴露的问题应反映到预案中。

    ## 如何修复
    演练结束后组织评估，在 `registers/emergency.yaml` 的 `evaluations` 中记录（`trigger: 演练后`，
    `drill` 填演练编号）。

    ## 示例
    ```yaml
    - {date: 2026-11-06, trigger: 演练后, drill: DRL-2026-02, result: 预案有效，无需修订}
    ```
    """
    grace = handbook.settings.drill_evaluation_days
    evaluations = [d for d, _ in _dated(handbook.records("emergency", "evaluations")) if d <= handbook.as_of]
    document = emergency_plan(handbook)
    owner = document.meta.get("owner") if document else None  # the plan's maintainer organises its evaluation
    for drill in handbook.records("drills", "drills"):
        if not completed(drill, handbook.as_of):
            continue
        when = drill.date("date")
        if not any(d >= when for d in evaluations):
            # due ``grace`` days after the drill
            yield Obligation(f"演练 {drill.id} 后评估应急预案", when + dt.timedelta(days=grace), drill.at("date"),
                             f"演练 {drill.id}（{when}）之后没有应急预案评估记录"
                             "（registers/emergency.yaml 的 evaluations）", owner=owner, cycle="每次演练后",
                             key=f"{drill.source.path}#{drill.id}|evaluation")


@rule("EMG009", name="plan-filed", title="应急预案向监管机构报备", clause="prep-22",
      needs=("emergency", "organisation"))
def plan_filed(handbook):
    """
    ## 检查什么
    `registers/emergency.yaml` 的 `filings` 中至少有一次应急预案报备，每次报备都写明了报备机构 `to`，
    且是本机构应报备的监管机构：经营机构为住所地证监局（`organisation.yaml` 的
    `organisation.regulator`），核心机构为中国证监会。

    ## 为什么
    标准要求：“核心机构应向中国证监会报备”“经营机构应向住所地证监局报备”。

    ## 如何修复
    报备后记录日期、报备机构、报备的预案版本和回执。

    ## 示例
    ```yaml
    filings:
      - {date: 2026-05-20, to: 中国证券监督管理委员会上海监管局, version: "4.0", reason: 重大变化, record: 报备回执 2026-05}
    ```
    """
    register = handbook.register("emergency")
    filings = handbook.records("emergency", "filings")
    kind, name = regulator(handbook)
    if not filings:
        yield Hit(register.at("filings"), f"应急预案没有报备记录（filings）；{kind}应向{name}报备")
        return
    for filing in filings:
        to = filing.get("to")
        if not to:
            yield Hit(filing.at("date"), f"{filing.get('date')} 的应急预案报备未写明报备机构（to）")
        elif not is_regulator(handbook, to):
            yield Hit(filing.at("to"), f"应急预案报备给了“{to}”；{kind}应向{name}报备")


@rule("EMG010", name="plan-refiled-after-change", title="应急预案重大变化后及时重新报备", clause="prep-23",
      needs=("emergency",), dated=True)
def plan_refiled_after_change(handbook):
    """
    ## 检查什么
    应急预案的现行版本（头信息 `version`）不高于最近一次报备的版本。比已报备版本新的修订，
    如果 `evaluations` 中记录该版本 `major_change: false`（不属于重大变化），不要求重新报备；
    其余修订在修订日期后 `settings.plan_refiling_days`（默认 30）天内须重新报备（到期事项的负责人是预案的
    维护人）；现行版本没有带日期的修订记录的，无从计算期限，立即报告。

    ## 为什么
    标准要求：“在应急预案发生重大变化时，应及时重新报备。”

    ## 如何修复
    向监管机构报备新版本并在 `filings` 中记录；若修订只是更新联络方式等非重大变化，在对应评估记录中
    写 `major_change: false`。
    """
    document = emergency_plan(handbook)
    filings = [f for f in handbook.records("emergency", "filings") if version_key(f.get("version"))]
    if document is None or not filings:
        return  # EMG004 / EMG009
    current = version_key(document.meta.get("version"))
    latest = max(filings, key=lambda f: (version_key(f.get("version")), f.date("date") or dt.date.min))
    filed = version_key(latest.get("version"))
    if not current or current <= filed:
        return
    minor = {version_key(e.get("revised_version")) for e in handbook.records("emergency", "evaluations")
             if e.get("major_change") is False and e.get("revised_version")}
    revisions = {version_key(r.get("version")): r.date("date") for r in document.meta.records("revisions")}
    pending = sorted(v for v in set(revisions) | {current} if filed < v <= current and v not in minor)
    if not pending:
        return
    first = pending[0]
    changed = revisions.get(first)
    grace = handbook.settings.plan_refiling_days
    label = ".".join(map(str, first))
    when = f"（{changed}）" if changed else ""
    where = handbook.register("emergency").at("filings")
    message = (f"应急预案《{document.title}》已修订为 {label} 版{when}，最近一次报备的是 {latest.get('version')} 版"
               f"（{latest.get('date')}）；重大变化后应及时重新报备（非重大变化请在评估记录中写 major_change: false）")
    if changed is None:  # a version without a dated revision: no deadline to count from, report it at once
        yield Hit(where, message, refs=(document.path,))
        return
    _, name = regulator(handbook)
    yield Obligation(f"向{name}重新报备应急预案《{document.title}》{label} 版", changed + dt.timedelta(days=grace), where,
                     message, owner=document.meta.get("owner"), cycle="预案重大变化后",
                     key=f"emergency|refile|{label}", refs=(document.path,))
