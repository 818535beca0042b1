"""应急准备：应急组织体系、应急预案及其评估和报备、应急联络、保障协议、物资与资金、应急演练和应急培训。

The helpers at the top (the regulator to report to, the emergency plan, periods)
are shared with ``emergency_response`` and ``investigation``.
"""

from __future__ import annotations

import datetime as dt
import re

from .. import dates
from ..findings import Hit
from ..obligations import Obligation
from ..model import Location
from . import rule
from ._common import missing_fields

CHAPTER = "应急准备"

# -- shared helpers -----------------------------------------------------------

CSRC = "中国证监会"


def _norm_regulator(name) -> str:
    text = re.sub(r"\s+", "", str(name or ""))
    text = text.replace("中国证券监督管理委员会", CSRC)
    if text.startswith(CSRC) and text != CSRC:
        text = text[len(CSRC):]
    return text.replace("监管局", "证监局")


def regulator(handbook) -> tuple[str, str]:
    """(organisation type, the regulator it files and reports to).

    核心机构 report to 中国证监会; 经营机构 to the 证监局 of their domicile,
    named in organisation.yaml ``organisation.regulator``."""
    root = handbook.root_of("organisation")
    org = root.sub("organisation") if root else None
    kind = org.get("type", "经营机构") if org else "经营机构"
    if kind == "核心机构":
        return kind, CSRC
    return kind, (org.get("regulator") if org else None) or "住所地证监局"


def is_regulator(handbook, to) -> bool:
    """Whether ``to`` names the regulator the organisation must file and report to."""
    if not to:
        return False
    kind, name = regulator(handbook)
    if kind == "核心机构":
        return _norm_regulator(to) == CSRC
    if name == "住所地证监局":  # not configured: any 证监局 will do
        return _norm_regulator(to).endswith("证监局")
    return _norm_regulator(to) == _norm_regulator(name)


def emergency_plan(handbook):
    """The emergency plan: the document named by emergency.yaml ``plan``, else the
    plan (kind: plan) that covers 应急处置, else PLN-01."""
    valid = handbook.docs()
    root = handbook.root_of("emergency")
    named = root.get("plan") if root else None
    if named:
        document = handbook.document(named)
        if document in valid:
            return document
    plans = [d for d in handbook.docs("plan") if d.meta.get("covers") == "应急处置"]
    plans.sort(key=lambda d: d.status != "active")
    if plans:
        return plans[0]
    document = handbook.document("PLN-01")
    return document if document in valid else None


def version_key(text) -> tuple:
    try:
        return tuple(int(p) for p in str(text).split("."))
    except ValueError:
        return ()


def completed(drill, as_of: dt.date) -> bool:
    """A drill that took place: status 已完成, or no status and a date not after as-of."""
    when = drill.date("date")
    status = drill.get("status")
    if status in ("计划中", "已取消") or when is None or when > as_of:
        return False
    return True


def half_start(year: int, half: int) -> dt.date:
    return dt.date(year, 1 if half == 1 else 7, 1)


def next_half(year: int, half: int) -> tuple[int, int]:
    return (year, 2) if half == 1 else (year + 1, 1)


def half_label(year: int, half: int) -> str:
    return f"{year} 年{'上' if half == 1 else '下'}半年"


def setting(handbook, name: str, default: int) -> int:
    value = getattr(handbook.settings, name, default)
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def person_label(handbook, pid) -> str:
    return handbook.person_name(pid)


def _active(handbook, pid) -> bool:
    """Active, or unknown (REF001 reports unknown ids)."""
    return not handbook.has_left(pid)


# -- 应急组织体系 ----------------------------------------------------------------

DEPARTMENTS = ("业务", "技术", "风险控制", "结算", "财务", "客服", "安保", "综合")


@rule("EMG001", name="emergency-bodies", title="明确应急指挥决策机构和执行机构", clause="prep-1", needs=("emergency",))
def emergency_bodies(handbook):
    """
    ## 检查什么
    `registers/emergency.yaml` 中记录了应急指挥决策机构 `command` 和执行机构 `execution`：
    各有名称和职责 `duties`；执行机构有在职的负责人 `lead`，并至少有一个工作组；每个工作组都有组长
    （运维人员填 `lead`，其他部门负责人填 `lead_name`），组长和组员都在职。

    ## 为什么
    标准要求：“证券期货机构应建立健全网络与信息安全事件应急处置组织体系，明确网络与信息安全事件的
    应急指挥决策机构和执行机构，负责网络与信息安全事件的预防预警、应急处置、报告和调查处理工作。”

    ## 如何修复
    按机构的应急处置组织体系文件补齐两个机构的名称、成立文件、职责，以及执行机构的负责人和工作组。

    ## 示例
    ```yaml
    execution:
      name: 网络与信息安全事件应急工作小组
      duties: [事件的预防预警和监测, 组织实施应急处置, 信息报告, 配合调查处理]
      lead: P002
      teams:
        - {name: 技术处置组, lead: P004, members: [P005, P006, P007]}
    ```
    """
    register = handbook.register("emergency")
    root = handbook.root_of("emergency")
    for key, label in (("command", "应急指挥决策机构"), ("execution", "应急执行机构")):
        body = root.sub(key)
        if body is None:
            yield Hit(register.at(key), f"未明确{label}（{key}）")
            continue
        if not body.get("duties"):
            yield Hit(body.at("name"), f"{label}“{body.get('name')}”未写明职责（duties）")
    execution = root.sub("execution")
    if execution is None:
        return
    lead = execution.get("lead")
    if not lead:
        yield Hit(execution.at("name"), "应急执行机构未指定负责人（lead）")
    elif not _active(handbook, lead):
        yield Hit(execution.at("lead"), f"应急执行机构负责人 {person_label(handbook, lead)} 已不在职")
    teams = execution.records("teams")
    if not teams:
        yield Hit(execution.at("name"), "应急执行机构没有工作组（teams）")
    for team in teams:
        if not team.get("lead") and not team.get("lead_name"):
            yield Hit(team.at("name"), f"应急工作组“{team.get('name')}”未指定组长（lead 或 lead_name）")
        for field, pid, loc in [("lead", team.get("lead"), team.at("lead"))] + [
                ("members", p, where) for p, where in team.items("members")]:
            if pid and not _active(handbook, pid):
                yield Hit(loc, f"应急工作组“{team.get('name')}”的{'组长' if field == 'lead' else '组员'} "
                               f"{person_label(handbook, pid)} 已不在职")


