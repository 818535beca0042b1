"""文件与格式：each file must be readable, well-formed and match its schema.

These rules guard the handbook's own files rather than a sentence of the
standard, so they cite no clause.
"""

from __future__ import annotations

from ..findings import Hit
from ..model import Location
from . import rule

CHAPTER = "文件与格式"

# Registers the handbook must have: one per kind of record the standard asks for.  Their Chinese
# names are the titles of their schemas (schemas/NAME.schema.json), the one place that names them.
REQUIRED_REGISTERS = (
    "organisation", "staff", "positions", "duty", "devices", "software", "suppliers", "related_units",
    "emergency_contacts", "configuration", "changes", "backups", "monitoring", "drills", "inspections",
    "incidents", "trainings", "budget", "operations", "deliveries", "system_tests", "emergency", "calendar",
    "document_use",
)


def _problems(handbook, code):
    for source in handbook.iter_sources():
        for problem in source.problems:
            if problem.code == code:
                yield Hit(Location(source.path, problem.line), problem.message)


@rule("ENC001", name="utf-8", title="文件应为 UTF-8 编码", clause=None)
def utf8(handbook):
    """
    ## 检查什么
    `docs/` 下的文档和 `registers/` 下的台账必须是 UTF-8 编码的文本。

    ## 为什么
    Windows 上的记事本、Excel 常把文件另存为 GBK 或 UTF-16。其他编码的文件在
    检查器、站点和其他同事的编辑器里会变成乱码，内容等于丢失。发现会指出第一个
    无法按 UTF-8 读取的字节所在的行。

    ## 如何修复
    用编辑器以“UTF-8”编码重新保存（VS Code：右下角编码 → 通过编码保存 → UTF-8）。
    """
    return _problems(handbook, "ENC001")


@rule("YAML001", name="yaml-syntax", title="YAML 语法正确", clause=None)
def yaml_syntax(handbook):
    """
    ## 检查什么
    台账和文档头信息（front matter）必须是合法的 YAML，并且只使用基本类型：
    文字、数字、日期、布尔值、列表和映射。

    ## 为什么
    无法解析的文件无法检查，也无法发布。出于安全考虑，任何 YAML 标签
    （如 `!!python/object`）都不会被执行，而是作为错误报告。

    ## 如何修复
    按发现中的行号修正缩进、冒号或引号。常见错误：用 Tab 缩进、值中含有未加
    引号的冒号、引号未闭合。

    ## 示例
    ```yaml
    # 错误：Tab 缩进
    staff:
    	- id: P001
    # 正确
    staff:
      - id: P001
    ```
    """
    return _problems(handbook, "YAML001")


@rule("YAML002", name="duplicate-key", title="同一映射中的键不得重复", clause=None)
def duplicate_key(handbook):
    """
    ## 检查什么
    同一个映射里不能出现两次相同的键。

    ## 为什么
    YAML 解析时后一个值会悄悄覆盖前一个，前一个值就丢失了。

    ## 如何修复
    删除或合并重复的键。
    """
    return _problems(handbook, "YAML002")


@rule("SCH001", name="schema", title="台账和文档头信息符合 schema", clause=None)
def schema(handbook):
    """
    ## 检查什么
    每个台账都按首行声明的 JSON Schema 校验，每篇文档的头信息按
    `schemas/document.schema.json` 校验：字段名、类型、枚举值和日期格式。

    ## 为什么
    规则依赖正确的数据类型：日期必须是日期，电话号码必须是文字（否则开头的 0
    会丢失）。不符合 schema 的值只在这里报告一次：其他规则把它当作未填写而跳过，
    同一记录的其他字段照常检查，记录的编号照常可被引用。

    ## 如何修复
    按消息修正字段。在 VS Code 中安装 YAML 扩展后，编辑时即可看到同样的提示。
    """
    return _problems(handbook, "SCH001")


@rule("SCH002", name="schema-line", title="台账首行声明 schema", clause=None)
def schema_line(handbook):
    """
    ## 检查什么
    每个台账的第一行都声明它的 schema：
    `# yaml-language-server: $schema=../schemas/NAME.schema.json`，且该文件存在。

    ## 为什么
    编辑器靠这一行在输入时校验和提示；检查器靠它选择 schema。

    ## 如何修复
    在第一行加上声明，NAME 为 `schemas/` 中对应的文件名。
    """
    return _problems(handbook, "SCH002")


