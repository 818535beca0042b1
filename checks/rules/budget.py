"""经费管理：年度运维预算、预算覆盖的费用类别、年度核算及其监督和审计。"""

from __future__ import annotations

import datetime as dt

from .. import dates
from ..findings import Hit
from ..obligations import Obligation
from . import rule
from ._common import annual_plan, plans_by_year, raw_years

CHAPTER = "经费管理"

# 标准规定运维费用至少包括的类别（与 schemas/budget.schema.json 的枚举一致）
REQUIRED_CATEGORIES = (
    "机房物理环境使用费和维修费",
    "信息系统软硬件使用费和维修费",
    "网络与通信设施使用费和维修费",
    "应急保障费用",
    "技术服务费用",
    "人员培训费用",
)
AUDIT_SCOPE = "运维预算和核算"


def _budgets(handbook) -> dict:
    return plans_by_year(handbook, "budget", "budgets")


def _due(year: int, months: int) -> dt.date:
    """次年开始后 ``months`` 个月的最后一天。"""
    return dates.add_months(dt.date(year + 1, 1, 1), months) - dt.timedelta(days=1)


@rule("BUD001", name="annual-budget", title="制定年度运维预算计划", clause="budget-1", needs=("budget",), dated=True)
def annual_budget(handbook):
    """
    ## 检查什么
    `registers/budget.yaml` 的 `budgets` 中有检查日期所在年度的运维预算，记录了批准日期
    `approved`（不晚于检查日期）和批准人 `approver`。

    新年度开始后的宽限期内（设置 `annual_plan_grace_days`，默认 31 天）预算可仍在审批中，
    此时不要求当年预算已经存在。

    ## 为什么
    标准要求：“证券期货机构应制定信息系统运行维护年度预算计划，每年进行核算。”预算经批准
    才能执行，批准本身也是对预算的监督。

    ## 如何修复
    编制本年度运维预算并报批，记录批准日期、批准人、审批机构和预算文件。

    ## 示例
    ```yaml
    budgets:
      - year: 2026
        approved: 2025-12-18
        approver: P001
        approval_body: 公司预算管理委员会
        document: 明川证财〔2025〕58号
    ```
    """
    yield from annual_plan(handbook, "budget", "budgets", "运维预算", "编制并批准")


@rule("BUD002", name="budget-categories", title="预算覆盖标准规定的各项运维费用", clause="budget-4", needs=("budget",))
def budget_categories(handbook):
    """
    ## 检查什么
    每个年度预算的预算项目 `items` 覆盖标准规定的六类费用（`category`），且每项都有预算金额
    `amount`：机房物理环境使用费和维修费、信息系统软硬件使用费和维修费、网络与通信设施使用费和
    维修费、应急保障费用、技术服务费用、人员培训费用。其他费用可列为“其他”。

    ## 为什么
    标准要求：“证券期货机构应将信息系统运行维护的各项费用纳入预算管理。费用至少应包括：
    机房物理环境、信息系统软硬件、网络与通信设施的使用费和维修费，以及应急保障费用、
    技术服务费用、人员培训费用等。”

    ## 如何修复
    在预算中补列缺少的费用类别及金额（万元）；确实没有支出的类别也应列出，金额填 0 并在说明中写明原因。

    ## 示例
    ```yaml
    items:
      - {category: 应急保障费用, amount: 120, description: 同城灾备中心运行、应急演练及应急物资}
    ```
    """
    for year, budget in sorted(_budgets(handbook).items()):
        items = budget.records("items")
        present = {item.get("category") for item in items}
        missing = [c for c in REQUIRED_CATEGORIES if c not in present]
        if missing:
            yield Hit(budget.at("items") if items else budget.at("year"),
                      f"{year} 年度运维预算缺少费用类别：{'、'.join(missing)}")
        for item in items:
            if item.get("amount") is None:
                yield Hit(item.at("category"), f"{year} 年度运维预算的“{item.get('category')}”没有预算金额（amount）")


def _accounting_years(handbook, budgets) -> list:
    last = handbook.as_of.year - 1
    first = min([last, *budgets])
    return list(range(first, last + 1))


