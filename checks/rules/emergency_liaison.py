"""应急准备：应急值守、保障协议、联络手册、通报联络和应急工作卡片。"""

from __future__ import annotations

import datetime as dt
import re

from .. import dates
from ..findings import Hit
from ..obligations import Obligation
from . import rule
from ._common import missing_fields
from ._emergency import active, completed, person_label

CHAPTER = "应急准备"

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
        if not active(handbook, pid):
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
    months = handbook.settings.emergency_training_months
    last: dict = {}  # person -> the last drill or emergency training they took part in
    for drill in handbook.records("drills", "drills"):
        if completed(drill, handbook.as_of):
            for person, _ in drill.items("participants"):
                last[person] = max(last.get(person, drill.date("date")), drill.date("date"))
    for training in handbook.records("trainings", "records"):
        when = training.date("date")
        if training.get("category") == "应急" and when and when <= handbook.as_of:
            for person, _ in training.items("attendees"):
                last[person] = max(last.get(person, when), when)
    for position in handbook.records("positions"):
        if position.get("name") not in KEY_OPERATORS:
            continue
        for field, role in (("primary", "主岗"), ("backup", "备岗")):
            pid = position.get(field)
            if not (isinstance(pid, str) and handbook.active_staff(pid)):
                continue
            message = (f"{position.get('name')}{role} {person_label(handbook, pid)} 近 {months} 个月"
                       "没有参加应急演练或应急培训，无法证明其熟练掌握应急预案")
            if pid not in last:  # never practised: nothing to count a deadline from
                yield Hit(position.at(field), message)
                continue
            # the next drill or emergency training is due ``months`` after the last one
            yield Obligation(f"{position.get('name')}{role} {person_label(handbook, pid)} 参加应急演练或应急培训",
                             dates.add_months(last[pid], months), position.at(field), message, owner=pid,
                             cycle=f"每 {months} 个月", key=f"{position.source.path}#{position.id}|{field}|practice")


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
    months = handbook.settings.agreement_check_months
    for agreement in handbook.records("emergency", "agreements"):
        last = agreement.date("last_checked")
        basis = last or agreement.date("signed")
        label = f"保障协议 {agreement.id}（{agreement.get('party')}）"
        if basis is None:
            yield Hit(agreement.at("id"), f"{label}没有检查评估记录（last_checked）")
        else:
            what = f"最近一次检查评估是 {last}" if last else f"自 {basis} 签订后从未检查评估"
            yield Obligation(f"检查评估{label}的执行情况", dates.add_months(basis, months),
                             agreement.at("last_checked" if last else "signed"), f"{label}{what}，已超过 {months} 个月",
                             owner=agreement.get("our_contact"), cycle=f"每 {months} 个月",
                             key=f"{agreement.source.path}#{agreement.id}|check")


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
    days = handbook.settings.contact_freshness_days
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
      needs=("emergency_contacts",), dated=True)