@rule("SCH003", name="placeholder", title="新建记录和文档的占位符已填写", clause=None)
def placeholder(handbook):
    """
    ## 检查什么
    `opsbook new record` 和 `opsbook new document` 为必填字段写入占位符
    “〔待填写〕字段名”。每个仍未替换的占位符是一条发现，指向它所在的行。

    ## 为什么
    占位符让新记录一写下就通过格式检查，但它不是真实内容：留着它的记录不参与
    其他规则的检查，直到填写完成。

    ## 如何修复
    把占位符替换为实际内容（字段的说明写在它上方的注释里），或删除不需要的可选字段。

    ## 示例
    ```yaml
    - id: DRL-2026-05
      # 演练名称
      title: 〔待填写〕演练名称
    ```
    """
    return _problems(handbook, "SCH003")


@rule("FILE001", name="required-register", title="必备台账齐全", clause=None)
def required_register(handbook):
    """
    ## 检查什么
    `registers/` 中应有标准要求的每一类记录的台账文件。

    ## 为什么
    缺少台账时，依赖它的规则无法检查，相应条款就没有证据。

    ## 如何修复
    从示例手册复制对应的台账文件，再改为本机构的内容。
    """
    for name in REQUIRED_REGISTERS:
        if name not in handbook.registers and f"registers/{name}.yaml" not in handbook.symlinks:  # LINK001 says why
            title = handbook.schema(f"schemas/{name}.schema.json").get("title") or name
            yield Hit(Location(f"registers/{name}.yaml", None), f"缺少台账 registers/{name}.yaml（{title}）")


@rule("LINK001", name="no-symlink", title="手册中不得有符号链接", clause=None)
def no_symlink(handbook):
    """
    ## 检查什么
    `docs/`、`registers/`、`schemas/`、`standard/` 中（以及手册根目录的 `mkdocs.yml`）
    不能有符号链接（symlink），无论它指向文件还是文件夹。

    ## 为什么
    符号链接可以指向仓库之外的任何地方：构建机上的环境文件、别人的机密文档、
    受限级别的台账。若跟随链接读取，这些内容就会被当作手册的一部分检查并发布给
    所有读者。因此检查器和站点从不读取链接，而是把每个链接报告为错误。

    ## 如何修复
    把链接换成文件本身（复制内容），或删除它：`git rm --cached 路径` 后重新添加真实文件。
    Windows 上 git 的 `core.symlinks` 设置也可能把链接检出成小文本文件，请一并检查。
    """
    for rel in handbook.symlinks:
        yield Hit(Location(rel, None), f"{rel} 是符号链接，不会被读取或发布；请换成文件本身或删除")


@rule("LIM001", name="read-limits", title="文件不超出读取限制", clause=None)
def read_limits(handbook):
    """
    ## 检查什么
    每个文件在读取时都受三个上限约束：文件大小（`max_file_mb`，默认 200 MB）、
    映射和列表的嵌套层数（`yaml_max_depth`，默认 64）、锚点和别名（含合并键 `<<`）
    展开后增加的值的个数（`yaml_max_alias_nodes`，默认一百万，且总不少于文件本身
    写出的值的 10 倍）。超出上限的文件不读取，发现指出超出的是哪一个上限。

    ## 为什么
    检查器是合并请求的门禁，会读到各种畸形甚至恶意的文件。几十行的“别名炸弹”
    可以展开成数十亿个值，几千层的括号可以让解析器崩溃；上限保证检查和构建在
    几秒钟、几百 MB 内完成。默认值足以读取 30 万条记录的台账。

    ## 如何修复
    嵌套过深或别名层层引用的文件，按正常的台账格式重写。确实需要更大的文件时，
    在 `registers/organisation.yaml` 的 `settings` 中调高对应的上限。

    ## 示例
    ```yaml
    settings:
      max_file_mb: 400
    ```
    """
    return _problems(handbook, "LIM001")
