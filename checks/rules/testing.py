"""系统测试：测试方案、覆盖面与测试报告，模拟环境，生产环境测试的备份、公告、组织、恢复与交易时段。"""

from __future__ import annotations

import datetime as dt

from .. import dates
from ..calendar import describe
from ..findings import Hit
from ..obligations import Obligation, first_person
from . import rule
from ._common import blank as _empty, time_span as _span, window as _window

CHAPTER = "系统测试"

ASPECTS = ("功能", "性能", "容量", "安全性", "稳定性")
CANCELLED = "已取消"
DONE = "已完成"


def _plans(handbook):
    return [p for p in handbook.records("system_tests", "plans") if p.get("status") != CANCELLED]


def _environments(handbook) -> dict:
    return {e.id: e for e in handbook.records("system_tests", "environments") if e.id}


def _used_environments(handbook):
    """The environments that a (not cancelled) plan uses, each once, in register order."""
    used = {p.get("environment") for p in _plans(handbook)}
    return [e for e in handbook.records("system_tests", "environments") if e.id in used]


def _production_tests(handbook, done_only=False):
    for test in handbook.records("system_tests", "production_tests"):
        status = test.get("status")
        if status == CANCELLED or (done_only and status != DONE):
            continue
        yield test


def _trading_clash(handbook, where, start, end, overlapping, uncertain):
    """A finding when [start, end) overlaps a trading session, or a warning when it touches days of unknown status."""
    calendar = handbook.calendar
    if overlap := calendar.trading_overlap(start, end):
        yield Hit(where, overlapping(describe(overlap)))
    elif unknown := calendar.uncertain_days(start, end):
        yield Hit(where, uncertain("、".join(d.isoformat() for d in unknown), calendar.unknown_note(unknown)), severity="warning")


def _env(env) -> str:
    return f"模拟环境 {env.id}（{env.get('name', '')}）"


def _plan(plan) -> str:
    return f"测试方案 {plan.id}（{plan.get('title', '')}）"


def _prt(test) -> str:
    return f"生产环境测试 {test.id}（{test.get('title', '')}）"


# -- 测试方案 ---------------------------------------------------------------

@rule("TST001", name="test-plan", title="根据上线要求制定测试方案，确定测试方法和流程", clause="test-3",
      needs=("system_tests",))
def test_plan(handbook):
    """
    ## 检查什么
    `registers/system_tests.yaml` 中每个测试方案（已取消的除外）写明了被测系统 `systems`、依据的
    上线要求 `requirements`、测试方法 `methods` 和测试流程 `process`。每项生产环境测试都注明
    所属的测试方案 `plan`，且该方案在 `plans` 中存在。

    ## 为什么
    标准要求：“证券期货机构应根据系统上线要求制定测试方案，确定采用的测试方法和测试流程。”

    ## 如何修复
    补齐测试方案的内容；为生产环境测试填写它所属的测试方案编号。

    ## 示例
    ```yaml
    plans:
      - id: TST-2026-01
        systems: [CI-APP-TRADE]
        requirements: 《集中交易系统 V6.2 上线需求说明书》
        methods: [黑盒功能测试, 压力测试, 漏洞扫描]
        process: 测试准备 → 功能测试 → 性能与容量测试 → 安全测试 → 稳定性测试 → 测试报告
    ```
    """
    fields = {"systems": "被测系统", "requirements": "上线要求", "methods": "测试方法", "process": "测试流程"}
    for plan in _plans(handbook):
        missing = [f"{zh}（{key}）" for key, zh in fields.items() if _empty(plan.get(key))]
        if missing:
            yield Hit(plan.at("id"), f"{_plan(plan)} 缺少：{'、'.join(missing)}")
    ids = {p.id for p in handbook.records("system_tests", "plans") if p.id}
    for test in _production_tests(handbook):
        ref = test.get("plan")
        if not ref:
            yield Hit(test.at("id"), f"{_prt(test)} 没有注明所属的测试方案（plan）")
        elif ref not in ids:
            yield Hit(test.at("plan"), f"{_prt(test)} 所属的测试方案“{ref}”不在测试方案列表（plans）中")


@rule("TST002", name="test-coverage", title="测试方案及测试用例覆盖功能、性能、容量、安全性、稳定性", clause="test-4",
      needs=("system_tests",))
def test_coverage(handbook):
    """
    ## 检查什么
    每个测试方案（已取消的除外）的覆盖方面 `aspects` 和测试用例 `cases`（按 `aspect` 统计，用例数
    `count` 为 0 的不算）都包括：功能、性能、容量、安全性、稳定性。

    ## 为什么
    标准要求：“测试方案及测试用例应覆盖功能、性能、容量、安全性、稳定性等方面。”
    只写进方案而没有用例的方面，实际上没有被测试。

    ## 如何修复
    补充缺少方面的测试设计和用例；确实不适用的（如纯参数变更不涉及容量），在方案中说明理由，
    并以一条用例数为 0 以外的评估用例记录评估结论。

    ## 示例
    ```yaml
    aspects: [功能, 性能, 容量, 安全性, 稳定性]
    cases:
      - {aspect: 功能, count: 412}
      - {aspect: 性能, count: 18}
      - {aspect: 容量, count: 6}
      - {aspect: 安全性, count: 35}
      - {aspect: 稳定性, count: 3}
    ```
    """
    for plan in _plans(handbook):
        aspects = set(plan.get("aspects", []) or [])
        missing = [a for a in ASPECTS if a not in aspects]
        if missing:
            yield Hit(plan.at("aspects") if plan.get("aspects") else plan.at("id"),
                      f"{_plan(plan)} 未覆盖：{'、'.join(missing)}")
        covered = {c.get("aspect") for c in plan.records("cases") if c.get("count", 1) != 0}
        missing = [a for a in ASPECTS if a not in covered]
        if missing:
            yield Hit(plan.at("cases") if plan.get("cases") else plan.at("id"),
                      f"{_plan(plan)} 的测试用例未覆盖：{'、'.join(missing)}")