@rule("EMG002", name="command-body-composition", title="应急指挥决策机构由主要领导负责、有关部门负责人参加",
      clause="prep-2", needs=("emergency",))
def command_body_composition(handbook):
    """
    ## 检查什么
    应急指挥决策机构 `command` 的负责人 `leader` 是本机构的主要领导（`principal: true`）且在任；
    成员 `members` 中在任的部门负责人覆盖业务、技术、风险控制、结算、财务、客服、安保、综合八类部门
    （`department`）。

    ## 为什么
    标准要求：“证券期货机构网络与信息安全事件应急处置指挥决策机构应由主要领导负责，成员包括但不限于
    业务、技术、风险控制、结算、财务、客服、安保及综合等有关部门的负责人。”

    ## 如何修复
    由董事长或总经理等主要领导担任组长；为缺少的部门类别补充该部门负责人。人员离任后把其 `status`
    改为 `left` 并补充继任者。

    ## 示例
    ```yaml
    command:
      name: 网络与信息安全事件应急领导小组
      leader: {name: 沈国华, title: 总经理, principal: true}
      members:
        - {department: 风险控制, unit: 风险管理部, name: 蒋晓梅, title: 首席风险官}
    ```
    """
    root = handbook.root_of("emergency")
    command = root.sub("command")
    if command is None:
        return  # EMG001
    leader = command.sub("leader")
    if leader is None:
        yield Hit(command.at("name"), f"应急指挥决策机构“{command.get('name')}”未指定负责人（leader）")
    else:
        if leader.get("principal") is not True:
            yield Hit(leader.at("name"), f"应急指挥决策机构负责人 {leader.get('name')} 未标明为主要领导（principal: true）；"
                                         "标准要求由主要领导负责")
        if leader.get("status") == "left" or (leader.get("person") and not _active(handbook, leader.get("person"))):
            yield Hit(leader.at("name"), f"应急指挥决策机构负责人 {leader.get('name')} 已离任")
    present = set()
    for member in command.records("members"):
        if member.get("status") == "left" or (member.get("person") and not _active(handbook, member.get("person"))):
            continue
        present.add(member.get("department"))
    missing = [d for d in DEPARTMENTS if d not in present]
    if missing:
        yield Hit(command.at("members"), f"应急指挥决策机构成员缺少以下部门的负责人：{'、'.join(missing)}")


@rule("EMG003", name="decision-succession", title="明确应急决策机制和决策递补顺序", clause="prep-3",
      needs=("emergency", "staff"))
