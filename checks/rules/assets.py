"""设备和软件管理：设备清单和软件清单、验证性测试、标识、使用年限与盘点、外送维修、下线和报废。"""

from __future__ import annotations

from .. import dates
from ..findings import Hit
from ..obligations import Obligation, responsible
from . import rule
from ._common import appointed, blank as _blank

CHAPTER = "设备和软件管理"

DEVICE_FIELDS = {
    "name": "设备名称",
    "id": "设备编号",
    "received": "入库时间",
    "specs": "设备主要参数",
    "serial": "设备序列号",
    "status": "设备状态",
    "warranty_until": "设备保修期",
    "location": "设备位置",
    "purpose": "设备用途",
    "owner": "设备使用责任人",
}
SOFTWARE_FIELDS = {
    "name": "软件名称",
    "id": "软件编号",
    "received": "入库时间",
    "version": "软件版本",
    "licence": "授权和许可情况",
    "serial": "软件序列号",
    "status": "软件状态",
    "maintenance_until": "软件维护期",
    "installed_on": "软件安装设备",
    "purpose": "用途",
    "owner": "使用责任人",
}
IN_USE = ("在用", "维修")  # 设备正在承担业务（维修中的设备仍是在用资产）
DEVICE_RETIRED = ("停用", "报废")  # devices and software: 正式下线（拟报废）和已报废 (configuration items: _common.CI_RETIRED)
DOCUMENTED_LICENCES = ("商业许可", "订阅")  # 须同时保存授权证书和许可协议


def _device(rec) -> str:
    name = rec.get("name")
    return f"设备“{name}”（{rec.id}）" if name else f"设备 {rec.id}"


def _software(rec) -> str:
    name = rec.get("name")
    return f"软件“{name}”（{rec.id}）" if name else f"软件 {rec.id}"


def _events(rec, kind: str) -> list:
    return [e for e in rec.records("events") if e.get("type") == kind]


def _in_service_since(rec):
    """The in-service date: ``in_service``, else the first 启用 record."""
    day = rec.date("in_service")
    if day:
        return day
    starts = [e.date("date") for e in _events(rec, "启用") if e.date("date")]
    return min(starts) if starts else None


def _latest(records, key: str = "date", as_of=None):
    dated = [r for r in records if r.date(key) and (as_of is None or r.date(key) <= as_of)]
    return max(dated, key=lambda r: r.date(key)) if dated else None


def _assets(handbook):
    """(record, describe, register) for every device and every software item."""
    for rec in handbook.records("devices"):
        yield rec, _device, "devices"
    for rec in handbook.records("software"):
        yield rec, _software, "software"


@rule("AST001", name="asset-owner", title="明确设备和软件管理责任人", clause="asset-2", needs=("organisation", "staff"))
def asset_owner(handbook):
    """
    ## 检查什么
    `registers/organisation.yaml` 的 `responsibilities.asset_owner` 指定了设备和软件管理责任人，且此人在职。

    ## 为什么
    标准要求：“证券期货机构应明确设备和软件管理责任人。”设备清单、软件清单、盘点和报废都需要
    有人统一负责。

    ## 如何修复
    填写设备和软件管理责任人的人员编号；责任人离职时及时改为在职人员。

    ## 示例
    ```yaml
    responsibilities:
      asset_owner: P003
    ```
    """
    yield from appointed(handbook, "asset_owner", "设备和软件管理责任人")


@rule("AST002", name="device-list-complete", title="设备清单内容完整", clause="asset-4", needs=("devices",))
def device_list_complete(handbook):
    """
    ## 检查什么
    `registers/devices.yaml` 中每台设备都填写了设备清单的十项内容：设备名称 `name`、设备编号 `id`、
    入库时间 `received`、设备主要参数 `specs`、设备序列号 `serial`、设备状态 `status`、
    设备保修期 `warranty_until`、设备位置 `location`、设备用途 `purpose` 和设备使用责任人 `owner`；
    未报废设备的使用责任人是在职人员。

    ## 为什么
    标准要求：“证券期货机构应编制信息系统设备清单，主要包括设备名称、设备编号、入库时间、
    设备主要参数、设备序列号、设备状态、设备保修期、设备位置、设备用途和设备使用责任人等内容，
    并保留设备启用、转移、维修、报废等过程的记录。”

    ## 如何修复
    补齐缺少的字段；责任人离职时把设备交给在职人员并更新 `owner`。

    ## 示例
    ```yaml
    - id: DEV-SRV-001
      name: 集中交易服务器（主）
      received: 2022-03-10
      specs: 2×Xeon Gold 6330 / 512GB 内存 / 2×960GB SSD
      serial: "210235A3KV2203000101"
      status: 在用
      warranty_until: 2027-03-31
      location: 主机房 B 列 02 机柜 U20-U21
      purpose: 集中交易系统主节点
      owner: P005
    ```
    """
    for device in handbook.records("devices"):
        missing = [f"{zh}（{key}）" for key, zh in DEVICE_FIELDS.items() if _blank(device.get(key))]
        if missing:
            yield Hit(device.at(), f"{_device(device)}缺少设备清单内容：{'、'.join(missing)}")
        owner = device.get("owner")
        if owner and device.get("status") != "报废" and handbook.has_left(owner):
            yield Hit(device.at("owner"), f"{_device(device)}的使用责任人 {handbook.person_name(owner)} 已不在职")


