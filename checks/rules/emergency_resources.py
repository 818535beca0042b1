"""应急准备：技术资料和软件备份、备品配件、应急物资和应急保障资金。"""

from __future__ import annotations

import datetime as dt

from .. import dates
from ..findings import Hit
from ..obligations import Obligation, first_person, responsible
from . import rule

CHAPTER = "应急准备"

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
    `settings.spares_check_months`（默认 6）个月。下次评估检测的负责人是备件所对应设备的使用责任人
    （devices.yaml 的 `owner`），没有时是设备和软件管理责任人（`responsibilities.asset_owner`）。

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
    months = handbook.settings.spares_check_months
    devices = {d.id: d for d in handbook.records("devices") if d.id}
    for spare in spares:
        if spare.get("quantity") == 0:
            yield Hit(spare.at("quantity"), f"备品配件“{spare.get('item')}”数量为 0")
        last = spare.date("last_check")
        if last is None:
            yield Hit(spare.at("item"), f"备品配件“{spare.get('item')}”没有评估检测记录（last_check）")
        else:
            # checked by the person responsible for the devices it spares, else the asset manager
            owner = first_person(handbook, *(devices[d].get("owner") for d, _ in spare.items("devices") if d in devices),
                                 responsible(handbook, "asset_owner"))
            yield Obligation(f"评估检测备品配件“{spare.get('item')}”", dates.add_months(last, months), spare.at("last_check"),
                             f"备品配件“{spare.get('item')}”最近一次评估检测是 {last}，已超过 {months} 个月",
                             owner=owner, cycle=f"每 {months} 个月", key=f"{spare.source.path}|{spare.get('item')}|check")


SUPPLY_CATEGORIES = ("通讯", "消防", "应急照明")


@rule("EMG026", name="supplies-inventoried", title="储备应急设备和物资并定期盘点", clause="prep-42",
      needs=("emergency",), dated=True)
def supplies_inventoried(handbook):
    """
    ## 检查什么
    `supplies` 中有通讯、消防、应急照明三类应急设备或物资（数量大于 0），每项最近一次盘点
    `last_inventory` 距检查日期不超过 `settings.supplies_check_months`（默认 6）个月。下次盘点的负责人是
    设备和软件管理责任人（`responsibilities.asset_owner`）。

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
    months = handbook.settings.supplies_check_months
    owner = responsible(handbook, "asset_owner")  # the asset manager counts the emergency equipment and supplies
    for supply in supplies:
        last = supply.date("last_inventory")
        if last is None:
            yield Hit(supply.at("item"), f"应急物资“{supply.get('item')}”没有盘点记录（last_inventory）")
        else:
            yield Obligation(f"盘点应急物资“{supply.get('item')}”", dates.add_months(last, months), supply.at("last_inventory"),
                             f"应急物资“{supply.get('item')}”最近一次盘点是 {last}，已超过 {months} 个月",
                             owner=owner, cycle=f"每 {months} 个月", key=f"{supply.source.path}|{supply.get('item')}|inventory")


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
    days = handbook.settings.supplies_expiry_warning_days
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