@rule("TST003", name="test-report", title="测试完成后分析评估测试结果并给出测试报告", clause="test-5",
      needs=("system_tests",))
def test_report(handbook):
    """
    ## 检查什么
    状态为“已完成”的测试方案有测试报告 `report`：报告日期 `date`、测试结果分析评估 `analysis`、
    测试结论 `conclusion` 和报告的编号或存放位置 `record`；报告日期不早于测试期间的结束日期
    `period.end`。

    ## 为什么
    标准要求：“测试完成后应对测试结果进行分析评估，并给出测试报告。”

    ## 如何修复
    补录测试报告的信息；报告尚未完成的，把方案状态改回“测试中”。
    """
    for plan in _plans(handbook):
        if plan.get("status") != DONE:
            continue
        report = plan.sub("report")
        if report is None:
            yield Hit(plan.at("status"), f"{_plan(plan)} 已完成，但没有测试报告（report）")
            continue
        missing = [f"{zh}（{key}）" for key, zh in (("date", "报告日期"), ("analysis", "测试结果分析评估"),
                                                   ("conclusion", "测试结论"), ("record", "测试报告")) if _empty(report.get(key))]
        if missing:
            yield Hit(plan.at("report"), f"{_plan(plan)} 的测试报告缺少：{'、'.join(missing)}")
        period = plan.sub("period")
        ended = period.date("end") if period else None
        written = report.date("date")
        if written and ended and written < ended:
            yield Hit(report.at("date"), f"{_plan(plan)} 的测试报告日期 {written} 早于测试结束日期 {ended}")


@rule("TST004", name="test-resources", title="为系统测试配备人员和设备资源", clause="test-2", needs=("system_tests",))
def test_resources(handbook):
    """
    ## 检查什么
    每个测试方案（已取消的除外）写明了测试人员 `resources.people` 和设备资源 `resources.equipment`。
    需要关联单位配合的，写在 `resources.related_units`（供应商写在 `resources.suppliers`）。

    ## 为什么
    标准要求：“证券期货机构应为系统测试配备必要的人员和设备资源，需要时应协调关联单位配合测试。”
    资源是否“必要”“足够”需要人工判断，但方案中必须写明配备了什么。

    ## 如何修复
    在测试方案中补充 `resources`。

    ## 示例
    ```yaml
    resources:
      people: [P015, P016, P006]
      equipment: 集中交易模拟环境（ENV-SIM-01）、压力测试工具集群 4 台
      suppliers: [SUP-001]
      related_units: [上海证券交易所技术公司（全网测试）]
    ```
    """
    for plan in _plans(handbook):
        resources = plan.sub("resources")
        missing = [f"{zh}（resources.{key}）" for key, zh in (("people", "测试人员"), ("equipment", "设备资源"))
                   if resources is None or _empty(resources.get(key))]
        if missing:
            yield Hit(plan.at("resources") if resources else plan.at("id"), f"{_plan(plan)} 未写明{'、'.join(missing)}")


# -- 模拟环境 ---------------------------------------------------------------

@rule("TST005", name="simulation-environment", title="建立独立的模拟环境", clause="test-7", needs=("system_tests",))
def simulation_environment(handbook):
    """
    ## 检查什么
    每个测试方案（已取消的除外）注明所用的模拟环境 `environment`，该环境登记在
    `environments` 中，并且是独立的模拟环境（`independent: true`）；方案的被测系统 `systems`
    都在该环境的系统 `systems` 中（环境里没有的系统，不可能在这个环境中测试过）。

    ## 为什么
    标准要求：“应建立独立的模拟环境。”模拟环境测试是上线前测试的基础，与其他用途共用的
    环境无法保证测试条件可控。

    ## 如何修复
    为方案填写模拟环境编号，并在 `environments` 中登记该环境；环境与其他用途共用的，应建设
    独立的模拟环境。

    ## 示例
    ```yaml
    environments:
      - id: ENV-SIM-01
        name: 集中交易模拟环境
        independent: true
    ```
    """
    environments = _environments(handbook)
    for plan in _plans(handbook):
        ref = plan.get("environment")
        if not ref:
            yield Hit(plan.at("id"), f"{_plan(plan)} 没有注明所用的模拟环境（environment）")
        elif ref not in environments:
            yield Hit(plan.at("environment"), f"{_plan(plan)} 所用的模拟环境“{ref}”未在 environments 中登记")
        else:
            # the environment must hold what the plan tests: a test is only as good as what it ran against
            simulated = set(environments[ref].get("systems", []) or [])
            absent = [s for s in plan.get("systems", []) or [] if s not in simulated]
            if simulated and absent:
                yield Hit(plan.at("environment"), f"{_plan(plan)} 的被测系统 {'、'.join(absent)} 不在所用的"
                                                  f"{_env(environments[ref])} 中（systems）：该环境无法模拟这些系统")
    for env in _used_environments(handbook):
        if env.get("independent") is not True:
            yield Hit(env.at("independent") if "independent" in env else env.at("id"),
                      f"{_env(env)} 未确认为独立的模拟环境（independent: true）")


@rule("TST006", name="simulation-architecture", title="模拟环境在逻辑架构上与生产环境一致", clause="test-8",
      needs=("system_tests",))
