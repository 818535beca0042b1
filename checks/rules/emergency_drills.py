"""应急准备：应急演练（计划、频次、记录、改进、年度报告）和应急培训。"""

from __future__ import annotations

import datetime as dt

from .. import dates
from ..findings import Hit
from ..obligations import Obligation
from . import rule
from ._common import missing_fields
from ._emergency import active, completed, half_label, is_regulator, next_half, person_label, regulator

CHAPTER = "应急准备"

# -- 应急演练 -------------------------------------------------------------------

DRILL_PLAN_FIELDS = {
    "purpose": "目的",
    "content": "内容",
    "time": "时间",
    "participants": "参与方",
    "method": "方式",
    "preparation": "前期准备情况",
    "records_requirement": "统计与记录要求",
    "recovery_verification": "系统恢复与验证要求",
}


@rule("EMG030", name="drill-plans", title="应急演练计划要素齐全", clause="prep-46", needs=("drills",))
def drill_plans(handbook):
    """
    ## 检查什么
    `registers/drills.yaml` 有演练计划 `plans`，每个计划都写明目的、内容、时间、参与方、方式、
    前期准备情况、统计与记录要求、系统恢复与验证要求；每次已完成的演练都引用了一个存在的计划
    （`plan`）。

    ## 为什么
    标准要求：“应根据应急预案的内容，制定详细的应急演练计划。”“计划至少包括演练的目的、内容、时间、
    参与方、方式、前期准备情况、统计与记录要求、系统恢复与验证要求等内容”。

    ## 如何修复
    补齐计划要素；演练记录的 `plan` 填写计划编号。
    """
    register = handbook.register("drills")
    plans = handbook.records("drills", "plans")
    if not plans:
        yield Hit(register.at("plans"), "没有应急演练计划（plans）")
    ids = {p.id for p in plans}
    for plan in plans:
        missing = missing_fields(plan, DRILL_PLAN_FIELDS)
        if missing:
            yield Hit(plan.at("id"), f"应急演练计划 {plan.id} 缺少：{'、'.join(missing)}")
    for drill in handbook.records("drills", "drills"):
        if not completed(drill, handbook.as_of):
            continue
        if not drill.get("plan"):
            yield Hit(drill.at("id"), f"演练 {drill.id} 没有对应的演练计划（plan）")
        elif drill.get("plan") not in ids:
            yield Hit(drill.at("plan"), f"演练 {drill.id} 引用的演练计划 {drill.get('plan')} 不存在")


def _drill_start(handbook):
    root = handbook.root_of("drills")
    since = root.date("records_since") if root else None
    done = [d.date("date") for d in handbook.records("drills", "drills") if completed(d, handbook.as_of)]
    if since:
        return since
    return min(done) if done else None


@rule("EMG031", name="drill-every-half-year", title="每半年至少组织一次应急演练", clause="prep-47",
      needs=("drills",), dated=True)
def drill_every_half_year(handbook):
    """
    ## 检查什么
    从 `records_since`（不填则为最早一次演练）所在的半年起，每个已经结束的半年（1—6 月、7—12 月）
    都至少有一次已完成的应急演练。当前半年在结束前不要求。

    ## 为什么
    标准要求：“每半年应至少组织一次网络与信息安全应急演练”。

    ## 如何修复
    组织演练并记录；计划中的演练写 `status: 计划中`，完成后改为 `已完成`。
    """
    register = handbook.register("drills")
    start = _drill_start(handbook)
    if start is None:
        yield Hit(register.at("drills"), "没有应急演练记录；每半年应至少组织一次应急演练")
        return
    halves = {dates.half_of(d.date("date")) for d in handbook.records("drills", "drills") if completed(d, handbook.as_of)}
    current = dates.half_of(handbook.as_of)
    period = dates.half_of(start)
    while period <= current:  # the current half year's drill is due by its last day
        if period not in halves:
            year, half = period
            yield Obligation(f"组织{half_label(*period)}的应急演练", dt.date(year, 6, 30) if half == 1 else dt.date(year, 12, 31),
                             register.at("drills"), f"{half_label(*period)}没有组织应急演练；每半年应至少组织一次",
                             cycle="每半年", key=f"drills|half|{year}-{half}")
        period = next_half(*period)


