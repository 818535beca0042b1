"""应急准备各模块以及应急响应、调查处理共用的部分：报告的监管机构、应急预案、演练是否完成、半年等。"""

from __future__ import annotations

import datetime as dt
import re

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



def person_label(handbook, pid) -> str:
    return handbook.person_name(pid)


def active(handbook, pid) -> bool:
    """Active, or unknown (REF001 reports unknown ids)."""
    return not handbook.has_left(pid)