def _lifecycle(handbook, rec, describe, started: tuple):
    """Findings common to device and software process records."""
    status = rec.get("status")
    if status in started and not _events(rec, "启用"):
        yield Hit(rec.at("status"), f"{describe(rec)}状态为“{status}”，但没有“启用”过程记录（events）")
    if status == "停用" and not (_events(rec, "停用") or _events(rec, "报废")):
        yield Hit(rec.at("status"), f"{describe(rec)}已停用，但没有“停用”过程记录（events）")
    if status == "报废" and not _events(rec, "报废"):
        yield Hit(rec.at("status"), f"{describe(rec)}已报废，但没有“报废”过程记录（events）")
    for event in rec.records("events"):
        day = event.date("date")
        if day and day > handbook.as_of:
            yield Hit(event.at("date"), f"{describe(rec)}的“{event.get('type')}”记录日期 {day} 晚于检查日期")


@rule("AST003", name="device-process-records", title="保留设备启用、转移、维修、报废记录", clause="asset-4",
      needs=("devices",), dated=True)
def device_process_records(handbook):
    """
    ## 检查什么
    设备的过程记录 `events` 与设备状态一致：
    - 在用或维修中的设备有“启用”记录；维修中的设备有“维修”记录；
    - 停用的设备有“停用”（或“报废”）记录，报废的设备有“报废”记录；
    - 最近一次“转移”记录的转移后位置 `to` 与设备位置 `location` 一致；
    - 记录日期不晚于检查日期。

    ## 为什么
    标准要求编制设备清单，“并保留设备启用、转移、维修、报废等过程的记录”。清单上的状态和
    位置只有与过程记录相互印证，才能说明它们是按流程更新的。

    ## 如何修复
    补记缺少的过程记录（日期、类型、说明、经办人和记录编号）；转移设备后同时更新 `location`。

    ## 示例
    ```yaml
    events:
      - {date: 2022-03-10, type: 入库, by: P003}
      - {date: 2022-04-16, type: 启用, by: P005, record: 上线审批单 SX-2022-011}
      - {date: 2024-05-18, type: 转移, to: 主机房 C 列 01 机柜 U30, by: P004}
    ```
    """
    for device in handbook.records("devices"):
        yield from _lifecycle(handbook, device, _device, IN_USE)
        if device.get("status") == "维修" and not _events(device, "维修"):
            yield Hit(device.at("status"), f"{_device(device)}状态为“维修”，但没有“维修”过程记录（events）")
        moves = [e for e in _events(device, "转移") if e.date("date") and e.get("to")]
        if moves and device.get("location"):
            last = max(moves, key=lambda e: e.date("date"))
            if str(last.get("to")).strip() != str(device.get("location")).strip():
                yield Hit(device.at("location"),
                          f"{_device(device)}的位置“{device.get('location')}”与最近一次转移记录（{last.date('date')}）"
                          f"的转移后位置“{last.get('to')}”不一致")


