"""Reporters: the same findings, written for terminals, CI and pull-request reviews.

``REPORTERS`` maps a ``--format`` name to its class.  Each reporter writes the
whole report as one string; none computes anything the engine did not.
"""

from __future__ import annotations

import json
import re
from xml.sax.saxutils import quoteattr

from .findings import SEVERITY_ZH, STATUS_ZH


def _summary(result) -> dict:
    return result.summary() if hasattr(result, "summary") else {}


def _tag(f) -> str:
    """`` [新增]``, `` [已有，已豁免 WVR-2026-01]`` …: a finding's status for one-line outputs."""
    label = f.label()
    return f" [{label}]" if label else ""


def _verdict(result, as_of) -> str:
    s = _summary(result)
    verdict = "通过" if s["passed"] else "未通过"
    text = f"截至 {as_of.isoformat()}{sample_note(result)}：{s['errors']} 个错误，{s['warnings']} 个警告，涉及 {s['files']} 个文件"
    if "new" in s:
        base = (getattr(result, "base", None) or "")[:10]
        text += (f"；相对基线 {base}：新增 {s['new']} 个，已有 {s['existing']} 个，已修复 {s['fixed']} 个"
                 f"（{'只有新增的错误' if s['fail_on'] == 'new' else '全部错误'}使门禁失败）")
    if s.get("waived"):
        text += f"；{s['waived']} 个发现已豁免"
    return text + f"；检查{verdict}。"


def sample_note(result) -> str:
    """“（示例手册，检查日期固定为 …）” when the date is a sample handbook's fixed date, else ""."""
    fixed = getattr(result.handbook, "sample_date", None)
    return f"（示例手册，检查日期固定为 {fixed.isoformat()}；--as-of 可指定其他日期）" if fixed else ""


# Control characters (C0, DEL, C1), line and paragraph separators, and the bidirectional
# controls that can make a line display differently from what it says ("Trojan source").
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def clean(text) -> str:
    """``text`` with every control character written out (``\\n``, ``\\x1b``, ``\\u202e``), so that a
    file name or a quoted value can neither break a report's lines nor drive the terminal."""
    text = str(text)
    if not _CONTROL.search(text):
        return text
    return _CONTROL.sub(lambda m: _NAMED.get(m.group(), f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100
                                              else f"\\u{ord(m.group()):04x}"), text)


class Reporter:
    """Base class: ``render(result, as_of)`` returns the report text."""

    def render(self, result, as_of) -> str:
        raise NotImplementedError


class TextReporter(Reporter):
    """``file:line: severity rule message``, one finding a line, then a summary in Chinese."""

    def render(self, result, as_of) -> str:
        lines = [f"{clean(f.file)}:{f.line or 1}: {f.severity} {f.rule} {clean(f.message)}{_tag(f)}" for f in result.findings]
        lines += [f"{clean(f.file)}:{f.line or 1}: {f.severity} {f.rule} {clean(f.message)}{_tag(f)}" for f in getattr(result, "fixed", ())]
        lines.append(_verdict(result, as_of))
        return "\n".join(lines) + "\n"


class JsonReporter(Reporter):
    """``{"as_of", "findings": [{rule, severity, file, line, message, clause, fingerprint[, status][, waiver]}], "summary"}``;
    with a base also ``"base"`` (the commit) and ``"fixed"`` (the base's findings this change removes)."""

    def render(self, result, as_of) -> str:
        data = {
            "as_of": as_of.isoformat(),
            "findings": [f.as_dict() for f in result.findings],
            "summary": _summary(result),
        }
        if getattr(result.handbook, "sample_date", None):
            data["sample_date"] = result.handbook.sample_date.isoformat()
        if getattr(result, "base", None):
            data["base"] = result.base
            data["fixed"] = [f.as_dict() for f in result.fixed]
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


