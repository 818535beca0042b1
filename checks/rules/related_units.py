"""关联单位关系管理：关联单位联系表覆盖标准列出的各类单位，内容完整，并及时更新。"""

from __future__ import annotations

import datetime as dt

from ..findings import Hit
from ..obligations import Obligation
from . import rule

CHAPTER = "关联单位关系管理"

# 标准列出的关联单位类别（与 schemas/related_units.schema.json 的枚举一致）
CATEGORIES = (
    "监管部门",
    "协会",
    "当地政府部门",
    "公安机关",
    "交易所等市场核心机构",
    "其他证券期货经营机构",
    "银行机构",
    "电力和通信设施保障机构",
    "软硬件供应商",
    "技术服务商",
    "物业公司",
)


def _contacts(handbook):
    for unit in handbook.records("related_units", "units"):
        for contact in unit.records("contacts"):
            yield unit, contact


def _contact_due(handbook, contact):
    """When a contact must next be verified (REL003's obligation; REL004 reminds of it)."""
    return contact.date("verified") + dt.timedelta(days=handbook.settings.contact_freshness_days)


def _label(unit, contact) -> str:
    return f"关联单位“{unit.get('name', unit.id)}”的联系人 {contact.get('name', '（未填姓名）')}"


@rule("REL001", name="related-unit-categories", title="联系表覆盖标准列出的各类关联单位", clause="related-2",
      needs=("related_units",))
def related_unit_categories(handbook):
    """
    ## 检查什么
    `registers/related_units.yaml` 的 `units` 中，标准列出的每一类关联单位（`category`）至少有一家：
    监管部门、协会、当地政府部门、公安机关、交易所等市场核心机构、其他证券期货经营机构、银行机构、
    电力和通信设施保障机构、软硬件供应商、技术服务商、物业公司。

    ## 为什么
    标准规定：“关联单位包括证券期货行业监管部门、协会，当地政府部门，公安机关，交易所等市场
    核心机构，其他证券期货经营机构，银行机构，电力和通信设施保障机构，软硬件供应商，技术服务商
    和物业公司等。”发生事件时，需要联系的往往正是平时不常联系的那一类单位。

    ## 如何修复
    在联系表中补充缺少类别的单位及其联系人。

    ## 示例
    ```yaml
    - id: REL-04
      name: 上海市公安局网络安全保卫总队
      category: 公安机关
      matters: 网络安全事件报案、等级保护备案
      contacts:
        - {name: 刘警官, phone: "021-60110040", verified: 2026-09-15}
    ```
    """
    present = {unit.get("category") for unit in handbook.records("related_units", "units")}
    register = handbook.register("related_units")
    for category in CATEGORIES:
        if category not in present:
            yield Hit(register.at("units"), f"关联单位联系表缺少“{category}”类单位（category: {category}）")


UNIT_FIELDS = {"category": "关联单位类别", "matters": "业务事项", "contacts": "联系人"}


@rule("REL002", name="related-unit-fields", title="联系表内容完整", clause="related-3", needs=("related_units",))
def related_unit_fields(handbook):
    """
    ## 检查什么
    联系表中每家单位都写明单位名称 `name`、类别 `category`、业务事项 `matters` 和至少一位联系人
    `contacts`；每位联系人都有姓名 `name` 和联系电话（办公电话 `phone` 或手机 `mobile`）。

    备注 `notes` 是联系表的一栏（站点的联系表中始终显示），但内容可以为空：没有需要说明的事项时
    不填或填空文字都可以，本规则不检查它。

    ## 为什么
    标准要求：“证券期货机构应建立关联单位联系表，表的内容至少包括单位名称、业务事项、联系人、
    联系方式、备注等，并及时更新。”事件发生时电话是最可靠的联系方式，只有邮箱的联系人不满足要求。

    ## 如何修复
    补齐缺少的内容。

    ## 示例
    ```yaml
    - id: REL-01
      name: 中国证券监督管理委员会上海监管局
      category: 监管部门
      matters: 信息安全事件报告、应急预案报备、监管信息报送
      contacts:
        - {name: 张伟, title: 机构监管处, phone: "021-60110011", verified: 2026-10-12}
      notes: 重大事件须在 30 分钟内电话报告
    ```
    """
    for unit in handbook.records("related_units", "units"):
        missing = [f"{zh}（{key}）" for key, zh in UNIT_FIELDS.items() if unit.get(key) in (None, "", [])]
        if missing:
            yield Hit(unit.at("name"), f"关联单位“{unit.get('name', unit.id)}”缺少：{'、'.join(missing)}")
        for contact in unit.records("contacts"):
            if not contact.get("phone") and not contact.get("mobile"):
                yield Hit(contact.at("name"), f"{_label(unit, contact)} 没有联系电话（phone 或 mobile）")