@rule("AST004", name="software-list-complete", title="软件清单内容完整", clause="asset-5", needs=("software",))
def software_list_complete(handbook):
    """
    ## 检查什么
    `registers/software.yaml` 中每个软件都填写了软件清单的十一项内容：软件名称 `name`、软件编号 `id`、
    入库时间 `received`、软件版本 `version`、授权和许可情况 `licence`、软件序列号 `serial`、
    软件状态 `status`、软件维护期 `maintenance_until`、软件安装设备 `installed_on`（在库软件除外）、
    用途 `purpose` 和使用责任人 `owner`；未报废软件的使用责任人是在职人员。

    ## 为什么
    标准要求：“应编制软件清单，主要包括软件名称、软件编号、入库时间、软件版本，授权和许可情况、
    软件序列号、软件状态、软件维护期、软件安装设备、用途和使用责任人等内容”。

    ## 如何修复
    补齐缺少的字段。没有序列号的软件（如开源软件）写明原因，例如 `serial: 无（开源软件）`。

    ## 示例
    ```yaml
    - id: SW-001
      name: 青岚集中交易系统
      received: 2022-03-25
      version: "8.2.3"
      licence: {type: 商业许可, genuine: true, certificate: 授权证书 QL-LIC-2022-0318, agreement: 合同 MC-IT-2022-007}
      serial: QL-A8-2203-7F3K-0921
      status: 在用
      maintenance_until: 2027-03-31
      installed_on: [DEV-SRV-001, DEV-SRV-002]
      purpose: 集中交易
      owner: P015
    ```
    """
    for item in handbook.records("software"):
        fields = dict(SOFTWARE_FIELDS)
        if item.get("status") == "在库":
            fields.pop("installed_on")
        missing = [f"{zh}（{key}）" for key, zh in fields.items() if _blank(item.get(key))]
        if missing:
            yield Hit(item.at(), f"{_software(item)}缺少软件清单内容：{'、'.join(missing)}")
        owner = item.get("owner")
        if owner and item.get("status") != "报废" and handbook.has_left(owner):
            yield Hit(item.at("owner"), f"{_software(item)}的使用责任人 {handbook.person_name(owner)} 已不在职")


@rule("AST005", name="software-licence", title="使用正版软件并保存授权证书和许可协议", clause="asset-5",
      needs=("software",), dated=True)
def software_licence(handbook):
    """
    ## 检查什么
    每个未报废软件的授权和许可情况 `licence`：
    - 标明为正版软件（`genuine: true`）并写明授权方式 `type`；
    - 商业许可和订阅软件记录了授权证书 `certificate` 和许可协议 `agreement` 的编号或存放位置；
      开源和免费软件记录了许可协议（许可证）`agreement`；自主开发的软件不要求；
    - 在用软件的授权没有过期（`expires`），安装设备数不超过授权数量 `seats`。

    没有填写 `licence` 的软件由 AST004 报告。

    ## 为什么
    标准要求：“证券期货机构应使用正版软件并保存软件授权证书和许可协议”。

    ## 如何修复
    补充授权信息和证书、协议的存放位置；授权到期前续订；安装数超过授权时补购授权或卸载。

    ## 示例
    ```yaml
    licence:
      type: 订阅
      genuine: true
      certificate: 订阅证书 RH-SUB-2026-0415（合同柜 C-03）
      agreement: 采购合同 MC-IT-2026-011
      seats: 8
      expires: 2027-04-30
    ```
    """
    for item in handbook.records("software"):
        licence = item.sub("licence")
        if licence is None or item.get("status") == "报废":
            continue
        if licence.get("genuine") is False:
            yield Hit(licence.at("genuine"), f"{_software(item)}不是正版软件（licence.genuine: false），应使用正版软件")
        elif licence.get("genuine") is not True:
            yield Hit(licence.at(), f"{_software(item)}未确认为正版软件（licence.genuine）")
        kind = licence.get("type")
        if not kind:
            yield Hit(licence.at(), f"{_software(item)}未写明授权方式（licence.type）")
        needed = []
        if kind in DOCUMENTED_LICENCES:
            needed = [("certificate", "软件授权证书"), ("agreement", "许可协议")]
        elif kind in ("开源许可", "免费软件"):
            needed = [("agreement", "许可协议")]
        missing = [f"{zh}（licence.{key}）" for key, zh in needed if _blank(licence.get(key))]
        if missing:
            yield Hit(licence.at(), f"{_software(item)}未保存{'、'.join(missing)}")
        if item.get("status") != "在用":
            continue
        expires = licence.date("expires")
        if expires:
            yield Obligation(f"续订{_software(item)}的授权", expires, licence.at("expires"),
                             f"{_software(item)}的授权已于 {expires} 到期，仍在使用",
                             owner=_asset_owner(handbook, item), cycle="授权到期前", key=f"{item.source.path}#{item.id}|licence")
        seats = licence.get("seats")
        installed = item.get("installed_on", [])
        if isinstance(seats, int) and isinstance(installed, list) and len(installed) > seats:
            yield Hit(item.at("installed_on"),
                      f"{_software(item)}安装在 {len(installed)} 台设备上，超过授权数量 {seats}")


@rule("AST006", name="software-process-records", title="保留软件启用、转移、升级、报废记录", clause="asset-5",
      needs=("software",), dated=True)
