"""口令、私钥与访问密钥：a handbook is published to every employee, so no credential may be written in it.

The patterns are detect-secrets' (Yelp, pinned in pyproject.toml): its regular-expression
detectors for private keys, cloud and service access keys and tokens, URLs with a password,
and its keyword detector for ``password: …``-style assignments with its heuristic filters.
One addition for Chinese text: 密码、口令、密钥 followed by 为/是/：and a value.

Every pattern runs on windows of bounded length (``_WINDOW``), so scanning is linear in the
size of the content whatever it holds; a finding never repeats the secret it found.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..findings import Hit
from ..memo import per_source
from ..model import Document
from . import rule

CHAPTER = "数据与介质管理"

# detect-secrets' detectors whose patterns name a kind of credential.  Left out: the entropy
# detectors and IP addresses (they flag hashes, serial numbers and the device register itself).
_DETECTORS = (
    ("private_key", "PrivateKeyDetector", "私钥"),
    ("aws", "AWSKeyDetector", "AWS 访问密钥"),
    ("azure_storage_key", "AzureStorageKeyDetector", "Azure 存储账户密钥"),
    ("basic_auth", "BasicAuthDetector", "含口令的网址（user:password@）"),
    ("github_token", "GitHubTokenDetector", "GitHub 令牌"),
    ("gitlab_token", "GitLabTokenDetector", "GitLab 令牌"),
    ("jwt", "JwtTokenDetector", "JWT 令牌"),
    ("slack", "SlackDetector", "Slack 令牌"),
    ("stripe", "StripeDetector", "Stripe 密钥"),
    ("npm", "NpmDetector", "npm 令牌"),
    ("pypi_token", "PypiTokenDetector", "PyPI 令牌"),
    ("openai", "OpenAIDetector", "OpenAI 密钥"),
    ("sendgrid", "SendGridDetector", "SendGrid 密钥"),
    ("twilio", "TwilioKeyDetector", "Twilio 密钥"),
    ("telegram_token", "TelegramBotTokenDetector", "Telegram 机器人令牌"),
    ("discord", "DiscordBotTokenDetector", "Discord 机器人令牌"),
    ("mailchimp", "MailchimpDetector", "Mailchimp 密钥"),
    ("square_oauth", "SquareOAuthDetector", "Square 密钥"),
    ("artifactory", "ArtifactoryDetector", "Artifactory 令牌"),
)

# Window length and step: every piece of text up to _WINDOW - _STEP characters lies wholly in
# one window, and no pattern ever sees more than _WINDOW characters at once.
_WINDOW, _STEP = 256, 128

# 密码/口令/密钥 + 为/是/冒号/等号 + a value of ASCII characters (a Chinese phrase is a description,
# not a password).  Possessive quantifiers keep it linear.
_CHINESE_KEYWORD = re.compile(
    r"(?:密码|口令|密钥|私钥|令牌|通行码)[ \t]*+(?:(?:为|是)[ \t]*+[:：=]?+|[:：=])[ \t]*+[`'\"“]?+([!#-&(-~]{6,128}+)"
)
# what every word of detect-secrets' keyword list contains: the keyword patterns run only where one is
_STEMS = ("key", "pass", "pwd", "secret", "contra")
_HAS_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


def _plugins():
    """[(detector, Chinese name)], and one pattern that matches wherever any of them might."""
    cached = getattr(_plugins, "cache", None)
    if cached is None:
        import importlib

        plugins = []
        for module, name, zh in _DETECTORS:
            plugin = getattr(importlib.import_module(f"detect_secrets.plugins.{module}"), name)()
            plugins.append((plugin, zh))
        parts = []
        for plugin, _ in plugins:
            for pattern in plugin.denylist:
                flags = "i" if pattern.flags & re.IGNORECASE else ""
                flags += "x" if pattern.flags & re.VERBOSE else ""
                parts.append(f"(?{flags}:{pattern.pattern})" if flags else f"(?:{pattern.pattern})")
        cached = _plugins.cache = (plugins, re.compile("|".join(parts)))
    return cached


def _windows(text: str):
    if len(text) <= _WINDOW:
        yield text
        return
    for start in range(0, len(text) - _STEP, _STEP):
        yield text[start:start + _WINDOW]


def _plausible(secret: str, line: str) -> bool:
    """detect-secrets' heuristic filters for keyword matches, and: no Chinese in it."""
    from detect_secrets.filters import heuristic

    secret = secret.strip()
    if len(secret) < 6 or _HAS_CJK.search(secret) or secret.lower() in ("true", "false", "null", "none"):
        return False
    return not (heuristic.is_sequential_string(secret) or heuristic.is_potential_uuid(secret)
                or heuristic.is_templated_secret(secret) or heuristic.is_prefixed_with_dollar_sign(secret)
                or heuristic.is_not_alphanumeric_string(secret) or heuristic.is_indirect_reference(line))


def find(text: str, key: str | None = None) -> list[str]:
    """The kinds of credential (in Chinese) found in ``text``; ``key`` is the YAML key it is the value of.
    A short value is looked at once however often it recurs (a large register repeats its words: 成功, 全量,
    a system's name); a long one each time (it is never kept)."""
    if len(text) <= _WINDOW:
        return list(_find_short(text, key))
    return _find(text, key)