def decision_succession(handbook):
    """
    ## 检查什么
    `decision.mechanism` 写明了应急决策机制；`decision.succession` 按顺序列出至少两名决策人，
    顺序号不重复，人员不重复，并且都在任：有人员编号的须在职，其他人须是应急指挥决策机构中
    在任的负责人或成员。

    ## 为什么
    标准要求：“证券期货机构应明确网络与信息安全事件应急决策机制，以及决策递补顺序，确保各种情况下，
    有人负责决策和报告。”只有一个决策人，或者递补顺序里的人已经离任，他不在时就没有人能决策。

    ## 如何修复
    补充决策机制说明和递补人；人员变动后及时更新递补顺序。

    ## 示例
    ```yaml
    decision:
      mechanism: 领导小组组长决定启动一级响应和对外报告；组长不能履职时按递补顺序由下一人决定。
      succession:
        - {order: 1, name: 沈国华, title: 总经理}
        - {order: 2, name: 周明远, title: 首席信息官, person: P001}
    ```
    """
    register = handbook.register("emergency")
    root = handbook.root_of("emergency")
    decision = root.sub("decision")
    if decision is None:
        yield Hit(register.at("decision"), "未明确应急决策机制和决策递补顺序（decision）")
        return
    if not decision.get("mechanism"):
        yield Hit(decision.at(), "未写明应急决策机制（decision.mechanism）")
    command = root.sub("command")
    current, departed = set(), set()
    if command is not None:
        people = ([command.sub("leader")] if command.sub("leader") else []) + command.records("members")
        for person in people:
            gone = person.get("status") == "left" or (person.get("person") and not _active(handbook, person.get("person")))
            (departed if gone else current).add(person.get("name"))
    chain = decision.records("succession")
    if len(chain) < 2:
        yield Hit(decision.at("succession") if chain else decision.at(),
                  f"决策递补顺序只有 {len(chain)} 人，至少应有两人，确保第一决策人不在时有人负责决策和报告")
    seen_orders, seen_people = set(), set()
    for entry in chain:
        order, name, pid = entry.get("order"), entry.get("name"), entry.get("person")
        if order in seen_orders:
            yield Hit(entry.at("order"), f"决策递补顺序号 {order} 重复")
        seen_orders.add(order)
        key = pid or name
        if key in seen_people:
            yield Hit(entry.at("name"), f"决策递补顺序中 {name} 出现了两次")
        seen_people.add(key)
        if pid:
            if not _active(handbook, pid):
                yield Hit(entry.at("person"), f"决策递补顺序第 {order} 位 {person_label(handbook, pid)} 已不在职")
        elif name in departed or (command is not None and name not in current):
            yield Hit(entry.at("name"), f"决策递补顺序第 {order} 位 {name} 不是应急指挥决策机构中在任的人员"
                                        "（没有人员编号时，须是 command 中在任的负责人或成员）")


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
    `settings.drill_evaluation_days`（默认 30）天内尚未评估的不报告。

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
    grace = setting(handbook, "drill_evaluation_days", 30)
    evaluations = [d for d, _ in _dated(handbook.records("emergency", "evaluations")) if d <= handbook.as_of]
    for drill in handbook.records("drills", "drills"):
        if not completed(drill, handbook.as_of):
            continue
        when = drill.date("date")
        if not any(d >= when for d in evaluations):
            yield Obligation(f"演练 {drill.id} 后评估应急预案", when + dt.timedelta(days=grace), drill.at("date"),
                             f"演练 {drill.id}（{when}）之后没有应急预案评估记录"
                             "（registers/emergency.yaml 的 evaluations）", cycle="每次演练后",
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
    其余修订在修订日期后 `settings.plan_refiling_days`（默认 30）天内须重新报备。

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
    grace = setting(handbook, "plan_refiling_days", 30)
    label = ".".join(map(str, first))
    when = f"（{changed}）" if changed else ""
    # due ``grace`` days after the revision; a revision without a date is due at once
    yield Obligation(f"向监管机构重新报备应急预案《{document.title}》{label} 版",
                     changed + dt.timedelta(days=grace) if changed else handbook.as_of - dt.timedelta(days=1),
                     handbook.register("emergency").at("filings"),
                     f"应急预案《{document.title}》已修订为 {label} 版{when}，最近一次报备的是 {latest.get('version')} 版"
                     f"（{latest.get('date')}）；重大变化后应及时重新报备（非重大变化请在评估记录中写 major_change: false）",
                     owner=document.meta.get("owner"), cycle="预案重大变化后", key=f"emergency|refile|{label}",
                     refs=(document.path,))


# -- 应急准备：值守、联络、协议 -----------------------------------------------------

KEY_OPERATORS = ("系统管理员", "网络管理员", "数据库管理员", "安全管理员")


def _it_head(handbook):
    root = handbook.root_of("organisation")
    resp = root.sub("responsibilities") if root else None
    return resp.get("it_head") if resp else None


@rule("EMG011", name="emergency-watch", title="值班负责人和信息技术负责人负责应急值守", clause="prep-25",
      needs=("emergency_contacts", "organisation", "positions"))
def emergency_watch(handbook):
    """
    ## 检查什么
    `registers/emergency_contacts.yaml` 的 `duty_line.watch`（应急值守负责人）包括信息技术负责人
    （`organisation.yaml` 的 `responsibilities.it_head`）和运维值班负责人（`positions.yaml` 中名称含
    “值班负责人”的岗位的主岗或备岗），且都在职。

    ## 为什么
    标准要求：“值班负责人和信息技术负责人应负责信息安全应急值守”。

    ## 如何修复
    在 `duty_line.watch` 中列出这两人的人员编号。

    ## 示例
    ```yaml
    duty_line:
      phone: "021-60009110"
      hours: 7×24
      watch: [P013, P001]
    ```
    """
    register = handbook.register("emergency_contacts")
    root = handbook.root_of("emergency_contacts")
    line = root.sub("duty_line")
    watch = [p for p, _ in line.items("watch")] if line else []
    where = line.at("watch") if line else register.at("duty_line")
    it_head = _it_head(handbook)
    if it_head and it_head not in watch:
        yield Hit(where, f"应急值守负责人（duty_line.watch）不包括信息技术负责人 {person_label(handbook, it_head)}")
    leads = [p for p in handbook.records("positions") if "值班负责人" in str(p.get("name", ""))]
    holders = {h for p in leads for h in (p.get("primary"), p.get("backup")) if h}
    if leads and not holders & set(watch):
        names = "、".join(person_label(handbook, h) for h in sorted(holders)) or "（岗位未设主岗）"
        yield Hit(where, f"应急值守负责人（duty_line.watch）不包括运维值班负责人（{names}）")
    for pid, loc in (line.items("watch") if line else []):
        if not _active(handbook, pid):
            yield Hit(loc, f"应急值守负责人 {person_label(handbook, pid)} 已不在职")


@rule("EMG012", name="key-staff-practise-plan", title="关键岗位通过演练或培训掌握应急预案", clause="prep-26",
      severity="warning", needs=("positions", "drills", "staff"), dated=True)
def key_staff_practise_plan(handbook):
    """
    ## 检查什么
    系统管理员、网络管理员、数据库管理员、安全管理员四个关键岗位的主岗和备岗，近
    `settings.emergency_training_months`（默认 12）个月内参加过应急演练（`drills.yaml` 中演练的
    `participants`）或应急培训（`trainings.yaml` 中 `category: 应急` 的培训的 `attendees`）。

    ## 为什么
    标准要求：“系统管理员、网络管理员、数据库管理员、安全管理员等关键岗位应熟练掌握应急预案，
    能有效处置网络与信息安全事件”。是否“熟练”需人工判断；定期参加演练或培训是最基本的证据。

    ## 如何修复
    安排该人员参加下一次应急演练或应急培训，并在演练的 `participants` 或培训的 `attendees` 中记录。
    """
    months = setting(handbook, "emergency_training_months", 12)
    last: dict = {}  # person -> the last drill or emergency training they took part in

    def took_part(people, when):
        for person in people:
            if isinstance(person, str) and (person not in last or last[person] < when):
                last[person] = when

    for drill in handbook.records("drills", "drills"):
        if completed(drill, handbook.as_of):
            took_part((p for p, _ in drill.items("participants")), drill.date("date"))
    for training in handbook.records("trainings", "records"):
        when = training.date("date")
        if training.get("category") == "应急" and when and when <= handbook.as_of:
            took_part((p for p, _ in training.items("attendees")), when)
    for position in handbook.records("positions"):
        if position.get("name") not in KEY_OPERATORS:
            continue
        for field, role in (("primary", "主岗"), ("backup", "备岗")):
            pid = position.get(field)
            if pid and handbook.active_staff(pid):
                due = dates.add_months(last[pid], months) if pid in last else handbook.as_of - dt.timedelta(days=1)
                yield Obligation(f"{position.get('name')}{role} {person_label(handbook, pid)} 参加应急演练或应急培训", due,
                                 position.at(field),
                                 f"{position.get('name')}{role} {person_label(handbook, pid)} 近 {months} 个月"
                                 "没有参加应急演练或应急培训，无法证明其熟练掌握应急预案",
                                 owner=pid, cycle=f"每 {months} 个月", key=f"{position.source.path}#{position.id}|{field}|practice")


AGREEMENT_CATEGORIES = ("通信", "消防", "电力设备", "空调设备", "软硬件产品", "安全服务")


@rule("EMG013", name="service-agreements", title="签订应急响应及服务保障协议", clause="prep-27",
      needs=("emergency",), dated=True)
def service_agreements(handbook):
    """
    ## 检查什么
    通信、消防、电力设备、空调设备、软硬件产品、安全服务六类保障，每一类或者有一份在有效期内的
    应急响应及服务保障协议（`agreements`，`categories` 含该类，`valid_until` 不早于检查日期），或者在 `self_sufficient`
    中写明自身力量足以满足应急要求的理由。已过有效期的协议也报告。

    ## 为什么
    标准要求：“在自身力量不足以满足应急要求的情况下，应与相关单位签订通信、消防、电力设备、空调设备、
    软硬件产品、安全服务等的应急响应及服务保障协议。”

    ## 如何修复
    签订或续签协议并记录；确实由本机构自身力量保障的类别，在 `self_sufficient` 中说明理由。

    ## 示例
    ```yaml
    self_sufficient:
      - {category: 安全服务, reason: 安全管理组 7×24 值守，具备入侵处置和取证能力}
    ```
    """
    register = handbook.register("emergency")
    covered = set()
    for agreement in handbook.records("emergency", "agreements"):
        categories = [c for c, _ in agreement.items("categories")]
        until = agreement.date("valid_until")
        if until:
            yield Obligation(f"续签{'、'.join(categories)}保障协议 {agreement.id}（{agreement.get('party')}）", until,
                             agreement.at("valid_until"), f"{'、'.join(categories)}保障协议 {agreement.id}"
                             f"（{agreement.get('party')}）已于 {until} 到期", owner=agreement.get("our_contact"),
                             cycle="协议到期前", key=f"{agreement.source.path}#{agreement.id}|valid")
            if until < handbook.as_of:
                continue
        covered.update(categories)
    covered.update(s.get("category") for s in handbook.records("emergency", "self_sufficient"))
    for category in AGREEMENT_CATEGORIES:
        if category not in covered:
            yield Hit(register.at("agreements"), f"没有有效的“{category}”应急响应及服务保障协议，也未在 self_sufficient "
                                                 "中说明自身力量足以满足应急要求")


@rule("EMG014", name="agreement-contents", title="保障协议写明联系人、联系方式、服务范围和应急处理方式",
      clause="prep-28", needs=("emergency",))
def agreement_contents(handbook):
    """
    ## 检查什么
    每份应急响应及服务保障协议都记录了：对方联系人及电话（`party_contact.name`、`party_contact.phone`
    或 `mobile`）、我方联系人 `our_contact`、服务内容及范围 `scope`、应急处理方式 `handling`。

    ## 为什么
    标准要求：“协议内容应包括双方联系人、联系方式、服务内容及范围、应急处理方式等。”

    ## 如何修复
    按协议文本补齐这些字段；协议中没有的，与对方补签补充协议。
    """
    for agreement in handbook.records("emergency", "agreements"):
        contact = agreement.sub("party_contact")
        missing = []
        if contact is None or not contact.get("name"):
            missing.append("对方联系人（party_contact.name）")
        if contact is None or not (contact.get("phone") or contact.get("mobile")):
            missing.append("对方联系电话（party_contact.phone）")
        missing += missing_fields(agreement, {"our_contact": "我方联系人", "scope": "服务内容及范围",
                                              "handling": "应急处理方式"})
        if missing:
            yield Hit(agreement.at("id"), f"保障协议 {agreement.id}（{agreement.get('party')}）缺少：{'、'.join(missing)}")


@rule("EMG015", name="agreement-checked", title="定期检查和评估保障协议的执行情况", clause="prep-29",
      needs=("emergency",), dated=True)
def agreement_checked(handbook):
    """
    ## 检查什么
    每份保障协议最近一次检查评估（`last_checked`）距检查日期不超过 `settings.agreement_check_months`
    （默认 12）个月；从未检查的，自签订（`signed`）起算。

    ## 为什么
    标准要求：“应定期检查和评估协议的执行情况，确保服务保障措施落实到位，确保在应急处置中相关单位
    能提供及时有效的技术支持”。

    ## 如何修复
    检查协议执行情况（如拨测对方值班电话、核对响应时间记录），记录日期和结论。
    """
    months = setting(handbook, "agreement_check_months", 12)
    for agreement in handbook.records("emergency", "agreements"):
        last = agreement.date("last_checked")
        basis = last or agreement.date("signed")
        label = f"保障协议 {agreement.id}（{agreement.get('party')}）"
        if basis is None:
            yield Hit(agreement.at("id"), f"{label}没有检查评估记录（last_checked）")
        else:
            what = f"最近一次检查评估是 {last}" if last else f"自 {basis} 签订后从未检查评估"
            yield Obligation(f"检查评估{label}", dates.add_months(basis, months), agreement.at("last_checked" if last else "signed"),
                             f"{label}{what}，已超过 {months} 个月", owner=agreement.get("our_contact"),
                             cycle=f"每 {months} 个月", key=f"{agreement.source.path}#{agreement.id}|check")


@rule("EMG016", name="contact-handbook-fresh", title="应急处置联络手册的联络方式及时更新", clause="prep-31",
      needs=("emergency_contacts",), dated=True)
def contact_handbook_fresh(handbook):
    """
    ## 检查什么
    `registers/emergency_contacts.yaml` 的 `contacts`（应急处置联络手册的联络方式）不为空；每条都有
    电话（`phone` 或 `mobile`），最近核实日期 `verified` 距检查日期不超过
    `settings.contact_freshness_days`（默认 180）天。

    ## 为什么
    标准要求：“应制定应急处置联络手册，明确详细的联络方式，并及时更新，在发生变化时及时通知相关单位。”
    电话打不通的联络手册在事件发生时毫无用处。

    ## 如何修复
    逐一拨打核实联络方式，更新号码并填写核实日期。
    """
    register = handbook.register("emergency_contacts")
    contacts = handbook.records("emergency_contacts", "contacts")
    if not contacts:
        yield Hit(register.at("contacts"), "应急处置联络手册没有联络方式（contacts）")
        return
    days = setting(handbook, "contact_freshness_days", 180)
    for contact in contacts:
        label = f"{contact.get('organisation')}{contact.get('role') or ''}{contact.get('name') or ''}"
        if not (contact.get("phone") or contact.get("mobile")):
            yield Hit(contact.at("organisation"), f"应急联络人“{label}”没有联络电话")
        verified = contact.date("verified")
        if verified is None:
            yield Hit(contact.at("organisation"), f"应急联络人“{label}”没有核实日期（verified）")
        else:
            yield Obligation(f"核实应急联络人“{label}”的联络方式", verified + dt.timedelta(days=days), contact.at("verified"),
                             f"应急联络人“{label}”的联络方式最近核实于 {verified}，已超过 {days} 天",
                             cycle=f"每 {days} 天", key=f"{contact.source.path}|{label}|verified")


@rule("EMG017", name="contact-handbook-notified", title="联络手册变化后通知相关单位", clause="prep-31",
      needs=("emergency_contacts",))
def contact_handbook_notified(handbook):
    """
    ## 检查什么
    `handbook` 记录了应急处置联络手册的最近更新日期 `updated`，并且 `distributed` 中有一次通知
    （分发）的日期不早于该更新日期。

    ## 为什么
    标准要求应急处置联络手册“在发生变化时及时通知相关单位”。

    ## 如何修复
    联络手册更新后把新版本发给相关单位，在 `distributed` 中记录日期、版本和对象。
    """
    register = handbook.register("emergency_contacts")
    book = handbook.root_of("emergency_contacts").sub("handbook")
    if book is None:
        yield Hit(register.at("handbook"), "未记录应急处置联络手册的版本与分发（handbook）")
        return
    updated = book.date("updated")
    if updated is None:
        yield Hit(book.at(), "未记录应急处置联络手册的最近更新日期（handbook.updated）")
        return
    sent = [d.date("date") for d in book.records("distributed") if d.date("date")]
    if not any(d >= updated for d in sent):
        yield Hit(book.at("updated"), f"应急处置联络手册 {updated} 更新后没有通知相关单位的记录（handbook.distributed）")


@rule("EMG018", name="contact-handbook-scope", title="联络手册包括组织体系和关联单位的应急联络方式",
      clause="prep-32", needs=("emergency_contacts",))
def contact_handbook_scope(handbook):
    """
    ## 检查什么
    应急处置联络手册（`contacts`）中既有“组织体系”分组的联络方式，也有“关联单位”分组的联络方式；
    应急指挥决策机构负责人和应急执行机构负责人（见 `registers/emergency.yaml`）都在“组织体系”分组中。

    ## 为什么
    标准要求：“应急处置联络手册至少包括应急处置组织体系及相关关联单位的应急联络方式”。

    ## 如何修复
    补充缺少的联络方式。关联单位包括交易所、登记结算公司、通信运营商等。
    """
    register = handbook.register("emergency_contacts")
    contacts = handbook.records("emergency_contacts", "contacts")
    groups = {c.get("group") for c in contacts}
    for group in ("组织体系", "关联单位"):
        if group not in groups:
            yield Hit(register.at("contacts"), f"应急处置联络手册没有“{group}”的应急联络方式")
    root = handbook.root_of("emergency")
    if root is None or "组织体系" not in groups:
        return
    org = [c for c in contacts if c.get("group") == "组织体系"]
    names = {c.get("name") for c in org} | {c.get("person") for c in org}
    command, execution = root.sub("command"), root.sub("execution")
    leader = command.sub("leader") if command else None
    if leader and leader.get("name") not in names and (not leader.get("person") or leader.get("person") not in names):
        yield Hit(register.at("contacts"), f"应急处置联络手册的“组织体系”中没有应急指挥决策机构负责人 {leader.get('name')}")
    lead = execution.get("lead") if execution else None
    if lead and lead not in names and (handbook.staff.get(lead) is None or handbook.staff[lead].get("name") not in names):
        yield Hit(register.at("contacts"), f"应急处置联络手册的“组织体系”中没有应急执行机构负责人 {person_label(handbook, lead)}")


@rule("EMG019", name="liaisons", title="通报联络人包括信息技术负责人及其备岗", clause="prep-34",
      needs=("emergency_contacts", "organisation"))
def liaisons(handbook):
    """
    ## 检查什么
    `registers/emergency_contacts.yaml` 的 `liaisons` 中，信息技术负责人（`organisation.yaml` 的
    `responsibilities.it_head`）是主联络人，另有一名不同的人作为备岗；所有通报联络人都在职。

    ## 为什么
    标准要求：“应指定通报联络人，明确联络方式。”“通报联络人至少包括信息技术负责人及其备岗。”

    ## 如何修复
    补充缺少的联络人；人员离职后及时指定新的联络人并重新通知监管部门（见 EMG021）。

    ## 示例
    ```yaml
    liaisons:
      - {person: P001, role: 主联络人, duty_phone: "021-60009110", fax: "021-60009119"}
      - {person: P002, role: 备岗, duty_phone: "021-60009110", fax: "021-60009119"}
    ```
    """
    register = handbook.register("emergency_contacts")
    people = handbook.records("emergency_contacts", "liaisons")
    if not people:
        yield Hit(register.at("liaisons"), "未指定通报联络人（liaisons）")
        return
    it_head = _it_head(handbook)
    primaries = [p for p in people if p.get("role") == "主联络人"]
    if it_head and not any(p.get("person") == it_head for p in primaries):
        yield Hit(register.at("liaisons"), f"通报联络人中没有信息技术负责人 {person_label(handbook, it_head)}（role: 主联络人）")
    backups = [p for p in people if p.get("role") == "备岗" and p.get("person") != it_head]
    if not backups:
        yield Hit(register.at("liaisons"), "通报联络人中没有信息技术负责人的备岗（role: 备岗）")
    for person in people:
        pid = person.get("person")
        if pid and not _active(handbook, pid):
            yield Hit(person.at("person"), f"通报联络人 {person_label(handbook, pid)} 已不在职")


@rule("EMG020", name="liaison-channels", title="通报联络方式包括应急值守电话与传真", clause="prep-35",
      needs=("emergency_contacts",))
def liaison_channels(handbook):
    """
    ## 检查什么
    每位通报联络人都登记了应急值守电话 `duty_phone` 和传真 `fax`。

    ## 为什么
    标准要求：“通报联络方式至少包括应急值守电话与传真。”

    ## 如何修复
    补齐联络方式；多位联络人可以共用一部应急值守电话和传真。
    """
    for person in handbook.records("emergency_contacts", "liaisons"):
        missing = missing_fields(person, {"duty_phone": "应急值守电话", "fax": "传真"})
        if missing:
            yield Hit(person.at("person"), f"通报联络人 {person_label(handbook, person.get('person'))} 缺少：{'、'.join(missing)}")


NOTIFY = ("监管部门", "行业协会", "相关单位")


@rule("EMG021", name="liaisons-notified", title="通报联络人及联络方式通知监管部门、行业协会和相关单位",
      clause="prep-36", needs=("emergency_contacts",))
def liaisons_notified(handbook):
    """
    ## 检查什么
    `notifications` 中对监管部门、行业协会、相关单位三类对象各有一次通知，日期不早于最近一次指定
    通报联络人的日期（`liaisons[].since` 的最大值）。

    ## 为什么
    标准要求：“应将通报联络人及其联络方式及时通知监管部门、行业协会和相关单位”。联络人变了而
    监管部门手里还是旧名单，事件发生时就找不到人。

    ## 如何修复
    发函通知，并在 `notifications` 中记录对象、日期、方式和记录编号。
    """
    register = handbook.register("emergency_contacts")
    since = [p.date("since") for p in handbook.records("emergency_contacts", "liaisons") if p.date("since")]
    changed = max(since) if since else None
    notices = handbook.records("emergency_contacts", "notifications")
    for target in NOTIFY:
        dates_ = [n.date("date") for n in notices if n.get("to") == target and n.date("date")]
        if not dates_:
            yield Hit(register.at("notifications"), f"没有将通报联络人及联络方式通知{target}的记录")
        elif changed and max(dates_) < changed:
            yield Hit(register.at("notifications"), f"通报联络人于 {changed} 变更后，没有重新通知{target}"
                                                    f"（最近一次通知是 {max(dates_)}）")


@rule("EMG022", name="duty-line-24x7", title="实行 7×24 小时联络制度", clause="prep-37",
      needs=("emergency_contacts",), dated=True)
def duty_line_24x7(handbook):
    """
    ## 检查什么
    `duty_line` 登记了应急值守电话 `phone`，值守时间 `hours` 为 7×24。“7×24”只是登记的标签，
    可用要有事实支持：

    - 最近一次拨测 `last_tested` 不晚于检查日期，距检查日期不超过 `settings.duty_phone_test_days`
      （默认 31 天）；
    - 写明无人接听时的转接方式 `forwarding`；
    - 应急值守负责人 `watch` 都在职。

    ## 为什么
    标准要求：“应实行7×24小时联络制度，通报联络人必须保持应急值守电话可用”。电话是否始终可用
    要靠定期拨测（`last_tested`）和值班制度保证。

    ## 如何修复
    设置应急值守电话（可转接到值班手机），登记号码、值守时间和转接方式；按期拨测并登记日期；
    值守负责人离职时及时更换。
    """
    register = handbook.register("emergency_contacts")
    line = handbook.root_of("emergency_contacts").sub("duty_line")
    if line is None:
        yield Hit(register.at("duty_line"), "未登记应急值守电话（duty_line）")
        return
    if not line.get("phone"):
        yield Hit(line.at(), "未登记应急值守电话号码（duty_line.phone）")
    hours = re.sub(r"\s", "", str(line.get("hours", ""))).replace("x", "×").replace("X", "×").replace("*", "×")
    if hours not in ("7×24", "24×7"):
        yield Hit(line.at("hours"), f"应急值守时间为“{line.get('hours', '（未填）')}”，应实行 7×24 小时联络制度")
    tested = line.date("last_tested")
    every = handbook.settings.duty_phone_test_days
    if tested is None:
        yield Hit(line.at(), "应急值守电话没有拨测记录（duty_line.last_tested），无法证明电话始终可用")
    elif tested > handbook.as_of:
        yield Hit(line.at("last_tested"), f"应急值守电话的拨测日期 {tested} 晚于检查日期 {handbook.as_of}")
    else:
        yield Obligation("拨测应急值守电话", tested + dt.timedelta(days=every), line.at("last_tested"),
                         f"应急值守电话最近一次拨测在 {tested}，已超过 {every} 天"
                         "（settings.duty_phone_test_days），无法证明电话始终可用",
                         cycle=f"每 {every} 天", key="emergency_contacts|duty-line-test")
    if not line.get("forwarding"):
        yield Hit(line.at(), "没有写明应急值守电话无人接听时的转接方式（duty_line.forwarding）：7×24 联络要求无人接听时也能接通")
    for person in line.get("watch", []) or []:
        if handbook.has_left(person):
            yield Hit(line.at("watch"), f"应急值守负责人 {handbook.person_name(person)} 已不在职")


@rule("EMG023", name="emergency-cards", title="为有关领导和员工定制应急工作卡片", clause="prep-38",
      needs=("emergency",))
def emergency_cards(handbook):
    """
    ## 检查什么
    应急指挥决策机构的负责人和在任成员、应急执行机构的负责人、副负责人以及各工作组的组长和在职组员，
    每人在 `cards` 中都有一张应急工作卡片（按人员编号或姓名对应），卡片写明关键任务 `tasks` 和
    至少一名带电话的主要应急联络人 `contacts`。

    ## 为什么
    标准要求：“应对本单位有关领导和员工定制应急工作卡片，明确有关领导和员工在网络与信息安全事件
    应急处置中的关键任务、主要的应急联络人和联络方式”。

    ## 如何修复
    为缺少卡片的人制作卡片；卡片内容变化后更新 `updated`。

    ## 示例
    ```yaml
    cards:
      - name: 马超
        person: P013
        role: 信息报告组组长
        tasks: [接报后 10 分钟内通知应急工作小组负责人, 记录事件时间线]
        contacts: [{name: 李建国, phone: "13800000000"}]
    ```
    """
    root = handbook.root_of("emergency")
    register = handbook.register("emergency")
    cards = handbook.records("emergency", "cards")
    by_person = {c.get("person") for c in cards if c.get("person")}
    by_name = {c.get("name") for c in cards}
    needed: list = []  # (label, person id or None, name)
    command = root.sub("command")
    if command is not None:
        people = ([command.sub("leader")] if command.sub("leader") else []) + command.records("members")
        for person in people:
            if person.get("status") == "left" or (person.get("person") and not _active(handbook, person.get("person"))):
                continue
            needed.append((person.get("name"), person.get("person"), person.get("name")))
    execution = root.sub("execution")
    if execution is not None:
        pids = [execution.get("lead"), execution.get("deputy")]
        for team in execution.records("teams"):
            pids += [team.get("lead")] + [p for p, _ in team.items("members")]
        for pid in pids:
            if pid and handbook.active_staff(pid):
                needed.append((person_label(handbook, pid), pid, handbook.staff[pid].get("name")))
    seen = set()
    for label, pid, name in needed:
        key = pid or name
        if key in seen:
            continue
        seen.add(key)
        if not (pid and pid in by_person) and name not in by_name:
            yield Hit(register.at("cards"), f"{label} 没有应急工作卡片")
    for card in cards:
        if not card.get("tasks"):
            yield Hit(card.at("name"), f"{card.get('name')} 的应急工作卡片没有写明关键任务（tasks）")
        if not any(c.get("phone") or c.get("mobile") for c in card.records("contacts")):
            yield Hit(card.at("name"), f"{card.get('name')} 的应急工作卡片没有带联络方式的主要应急联络人（contacts）")


TECH_DOC_KINDS = ("网络拓扑图", "设备配置参数", "系统软件和应用程序", "安装使用手册", "应急操作手册")


@rule("EMG024", name="tech-docs-backup", title="准备信息系统技术资料和软件备份", clause="prep-40",
      needs=("emergency",))
def tech_docs_backup(handbook):
    """
    ## 检查什么
    `tech_docs` 中网络拓扑图、设备配置参数、系统软件和应用程序、安装使用手册、应急操作手册五类资料
    各有记录，每条都写明存放位置 `location`。

    ## 为什么
    标准要求：“应准备信息系统技术资料和软件备份。”“至少包括网络拓扑图、设备配置参数、各种系统软件和
    应用程序、安装使用手册、应急操作手册等”。

    ## 如何修复
    补充缺少的类别和存放位置；资料更新后更新 `updated`。
    """
    register = handbook.register("emergency")
    docs = handbook.records("emergency", "tech_docs")
    kinds = {d.get("kind") for d in docs}
    missing = [k for k in TECH_DOC_KINDS if k not in kinds]
    if missing:
        yield Hit(register.at("tech_docs"), f"技术资料和软件备份缺少：{'、'.join(missing)}")
    for doc in docs:
        if not doc.get("location"):
            yield Hit(doc.at("kind"), f"技术资料“{doc.get('name') or doc.get('kind')}”未写明存放位置（location）")


@rule("EMG025", name="spares-checked", title="重要设备备品配件定期评估、检测", clause="prep-41",
      needs=("emergency",), dated=True)
def spares_checked(handbook):
    """
    ## 检查什么
    `spares` 不为空；每项备品配件数量大于 0，最近一次评估检测 `last_check` 距检查日期不超过
    `settings.spares_check_months`（默认 6）个月。

    ## 为什么
    标准要求：“应准备充足的重要设备备品配件，并进行定期评估、检测和维护”。是否“充足”需结合设备
    数量人工判断。

    ## 如何修复
    检测备件并记录日期和结论；已用掉的备件及时补充。
    """
    register = handbook.register("emergency")
    spares = handbook.records("emergency", "spares")
    if not spares:
        yield Hit(register.at("spares"), "没有重要设备备品配件记录（spares）")
        return
    months = setting(handbook, "spares_check_months", 6)
    for spare in spares:
        if spare.get("quantity") == 0:
            yield Hit(spare.at("quantity"), f"备品配件“{spare.get('item')}”数量为 0")
        last = spare.date("last_check")
        if last is None:
            yield Hit(spare.at("item"), f"备品配件“{spare.get('item')}”没有评估检测记录（last_check）")
        else:
            yield Obligation(f"评估检测备品配件“{spare.get('item')}”", dates.add_months(last, months), spare.at("last_check"),
                             f"备品配件“{spare.get('item')}”最近一次评估检测是 {last}，已超过 {months} 个月",
                             cycle=f"每 {months} 个月", key=f"{spare.source.path}|{spare.get('item')}|check")


SUPPLY_CATEGORIES = ("通讯", "消防", "应急照明")


@rule("EMG026", name="supplies-inventoried", title="储备应急设备和物资并定期盘点", clause="prep-42",
      needs=("emergency",), dated=True)
def supplies_inventoried(handbook):
    """
    ## 检查什么
    `supplies` 中有通讯、消防、应急照明三类应急设备或物资（数量大于 0），每项最近一次盘点
    `last_inventory` 距检查日期不超过 `settings.supplies_check_months`（默认 6）个月。

    ## 为什么
    标准要求：“应事先储备一定数量的通讯、消防、应急照明等应急设备或物资并定期盘点，对于有时效性的
    应急物资应做到及时更新”。

    ## 如何修复
    补充缺少的物资；盘点后更新 `last_inventory`。
    """
    register = handbook.register("emergency")
    supplies = handbook.records("emergency", "supplies")
    have = {s.get("category") for s in supplies if s.get("quantity") != 0}
    missing = [c for c in SUPPLY_CATEGORIES if c not in have]
    if missing:
        yield Hit(register.at("supplies"), f"没有储备以下类别的应急设备或物资：{'、'.join(missing)}")
    months = setting(handbook, "supplies_check_months", 6)
    for supply in supplies:
        last = supply.date("last_inventory")
        if last is None:
            yield Hit(supply.at("item"), f"应急物资“{supply.get('item')}”没有盘点记录（last_inventory）")
        else:
            yield Obligation(f"盘点应急物资“{supply.get('item')}”", dates.add_months(last, months), supply.at("last_inventory"),
                             f"应急物资“{supply.get('item')}”最近一次盘点是 {last}，已超过 {months} 个月",
                             cycle=f"每 {months} 个月", key=f"{supply.source.path}|{supply.get('item')}|inventory")


@rule("EMG027", name="supplies-expired", title="有时效性的应急物资不得过期", clause="prep-42",
      needs=("emergency",), dated=True)
def supplies_expired(handbook):
    """
    ## 检查什么
    `supplies` 中填写了有效期 `expires` 的物资，有效期不早于检查日期。

    ## 为什么
    标准要求“对于有时效性的应急物资应做到及时更新”。过期的灭火器、电池在需要时可能无法使用。

    ## 如何修复
    更换过期物资，更新 `expires` 和 `last_inventory`。即将到期的物资由 EMG028 提前提醒。
    """
    for supply in handbook.records("emergency", "supplies"):
        expires = supply.date("expires")
        if expires:
            yield Obligation(f"更新应急物资“{supply.get('item')}”", expires, supply.at("expires"),
                             f"应急物资“{supply.get('item')}”已于 {expires} 过期，应及时更新",
                             cycle="到期前", key=f"{supply.source.path}|{supply.get('item')}|expires")


@rule("EMG028", name="supplies-expiring", title="有时效性的应急物资即将到期", clause="prep-42",
      severity="warning", needs=("emergency",), dated=True)
def supplies_expiring(handbook):
    """
    ## 检查什么
    `supplies` 中有效期 `expires` 在检查日期起 `settings.supplies_expiry_warning_days`（默认 30）天内的物资。

    ## 为什么
    标准要求“对于有时效性的应急物资应做到及时更新”。提前提醒，留出采购时间。

    ## 如何修复
    安排采购更换，换新后更新 `expires`。
    """
    days = setting(handbook, "supplies_expiry_warning_days", 30)
    for supply in handbook.records("emergency", "supplies"):
        expires = supply.date("expires")
        if expires and handbook.as_of <= expires <= handbook.as_of + dt.timedelta(days=days):
            yield Hit(supply.at("expires"), f"应急物资“{supply.get('item')}”将于 {expires} 到期，请及时更新")


@rule("EMG029", name="emergency-funds", title="准备当年的应急保障资金", clause="prep-43",
      needs=("emergency",), dated=True)
def emergency_funds(handbook):
    """
    ## 检查什么
    `funds` 中有检查日期所在年度的应急保障资金，金额 `amount` 大于 0，并记录了批准日期 `approved`。

    ## 为什么
    标准要求：“应准备应急保障资金，确保应急处置中能及时采购应急设备或物资。”

    ## 如何修复
    在年度预算中安排应急保障资金，批准后记录年度、金额、批准日期和文件。

    ## 示例
    ```yaml
    funds:
      - {year: 2026, amount: 80, approved: 2025-12-26, approver: 总经理办公会, document: 明川证发〔2025〕96号}
    ```
    """
    register = handbook.register("emergency")
    year = handbook.as_of.year
    funds = handbook.records("emergency", "funds")
    if not any(f.get("year") == year + 1 for f in funds):  # next year's funds, before the year begins
        yield Obligation(f"落实 {year + 1} 年的应急保障资金", dt.date(year, 12, 31), register.at("funds"), "",
                         cycle="每年", key=f"emergency|funds|{year + 1}")
    current = [f for f in funds if f.get("year") == year]
    if not current:
        yield Obligation(f"落实 {year} 年的应急保障资金", dt.date(year - 1, 12, 31), register.at("funds"),
                         f"没有 {year} 年的应急保障资金记录（funds）", cycle="每年", key=f"emergency|funds|{year}")
        return
    for fund in current:
        if not isinstance(fund.get("amount"), (int, float)) or fund.get("amount") <= 0:
            yield Hit(fund.at("year"), f"{year} 年应急保障资金没有金额（amount）")
        if not fund.get("approved"):
            yield Hit(fund.at("year"), f"{year} 年应急保障资金没有批准日期（approved）")


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
    days = setting(handbook, "drill_record_retention_days", 730)
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
            if owner and not _active(handbook, owner):
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
    months = setting(handbook, "drill_report_due_months", 3)
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
    for year in range(start.year, handbook.as_of.year):
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
    months = setting(handbook, "emergency_training_months", 12)
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
    months = setting(handbook, "emergency_training_months", 12)
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