def software_process_records(handbook):
    """
    ## 检查什么
    软件的过程记录 `events` 与软件清单一致：
    - 在用的软件有“启用”记录；停用的有“停用”（或“报废”）记录；报废的有“报废”记录；
    - 最近一次“升级”记录的升级后版本 `version` 与软件版本一致；
    - 最近一次“转移”记录的转移后安装设备 `to` 与软件安装设备 `installed_on` 一致；
    - 记录日期不晚于检查日期。

    ## 为什么
    标准要求编制软件清单，“并保留软件启用、转移、升级、报废等过程的记录”。

    ## 如何修复
    补记缺少的过程记录；升级或迁移软件后同时更新 `version`、`installed_on`。

    ## 示例
    ```yaml
    events:
      - {date: 2022-04-16, type: 启用, by: P015}
      - {date: 2025-10-18, type: 升级, version: "8.2.3", by: P015, record: 变更单 BG-2025-087}
    ```
    """
    for item in handbook.records("software"):
        yield from _lifecycle(handbook, item, _software, ("在用",))
        upgrades = [e for e in _events(item, "升级") if e.date("date") and not _blank(e.get("version"))]
        if upgrades and not _blank(item.get("version")):
            last = max(upgrades, key=lambda e: e.date("date"))
            if str(last.get("version")).strip() != str(item.get("version")).strip():
                yield Hit(item.at("version"),
                          f"{_software(item)}的版本 {item.get('version')} 与最近一次升级记录（{last.date('date')}）"
                          f"的版本 {last.get('version')} 不一致")
        moves = [e for e in _events(item, "转移") if e.date("date") and isinstance(e.get("to"), list)]
        installed = item.get("installed_on")
        if moves and isinstance(installed, list):
            last = max(moves, key=lambda e: e.date("date"))
            if set(last.get("to")) != set(installed):
                yield Hit(item.at("installed_on"),
                          f"{_software(item)}的安装设备与最近一次转移记录（{last.date('date')}）不一致："
                          f"记录为 {'、'.join(map(str, last.get('to')))}")


@rule("AST007", name="validation-test", title="投入使用前进行验证性测试并保留记录", clause="asset-3", dated=True)
def validation_test(handbook):
    """
    ## 检查什么
    在用（或维修中）的设备和在用的软件都有验证性测试记录 `validation_test`：测试日期不晚于
    启用日期（`in_service`，未填时取第一条“启用”记录的日期），记录了测试记录 `record`，
    测试结论不是“不通过”。尚未启用的（在库）不要求；没有启用日期的由 AST003、AST006 报告。

    ## 为什么
    标准要求：“证券期货机构应在设备和软件投入使用前进行必要的验证性测试，并保留测试记录。”

    ## 如何修复
    补记测试日期、测试内容、结论和测试记录编号；未经测试即投入使用的，应尽快补做测试并评估风险。

    ## 示例
    ```yaml
    validation_test:
      date: 2022-04-08
      items: 硬件自检、操作系统兼容性、双机切换、72 小时压力测试
      result: 通过
      tester: P005
      record: 验证测试报告 YZ-2022-006
    in_service: 2022-04-16
    ```
    """
    # Reads devices and software; each is used only when usable (records() is empty otherwise).
    for rec, describe, register in _assets(handbook):
        in_use = IN_USE if register == "devices" else ("在用",)
        if rec.get("status") not in in_use:
            continue
        started = _in_service_since(rec)
        if started is None:
            continue
        test = rec.sub("validation_test")
        if test is None:
            yield Hit(rec.at(), f"{describe(rec)}已于 {started} 投入使用，但没有验证性测试记录（validation_test）")
            continue
        tested = test.date("date")
        if tested and tested > started:
            yield Hit(test.at("date"), f"{describe(rec)}的验证性测试日期 {tested} 晚于启用日期 {started}，应在投入使用前测试")
        if _blank(test.get("record")):
            yield Hit(test.at(), f"{describe(rec)}的验证性测试没有保留测试记录（validation_test.record）")
        if test.get("result") == "不通过":
            yield Hit(test.at("result"), f"{describe(rec)}的验证性测试结论为“不通过”，却已投入使用")