@lru_cache(maxsize=1 << 14)
def _find_short(text: str, key: str | None) -> tuple:
    return tuple(_find(text, key))


@lru_cache(maxsize=4096)
def _credential_key(key: str) -> bool:
    """Whether a YAML key names a credential (detect-secrets' keyword list): asked once per key."""
    from detect_secrets.plugins.keyword import DENYLIST_REGEX

    return re.search(DENYLIST_REGEX, key, re.IGNORECASE) is not None


def _find(text: str, key: str | None) -> list[str]:
    from detect_secrets.plugins.keyword import CONFIG_DENYLIST_REGEX_TO_GROUP, KeywordDetector

    kinds: list[str] = []
    plugins, anything = _plugins()

    def keyword(line: str) -> None:
        if "口令" in kinds:
            return
        for secret in KeywordDetector().analyze_string(line, denylist_regex_to_group=CONFIG_DENYLIST_REGEX_TO_GROUP):
            if _plausible(secret, line):
                kinds.append("口令")
                return

    for window in _windows(text):
        if len(window) >= 10 and anything.search(window):
            for plugin, zh in plugins:
                if zh not in kinds and any(True for _ in plugin.analyze_string(window)):
                    kinds.append(zh)
        lowered = window.lower()
        if ("=" in window or ":" in window) and any(stem in lowered for stem in _STEMS):
            keyword(window)
        for match in _CHINESE_KEYWORD.finditer(window):
            if _plausible(match.group(1), window) and "口令" not in kinds:
                kinds.append("口令")
    if key is not None and _credential_key(key):
        keyword(f"{key}: {text[:_STEP]}")  # a password is short: its beginning is enough
    return kinds


def _strings(data, path=()):
    """(path, key, text) for every string in a loaded value; ``key`` is the nearest mapping key."""
    stack = [(path, None, data)]
    while stack:
        where, key, value = stack.pop()
        if isinstance(value, str):
            yield where, key, value
        elif isinstance(value, dict):
            for k, v in value.items():
                stack.append((where + (k,), str(k), v))
        elif isinstance(value, list):
            for i, v in enumerate(value):
                stack.append((where + (i,), key, v))


def _allowed(source, line: int | None) -> bool:
    return line is not None and line in source.allowlisted


@rule("SEC001", name="no-credentials", title="手册中不得写入口令、私钥和访问密钥", clause="data-7")
def no_credentials(handbook):
    """
    ## 检查什么
    台账、文档头信息和文档正文中不能出现口令、私钥、云服务访问密钥和各类令牌：
    `BEGIN … PRIVATE KEY` 私钥块、`AKIA…` 访问密钥、GitHub/GitLab 令牌、JWT、
    `https://用户:口令@主机` 这样的网址、`password: …` 以及“密码：…”“口令为…”后跟的口令。
    识别规则来自 detect-secrets（Yelp 维护的开源检测工具）。

    ## 为什么
    标准要求在线数据“未经授权不得访问、复制”。手册在 git 中保存全部历史，并发布为
    全体员工可读的站点：写进手册的口令，任何能读仓库或站点的人都能用来访问系统，
    删除后也仍留在历史中。发现中不会重复口令本身。

    ## 如何修复
    删除口令，改写为“由安全管理员封存”“见密码保管柜第 N 号”等保管方式；已经提交的
    口令视为泄露，应立即更换。确认不是口令（例如示例中的占位文字）时，在同一行加注释
    `# pragma: allowlist secret`（文档中用 `<!-- pragma: allowlist secret -->`），或在上一行
    加 `pragma: allowlist nextline secret`，评审者会在合并请求中看到这一标记。

    ## 示例
    ```yaml
    # 错误
    admin_password: Mc2026!trade
    # 正确
    admin_password: 由安全管理员封存于保密柜（登记簿第 12 号）
    ```
    """
    for register in handbook.registers.values():
        if register.readable:
            yield from _source_hits(register)
    for document in handbook.documents:
        if document.readable:
            yield from _source_hits(document)


@per_source
def _source_hits(source) -> tuple:
    """The credentials in one file (its data, and a document's body): once per loaded file."""
    hits = list(_scan_data(source))
    if isinstance(source, Document):
        for offset, text in enumerate(source.body.split("\n")):
            line = source.body_line + offset
            if text.strip() and not _allowed(source, line):
                for kind in find(text):
                    hits.append(Hit(source.at_line(line), f"正文第 {line} 行疑似写有{kind}；请删除（已提交的应视为泄露并立即更换）"))
    return tuple(hits)


def _scan_data(source):
    allowlist = source.allowlisted  # usually empty: then a value's line is looked up only for a hit
    for path, key, text in _strings(source.data):
        line = source.line(path) if allowlist else None
        if _allowed(source, line):
            continue
        kinds = find(text, key)
        if kinds and line is None:
            line = source.line(path)
        for kind in kinds:
            field = ".".join(str(p) for p in path) or "值"
            yield Hit(source.at_line(line), f"{field} 中疑似写有{kind}；请删除（已提交的应视为泄露并立即更换）")