def contact_handbook_notified(handbook):
    """
    ## 检查什么
    `handbook` 记录了应急处置联络手册的最近更新日期 `updated`，并且 `distributed` 中有一次通知
    （分发）在更新后 `settings.contact_notice_days` 天内（默认 7 天，只能设得更短；“及时通知”的天数）。
    更新后还不满这个天数的，尚未通知不报告。

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
    days = handbook.settings.contact_notice_days
    due = updated + dt.timedelta(days=days)
    after = sorted(d for d in sent if d >= updated)
    if not after:
        version = f" {book.get('version')} 版" if book.get("version") else ""
        yield Obligation(f"将应急处置联络手册{version}（{updated} 更新）通知相关单位", due, book.at("updated"),
                         f"应急处置联络手册 {updated} 更新后没有通知相关单位的记录（handbook.distributed）："
                         f"应在更新后 {days} 天内（{due} 前，settings.contact_notice_days）通知",
                         owner=book.get("owner"), cycle="联络手册更新后", key=f"emergency_contacts|handbook-notice|{updated}")
    elif after[0] > due:  # notified, but late: a fact of the record, not something still due
        yield Hit(book.at("updated"), f"应急处置联络手册 {updated} 更新后到 {after[0]} 才通知相关单位，超过 {days} 天"
                                      "（settings.contact_notice_days），未及时通知")


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
        if pid and not active(handbook, pid):
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


@rule("EMG021", name="liaisons-notified", title="通报联络人及联络方式及时通知监管部门、行业协会和相关单位",
      clause="prep-36", needs=("emergency_contacts",), dated=True)
def liaisons_notified(handbook):
    """
    ## 检查什么
    通报联络人最近一次变化的日期，是 `liaisons` 中指定日期 `since` 与联络方式变更日期 `updated` 的最大值。
    `notifications` 中对监管部门、行业协会、相关单位三类对象，每一类在这一天之后的第一次通知，日期不晚于
    变化后 `settings.liaison_notice_days` 天（默认 7 天，只能设得更短）：

    - 期限内还没有通知的，列在“即将到期”中，期限过后是错误；
    - 通知了、但晚于期限的，是错误（只看最近一次变化：此前的名单已被它取代）；
    - 某一类对象从来没有通知记录的，是错误（没有任何变化日期时）或同样按期限计算。

    “及时”的天数：标准没有给出数字。默认 7 天与应急处置联络手册变化后通知相关单位的期限
    `settings.contact_notice_days` 相同——监管部门和交易所在事件中首先按登记的通报联络人联络，旧名单每多留
    一天，事件发生时就多一天找不到人的风险。

    ## 为什么
    标准要求：“应将通报联络人及其联络方式及时通知监管部门、行业协会和相关单位”。只看“通知过”看不出
    是否及时：联络人或传真号码变了，要从变化的日期量到通知的日期。

    ## 如何修复
    发函通知，并在 `notifications` 中记录对象、日期、方式和记录编号；联络人的联络方式变化时，在该联络人的
    `updated` 中登记变化日期。

    ## 示例
    ```yaml
    liaisons:
      - {person: P002, role: 备岗, since: 2023-07-01, updated: 2026-01-05, duty_phone: "021-60009999", fax: "021-60009998"}
    notifications:
      - {to: 监管部门, recipient: 中国证券监督管理委员会上海监管局, date: 2026-01-09, method: 监管报送系统, record: 回执 2026-0109-004}
    ```
    """
    register = handbook.register("emergency_contacts")
    days = handbook.settings.liaison_notice_days
    marks = [d for p in handbook.records("emergency_contacts", "liaisons") for d in (p.date("since"), p.date("updated")) if d]
    changed = max(marks) if marks else None
    notices = handbook.records("emergency_contacts", "notifications")
    for target in NOTIFY:
        dates_ = sorted(n.date("date") for n in notices if n.get("to") == target and n.date("date"))
        if changed is None:
            if not dates_:
                yield Hit(register.at("notifications"), f"没有将通报联络人及联络方式通知{target}的记录")
            continue
        due = changed + dt.timedelta(days=days)
        after = [d for d in dates_ if d >= changed]
        if not after:
            last = f"最近一次通知是 {dates_[-1]}" if dates_ else "没有任何通知记录"
            yield Obligation(f"将通报联络人及联络方式通知{target}", due, register.at("notifications"),
                             f"通报联络人于 {changed} 变更后，{days} 天内（{due} 前，settings.liaison_notice_days）"
                             f"没有通知{target}（{last}）",
                             cycle="联络人或联络方式变化后", key=f"emergency_contacts|liaison-notice|{target}")
        elif after[0] > due:
            where = next(n for n in notices if n.get("to") == target and n.date("date") == after[0])
            yield Hit(where.at("date"), f"通报联络人于 {changed} 变更，{after[0]} 才通知{target}，超过 {days} 天"
                                        f"（应不晚于 {due}，settings.liaison_notice_days），未及时通知")


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
            if person.get("status") == "left" or (person.get("person") and not active(handbook, person.get("person"))):
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


@rule("EMG037", name="emergency-communications", title="建立有效的应急通讯联络系统", clause="prep-30",
      needs=("emergency_contacts",), dated=True)
def emergency_communications(handbook):
    """
    ## 检查什么
    `registers/emergency_contacts.yaml` 的 `communication_systems` 登记了应急通讯联络系统：

    - 至少两种不同类型（`kind`），一种中断时还有另一种；
    - 每个系统都测试过（`last_tested`），最近一次不晚于检查日期，距检查日期不超过
      `settings.communication_test_months` 个月（默认 6，与每半年一次的应急演练一致；只能设得更短）。

    ## 为什么
    标准要求：“应建立有效的应急通讯联络系统，确保信息畅通；”系统是否“有效”，要看它最近是否真的
    打通过：长期未测试的短信平台或卫星电话，事发时往往才发现欠费、停机或没电。

    ## 如何修复
    在演练或专项测试中逐一测试各应急通讯系统，登记测试日期；只有一种通讯方式的，增加一种不同的备用方式。

    ## 示例
    ```yaml
    communication_systems:
      - {name: 应急短信平台, kind: 短信平台, last_tested: 2026-09-19}
      - {name: 卫星电话, kind: 卫星电话, last_tested: 2026-09-28}
    ```
    """
    register = handbook.register("emergency_contacts")
    root = handbook.root_of("emergency_contacts")
    systems = root.records("communication_systems")
    where = register.at("communication_systems") if "communication_systems" in root else register.at()
    kinds = {s.get("kind") for s in systems if s.get("kind")}
    if len(kinds) < 2:
        have = f"只有“{next(iter(kinds))}”一种类型" if kinds else "没有登记（或没有写明类型 kind）"
        yield Hit(where, f"应急通讯联络系统（communication_systems）{have}："
                         "应至少有两种不同类型的通讯方式，一种中断时仍能联络")
    months = handbook.settings.communication_test_months
    as_of = handbook.as_of
    for system in systems:
        tested = system.date("last_tested")
        name = system.get("name")
        if tested is None:
            yield Hit(system.at(), f"应急通讯系统“{name}”没有测试记录（last_tested），无法确认有效")
        elif tested > as_of:
            yield Hit(system.at("last_tested"), f"应急通讯系统“{name}”的测试日期 {tested} 晚于检查日期 {as_of}")
        else:
            due = dates.add_months(tested, months)
            yield Obligation(f"测试应急通讯系统“{name}”", due, system.at("last_tested"),
                             f"应急通讯系统“{name}”最近一次测试在 {tested}，已超过 {months} 个月"
                             f"（settings.communication_test_months），应于 {due} 前再测试一次",
                             cycle=f"每 {months} 个月", key=f"{system.source.path}|{name}|communication-test")

