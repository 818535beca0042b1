"""The organisation's settings (registers/organisation.yaml, key ``settings``), with defaults.

Every cycle, window and period the rules use is a setting here, so that a firm
can set a stricter one; none can be set looser than the standard itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields


def _default_incompatible():
    # 安全管理员 checks the others' work: it is never combined with them.
    return [
        ["security-admin", "system-admin"],
        ["security-admin", "database-admin"],
        ["security-admin", "network-admin"],
    ]


@dataclass
class Settings:
    # A sample handbook's fixed check date (the template's 明川证券): used when no --as-of is given.
    # A real handbook has none and is checked as of today.
    sample_date: object = None
    review_cycle_months: int = 12  # 制度和流程：至少每年一次评审
    contact_freshness_days: int = 180  # 关联单位联系表“及时更新”
    incompatible_positions: list = field(default_factory=_default_incompatible)  # more pairs; the defaults always hold
    combinable_positions: list = field(default_factory=list)  # key-position pairs declared mutually restricting
    calendar_warning_days: int = 60  # warn this long before the known calendar ends
    backup_log_window_days: int = 31  # how far back daily backup logs are checked (at least 14: longer than any market closure)
    inventory_interval_months: int = 12  # 定期进行盘点
    warranty_warning_days: int = 60
    threshold_review_months: int = 12  # 预警阈值定期检查和评估
    supplier_evaluation_months: int = 12  # 定期评价供应商
    outsourcing_evaluation_months: int = 12  # 定期评估外包服务质量
    outsourcing_supervision_months: int = 3  # 对外包人员工作情况进行监督和检查的间隔
    agreement_check_months: int = 12  # 定期检查和评估应急服务保障协议
    spares_check_months: int = 6  # 备品配件定期评估、检测
    supplies_check_months: int = 6  # 应急物资定期盘点
    supplies_expiry_warning_days: int = 30  # 有时效性的应急物资及时更新
    cmdb_backup_days: int = 31  # 定期对配置库进行备份
    cmdb_audit_months: int = 12  # 定期审计配置库
    cmdb_correction_days: int = 30  # 配置库检查发现的不一致应在此期限内纠正
    contact_notice_days: int = 7  # 联络手册变化后“及时通知相关单位”的天数
    # 通报联络人或其联络方式变化后“及时通知监管部门、行业协会和相关单位”的天数（EMG021）。标准只说
    # “及时”：默认 7 天，与联络手册变化后通知相关单位的期限（contact_notice_days）相同——监管部门和
    # 交易所在事件中首先按登记的联络人联络，旧名单多留一周就多一周找不到人的风险；只能设得更短
    liaison_notice_days: int = 7
    communication_test_months: int = 6  # 应急通讯联络系统的测试间隔（与每半年一次的应急演练一致）
    emergency_training_months: int = 12  # 定期开展应急培训
    operation_record_retention_days: int = 365  # 记录的保存时间不少于一年
    log_retention_days: int = 365  # 监控日志保存时间不少于一年
    drill_record_retention_days: int = 730  # 演练记录至少保存两年
    # 运维组织、经费、关联单位、督促检查
    annual_plan_grace_days: int = 31  # 年度计划（培训、预算）在新年度开始后此期限内应制定
    staff_training_months: int = 12  # 每名运维人员至少在此期限内参加一次培训
    budget_accounting_months: int = 3  # 上年度预算在次年此期限内完成核算
    budget_audit_months: int = 6  # 核算在次年此期限内接受审计
    contact_warning_days: int = 30  # 联系人核实到期前提醒
    inspection_report_months: int = 1  # 季度检查报告在季度结束后此期限内形成
    audit_report_days: int = 90  # 年度审计报告在年度结束后此期限内形成
    # 值班、日常操作、监控
    handover_check_days: int = 7  # 检查最近多少天的交接班记录（至少 7 天）
    daily_check_days: int = 7  # 检查最近多少天的日常操作每日检查记录（至少 7 天）
    daily_analysis_check_days: int = 7  # 检查最近多少天的监控日志每日分析记录（至少 7 天）
    patrol_check_days: int = 7  # 检查最近多少天的巡检记录（至少 7 天）
    duty_phone_test_days: int = 31  # 值班电话测试间隔
    quarterly_evaluation_days: int = 30  # 季度监控评估报告在季度结束后此期限内形成
    # 系统变更与系统测试
    change_role_separation: list = field(default_factory=lambda: [["applicant", "approver"], ["implementer", "reviewer"]])
    change_cmdb_update_days: int = 3  # 变更实施后及时更新配置库
    change_review_days: int = 10  # 变更实施后应在此期限内复核
    # 系统变更后“及时修订”操作手册的天数（OPS007）。标准只说“及时”：默认 10 天与变更复核期限相同，
    # 因为手册规定“在变更关闭前提出本手册的修订”，而变更应在实施后 10 天内复核关闭；只能设得更短
    manual_revision_days: int = 10
    simulation_isolation_check_months: int = 12  # 模拟环境与生产环境的隔离至少每年实际验证一次
    simulation_password_check_months: int = 12  # 模拟环境与生产系统的密码至少每年抽查一次是否相同
    test_announcement_days: int = 1  # 生产环境测试公告至少提前的天数
    # 应急管理
    drill_evaluation_days: int = 30  # 演练后对应急预案进行评估的期限
    plan_refiling_days: int = 30  # 预案重大变化后重新报备的期限
    drill_report_due_months: int = 3  # 年度演练情况报告在次年几个月内报送
    supplementary_report_days: int = 30  # 原因不明的事件提交补充报告的期限
    incident_report_minutes: int = 30  # 事件发现后首次向监管机构报告的时限（不得迟报）
    plan_activation_minutes: int = 15  # “立即启动应急预案”：发现后启动的时限（预案的内部报告链 5 + 10 分钟）
    alert_verification_minutes: int = 30  # 风险隐患“尽快核实”：发现后完成核实的时限
    investor_notice_minutes: int = 30  # 影响投资者的事件，发现后首次向投资者说明的时限
    progress_report_minutes: int = 30  # 处置期间通报进展的最长间隔（应急处置流程：每 30 分钟一次）
    controlled_copies: bool = False  # opsbook pdf：打印件是否为受控副本（页脚）
    # 例外（豁免，registers/waivers.yaml）
    waiver_max_days: int = 180  # 一条例外从审批到到期的最长天数
    waiver_approvers: list = field(default_factory=lambda: ["it_head"])  # 有权审批例外的责任（responsibilities 的键）
    waiver_warning_days: int = 30  # 看板提示此期限内到期的例外
    # 读取限制：防止畸形或恶意文件耗尽时间和内存（默认值足以读取 30 万条记录的台账）
    max_file_mb: int = 200  # 单个文件的大小上限（MB）
    yaml_max_depth: int = 64  # 映射和列表的嵌套层数上限
    yaml_max_alias_nodes: int = 1_000_000  # 别名与合并键展开后可增加的值的个数上限（且不少于文件本身写出的值的 10 倍）
    # 站点
    site_page_kb: int = 4000  # 台账页面正文的大小上限（KB）：更长的台账分页（加上主题与导航，页面不超过 5 MB）

    @classmethod
    def from_record(cls, record) -> "Settings":
        settings = cls()
        if record is None:
            return settings
        for f in fields(cls):
            value = record.get(f.name)
            if value is not None:
                setattr(settings, f.name, value)
        return settings