@rule("EMG032", name="drill-records-kept", title="演练记录至少保存两年", clause="prep-48",
      needs=("drills",), dated=True)
def drill_records_kept(handbook):
    """
    ## 检查什么
    保存期（`settings.drill_record_retention_days`，默认 730 天）内的每次已完成演练都记录了演练记录的
    存放位置 `record`，且没有被销毁（`record_disposed`）；任何演练记录都不得在演练后保存期满之前销毁。

    ## 为什么
    标准要求：“应记录演练情况，演练记录至少保存两年”。

    ## 如何修复
    找回演练记录并登记存放位置；调整档案销毁计划，满两年后再销毁。
    """
    days = handbook.settings.drill_record_retention_days
    for drill in handbook.records("drills", "drills"):
        if not completed(drill, handbook.as_of):
            continue
        when = drill.date("date")
        keep_until = when + dt.timedelta(days=days)
        disposed = drill.date("record_disposed")
        if disposed and disposed < keep_until:
            yield Hit(drill.at("record_disposed"), f"演练 {drill.id}（{when}）的记录于 {disposed} 销毁，"
                                                   f"应保存至 {keep_until}（至少两年）")
        elif handbook.as_of <= keep_until and not drill.get("record"):
            yield Hit(drill.at("id"), f"演练 {drill.id}（{when}）没有登记演练记录的存放位置（record）")


@rule("EMG033", name="drill-issues-improved", title="演练发现的问题限期改进", clause="prep-49",
      needs=("drills", "staff"), dated=True)
def drill_issues_improved(handbook):
    """
    ## 检查什么
    每次演练发现的问题（`issues`）都有改进措施 `action`、责任人 `owner` 和完成期限 `due`；
    未关闭（没有 `closed`）的问题不得超过完成期限，其责任人须在职。

    ## 为什么
    标准要求：“应对演练中发现的问题进行改进”。没有责任人和期限的问题往往没有下文。

    ## 如何修复
    补齐措施、责任人和期限；改进完成后填写关闭日期；确需延期的，经批准后修改期限并在措施中说明。
    """
    for drill in handbook.records("drills", "drills"):
        for issue in drill.records("issues"):
            label = f"演练 {drill.id} 发现的问题“{str(issue.get('description'))[:30]}”"
            missing = missing_fields(issue, {"action": "改进措施", "owner": "责任人", "due": "完成期限"})
            if missing:
                yield Hit(issue.at("description"), f"{label}缺少：{'、'.join(missing)}")
            if issue.get("closed"):
                continue
            due = issue.date("due")
            if due:
                yield Obligation(f"完成{label}的改进", due, issue.at("due"), f"{label}已超过完成期限 {due}，尚未关闭",
                                 owner=issue.get("owner"), cycle="一次",
                                 key=f"{issue.source.path}#{drill.id}|{issue.get('description')}")
            owner = issue.get("owner")
            if owner and not active(handbook, owner):
                yield Hit(issue.at("owner"), f"{label}的责任人 {person_label(handbook, owner)} 已不在职")


@rule("EMG034", name="drill-yearly-report", title="每年向监管机构报告年度应急演练情况", clause="prep-51",
      needs=("drills", "organisation"), dated=True)
def drill_yearly_report(handbook):
    """
    ## 检查什么
    从演练记录起始年度起，每个已经结束的年度在 `reports` 中都有年度应急演练情况报告，写明报送日期
    `submitted` 和报送机构 `to`（经营机构为住所地证监局，核心机构为中国证监会）。上一年度的报告在
    次年 `settings.drill_report_due_months`（默认 3）个月内报送即可，期限届满前不报告缺失。

    ## 为什么
    标准要求：“核心机构应每年向中国证监会报告年度应急演练情况”“经营机构应每年向住所地证监局报告年度
    应急演练情况。”

    ## 如何修复
    报送后在 `reports` 中记录年度、日期、报送机构和回执。

    ## 示例
    ```yaml
    reports:
      - {year: 2025, submitted: 2026-01-16, to: 中国证券监督管理委员会上海监管局, drills: [DRL-2025-01]}
    ```
    """
    register = handbook.register("drills")
    start = _drill_start(handbook)
    if start is None:
        return  # EMG031
    kind, name = regulator(handbook)
    months = handbook.settings.drill_report_due_months
    reports = handbook.records("drills", "reports")
    for report in reports:
        to = report.get("to")
        if not report.get("submitted"):
            yield Hit(report.at("year"), f"{report.get('year')} 年度应急演练情况报告没有报送日期（submitted）")
        if not to:
            yield Hit(report.at("year"), f"{report.get('year')} 年度应急演练情况报告没有写明报送机构（to）")
        elif not is_regulator(handbook, to):
            yield Hit(report.at("to"), f"{report.get('year')} 年度应急演练情况报告报送给了“{to}”；{kind}应报告{name}")
    years = {r.get("year") for r in reports}
    for year in range(start.year, handbook.as_of.year + 1):  # this year's report is due early next year
        due = dates.add_months(dt.date(year + 1, 1, 1), months) - dt.timedelta(days=1)
        if year not in years:
            yield Obligation(f"向{name}报送 {year} 年度应急演练情况报告", due, register.at("reports"),
                             f"没有 {year} 年度应急演练情况报告（应于 {due} 前向{name}报告）", cycle="每年",
                             key=f"drills|report|{year}")