def simulation_architecture(handbook):
    """
    ## 检查什么
    测试方案使用的每个模拟环境都确认了逻辑架构与生产环境一致（`consistent_architecture: true`），
    并在 `architecture_notes` 中说明；环境中每个系统在配置库中“依赖”（`relations` 中 `type: 依赖`）的系统，
    也都在该环境的 `systems` 中——生产架构以配置库为准，不只看这个标记。

    ## 为什么
    标准要求：“模拟环境应在逻辑架构上和生产环境一致。”架构不同的环境测不出生产中的主备切换、
    接口和部署问题。

    ## 如何修复
    核对模拟环境与生产环境的逻辑架构（层次、主备方式、接口），不一致的先整改，再填写确认和说明。
    """
    depends: dict = {}
    for item in handbook.records("configuration", "items"):
        depends[item.id] = [r.get("target") for r in item.records("relations") if r.get("type") == "依赖" and r.get("target")]
    for env in _used_environments(handbook):
        if env.get("consistent_architecture") is not True:
            yield Hit(env.at("consistent_architecture") if "consistent_architecture" in env else env.at("id"),
                      f"{_env(env)} 未确认逻辑架构与生产环境一致（consistent_architecture: true）")
        elif _empty(env.get("architecture_notes")):
            yield Hit(env.at("consistent_architecture"), f"{_env(env)} 没有说明与生产环境一致的逻辑架构（architecture_notes）")
        # the CMDB shows the production architecture: what a simulated system depends on must be there too
        systems = env.get("systems", []) or []
        for ci in systems:
            for target in depends.get(ci, []):
                if target not in systems:
                    yield Hit(env.at("systems"), f"{_env(env)} 包含 {ci}，但没有它在生产环境中依赖的 {target}"
                                                 "（registers/configuration.yaml 的 relations：依赖），逻辑架构与生产环境不一致")


def _checks(env, key, as_of):
    """The environment's dated checks (``isolation_checks``, ``password_checks``) up to the as-of date, oldest first."""
    return sorted((c for c in env.records(key) if c.date("date") and c.date("date") <= as_of), key=lambda c: c.date("date"))


def _checker(handbook, env, latest):
    """Who does the environment's next check: the security administrator (positions.yaml ``security-admin``),
    else whoever did the last one; never one of the environment's own administrators."""
    admins = set(env.get("admins", []) or [])
    position = next((p for p in handbook.records("positions") if p.id == "security-admin"), None)
    candidates = [position.get("primary") if position else None, latest.get("by")]
    return first_person(handbook, *(c for c in candidates if c not in admins))


def _periodic_check(handbook, env, key: str, what: str, months: int, setting: str, since=None):
    """Findings for a check that must be recent and passed: none, failed, or none since ``since``; and the
    obligation to check again ``months`` after the latest check (a finding once that has passed)."""
    as_of = handbook.as_of
    done = _checks(env, key, as_of)
    if not done:
        yield Hit(env.at(key) if key in env else env.at("id"),
                  f"{_env(env)} 没有{what}记录（{key}）：应至少每 {months} 个月检查一次（settings.{setting}），"
                  "记下日期、检查人、方法、结果和记录")
        return
    latest = done[-1]
    due = dates.add_months(latest.date("date"), months)
    yield Obligation(f"对{_env(env)}进行{what}", due, latest.at("date"),
                     f"{_env(env)} 最近一次{what}在 {latest.date('date')}，已超过 {months} 个月"
                     f"（settings.{setting}），应于 {due} 前再检查一次",
                     owner=_checker(handbook, env, latest), cycle=f"每 {months} 个月",
                     key=f"{env.source.path}#{env.id}|{key}")
    if latest.get("result") != "通过":
        yield Hit(latest.at("result"), f"{_env(env)} 最近一次{what}（{latest.date('date')}）未通过：整改后重新检查，"
                                       "记下结果为“通过”的检查")
    if since is not None and latest.date("date") < since[0]:
        yield Hit(since[1], since[2])


@rule("TST007", name="simulation-separated", title="模拟环境与生产环境分离，不得干扰生产环境", clause="test-9",
      needs=("system_tests",), dated=True)
def simulation_separated(handbook):
    """
    ## 检查什么
    测试方案使用的每个模拟环境：

    - 与生产环境分离（`separate_from_production: true`），并在 `isolation` 中写明隔离措施（网段、防火墙、
      存储和数据库不共用等）；
    - 隔离措施经过实际验证（`isolation_checks`：日期、检查人、方法、结果、记录），最近一次结果为“通过”，
      且不早于 `settings.simulation_isolation_check_months` 个月（默认 12，只能设得更短）；
    - 网络与信息安全事件台账（incidents.yaml）中有事件提到该环境编号的（模拟环境干扰了生产环境），
      在事件发现之后重新验证过隔离。

    下次隔离验证列在到期事项中，负责人是安全管理员（positions.yaml 中 `security-admin` 的主岗），
    安全管理员本人管理该环境时由上次的检查人负责。

    ## 为什么
    标准要求：“模拟环境应与生产环境进行分离，不得对生产环境进行干扰；”一个 `true` 只是声明：
    隔离是否有效，要看验证记录；模拟环境是否干扰过生产，要看事件记录。

    ## 如何修复
    落实隔离措施后做一次验证（如从测试网段对生产网段做连通性扫描、核对防火墙策略），把结果记入
    `isolation_checks`；事件涉及模拟环境的，整改后重新验证。

    ## 示例
    ```yaml
    separate_from_production: true
    isolation: 独立网段（测试 VLAN 300），经测试区防火墙与生产网隔离
    isolation_checks:
      - {date: 2026-06-15, by: P007, method: 从测试网段扫描生产网段端口并核对防火墙策略, result: 通过, record: 隔离验证记录 GL-2026-01}
    ```
    """
    months = handbook.settings.simulation_isolation_check_months
    incidents = list(handbook.records("incidents"))
    for env in _used_environments(handbook):
        if env.get("separate_from_production") is not True:
            yield Hit(env.at("separate_from_production") if "separate_from_production" in env else env.at("id"),
                      f"{_env(env)} 未确认与生产环境分离（separate_from_production: true），不得对生产环境进行干扰")
            continue
        if _empty(env.get("isolation")):
            yield Hit(env.at("separate_from_production"), f"{_env(env)} 没有写明与生产环境的隔离措施（isolation）")
        # interference is a fact of the incident register: the latest incident naming this environment
        since = None
        for incident in incidents:
            detected = incident.datetime("detected")
            if detected is None or detected.date() > handbook.as_of or env.id not in _text(incident.data):
                continue
            if since is None or detected.date() > since[0]:
                since = (detected.date(), incident.at("id"),
                         f"事件 {incident.id} 涉及 {_env(env)}（{dates.fmt(detected.date())} 发现），模拟环境不得对生产环境"
                         f"进行干扰：整改隔离措施后应重新验证（isolation_checks 中 {dates.fmt(detected.date())} 之后的检查）")
        yield from _periodic_check(handbook, env, "isolation_checks", "隔离验证", months,
                                   "simulation_isolation_check_months", since)