@rule("AST008", name="device-label", title="设备标识放在明显位置", clause="asset-6", needs=("devices",))
def device_label(handbook):
    """
    ## 检查什么
    每台未报废的设备都记录了设备标识 `label`：`true`（已在明显位置粘贴标识），或写明标识位置的文字。
    `label: false` 或未填写时报告。

    ## 为什么
    标准要求：“证券期货机构应对设备进行标识，标识应放在设备明显位置。”标识让现场人员能够
    把实物与设备清单对应起来，避免误操作。

    ## 如何修复
    在设备明显位置粘贴标识（至少含设备编号），然后填写 `label`。

    ## 示例
    ```yaml
    label: 前面板右上角资产标签（含设备编号和二维码）
    ```
    """
    for device in handbook.records("devices"):
        if device.get("status") == "报废":
            continue
        label = device.data.get("label")
        if label is True or (isinstance(label, str) and label.strip()):
            continue
        where = device.at("label") if "label" in device else device.at()
        yield Hit(where, f"{_device(device)}没有在明显位置粘贴设备标识（label）")


@rule("AST009", name="service-life-defined", title="规定设备和软件的使用年限", clause="asset-7")
def service_life_defined(handbook):
    """
    ## 检查什么
    每台未报废的设备和每个未报废的软件都规定了使用年限 `service_life_years`（整年数）。

    ## 为什么
    标准要求：“证券期货机构应规定设备和软件的使用年限，定期进行盘点，并对设备状态进行评估和更新。”

    ## 如何修复
    按设备和软件管理制度规定的各类使用年限填写 `service_life_years`。

    ## 示例
    ```yaml
    service_life_years: 6
    ```
    """
    for rec, describe, _ in _assets(handbook):
        if rec.get("status") == "报废":
            continue
        if not isinstance(rec.get("service_life_years"), int):
            yield Hit(rec.at(), f"{describe(rec)}没有规定使用年限（service_life_years）")


@rule("AST010", name="past-service-life", title="超过使用年限的设备和软件经评估后使用", clause="asset-7",
      severity="warning", dated=True)
def past_service_life(handbook):
    """
    ## 检查什么
    在用的设备和软件，自启用日期起算已超过使用年限 `service_life_years` 时提醒，除非有超期使用
    评估 `life_extension`，且批准使用的截止日期 `until` 未过。

    ## 为什么
    标准要求“规定设备和软件的使用年限，定期进行盘点，并对设备状态进行评估和更新”。超过使用年限的
    设备故障率上升、厂商可能停止支持，应评估后决定更换或经审批延期使用。

    ## 如何修复
    安排更换；确需继续使用时组织评估并审批，记录 `life_extension`。

    ## 示例
    ```yaml
    life_extension:
      until: 2027-06-30
      assessed: 2024-12-20
      approval: 超期使用审批 CQ-2024-02（周明远批准）
    ```
    """
    for rec, describe, register in _assets(handbook):
        in_use = IN_USE if register == "devices" else ("在用",)
        years = rec.get("service_life_years")
        started = _in_service_since(rec)
        if rec.get("status") not in in_use or not isinstance(years, int) or started is None:
            continue
        end = dates.add_months(started, 12 * years)
        extension = rec.sub("life_extension")
        until = extension.date("until") if extension else None
        key = f"{rec.source.path}#{rec.id}|service-life"
        if until:
            message = f"{describe(rec)}已超过 {years} 年使用年限（{end} 到期），超期使用批准也已于 {until} 到期"
        else:
            message = (f"{describe(rec)}已于 {end} 达到 {years} 年使用年限，仍在使用；"
                       "请评估后更换或办理超期使用审批（life_extension）")
        yield Obligation(f"更换{describe(rec)}或办理超期使用审批", max(until, end) if until else end,
                         extension.at("until") if until else rec.at("service_life_years"), message,
                         owner=_asset_owner(handbook, rec), cycle="一次", key=key)


def _asset_owner(handbook, rec):
    """Who looks after an asset: its owner, the register's maintainer, or the asset manager."""
    register = handbook.root_of(rec.source.name) if hasattr(rec.source, "name") else None
    return (rec.get("owner") or (register.get("owner") if register else None)
            or responsible(handbook, "asset_owner"))