@rule("REL003", name="contact-freshness", title="联系方式及时核实更新", clause="related-3",
      needs=("related_units",), dated=True)
def contact_freshness(handbook):
    """
    ## 检查什么
    联系表中每位联系人都有核实日期 `verified`（最近一次与对方确认联系方式有效的日期），
    该日期不晚于检查日期，且距检查日期不超过 `settings.contact_freshness_days` 天（默认 180 天）。

    ## 为什么
    标准要求：“证券期货机构应建立关联单位联系表，表的内容至少包括单位名称、业务事项、联系人、联系方式、备注等，并及时更新。”
    人员调动、电话更换后未更新的联系表，会在最需要它的时候失效。定期逐一核实，是确认联系表
    “及时更新”的唯一办法。

    ## 如何修复
    逐一电话或邮件确认联系人和电话仍然有效，更新有变化的信息，并把 `verified` 改为核实当天的
    日期（可同时填写核实人 `verified_by`）。核实日期不能预先填写未来的日期。

    ## 示例
    ```yaml
    contacts:
      - name: 张伟
        phone: "021-60110011"
        verified: 2026-10-12
        verified_by: P014
    ```
    """
    days = handbook.settings.contact_freshness_days
    as_of = handbook.as_of
    for unit, contact in _contacts(handbook):
        verified = contact.date("verified")
        if verified is None:
            yield Hit(contact.at("name"), f"{_label(unit, contact)} 没有核实日期（verified），无法确认联系方式已及时更新")
        elif verified > as_of:
            yield Hit(contact.at("verified"), f"{_label(unit, contact)} 的核实日期 {verified} 晚于检查日期 {as_of}")
        else:
            due = _contact_due(handbook, contact)
            yield Obligation(f"核实{_label(unit, contact)}的联系方式", due, contact.at("verified"),
                             f"{_label(unit, contact)} 的联系方式上次核实于 {verified}，距检查日期 {as_of} 已 {(as_of - verified).days} 天，"
                             f"超过 {days} 天的核实期限（应于 {due} 前重新核实）",
                             owner=contact.get("verified_by") or _owner(handbook), cycle=f"每 {days} 天",
                             key=f"{contact.source.path}#{unit.id}|{contact.get('name')}")


def _owner(handbook):
    root = handbook.root_of("related_units")
    return root.get("owner") if root else None


@rule("REL004", name="contact-due-soon", title="联系方式即将超过核实期限", clause="related-3", severity="warning",
      needs=("related_units",), dated=True)
def contact_due_soon(handbook):
    """
    ## 检查什么
    距核实期限（核实日期 `verified` 加 `settings.contact_freshness_days` 天）不足
    `contact_warning_days` 天（默认 30 天）的联系人，提前提醒。已超过期限的由 REL003 报告。

    ## 为什么
    标准要求：“证券期货机构应建立关联单位联系表，表的内容至少包括单位名称、业务事项、联系人、联系方式、备注等，并及时更新。”
    提前安排核实，可避免联系方式在期限届满后失效。

    ## 如何修复
    在期限前核实联系方式，并更新 `verified`。
    """
    days = handbook.settings.contact_freshness_days
    warn = handbook.settings.contact_warning_days
    as_of = handbook.as_of
    for unit, contact in _contacts(handbook):
        verified = contact.date("verified")
        if verified is None or verified > as_of:
            continue
        due = _contact_due(handbook, contact)
        if as_of <= due < as_of + dt.timedelta(days=warn):
            yield Hit(contact.at("verified"),
                      f"{_label(unit, contact)} 的联系方式上次核实于 {verified}，将于 {due} 超过 {days} 天的核实期限，请尽快核实")