def _text(value) -> str:
    """Every string inside a record, joined (to find an id mentioned anywhere in it)."""
    if isinstance(value, dict):
        return " ".join(_text(v) for v in value.values())
    if isinstance(value, list):
        return " ".join(_text(v) for v in value)
    return value if isinstance(value, str) else ""


def _model(text) -> str:
    return "".join(str(text or "").split()).casefold()


@rule("TST008", name="simulation-equipment", title="合理配置测试设备并识别设备差异风险", clause="test-10",
      needs=("system_tests",))
def simulation_equipment(handbook):
    """
    ## 检查什么
    测试方案使用的每个模拟环境都在 `equipment_items` 中逐类登记测试设备：用途 `role`、型号 `model`、
    数量 `count` 和对应的生产设备 `production_devices`（设备清单 devices.yaml 中的编号）。与生产的差异
    由台账算出，不靠自述：型号与对应生产设备（设备清单的 `model`）不同，或数量少于对应的生产设备的，
    必须在 `risk` 中写明由此带来的测试结果正确性风险及应对；没有对应生产设备的，也必须写明 `risk`。
    对应的生产设备已停用或报废的，说明明细已过时。同型号、数量不少于生产的设备不要求写风险。

    ## 为什么
    标准要求：“应根据测试方案的设计，合理配置测试所需的设备，识别设备不同可能带来的测试结果正确性风险；”
    例如模拟环境服务器性能低于生产时，性能测试结果须折算，否则会高估或低估系统能力。

    ## 如何修复
    按设备类别补齐明细并写上对应的生产设备编号；与生产不同的，在 `risk` 中写明影响哪些测试结果、如何折算或
    在哪一步另行验证。生产设备更换后，同步更新对应关系。

    ## 示例
    ```yaml
    equipment_items:
      - role: 交易服务器
        model: 华为 RH2288H V3
        count: 2
        production_devices: [DEV-SRV-001, DEV-SRV-002]
        risk: 上一代型号，CPU 核数为生产的 60%：性能和容量结果按 60% 折算，并在全网测试中复核
    ```
    """
    devices = {d.id: d for d in handbook.records("devices") if d.id}
    for env in _used_environments(handbook):
        items = env.records("equipment_items")
        if not items:
            yield Hit(env.at("id"), f"{_env(env)} 没有登记测试设备明细（equipment_items）：逐类写明型号、数量和对应的"
                                    "生产设备（设备清单编号），与生产不同的写明风险（risk）")
            continue
        for item in items:
            what = f"{_env(env)} 的{item.get('role', '测试设备')}"
            production = [devices[d] for d in item.get("production_devices", []) or [] if d in devices]
            for device in production:
                if device.get("status") in ("停用", "报废"):
                    yield Hit(item.at("production_devices"), f"{what} 对应的生产设备 {device.id} 已{device.get('status')}"
                                                             "，不是现在的生产设备：按现在的生产设备更新 production_devices")
            if not _empty(item.get("risk")):
                continue
            if not item.get("production_devices"):
                yield Hit(item.at("role"), f"{what} 没有对应的生产设备（production_devices），无法确认与生产相同："
                                           "写明对应的生产设备，或在 risk 中写明设备不同带来的测试结果风险")
                continue
            differences = [f"{d.id} 为 {d.get('model')}" for d in production
                           if d.get("model") and _model(d.get("model")) != _model(item.get("model"))]
            count = item.get("count")
            if isinstance(count, int) and count < len(item.get("production_devices") or []):
                differences.append(f"数量 {count} 台，少于生产的 {len(item.get('production_devices'))} 台")
            if differences:
                yield Hit(item.at("model"), f"{what}（{item.get('model')}）与生产设备不同（{'；'.join(differences)}），"
                                            "没有识别由此带来的测试结果正确性风险：在 risk 中写明影响和应对")


@rule("TST009", name="simulation-passwords", title="模拟环境密码与生产系统严格区分", clause="test-12",
      needs=("system_tests",), dated=True)
def simulation_passwords(handbook):
    """
    ## 检查什么
    测试方案使用的每个模拟环境：

    - 确认密码与生产系统严格区分（`passwords_distinct: true`），并在 `password_policy` 中写明措施；
    - 有密码区分的抽查记录 `password_checks`（比对模拟环境与生产系统的账号口令）：最近一次结果为“通过”，
      不早于 `settings.simulation_password_check_months` 个月（默认 12，只能设得更短），
      检查人不是该模拟环境的系统管理员（`admins`）——自己查自己不能证明区分。下次抽查列在到期事项中，
      负责人是安全管理员（positions.yaml 中 `security-admin` 的主岗），安全管理员本人管理该环境时由上次的检查人负责。

    ## 为什么
    标准要求：“模拟环境使用的密码应与生产系统严格区分，系统管理员宜由不同的人员担任。”
    模拟环境的安全防护弱于生产，沿用生产密码会让模拟环境成为泄露生产密码的途径；是否沿用，要靠抽查发现。

    ## 如何修复
    由安全管理员等非本环境管理员的人员比对两套系统的口令散列，把结果记入 `password_checks`；发现相同的，
    修改模拟环境密码后复查。

    ## 示例
    ```yaml
    passwords_distinct: true
    password_policy: 模拟环境账号和密码由测试管理员单独设定，不得使用生产密码
    password_checks:
      - {date: 2026-09-25, by: P007, method: 比对口令散列, result: 通过, record: 抽查记录 MM-2026-03}
    ```
    """
    months = handbook.settings.simulation_password_check_months
    for env in _used_environments(handbook):
        if env.get("passwords_distinct") is not True:
            yield Hit(env.at("passwords_distinct") if "passwords_distinct" in env else env.at("id"),
                      f"{_env(env)} 未确认密码与生产系统严格区分（passwords_distinct: true）")
            continue
        if _empty(env.get("password_policy")):
            yield Hit(env.at("passwords_distinct"), f"{_env(env)} 没有写明密码区分的管理措施（password_policy）")
        yield from _periodic_check(handbook, env, "password_checks", "密码区分抽查", months,
                                   "simulation_password_check_months")
        admins = set(env.get("admins", []) or [])
        for check in _checks(env, "password_checks", handbook.as_of):
            if check.get("by") in admins:
                yield Hit(check.at("by"), f"{_env(env)} {check.date('date')} 的密码区分抽查由本环境的系统管理员 "
                                          f"{handbook.person_name(check.get('by'))} 进行，自查不能证明区分：应由其他人员抽查")