def _inventory(handbook, register: str, scope_key: str, describe, unit: str):
    list_key = register
    months = handbook.settings.inventory_interval_months
    root = handbook.root_of(register)
    if root is None:
        return
    as_of = handbook.as_of
    inventories = [i for i in root.records("inventories") if i.date("date") and i.date("date") <= as_of]
    full = [i for i in inventories if _blank(i.get(scope_key))]
    latest_full = max(full, key=lambda i: i.date("date")) if full else None
    full_day = latest_full.date("date") if latest_full else None
    partial: dict = {}
    for inventory in inventories:
        for item_id, _ in inventory.items(scope_key):
            day = inventory.date("date")
            partial[item_id] = max(partial.get(item_id, day), day)
    stale, never = [], []
    for rec in root.records(list_key):
        if rec.get("status") == "报废":
            continue
        own = rec.date("last_inventory")
        candidates = [d for d in (full_day, own if own and own <= as_of else None, partial.get(rec.id)) if d]
        last = max(candidates) if candidates else None
        received = rec.date("received")
        if last and received and last < received:
            last = None  # an inventory before the item arrived did not count it
        start = last or received
        if start and dates.add_months(start, months) >= as_of:
            if last != full_day:  # the item's own next inventory (the full one is stated below)
                yield Obligation(f"盘点{describe(rec)}", dates.add_months(start, months), rec.at(),
                                 "", owner=_asset_owner(handbook, rec), cycle=f"每 {months} 个月",
                                 key=f"{rec.source.path}#{rec.id}|inventory")
            continue
        if last is None:
            never.append(rec)
        elif last == full_day:
            stale.append(rec)
        else:
            where = rec.at("last_inventory") if own == last else rec.at()
            yield Obligation(f"盘点{describe(rec)}", dates.add_months(last, months), where,
                             f"{describe(rec)}最近一次盘点于 {last}，已超过 {months} 个月的盘点周期"
                             f"（应于 {dates.add_months(last, months)} 前盘点）",
                             owner=_asset_owner(handbook, rec), cycle=f"每 {months} 个月",
                             key=f"{rec.source.path}#{rec.id}|inventory")
    noun = "设备" if list_key == "devices" else "软件"
    if full_day and (stale or dates.add_months(full_day, months) >= as_of):
        due = dates.add_months(full_day, months)
        yield Obligation(f"全面盘点{noun}", due, latest_full.at("date"),
                         f"{noun}最近一次全面盘点于 {full_day}，已超过 {months} 个月的盘点周期（应于 {due} 前再次盘点），"
                         f"涉及 {len(stale)} {unit}{noun}",
                         owner=_asset_owner(handbook, root), cycle=f"每 {months} 个月", key=f"{root.source.path}|full-inventory")
    if never:
        ids = "、".join(str(r.id) for r in never[:5]) + ("等" if len(never) > 5 else "")
        where = root.at("inventories") if "inventories" in root else root.at(list_key)
        yield Hit(where, f"{len(never)} {unit}{noun}（{ids}）入库已超过 {months} 个月，没有盘点记录（inventories）")


@rule("AST011", name="inventory-due", title="定期盘点设备和软件", clause="asset-7", dated=True)
def inventory_due(handbook):
    """
    ## 检查什么
    每台未报废设备和每个未报废软件在盘点周期内（`settings.inventory_interval_months`，默认 12 个月）
    盘点过：盘点记录在 `devices.yaml`、`software.yaml` 的 `inventories` 中（不填范围表示全面盘点），
    单独盘点某台设备或某个软件时可填写它的 `last_inventory`。入库不满一个周期的不要求。

    ## 为什么
    标准要求：“证券期货机构应规定设备和软件的使用年限，定期进行盘点，并对设备状态进行评估和更新。”

    ## 如何修复
    组织盘点，核对实物、状态、位置和责任人，更新清单，并在 `inventories` 中记录盘点日期、盘点人、
    结果和记录编号。

    ## 示例
    ```yaml
    inventories:
      - date: 2026-06-26
        by: [P003, P005]
        result: 全面盘点，账实相符；DEV-SRV-091 状态核实为停用
        record: 盘点表 PD-2026-01
    ```
    """
    yield from _inventory(handbook, "devices", "devices", _device, "台")
    yield from _inventory(handbook, "software", "software", _software, "个")


@rule("AST012", name="warranty-expiry", title="保修期和软件维护期到期提醒", clause="asset-7",
      severity="warning", dated=True)
def warranty_expiry(handbook):
    """
    ## 检查什么
    - 在用（或维修中）的设备保修期 `warranty_until` 已结束，或将在 `settings.warranty_warning_days`
      （默认 60 天）内结束；
    - 在用软件的维护期 `maintenance_until` 将在同样的天数内结束（已结束的由 AST013 报告）。

    ## 为什么
    标准要求“对设备状态进行评估和更新”，设备清单和软件清单都要记录保修期、维护期。过保的设备
    出现故障时无法及时获得厂商备件和支持，应提前续保或安排更换。

    ## 如何修复
    续签维保合同后更新 `warranty_until`（可在 `maintainer` 中写明维保供应商）；计划更换的设备
    在更换前评估风险。
    """
    days = handbook.settings.warranty_warning_days
    as_of = handbook.as_of
    for device in handbook.records("devices"):
        until = device.date("warranty_until")
        if device.get("status") not in IN_USE or until is None:
            continue
        if until < as_of:
            yield Hit(device.at("warranty_until"), f"{_device(device)}的保修期已于 {until} 结束，仍在使用")
        elif (until - as_of).days <= days:
            yield Hit(device.at("warranty_until"),
                      f"{_device(device)}的保修期将于 {until} 结束（{(until - as_of).days} 天后），请及时续保或安排更换")
    for item in handbook.records("software"):
        until = item.date("maintenance_until")
        if item.get("status") != "在用" or until is None or until < as_of:
            continue
        if (until - as_of).days <= days:
            yield Hit(item.at("maintenance_until"),
                      f"{_software(item)}的维护期将于 {until} 结束（{(until - as_of).days} 天后），请及时续签维护")


