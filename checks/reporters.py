"""Reporters: the same findings, written for terminals, CI and pull-request reviews.

``REPORTERS`` maps a ``--format`` name to its class.  Each reporter writes the
whole report as one string; none computes anything the engine did not.
"""

from __future__ import annotations

import hashlib
import json
from xml.sax.saxutils import quoteattr

from .findings import SEVERITY_ZH, summarise


def sample_note(result) -> str:
    """“（示例手册，检查日期固定为 …）” when the date is a sample handbook's fixed date, else ""."""
    fixed = getattr(result.handbook, "sample_date", None)
    return f"（示例手册，检查日期固定为 {fixed.isoformat()}；--as-of 可指定其他日期）" if fixed else ""


class Reporter:
    """Base class: ``render(result, as_of)`` returns the report text."""

    def render(self, result, as_of) -> str:
        raise NotImplementedError


class TextReporter(Reporter):
    """``file:line: severity rule message``, one finding a line, then a summary in Chinese."""

    def render(self, result, as_of) -> str:
        lines = [f"{f.file}:{f.line or 1}: {f.severity} {f.rule} {f.message}" for f in result.findings]
        s = summarise(result.findings)
        verdict = "通过" if s["passed"] else "未通过"
        lines.append(f"截至 {as_of.isoformat()}{sample_note(result)}：{s['errors']} 个错误，{s['warnings']} 个警告，"
                     f"涉及 {s['files']} 个文件；检查{verdict}。")
        return "\n".join(lines) + "\n"


class JsonReporter(Reporter):
    """``{"as_of", "findings": [{rule, severity, file, line, message, clause}], "summary"}``."""

    def render(self, result, as_of) -> str:
        data = {
            "as_of": as_of.isoformat(),
            "findings": [f.as_dict() for f in result.findings],
            "summary": summarise(result.findings),
        }
        if getattr(result.handbook, "sample_date", None):
            data["sample_date"] = result.handbook.sample_date.isoformat()
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
            level = "error" if f.severity == "error" else "warning"
            title = _escape_property(f"{f.rule}（{SEVERITY_ZH[f.severity]}）")
            out.append(f"::{level} file={_escape_property(f.file)},line={f.line or 1},title={title}::{_escape_data(f.message)}")
        s = summarise(result.findings)
        out.append(f"opsbook：截至 {as_of.isoformat()}{sample_note(result)}，{s['errors']} 个错误，{s['warnings']} 个警告")
        return "\n".join(out) + "\n"


class GitlabReporter(Reporter):
    """GitLab Code Quality report (JSON), shown in merge requests: ``artifacts: reports: codequality``."""

    def render(self, result, as_of) -> str:
        issues = []
        for f in result.findings:
            fingerprint = hashlib.sha256(f"{f.rule}|{f.file}|{f.message}".encode()).hexdigest()
            issues.append({
                "description": f"{f.rule} {f.message}",
                "check_name": f.rule,
                "fingerprint": fingerprint,
                "severity": "major" if f.severity == "error" else "minor",
                "location": {"path": f.file, "lines": {"begin": f.line or 1}},
            })
        return json.dumps(issues, ensure_ascii=False, indent=2) + "\n"


class JunitReporter(Reporter):
    """JUnit XML, one test case per rule, for CI systems that show test reports."""

    def render(self, result, as_of) -> str:
        by_rule = result.by_rule()
        cases = []
        for rule in result.rules:
            found = by_rule.get(rule.id, [])
            errors = [f for f in found if f.severity == "error"]
            body = ""
            if errors:
                text = "\n".join(f"{f.file}:{f.line or 1}: {f.message}" for f in errors)
                body = f"<failure message={quoteattr(rule.title)}>{_xml_text(text)}</failure>"
            cases.append(f"  <testcase classname={quoteattr(rule.module)} name={quoteattr(rule.id + ' ' + rule.title)}>{body}</testcase>")
        failures = sum(1 for c in cases if "<failure" in c)
        return (f'<?xml version="1.0" encoding="UTF-8"?>\n<testsuite name="opsbook" tests="{len(cases)}" '
                f'failures="{failures}" timestamp="{as_of.isoformat()}">\n' + "\n".join(cases) + "\n</testsuite>\n")


def _xml_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


REPORTERS: dict[str, type[Reporter]] = {
    "text": TextReporter,
    "json": JsonReporter,
    "github": GithubReporter,
    "gitlab": GitlabReporter,
    "junit": JunitReporter,
}