@rule("TST010", name="simulation-admins", title="模拟环境系统管理员宜由不同人员担任", clause="test-12",
      severity="warning", needs=("system_tests",))
def simulation_admins(handbook):
    """
    ## 检查什么
    测试方案使用的每个模拟环境都登记了系统管理员 `admins` 和对应生产系统的系统管理员
    `production_admins`，两者没有同一人；模拟环境管理员也不是岗位台账中系统管理员岗位（`system-admin`）
    的主岗——是否管理生产系统以岗位台账为准，不只看本条登记。这是推荐性要求，因此是警告。

    ## 为什么
    标准要求：“模拟环境使用的密码应与生产系统严格区分，系统管理员宜由不同的人员担任。”
    同一人管理两套环境，最容易把生产密码和配置带进模拟环境，或在模拟环境误操作生产。

    ## 如何修复
    由系统管理员的备岗等其他人员担任模拟环境管理员；人手确实不足时，在 `notes` 中说明补偿措施。
    """
    positions = {p.id: p for p in handbook.records("positions") if p.id}
    primary_admins = {positions[k].get("primary") for k in ("system-admin",) if k in positions} - {None}
    for env in _used_environments(handbook):
        admins, production = env.get("admins", []) or [], env.get("production_admins", []) or []
        # who administers production comes from the positions register too, not only from this list
        for person in sorted(set(admins) & (primary_admins - set(production))):
            yield Hit(env.at("admins"), f"{_env(env)} 的系统管理员 {handbook.person_name(person)} 是生产系统管理员岗位"
                                        "（positions.yaml 中 system-admin 的主岗），宜由不同人员担任")
        if not admins or not production:
            yield Hit(env.at("id"), f"{_env(env)} 没有登记模拟环境系统管理员（admins）和生产系统管理员（production_admins），无法确认是否由不同人员担任")
            continue
        for person in sorted(set(admins) & set(production)):
            yield Hit(env.at("admins"), f"{_env(env)} 的系统管理员 {handbook.person_name(person)} 同时是生产系统管理员，宜由不同人员担任")


# -- 生产环境测试 -------------------------------------------------------------

@rule("TST011", name="production-test-backup", title="生产环境测试前备份当前系统的数据和配置", clause="test-14",
      needs=("system_tests",))
def production_test_backup(handbook):
    """
    ## 检查什么
    已完成的生产环境测试有测试前备份记录 `backup_before`，其中的备份明细 `items` 证明测试前备份了
    **当前系统**的**数据和配置**——“已备份”的勾选不算证据：

    - 测试涉及的每个系统（`systems`）都有一项“数据”备份和一项“配置”备份（`content`），明细的 `systems`
      写明它属于哪些系统；
    - 每项备份的结果 `result` 为“成功”，完成时间 `time` 不晚于测试开始；
    - 备份之后、测试开始之前没有交易时段（交易日历）：之后还有交易的，备份中已不是测试时系统的数据；
    - 有备份作业记录：明细的 `record`，或整个备份的 `record`。

    旧写法的 `data: true`、`configuration: true` 可以保留，但只有备份明细能证明它们；与明细矛盾的
    （写 `false` 而明细中有该项备份）也报告。`time` 写了时同样不得晚于测试开始。

    ## 为什么
    标准要求：“测试前应备份当前系统的数据和配置；”测试后恢复生产环境依赖这份备份：缺了哪个系统的配置、
    备份失败或备份后又有交易，测试后都无法恢复到测试前的状态。

    ## 如何修复
    按测试涉及的系统逐项登记测试前的备份（内容、系统、方式、完成时间、结果、作业记录）；备份失败或在最后一个
    交易时段之前完成的，测试前重新备份。

    ## 示例
    ```yaml
    backup_before:
      record: 备份记录 BK-2026-0328
      items:
        - {content: 数据, systems: [CI-APP-TRADE, CI-DB-TRADE], what: 集中交易数据库 RMAN 全量备份, time: 2026-03-28 07:30, result: 成功, record: 备份作业 RMAN-0328-01}
        - {content: 配置, systems: [CI-APP-TRADE, CI-DB-TRADE], what: 应用程序目录、交易参数表和数据库参数文件, time: 2026-03-28 07:45, result: 成功}
    ```
    """
    cis = handbook.by_id("configuration", "items") if handbook.usable("configuration") else {}

    def named(ci):
        item = cis.get(ci)
        return f"{item.get('name')}（{ci}）" if item is not None and item.get("name") else str(ci)

    calendar = handbook.calendar
    for test in _production_tests(handbook, done_only=True):
        backup = test.sub("backup_before")
        if backup is None:
            yield Hit(test.at("status"), f"{_prt(test)} 没有测试前备份记录（backup_before）")
            continue
        start, _ = _window(test)
        taken = backup.datetime("time")
        if taken and start and taken > start:
            yield Hit(backup.at("time"), f"{_prt(test)} 的备份时间 {dates.fmt(taken)} 晚于测试开始 {dates.fmt(start)}")
        items = backup.records("items")
        if not items:
            if not backup.invalid("items"):
                yield Hit(test.at("backup_before"), f"{_prt(test)} 的测试前备份没有备份明细（backup_before.items）："
                                                    "写明备份了哪些系统的数据和配置、何时完成、结果如何，勾选“已备份”不能证明")
            continue
        covered = {"数据": set(), "配置": set()}
        reported = {"数据": set(), "配置": set()}  # the systems of backups already reported as no evidence
        for item in items:
            content, when = item.get("content"), item.datetime("time")
            systems = {s for s in item.get("systems", []) or [] if isinstance(s, str)}
            label = f"{_prt(test)} 的{content}备份“{item.get('what') or '、'.join(map(str, item.get('systems', []) or []))}”"
            if item.get("result") != "成功":
                if item.get("result") is not None:
                    yield Hit(item.at("result"), f"{label}结果为“{item.get('result')}”，不能作为测试前备份")
                    reported.get(content, set()).update(systems)
                continue
            if when is None or start is None:
                continue
            if when > start:
                yield Hit(item.at("time"), f"{label}完成于 {dates.fmt(when)}，晚于测试开始 {dates.fmt(start)}")
                reported.get(content, set()).update(systems)
                continue
            sessions = calendar.trading_overlaps(when, start) if when < start else []
            if sessions:
                yield Hit(item.at("time"), f"{label}完成于 {dates.fmt(when)}，此后到测试开始（{dates.fmt(start)}）之间还有交易时段"
                                           f" {describe(sessions[-1])}：备份的已不是测试时系统的当前状态，应在最后一个交易时段结束后重新备份")
                reported.get(content, set()).update(systems)
                continue
            if _empty(item.get("record")) and _empty(backup.get("record")):
                yield Hit(item.at("time"), f"{label}没有备份作业记录（record）")
            if content in covered:
                covered[content].update(systems)
        required = [s for s in test.get("systems", []) or [] if isinstance(s, str)]
        for content, key in (("数据", "data"), ("配置", "configuration")):
            absent = ([s for s in required if s not in covered[content] | reported[content]] if required
                      else ([] if covered[content] | reported[content] else [None]))
            if absent:
                what = "、".join(named(s) for s in absent if s) or "任何系统"
                yield Hit(backup.at("items"), f"{_prt(test)} 测试前没有成功备份 {what} 的{content}：测试前应备份当前系统的数据和配置")
            elif backup.get(key) is False:
                yield Hit(backup.at(key), f"{_prt(test)} 写明未备份{content}（{key}: false），与备份明细不一致")