@rule("AST013", name="software-maintenance", title="在用软件在维护期内", clause="asset-5",
      needs=("software",), dated=True)
def software_maintenance(handbook):
    """
    ## 检查什么
    在用软件的维护期 `maintenance_until` 没有结束。

    ## 为什么
    标准要求编制软件清单，内容包括“软件状态、软件维护期、软件安装设备”等。维护期结束的软件得不到厂商的补丁和技术支持，安全漏洞
    和故障无法及时修复，证券期货信息系统不应在这种状态下运行。

    ## 如何修复
    续签维护合同后更新 `maintenance_until`；无法续签的，安排升级、替换或下线。
    """
    for item in handbook.records("software"):
        until = item.date("maintenance_until")
        if item.get("status") == "在用" and until:
            yield Obligation(f"续签{_software(item)}的维护", until, item.at("maintenance_until"),
                             f"{_software(item)}的维护期已于 {until} 结束，仍在使用",
                             owner=_asset_owner(handbook, item), cycle="维护期结束前", key=f"{item.source.path}#{item.id}|maintenance")


@rule("AST014", name="offsite-repair", title="外送维修经审批并采取防泄密措施", clause="asset-8", needs=("devices",))
def offsite_repair(handbook):
    """
    ## 检查什么
    设备的每条“维修”记录都写明是否外送 `offsite`；外送维修（`offsite: true`）的记录有审批 `approval`
    和防止数据泄露的措施 `data_protection`（如拆除硬盘留存、数据清除、签署保密协议）。

    ## 为什么
    标准要求：“证券期货机构应对外送设备的维修进行严格管理，防止数据泄露。”

    ## 如何修复
    补记外送审批单号和防泄密措施；今后设备外送前先办理审批，拆除或清除存储介质。

    ## 示例
    ```yaml
    - date: 2024-07-08
      type: 维修
      description: 主板故障，送厂商维修中心更换主板
      offsite: true
      approval: 设备外送审批单 WX-2024-003（李建国批准）
      data_protection: 送修前拆除全部硬盘，留存机房保险柜
      returned: 2024-07-22
    ```
    """
    for device in handbook.records("devices"):
        for event in _events(device, "维修"):
            offsite = event.get("offsite")
            when = event.get("date")
            if offsite is None:
                yield Hit(event.at(), f"{_device(device)}{when} 的维修记录没有写明是否外送维修（offsite）")
                continue
            if offsite is not True:
                continue
            missing = [zh for key, zh in (("approval", "审批（approval）"), ("data_protection", "防止数据泄露的措施（data_protection）"))
                       if _blank(event.get(key))]
            if missing:
                yield Hit(event.at(), f"{_device(device)}{when} 外送维修，但没有记录{'和'.join(missing)}")


@rule("AST015", name="media-wiped", title="下线和报废设备的存储介质信息已清除或销毁", clause="asset-9", needs=("devices",))
def media_wiped(handbook):
    """
    ## 检查什么
    停用（拟报废）和报废的设备有存储介质信息清除或销毁记录 `media_wiped`：日期、方式 `method`
    和监督人 `witness`；如有移交记录，清除日期不晚于移交日期。不含存储介质的设备
    （`storage_media: false`，如 UPS、空调）不要求。

    ## 为什么
    标准要求：“证券期货机构应对拟下线和拟报废设备的存储介质中的全部信息进行清除或销毁。”

    ## 如何修复
    对设备的硬盘、闪存等介质进行多次覆写、消磁或物理销毁，由第二人监督，并记录。

    ## 示例
    ```yaml
    media_wiped:
      date: 2022-06-10
      method: 硬盘三次覆写后物理粉碎
      by: P005
      witness: P007
      record: 介质销毁记录 XH-2022-004
    ```
    """
    for device in handbook.records("devices"):
        if device.get("status") not in DEVICE_RETIRED or device.get("storage_media") is False:
            continue
        wiped = device.sub("media_wiped")
        if wiped is None:
            yield Hit(device.at("status"),
                      f"{_device(device)}已{device.get('status')}，没有存储介质信息清除或销毁的记录（media_wiped）")
            continue
        missing = [zh for key, zh in (("method", "方式（method）"), ("witness", "监督人（witness）")) if _blank(wiped.get(key))]
        if missing:
            yield Hit(wiped.at(), f"{_device(device)}的介质清除或销毁记录缺少{'、'.join(missing)}")
        disposal = device.sub("disposal")
        handed = disposal.date("date") if disposal else None
        if wiped.date("date") and handed and wiped.date("date") > handed:
            yield Hit(wiped.at("date"),
                      f"{_device(device)}的介质清除日期 {wiped.date('date')} 晚于移交日期 {handed}，应在移交前清除")


