"""The visibility predicate (checks.site.audience) on small handbooks: fail closed, no site build needed."""

from __future__ import annotations

import datetime as dt

import pytest

from checks.findings import Finding
from checks.model import Handbook
from checks.site.audience import RESTRICTED_TEXT, Audience, document_level, register_level

AS_OF = dt.date(2026, 11, 21)


def doc(sensitivity=None, title="文档", doc_id="POL-01", extra=""):
    lines = ["---", f"id: {doc_id}", f"title: {title}"]
    if sensitivity is not None:
        lines.append(f"sensitivity: {sensitivity}")
    return "\n".join(lines) + "\n" + extra + "---\n\n# " + title + "\n"


@pytest.fixture
def handbook(tmp_path):
    def make(docs: dict, registers: dict | None = None) -> Handbook:
        (tmp_path / "docs").mkdir(exist_ok=True)
        (tmp_path / "registers").mkdir(exist_ok=True)
        for name, text in docs.items():
            (tmp_path / "docs" / name).write_text(text, encoding="utf-8")
        for name, text in (registers or {}).items():
            (tmp_path / "registers" / name).write_text(text, encoding="utf-8")
        return Handbook.load(tmp_path, AS_OF)

    return make


def levels(hb):
    return {d.path: document_level(d) for d in hb.documents}


def test_document_levels_fail_closed(handbook):
    hb = handbook({
        "ok.md": doc("internal"),
        "missing.md": doc(None),
        "invalid.md": doc("secret"),
        "nofront.md": "# 没有头信息\n",
        "badyaml.md": "---\ntitle: [\nsensitivity: public\n---\n",
        "dupkey.md": doc("public", extra="sensitivity: confidential\n"),
    })
    assert levels(hb) == {
        "docs/ok.md": "internal",
        "docs/missing.md": "confidential",
        "docs/invalid.md": "confidential",
        "docs/nofront.md": "confidential",
        "docs/badyaml.md": "confidential",
        "docs/dupkey.md": "confidential",  # which of the two values is meant? neither is trusted
    }


def test_audience_levels(handbook):
    hb = handbook({"a.md": doc("public", doc_id="A-01"), "b.md": doc("internal", doc_id="B-01"),
                   "c.md": doc("restricted", doc_id="C-01"), "d.md": doc("confidential", doc_id="D-01")})
    visible = {lvl: sorted(d.doc_id for d in hb.documents if Audience(hb, lvl).document_visible(d))
               for lvl in ("public", "internal", "restricted", "confidential")}
    assert visible == {"public": ["A-01"], "internal": ["A-01", "B-01"], "restricted": ["A-01", "B-01", "C-01"],
                       "confidential": ["A-01", "B-01", "C-01", "D-01"]}
    assert Audience(hb, "nonsense").level == "public"  # an unknown audience sees the least


def test_register_levels(handbook):
    hb = handbook({}, {
        "plain.yaml": "title: 无敏感性\nitems: []\n",
        "budget.yaml": "title: 预算\nsensitivity: restricted\n",
        "odd.yaml": "title: 无效\nsensitivity: 绝密\n",
        "broken.yaml": "title: [\n",
    })
    assert register_level(hb.register("plain")) == "internal"
    assert register_level(hb.register("budget")) == "restricted"
    assert register_level(hb.register("odd")) == "confidential"
    assert register_level(hb.register("broken")) == "confidential"
    internal = Audience(hb, "internal")
    assert internal.register_visible("plain") and not internal.register_visible("budget")
    assert internal.path_visible("registers/plain.yaml") and not internal.path_visible("registers/budget.yaml")
    assert internal.path_visible("registers/missing.yaml")  # FILE001 on a register that does not exist
    assert internal.path_visible("schemas/staff.schema.json") and internal.path_visible("standard/clauses/01-org.yaml")
    assert not internal.path_visible("docs/diagram.png")  # not a document the model knows


def test_findings_need_every_file_visible(handbook):
    hb = handbook({"pub.md": doc("public", title="公开制度", doc_id="PUB-01"),
                   "sec.md": doc("confidential", title="机房门禁密码表", doc_id="SEC-01")})
    public = Audience(hb, "public")
    plain = Finding("docs/pub.md", 3, "DOC004", "error", "《公开制度》有问题")
    on_hidden = Finding("docs/sec.md", 3, "DOC004", "error", "有问题")
    with_ref = Finding("docs/pub.md", 3, "DOC004", "error", "链接到已废止的文档", refs=("docs/sec.md",))
    by_title = Finding("docs/pub.md", 3, "DOC004", "error", "《公开制度》链接到《机房门禁密码表》")
    by_id = Finding("registers/x.yaml", 3, "EMG001", "error", "演练预案 SEC-01 未评审")
    assert public.finding_visible(plain)
    assert not public.finding_visible(on_hidden)
    assert not public.finding_visible(with_ref)
    assert not public.finding_visible(by_title)
    assert not public.finding_visible(by_id)
    assert Audience(hb, "confidential").finding_visible(by_title)


def test_redact(handbook):
    hb = handbook({"sec.md": doc("restricted", title="安全管理制度", doc_id="POL-07"),
                   "plan.md": doc("restricted", title="网络与信息安全事件应急预案", doc_id="PLN-01")})
    internal = Audience(hb, "internal")
    assert internal.redact("按《安全管理制度》执行") == f"按{RESTRICTED_TEXT}执行"
    assert internal.redact("安全管理制度") == RESTRICTED_TEXT  # the whole value is the title
    assert internal.redact("见 POL-07 第三条") == f"见 {RESTRICTED_TEXT} 第三条"
    assert internal.redact("存于 docs/sec.md") == f"存于 {RESTRICTED_TEXT}"
    # a title inside other words is the standard's own term, not a reference
    assert internal.redact("网络与信息安全事件应急预案培训") == "网络与信息安全事件应急预案培训"
    assert internal.redact("POL-070 不是 POL-07A") == "POL-070 不是 POL-07A"
    assert Audience(hb, "restricted").redact("按《安全管理制度》执行") == "按《安全管理制度》执行"
    # remembered for short texts, worked out each time for long ones: the same answer either way
    assert internal.redact(" 安全管理制度 ") == RESTRICTED_TEXT
    assert internal.redact("按《安全管理制度》执行") == f"按{RESTRICTED_TEXT}执行"
    long = "说明" * 200 + "按《网络与信息安全事件应急预案》和 docs/sec.md（POL-07）"
    assert internal.redact(long) == "说明" * 200 + f"按{RESTRICTED_TEXT}和 {RESTRICTED_TEXT}（{RESTRICTED_TEXT}）"
    assert internal.redact(long) == internal.redact(long)