@rule("TST012", name="production-test-announcement", title="提前发布系统测试公告", clause="test-15",
      needs=("system_tests",), dated=True)
def production_test_announcement(handbook):
    """
    ## 检查什么
    生产环境测试的系统测试公告 `announcement` 有发布日期 `date` 和发布渠道 `channel`，发布日期
    至少比测试开始早若干天（机构设置 `settings.test_announcement_days`，默认 1 天）。
    已完成的测试必须有公告；计划中的测试在距开始不足这一天数时必须已有公告。

    ## 为什么
    标准要求：“应提前发布系统测试公告；”生产环境测试期间系统不能正常提供服务，客户和
    业务部门需要事先知道。

    ## 如何修复
    发布公告并记录日期、渠道和公告存档；来不及提前公告的，推迟测试。

    ## 示例
    ```yaml
    announcement:
      date: 2026-03-20
      channel: 公司官网、交易客户端公告栏、OA 通知
      record: 公告《关于 2026 年 3 月 28 日参加全网测试的通知》
    ```
    """
    lead = handbook.settings.test_announcement_days
    for test in _production_tests(handbook):
        start, _ = _window(test)
        announcement = test.sub("announcement")
        if announcement is None or not announcement.get("date"):
            # the announcement is due ``lead`` days before the test starts (at once when the test is over)
            last_day = start.date() - dt.timedelta(days=lead + 1) if start is not None else None
            if test.get("status") == DONE and (last_day is None or last_day >= handbook.as_of):
                last_day = handbook.as_of - dt.timedelta(days=1)
            if last_day is not None:
                yield Obligation(f"发布{_prt(test)}的系统测试公告", last_day,
                                 test.at("announcement") if announcement else test.at("status"),
                                 f"{_prt(test)} 没有发布系统测试公告的记录（announcement.date）"
                                 + (f"，测试开始于 {dates.fmt(start)}" if start else ""),
                                 owner=test.get("organiser"), cycle="测试前", key=f"{test.source.path}#{test.id}|announcement")
            continue
        published = announcement.date("date")
        if _empty(announcement.get("channel")):
            yield Hit(announcement.at("date"), f"{_prt(test)} 的测试公告没有写明发布渠道（channel）")
        if published and start and published > start.date() - dt.timedelta(days=lead):
            latest = start.date() - dt.timedelta(days=lead)
            yield Hit(announcement.at("date"), f"{_prt(test)} 的测试公告于 {published} 发布，测试开始于 {dates.fmt(start)}："
                                               f"应至少提前 {lead} 天（settings.test_announcement_days），即不晚于 {latest} 发布")


@rule("TST013", name="production-test-organiser", title="生产环境测试由生产系统运维人员组织", clause="test-16",
      needs=("system_tests",))
def production_test_organiser(handbook):
    """
    ## 检查什么
    每项生产环境测试（已取消的除外）有组织人 `organiser`，且此人是生产系统运维人员：在职，并在
    `registers/positions.yaml` 的某个运维岗位上担任主岗、备岗或其他在岗人员。

    ## 为什么
    标准要求：“应由生产系统运维人员在生产环境下组织完成；”厂商或开发人员不熟悉生产环境的
    运行要求，不能由他们组织生产环境测试。

    ## 如何修复
    指定负责该系统的运维人员为组织人。
    """
    positions = handbook.records("positions") if handbook.usable("positions") else None
    holders = set()
    for position in positions or []:
        holders.update(p for p in (position.get("primary"), position.get("backup"), *(position.get("others", []) or [])) if p)
    for test in _production_tests(handbook):
        organiser = test.get("organiser")
        if not organiser:
            yield Hit(test.at("id"), f"{_prt(test)} 没有指定组织人（organiser）")
            continue
        if handbook.has_left(organiser) and test.get("status") != DONE:
            yield Hit(test.at("organiser"), f"{_prt(test)} 的组织人 {handbook.person_name(organiser)} 已不在职")
        elif positions is not None and organiser not in holders:
            yield Hit(test.at("organiser"), f"{_prt(test)} 的组织人 {handbook.person_name(organiser)} 不在任何运维岗位上，"
                                            "生产环境测试应由生产系统运维人员组织")