@rule("BUD003", name="annual-accounting", title="每年进行预算核算", clause="budget-1", needs=("budget",), dated=True)
def annual_accounting(handbook):
    """
    ## 检查什么
    已结束的每个预算年度（自台账中最早的预算年度起，至少包括上一年度）都有预算，并在次年前
    `budget_accounting_months` 个月内（默认 3 个月，即 3 月 31 日前）完成核算：`accounting` 中
    记录核算日期 `date`（在该年度结束之后、不晚于检查日期）和核算报告 `report`。

    ## 为什么
    标准要求：“证券期货机构应制定信息系统运行维护年度预算计划，每年进行核算。”

    ## 如何修复
    完成上一年度的预算执行核算，记录核算日期、实际支出和核算报告的位置。

    ## 示例
    ```yaml
    accounting:
      date: 2026-02-10
      by: P002
      actual_total: 1523.6
      report: 档案柜 B-02 / 2025 年度运维经费核算报告.pdf
    ```
    """
    months = handbook.settings.budget_accounting_months
    budgets = _budgets(handbook)
    register = handbook.register("budget")
    for year in _accounting_years(handbook, budgets):
        due = _due(year, months)
        budget = budgets.get(year)
        if budget is None:
            if handbook.as_of > due and year not in raw_years(register, "budgets"):
                yield Hit(register.at("budgets"), f"没有 {year} 年度运维预算及其核算记录（budgets 中 year: {year}）")
            continue
        accounting = budget.sub("accounting")
        if accounting is None:
            yield Obligation(f"完成 {year} 年度运维预算核算", due, budget.at("year"),
                             f"{year} 年度运维预算没有核算记录（accounting），应于 {due} 前完成核算",
                             owner=budget.get("prepared_by"), cycle="每年", key=f"budget|accounting|{year}")
            continue
        missing = [f"{zh}（{key}）" for key, zh in (("date", "核算日期"), ("report", "核算报告")) if not accounting.get(key)]
        if missing:
            yield Hit(budget.at("accounting"), f"{year} 年度运维预算的核算缺少：{'、'.join(missing)}")
        when = accounting.date("date")
        if when and when > handbook.as_of:
            yield Hit(accounting.at("date"), f"{year} 年度核算日期 {when} 晚于检查日期 {handbook.as_of}")
        elif when and when <= dt.date(year, 12, 31):
            yield Hit(accounting.at("date"), f"{year} 年度核算日期 {when} 早于该年度结束，年度核算应在年度结束后进行")


@rule("BUD004", name="accounting-audited", title="预算和核算接受监督和审计", clause="budget-2", needs=("budget",), dated=True)
def accounting_audited(handbook):
    """
    ## 检查什么
    已核算的每个年度预算，在次年前 `budget_audit_months` 个月内（默认 6 个月）接受审计：
    `accounting.audit` 记录审计日期 `date`（不早于核算日期、不晚于检查日期），以及
    `inspections` 台账中的审计编号 `inspection` 或审计报告 `report`。引用审计编号时，该审计在
    `registers/inspections.yaml` 中存在，其检查范围 `scope` 包含“运维预算和核算”。

    ## 为什么
    标准要求：“预算和核算应接受监督和审计。”预算的批准（BUD001）是事前监督，核算的审计是事后监督。

    ## 如何修复
    请稽核审计部对上一年度运维预算执行和核算情况进行审计（可纳入年度审计或专项审计），
    并在核算记录中填写审计编号或报告。

    ## 示例
    ```yaml
    audit:
      inspection: AUD-2026-S01
      by: 稽核审计部
      date: 2026-03-24
      conclusion: 核算真实完整，预算执行率 96.3%
    ```
    """
    months = handbook.settings.budget_audit_months
    audits = {}
    if handbook.usable("inspections"):
        audits = {r.id: r for r in handbook.records("inspections") if r.id}
    for year, budget in sorted(_budgets(handbook).items()):
        if year >= handbook.as_of.year:
            continue
        accounting = budget.sub("accounting")
        if accounting is None:
            continue  # BUD003 报告
        audit = accounting.sub("audit")
        due = _due(year, months)
        if audit is None:
            yield Obligation(f"{year} 年度运维预算核算接受审计", due, budget.at("accounting"),
                             f"{year} 年度运维预算的核算没有接受审计（accounting.audit），应于 {due} 前完成审计",
                             owner=accounting.get("by"), cycle="每年", key=f"budget|audit|{year}")
            continue
        when = audit.date("date")
        if when is None:
            yield Hit(accounting.at("audit"), f"{year} 年度核算的审计没有审计日期（date）")
        elif when > handbook.as_of:
            yield Hit(audit.at("date"), f"{year} 年度核算的审计日期 {when} 晚于检查日期 {handbook.as_of}")
        elif accounting.date("date") and when < accounting.date("date"):
            yield Hit(audit.at("date"), f"{year} 年度核算的审计日期 {when} 早于核算日期 {accounting.date('date')}")
        reference = audit.get("inspection")
        if not reference and not audit.get("report"):
            yield Hit(accounting.at("audit"), f"{year} 年度核算的审计没有审计编号（inspection）或审计报告（report）")
        if reference and handbook.usable("inspections"):
            target = audits.get(reference)
            if target is None:
                yield Hit(audit.at("inspection"), f"{year} 年度核算引用的审计“{reference}”不在 registers/inspections.yaml 中")
            elif AUDIT_SCOPE not in (target.get("scope") or []):
                yield Hit(audit.at("inspection"),
                          f"{year} 年度核算引用的审计 {reference} 的检查范围（scope）不含“{AUDIT_SCOPE}”",
                          refs=(target.source.path,))
