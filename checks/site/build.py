"""``opsbook build`` and ``opsbook serve``: mkdocs, driven programmatically.

The handbook's ``mkdocs.yml`` is loaded as written, with three things set by
opsbook: the hooks module and the theme overrides of this package (so that a
handbook copied elsewhere still builds with the checker it is run with) and
``extra.opsbook`` (root, audience, as-of date), which the hooks read.
"""

from __future__ import annotations

import datetime as dt
import logging
import warnings
from pathlib import Path

# jieba (Chinese search segmentation) imports pkg_resources, which warns on every build; nothing to act on.
warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=UserWarning)

PACKAGE = Path(__file__).resolve().parent
HOOKS = PACKAGE / "hooks.py"
OVERRIDES = PACKAGE / "overrides"
AUDIENCES = ("public", "internal", "restricted", "confidential")


class BuildError(Exception):
    """The site could not be built (configuration, missing files, a leak caught by the last check)."""


def _raw_config(config_file: Path) -> dict:
    from mkdocs.utils.yaml import yaml_load

    try:
        with open(config_file, "rb") as fd:
            data = yaml_load(fd)
    except OSError as exc:
        raise BuildError(f"无法读取 {config_file}：{exc.strerror or exc}") from None
    except Exception as exc:  # YAML errors
        raise BuildError(f"{config_file} 不是有效的 YAML：{exc}") from None
    return data if isinstance(data, dict) else {}


def options(root, audience: str = "internal", as_of: dt.date | None = None, **overrides) -> dict:
    """The keyword arguments for ``mkdocs.config.load_config``: the handbook's mkdocs.yml plus opsbook's settings."""
    root = Path(root).resolve()
    if audience not in AUDIENCES:
        raise BuildError(f"未知的敏感级别“{audience}”，应为 {'、'.join(AUDIENCES)} 之一")
    config_file = root / "mkdocs.yml"
    if not config_file.is_file():
        raise BuildError(f"找不到站点配置 {config_file}")
    raw = _raw_config(config_file)
    theme = raw.get("theme") or {"name": "material"}
    if isinstance(theme, str):
        theme = {"name": theme}
    theme = dict(theme)
    theme["custom_dir"] = str(OVERRIDES)
    hooks = []
    for hook in raw.get("hooks") or []:  # the handbook's own hooks stay; ours is this package's
        path = Path(str(hook))
        path = path if path.is_absolute() else root / path
        if path.as_posix().endswith("checks/site/hooks.py"):
            continue
        hooks.append(str(path))
    hooks.append(str(HOOKS))
    plugins = raw.get("plugins")
    if isinstance(plugins, list):  # macros reads include_dir relative to the working directory: make it absolute
        plugins = [
            {name: {**(conf or {}), "include_dir": str(PACKAGE / "includes")}} if name == "macros" else {name: conf}
            for item in plugins
            for name, conf in ((item, {}) if isinstance(item, str) else next(iter(item.items())),)
        ]
    extra = dict(raw.get("extra") or {})
    # no date: the checker's own default (a sample handbook's fixed date, else today)
    extra["opsbook"] = {"root": str(root), "audience": audience, "as_of": as_of.isoformat() if as_of else ""}
    kwargs = {"config_file": str(config_file), "theme": theme, "hooks": hooks, "extra": extra}
    if isinstance(plugins, list):
        kwargs["plugins"] = plugins
    kwargs.update({k: v for k, v in overrides.items() if v is not None})
    return kwargs


def load(root, audience: str = "internal", as_of: dt.date | None = None, **overrides):
    from mkdocs.config import load_config
    from mkdocs.exceptions import ConfigurationError

    try:
        return load_config(**options(root, audience, as_of, **overrides))
    except ConfigurationError as exc:
        raise BuildError(f"站点配置有误：{exc}") from None


def build(root, site_dir="site", audience: str = "internal", as_of: dt.date | None = None, strict: bool = False,
          site_url: str | None = None) -> Path:
    """Build the site for one audience into ``site_dir``; returns the directory.

    ``site_url`` (optional, also settable in mkdocs.yml) is the site's published address: with it mkdocs
    writes a full sitemap.xml; without it every link stays relative and the sitemap is empty."""
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.exceptions import Abort, MkDocsException

    site = Path(site_dir).resolve()
    _quiet_logging()
    config = load(root, audience, as_of, site_dir=str(site), strict=strict, site_url=site_url)
    try:
        mkdocs_build(config)
    except (Abort, MkDocsException) as exc:
        raise BuildError(str(exc) or type(exc).__name__) from None
    except OSError as exc:
        raise BuildError(f"{exc.filename or ''} {exc.strerror or exc}".strip()) from None
    return site


def serve(root, audience: str = "internal", as_of: dt.date | None = None, dev_addr: str = "127.0.0.1:8000") -> None:
    """Preview the site with live reload (mkdocs serve), rebuilt on every change of docs/, registers/ …"""
    from mkdocs.commands.serve import serve as mkdocs_serve
    from mkdocs.exceptions import Abort, MkDocsException

    _quiet_logging()
    try:
        kwargs = options(root, audience, as_of, dev_addr=dev_addr)
        mkdocs_serve(**kwargs)
    except (Abort, MkDocsException) as exc:
        raise BuildError(str(exc)) from None


def _quiet_logging() -> None:
    """mkdocs' messages on the console, as `mkdocs build` shows them (once)."""
    logger = logging.getLogger("mkdocs")
    if not any(getattr(h, "_opsbook", False) for h in logger.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)-7s -  %(message)s"))
        handler._opsbook = True
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    # mkdocs-macros lists its modules and variables at INFO on every build: keep only its warnings.
    logging.getLogger("mkdocs.plugins.mkdocs_macros").setLevel(logging.WARNING)