@rule("TST014", name="production-test-upgrade-design", title="根据测试结果设计系统升级过程及应急预案", clause="test-18",
      needs=("system_tests",))
def production_test_upgrade_design(handbook):
    """
    ## 检查什么
    已完成的生产环境测试记录了测试结果 `result`，以及据此设计的系统升级过程 `upgrade.process`
    和应急预案 `upgrade.contingency`（升级作为变更实施的，在 `upgrade.change` 中注明变更编号）。
    注明了变更编号的，该变更（registers/changes.yaml）的实施窗口在测试结束之后开始——升级过程
    根据测试结果设计，不可能早于测试。

    ## 为什么
    标准要求：“根据测试的结果设计系统升级过程及应急预案；”生产环境测试中发现的问题（如切换时间
    偏长）要反映到正式升级的步骤和预案中。

    ## 如何修复
    补写测试结果对升级过程和应急预案的影响；没有影响时写明“按原升级步骤实施”。
    """
    changes = {c.id: c for c in handbook.records("changes") if c.id} if handbook.usable("changes") else {}
    for test in _production_tests(handbook, done_only=True):
        upgrade = test.sub("upgrade")
        missing = []
        if _empty(test.get("result")):
            missing.append("测试结果（result）")
        for key, zh in (("process", "系统升级过程（upgrade.process）"), ("contingency", "应急预案（upgrade.contingency）")):
            if upgrade is None or _empty(upgrade.get(key)):
                missing.append(zh)
        if missing:
            yield Hit(test.at("upgrade") if upgrade else test.at("status"), f"{_prt(test)} 缺少：{'、'.join(missing)}")
        # an upgrade designed from the results is implemented after the test, not before it
        ref = upgrade.get("change") if upgrade is not None else None
        change = changes.get(ref) if ref else None
        _, ended = _window(test)
        begun, _ = _window(change) if change is not None else (None, None)
        if begun and ended and begun < ended:
            yield Hit(upgrade.at("change"), f"{_prt(test)} 的升级变更 {ref} 在 {dates.fmt(begun)} 开始实施，早于测试结束"
                                            f"（{dates.fmt(ended)}）：升级过程应根据测试结果设计，请核对变更编号或时间")


@rule("TST015", name="production-test-related-systems", title="涉及其他相关系统时协调其用户参与测试", clause="test-19",
      needs=("system_tests",))
def production_test_related_systems(handbook):
    """
    ## 检查什么
    生产环境测试在 `related_systems` 中列出的每个相关系统，都写明了已协调参与测试的该系统用户
    `participants`。测试涉及哪些相关系统不只看自己列出的：配置库（configuration.yaml）中依赖
    （`relations` 中 `type: 依赖`）被测系统的在用应用系统，都必须列在 `related_systems` 中。

    ## 为什么
    标准要求：“如果测试内容涉及其他相关系统，应协调其他系统用户参与测试；”例如集中交易系统
    升级影响网上交易和清算，需要这些系统的用户一起验证。

    ## 如何修复
    协调相关系统的用户参与并记录（系统编号写在 `system`）；配置库中的依赖关系已过时的，先更正配置库。

    ## 示例
    ```yaml
    related_systems:
      - name: 清算系统
        system: CI-APP-CLEAR
        participants: 运营管理部清算岗
    ```
    """
    # which systems a test involves comes from the CMDB: an application that depends on a tested system
    items = {i.id: i for i in handbook.records("configuration", "items") if i.id} if handbook.usable("configuration") else {}
    dependants: dict = {}
    for item in items.values():
        if item.get("type") != "应用软件" or item.get("status") in ("停用", "下线"):
            continue
        for relation in item.records("relations"):
            if relation.get("type") == "依赖" and relation.get("target"):
                dependants.setdefault(relation.get("target"), []).append(item.id)
    for test in _production_tests(handbook):
        listed = set()
        for related in test.records("related_systems"):
            listed.add(related.get("system"))
            if _empty(related.get("participants")):
                yield Hit(related.at("name"), f"{_prt(test)} 涉及相关系统“{related.get('name')}”，但没有写明参与测试的该系统用户（participants）")
        tested = [s for s in test.get("systems", []) or [] if isinstance(s, str)]
        for system in tested:
            for other in dependants.get(system, []):
                if other not in tested and other not in listed:
                    listed.add(other)
                    yield Hit(test.at("related_systems") if "related_systems" in test else test.at("systems"),
                              f"{_prt(test)} 测试的 {system} 被 {items[other].get('name', other)}（{other}）依赖"
                              "（registers/configuration.yaml 的 relations），测试内容涉及该系统：应协调它的用户参与测试，"
                              "在 related_systems 中写明该系统（system）和参与的用户（participants）")


@rule("TST016", name="production-test-core-scope", title="核心交易业务系统上线测试组织全市场或全公司测试", clause="test-20",
      needs=("system_tests",))