# -- 应急培训 -------------------------------------------------------------------

def _emergency_trainings(handbook):
    return [t for t in handbook.records("trainings", "records")
            if t.get("category") == "应急" and t.date("date") and t.date("date") <= handbook.as_of]


@rule("EMG035", name="emergency-training-periodic", title="定期开展应急培训", clause="prep-53",
      needs=("trainings",), dated=True)
def emergency_training_periodic(handbook):
    """
    ## 检查什么
    `registers/trainings.yaml` 的培训记录 `records` 中，最近一次应急培训（`category: 应急`）距检查日期
    不超过 `settings.emergency_training_months`（默认 12）个月。

    ## 为什么
    标准要求：“应定期开展应急培训”。

    ## 如何修复
    在年度培训计划中安排应急培训，培训后记录日期、主题、参加人员和材料。
    """
    register = handbook.register("trainings")
    months = handbook.settings.emergency_training_months
    held = [t.date("date") for t in _emergency_trainings(handbook)]
    if not held:
        yield Hit(register.at("records"), "没有应急培训记录（category: 应急）；应定期开展应急培训")
    else:
        yield Obligation("开展应急培训", dates.add_months(max(held), months), register.at("records"),
                         f"最近一次应急培训是 {max(held)}，已超过 {months} 个月", cycle=f"每 {months} 个月",
                         key="trainings|emergency")


PLAN_WORDS = ("应急预案", "PLN-")
RULE_WORDS = ("有关规定", "规定", "办法", "规范", "指引", "JR/T")


@rule("EMG036", name="emergency-training-content", title="应急培训包括应急预案和行业应急处置规定",
      clause="prep-54", severity="warning", needs=("trainings",), dated=True)
def emergency_training_content(handbook):
    """
    ## 检查什么
    近 `settings.emergency_training_months`（默认 12）个月的应急培训（`category: 应急`）中，有培训的
    主题 `topic` 或材料 `materials` 涉及应急预案（含“应急预案”或预案编号），也有培训涉及证券期货业
    信息安全应急处置的有关规定（含“规定”“办法”“规范”“指引”等）。

    ## 为什么
    标准要求：“培训内容应包括应急预案、证券期货业信息安全应急处置的有关规定。”本规则按关键词判断，
    培训内容是否充分仍需人工评估。

    ## 如何修复
    在应急培训中讲解本机构应急预案和行业有关规定，并在主题或材料中写明。
    """
    register = handbook.register("trainings")
    months = handbook.settings.emergency_training_months
    since = dates.add_months(handbook.as_of, -months)
    recent = [t for t in _emergency_trainings(handbook) if t.date("date") >= since]
    if not recent:
        return  # EMG035

    def text(training):
        materials = training.get("materials")
        if isinstance(materials, list):
            materials = " ".join(map(str, materials))
        return f"{training.get('topic', '')} {materials or ''}"

    if not any(any(w in text(t) for w in PLAN_WORDS) for t in recent):
        yield Hit(register.at("records"), f"近 {months} 个月的应急培训没有涉及应急预案")
    if not any(any(w in text(t) for w in RULE_WORDS) for t in recent):
        yield Hit(register.at("records"), f"近 {months} 个月的应急培训没有涉及证券期货业信息安全应急处置的有关规定")