class GithubReporter(Reporter):
    """GitHub Actions workflow commands: each finding becomes an annotation on the pull request."""

    def render(self, result, as_of) -> str:
        out = []
        for f in result.findings:
            # waived and (with --fail-on new) existing errors don't fail the gate: shown as warnings
            level = "error" if f.fails(result.fail_on) else "warning" if f.waiver is None else "notice"
            label = "，".join(x for x in (SEVERITY_ZH[f.severity], f.label()) if x)
            title = _escape_property(f"{f.rule}（{label}）")
            out.append(f"::{level} file={_escape_property(clean(f.file))},line={f.line or 1},title={title}::"
                       f"{_escape_data(clean(f.message))}")
        for f in getattr(result, "fixed", ()):
            title = _escape_property(f"{f.rule}（{STATUS_ZH['fixed']}）")
            out.append(f"::notice title={title}::{_escape_data(clean(f'{f.file}：{f.message}'))}")
        out.append("opsbook：" + _verdict(result, as_of))
        return "\n".join(out) + "\n"


class GitlabReporter(Reporter):
    """GitLab Code Quality report (JSON), shown in merge requests: ``artifacts: reports: codequality``."""

    def render(self, result, as_of) -> str:
        issues = []
        # GitLab tells new from resolved itself, by fingerprint against the target branch's report;
        # fixed findings are therefore not listed, and the status is part of the description.
        for f in result.findings:
            issues.append({
                "description": f"{f.rule} {f.message}{_tag(f)}",
                "check_name": f.rule,
                "fingerprint": f.fingerprint,
                "severity": "info" if f.waiver else "major" if f.severity == "error" else "minor",
                "location": {"path": f.file, "lines": {"begin": f.line or 1}},
            })
        return json.dumps(issues, ensure_ascii=False, indent=2) + "\n"


class JunitReporter(Reporter):
    """JUnit XML, one test case per rule, for CI systems that show test reports.

    A rule fails when it has errors that fail the gate; every finding of the rule (warnings,
    existing, waived and fixed ones too) is listed in its ``<system-out>`` and counted in its
    ``<properties>``, so a CI page shows warnings as well."""

    def render(self, result, as_of) -> str:
        by_rule = result.by_rule()
        for f in getattr(result, "fixed", ()):
            by_rule.setdefault(f.rule, []).append(f)
        cases = []
        for rule in result.rules:
            found = by_rule.get(rule.id, [])
            failing = [f for f in found if f.fails(result.fail_on)]
            body = ""
            if found:
                counts = {"errors": sum(1 for f in found if f.severity == "error" and f.status != "fixed"),
                          "warnings": sum(1 for f in found if f.severity == "warning" and f.status != "fixed"),
                          "waived": sum(1 for f in found if f.waiver and f.status != "fixed")}
                for status in ("new", "existing", "fixed"):
                    if any(f.status == status for f in found):
                        counts[status] = sum(1 for f in found if f.status == status)
                body += "<properties>" + "".join(f"<property name={quoteattr(k)} value={quoteattr(str(v))}/>"
                                                 for k, v in counts.items()) + "</properties>"
            if failing:
                text = "\n".join(f"{clean(f.file)}:{f.line or 1}: {clean(f.message)}{_tag(f)}" for f in failing)
                body += f"<failure message={quoteattr(rule.title)} type=\"error\">{_xml_text(text)}</failure>"
            if found:
                text = "\n".join(f"{clean(f.file)}:{f.line or 1}: {f.severity} {clean(f.message)}{_tag(f)}" for f in found)
                body += f"<system-out>{_xml_text(text)}</system-out>"
            cases.append(f"  <testcase classname={quoteattr(rule.module)} name={quoteattr(rule.id + ' ' + rule.title)}>{body}</testcase>")
        failures = sum(1 for c in cases if "<failure" in c)
        return (f'<?xml version="1.0" encoding="UTF-8"?>\n<testsuite name="opsbook" tests="{len(cases)}" '
                f'failures="{failures}" timestamp="{as_of.isoformat()}">\n' + "\n".join(cases) + "\n</testsuite>\n")