def production_test_core_scope(handbook):
    """
    ## 检查什么
    涉及核心交易业务系统的上线测试（`purpose` 为“上线测试”或未填写）的测试范围 `scope` 为
    “全市场”或“全公司”，并列出参与的相关部门 `departments`。是否涉及核心交易业务系统：
    被测系统 `systems` 中有配置库标为 `core: true` 的，或测试标了 `core_trading: true`；测试自己写的
    `core_trading: false` 不能把配置库中的核心系统排除在外。

    ## 为什么
    标准要求：“涉及核心交易业务系统的上线测试，应组织全市场或全公司各相关部门测试；”

    ## 如何修复
    参加交易所组织的全网测试，或组织全公司各相关部门测试，并记录范围和部门。

    ## 示例
    ```yaml
    purpose: 上线测试
    core_trading: true
    scope: 全市场
    departments: [信息技术部, 经纪业务管理部, 运营管理部]
    ```
    """
    core_ids = set()
    if handbook.usable("configuration"):
        core_ids = {c.id for c in handbook.records("configuration", "items") if c.get("core") is True}
    for test in _production_tests(handbook):
        if test.get("purpose", "上线测试") != "上线测试":
            continue
        flag = test.get("core_trading")
        systems = [s for s in test.get("systems", []) or [] if isinstance(s, str)]
        # the CMDB decides: a test's own core_trading: false cannot take a core system out of scope
        core = flag is True or any(s in core_ids for s in systems)
        if not core:
            continue
        if test.get("scope") not in ("全市场", "全公司"):
            yield Hit(test.at("scope") if test.get("scope") else test.at("id"),
                      f"{_prt(test)} 是核心交易业务系统的上线测试，测试范围应为“全市场”或“全公司”"
                      f"（当前为“{test.get('scope', '未填写')}”）")
        elif _empty(test.get("departments")):
            yield Hit(test.at("scope"), f"{_prt(test)} 没有列出参与测试的相关部门（departments）")


@rule("TST017", name="production-test-restore", title="测试后恢复生产环境并验证恢复的有效性", clause="test-21",
      needs=("system_tests",))
def production_test_restore(handbook):
    """
    ## 检查什么
    已完成的生产环境测试有恢复记录 `restore`：恢复完成时间 `time`（不早于测试开始）、已验证恢复有效
    （`verified: true`）、验证方法和结果 `verification` 以及记录 `record`。恢复完成时间按交易日历衡量：
    测试结束到恢复完成之间不得有交易时段（否则开市时生产环境仍处于测试状态）；其间有交易状态未知的
    日子时给出警告。

    ## 为什么
    标准要求：“测试后应恢复生产环境并验证恢复的有效性；”未验证的恢复可能让测试数据或测试配置
    留在生产环境中，在下一个交易日造成事故。

    ## 如何修复
    补录恢复和验证记录；没有验证的，立即核对生产环境的数据和配置。

    ## 示例
    ```yaml
    restore:
      time: 2026-03-28 18:40
      verified: true
      verification: 从测试前备份恢复数据库与参数，核对资金、持仓与前一日日终一致。
      record: 恢复验证记录 RV-2026-0328
    ```
    """
    for test in _production_tests(handbook, done_only=True):
        restore = test.sub("restore")
        if restore is None:
            yield Hit(test.at("status"), f"{_prt(test)} 没有测试后恢复生产环境的记录（restore）")
            continue
        missing = []
        if not restore.get("time"):
            missing.append("恢复完成时间（time）")
        if restore.get("verified") is not True:
            missing.append("恢复有效性验证（verified: true）")
        for key, zh in (("verification", "验证方法和结果（verification）"), ("record", "记录（record）")):
            if _empty(restore.get(key)):
                missing.append(zh)
        if missing:
            yield Hit(test.at("restore"), f"{_prt(test)} 的恢复记录缺少：{'、'.join(missing)}")
        start, end = _window(test)
        restored = restore.datetime("time")
        if restored and start and restored < start:
            yield Hit(restore.at("time"), f"{_prt(test)} 的恢复时间 {dates.fmt(restored)} 早于测试开始 {dates.fmt(start)}")
        elif restored and end and restored > end:
            # between the end of the test and the restore, production was still in its test state
            yield from _trading_clash(
                handbook, restore.at("time"), end, restored,
                lambda overlap: f"{_prt(test)} 测试结束（{dates.fmt(end)}）后到 {dates.fmt(restored)} 才恢复生产环境，"
                                f"其间有交易时段：{overlap}；应在下一交易时段开始前恢复并验证",
                lambda days, note: f"{_prt(test)} 测试结束到恢复完成（{_span(end, restored)}）涉及交易状态未知的日子 "
                                   f"{days}：{note}，无法判断恢复前是否已开市；补录后本检查会重新判断")


@rule("TST018", name="production-test-outside-trading-hours", title="交易时段不得使用生产环境进行测试", clause="test-22",
      needs=("system_tests",))
def production_test_outside_trading_hours(handbook):
    """
    ## 检查什么
    每项生产环境测试（已取消的除外）都有测试时间 `window`（开始 `start`、结束 `end`，结束晚于开始），
    并且不与任何交易时段重叠。交易时段来自交易日历（exchange-calendars 与
    `registers/calendar.yaml`，见规则 CAL001）；超出已知日历的工作日交易状态未知，
    测试时间落在这些日子时给出警告（说明缺少哪一年的休市安排），不按违规报告。
    与变更不同，生产环境测试没有紧急例外。

    ## 为什么
    标准要求：“交易时段不得使用生产环境进行测试。”

    ## 如何修复
    把测试安排在非交易日或收市后，并重新发布测试公告。
    """
    for test in _production_tests(handbook):
        window = test.sub("window")
        start, end = _window(test)
        if start is None or end is None:
            yield Hit(test.at("window") if window else test.at("id"),
                      f"{_prt(test)} 没有完整的测试时间（window.start、window.end），无法确认不在交易时段")
            continue
        if end <= start:
            yield Hit(window.at("end"), f"{_prt(test)} 的测试结束时间 {dates.fmt(end)} 不晚于开始时间 {dates.fmt(start)}"
                                        "（跨零点的测试请写次日的日期）")
            continue
        yield from _trading_clash(
            handbook, window.at("start"), start, end,
            lambda overlap: f"{_prt(test)} 的测试时间 {_span(start, end)} 与交易时段重叠：{overlap}；"
                            "交易时段不得使用生产环境进行测试",
            lambda days, note: f"{_prt(test)} 的测试时间 {_span(start, end)} 涉及交易状态未知的日子 {days}：{note}，"
                               "无法判断是否在交易时段；补录后本检查会重新判断")