@rule("AST016", name="retired-handover", title="正式下线的设备和软件交指定部门并留存记录", clause="asset-10")
def retired_handover(handbook):
    """
    ## 检查什么
    停用（正式下线）和报废的设备和软件有移交记录 `disposal`：接收的指定部门 `handed_to`、
    移交日期 `date` 和记录 `record`。

    ## 为什么
    标准要求：“对正式下线设备和软件交指定部门统一管理、保存或处置，并保留相应记录。”

    ## 如何修复
    按设备和软件管理制度把下线的设备、软件（含安装介质和授权文件）移交指定部门，并记录。

    ## 示例
    ```yaml
    disposal:
      handed_to: 计划财务部资产管理岗
      date: 2022-06-15
      record: 资产移交单 YJ-2022-021
    ```
    """
    for rec, describe, _ in _assets(handbook):
        if rec.get("status") not in DEVICE_RETIRED:
            continue
        disposal = rec.sub("disposal")
        if disposal is None:
            yield Hit(rec.at("status"), f"{describe(rec)}已{rec.get('status')}，没有移交指定部门的记录（disposal）")
            continue
        missing = [zh for key, zh in (("handed_to", "接收部门（handed_to）"), ("date", "移交日期（date）"), ("record", "记录（record）"))
                   if _blank(disposal.get(key))]
        if missing:
            yield Hit(disposal.at(), f"{describe(rec)}的下线移交记录缺少{'、'.join(missing)}")


@rule("AST017", name="scrap-approval", title="报废按资产管理规定审批", clause="asset-11")
def scrap_approval(handbook):
    """
    ## 检查什么
    报废的设备和软件在 `disposal.approval` 中记录了按资产管理规定办理的报废审批（审批单号）。

    ## 为什么
    标准要求：“设备和软件报废应符合资产管理规定。”审批是否符合资产管理规定的具体要求需由
    资产管理部门判断，规则只检查审批记录存在。

    ## 如何修复
    按公司资产管理规定办理报废审批，填写审批单号。

    ## 示例
    ```yaml
    disposal:
      handed_to: 计划财务部资产管理岗
      date: 2022-06-15
      approval: 资产报废审批单 ZC-BF-2022-017
      record: 资产移交单 YJ-2022-021
    ```
    """
    for rec, describe, _ in _assets(handbook):
        if rec.get("status") != "报废":
            continue
        disposal = rec.sub("disposal")
        if disposal is None or _blank(disposal.get("approval")):
            where = disposal.at() if disposal else rec.at("status")
            yield Hit(where, f"{describe(rec)}已报废，没有资产报废审批记录（disposal.approval）")


@rule("AST018", name="software-on-retired-device", title="在用软件不得登记在已下线设备上", clause="asset-5",
      needs=("devices", "software"))
def software_on_retired_device(handbook):
    """
    ## 检查什么
    在用软件的安装设备 `installed_on` 中没有停用或报废的设备。安装设备是否存在由 REF001 检查。

    ## 为什么
    标准要求编制软件清单，内容包括“软件安装设备、用途和使用责任人”等。在用软件仍登记在已下线的设备上，说明软件迁移后
    没有更新清单（或下线设备上的软件仍在运行），清单失去准确性。

    ## 如何修复
    软件迁移时记录“转移”并更新 `installed_on`；若软件确已随设备下线，更新软件状态。
    """
    devices = {d.id: d for d in handbook.records("devices") if d.id}
    for item in handbook.records("software"):
        if item.get("status") != "在用":
            continue
        for device_id, where in item.items("installed_on"):
            device = devices.get(device_id)
            if device is not None and device.get("status") in DEVICE_RETIRED:
                yield Hit(where, f"在用{_software(item)}登记安装在已{device.get('status')}的{_device(device)}上")