class SarifReporter(Reporter):
    """SARIF 2.1.0, for GitHub code scanning and other tools that read static-analysis results.

    The tool's rules carry their id, name, title and the docstring (its 检查什么 as the full
    description, the whole page as help), and a help URI to the rule's page on the site when
    ``site_url`` is known.  Each result has its region, level, a ``partialFingerprints`` entry
    that is stable across days (:attr:`Finding.fingerprint`), with a base its ``baselineState``
    (new / unchanged / absent for fixed) and, when a waiver covers it, an accepted suppression.
    """

    SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
    BASELINE = {"new": "new", "existing": "unchanged", "fixed": "absent"}

    def __init__(self, site_url: str | None = None):
        self.site_url = site_url

    def render(self, result, as_of) -> str:
        from . import __version__ as version
        from .waivers import waivers

        rules = list(result.rules)
        known = {r.id for r in rules}
        extra = sorted({f.rule for f in list(result.findings) + list(getattr(result, "fixed", ())) if f.rule not in known})
        index = {r.id: i for i, r in enumerate(rules)}
        descriptors = [self._descriptor(r) for r in rules]
        for rule_id in extra:  # INT001 and the like: findings of no registered rule
            index[rule_id] = len(descriptors)
            descriptors.append({"id": rule_id, "shortDescription": {"text": rule_id}})
        reasons = {w.id: w.reason for w in waivers(result.handbook)} if getattr(result, "handbook", None) else {}
        results = [self._result(f, index, reasons) for f in result.findings]
        results += [self._result(f, index, reasons) for f in getattr(result, "fixed", ())]
        run = {
            "tool": {"driver": {"name": "opsbook", "version": version, "semanticVersion": version,
                                "informationUri": self.site_url or "https://example.invalid/opsbook",
                                "language": "zh-CN", "rules": descriptors}},
            "language": "zh-CN",
            "columnKind": "unicodeCodePoints",
            "invocations": [{"executionSuccessful": True, "properties": {"asOf": as_of.isoformat()}}],
            "results": results,
            "properties": {"summary": _summary(result)},
        }
        if self.site_url is None:
            run["tool"]["driver"].pop("informationUri")
        if getattr(result, "base", None):
            run["baselineGuid"] = _guid(result.base)
        return json.dumps({"$schema": self.SCHEMA, "version": "2.1.0", "runs": [run]}, ensure_ascii=False, indent=2) + "\n"

    def _descriptor(self, rule) -> dict:
        doc = rule.doc
        what = _section(doc, "检查什么") or rule.title
        out = {
            "id": rule.id,
            "name": _camel(rule.name),
            "shortDescription": {"text": rule.title},
            "fullDescription": {"text": what},
            "help": {"text": doc or rule.title, "markdown": doc or rule.title},
            "defaultConfiguration": {"level": "error" if rule.severity == "error" else "warning"},
            "properties": {"chapter": rule.chapter, "tags": [t for t in (rule.chapter, rule.clause) if t]},
        }
        if rule.clause:
            out["properties"]["clause"] = rule.clause
        if self.site_url:
            out["helpUri"] = self.site_url.rstrip("/") + f"/rules/{rule.id}/"
        return out

    def _result(self, f, index, reasons) -> dict:
        out = {
            "ruleId": f.rule,
            "ruleIndex": index[f.rule],
            "level": "error" if f.severity == "error" else "warning",
            "message": {"text": f.message},
            "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": _uri(f.file)},  # relative to the handbook (the repository) root
                "region": {"startLine": f.line or 1},
            }}],
            "partialFingerprints": {"opsbookFinding/v1": f.fingerprint},
            "properties": {"fingerprint": f.fingerprint},
        }
        if f.clause:
            out["properties"]["clause"] = f.clause
        if f.status:
            out["baselineState"] = self.BASELINE[f.status]
            out["properties"]["status"] = f.status
        if f.waiver:
            out["suppressions"] = [{"kind": "external", "status": "accepted",
                                    "justification": f"例外 {f.waiver}：{reasons.get(f.waiver, '')}".rstrip("：")}]
            out["properties"]["waiver"] = f.waiver
        return out


def _section(doc: str, heading: str) -> str:
    lines, inside = [], False
    for line in doc.split("\n"):
        if line.startswith("## "):
            inside = line[3:].strip() == heading
            continue
        if inside:
            lines.append(line)
    return "\n".join(lines).strip()


def _camel(name: str) -> str:
    head, *rest = name.split("-")
    return head + "".join(p.capitalize() for p in rest)


def _uri(path: str) -> str:
    from urllib.parse import quote

    return quote(path, safe="/")


def _guid(commit: str) -> str:
    import uuid

    return str(uuid.uuid5(uuid.NAMESPACE_URL, "opsbook-base:" + commit))


def _xml_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


REPORTERS: dict[str, type[Reporter]] = {
    "text": TextReporter,
    "json": JsonReporter,
    "github": GithubReporter,
    "gitlab": GitlabReporter,
    "junit": JunitReporter,
    "sarif": SarifReporter,
}
