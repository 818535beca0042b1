"""文件与格式：文档正文中的 HTML 与宏——发布到站点的内容不得运行脚本，宏应能展开（保护站点本身，不对应标准条款）。"""

from __future__ import annotations

from .. import markup, templating
from ..model import SENSITIVITY_ZH
from ..findings import Hit
from . import rule

CHAPTER = "文件与格式"  # protects the site itself; no clause of the standard (like the file-format rules)


@rule("DOC020", name="no-active-content", title="文档正文不得含脚本、事件属性或 javascript:/data: 地址", clause=None)
def no_active_content(handbook):
    """
    ## 检查什么
    文档正文（代码块和行内代码之外）中的原始 HTML 与链接：`<script>` 等元素、事件处理属性
    （`onerror=`、`onclick=` 等，包括 `{: onclick=… }` 属性列表）、`javascript:`、`data:` 等
    不安全的地址，以及外网图片（`http(s)://` 开头的图片地址：每位读者打开页面时都会向外网请求）。

    ## 为什么
    本规则保护手册自身的站点，不对应标准条款：文档经合并请求修改后发布到全体员工浏览的内网站点，
    正文中的脚本会在每位读者的浏览器中运行（窃取会话、伪造页面）。站点构建时总会删除这些内容
    （使用 nh3 清理），本规则让作者在合并前就看到，而不是发布后发现页面与原文不符。

    ## 如何修复
    删除脚本和事件属性；链接只用相对地址或 `http`、`https`、`mailto`、`tel` 地址；
    图片放在 `docs/` 中用相对路径引用，不要用 `data:` 内嵌。
    要在文档中展示 HTML 代码，请放在代码块中。

    ## 示例
    ```markdown
    <!-- 错误 -->
    <span onmouseover="alert(1)">说明</span>
    [点此](javascript:alert(1))

    <!-- 正确 -->
    ![机房平面图](images/room.png)
    ```
    """
    for document in handbook.docs():
        if not document.body:
            continue
        for unsafe in markup.find_unsafe(document.body):
            line = document.body_line + markup.line_of(document.body, unsafe.offset) - 1
            yield Hit(document.at_line(line), f"《{document.title}》正文含{unsafe.what}：{unsafe.snippet}；站点发布时会删除")


@rule("DOC021", name="macros-usable", title="文档中的宏可以展开", clause=None, severity="warning")
def macros_usable(handbook):
    """
    ## 检查什么
    文档正文中的 `{{ … }}` 和 `{% … %}`：每个 `{{ … }}` 只调用一个 opsbook 宏（如
    `register_table("duty", "rota")`），参数是常量；不使用变量、属性、过滤器、循环或包含。
    `register_table` 的 `where`（筛选）和 `columns`（列出）不用比文档本身敏感级别更高的字段
    （如内部文档中按受限的手机号筛选）。

    ## 为什么
    本规则保护手册自身的站点，不对应标准条款：宏在沙箱中展开，只能读取台账数据并按读者级别过滤；
    不符合规则的宏不会展开，该页按原文发布，读者会看到 `{{ … }}` 而不是台账数据。按读者看不到的字段筛选的表格，
    凭有没有行就能证实一个猜测的值（某人的手机号是不是 139…），列出这样的字段则会显示谁登记了它，所以站点对低于
    该字段级别的读者不展开这张表。

    ## 如何修复
    改用可用的宏（见 README“文档中的宏”）；要在文档中展示 `{{ }}` 原文，请放在代码块或行内代码中。
    筛选或列出了高级别字段的表格：去掉该字段，或把文档的 `sensitivity` 提高到该字段的级别。

    ## 示例
    ```markdown
    {{ contacts_table() }}
    {{ register_table("duty", "rota", columns=["date", "leader"]) }}
    ```
    """
    for document in handbook.docs():
        if not document.body or not templating.has_macros(document.body):
            continue
        for problem in templating.validate(document.body):
            yield Hit(document.at_line(document.body_line + problem.line - 1),
                      f"《{document.title}》中的宏不会展开：{problem.message}")
        for call in templating.calls(document.body):
            if call.name == "register_table":
                for line, message in _fields_above_the_document(handbook, document, call):
                    yield Hit(document.at_line(document.body_line + line - 1), message)


def _fields_above_the_document(handbook, document, call):
    """register_table filtering on (``where``) or listing (``columns``) a field more sensitive than the
    document: for the document's own readers the site refuses the table, so the page shows the macro as written."""
    given = {**dict(zip(("name", "key", "columns", "where"), call.args)), **call.kwargs}
    own = document.sensitivity or "internal"
    for argument, field, level, title in templating.table_fields_above(
            handbook, given.get("name"), given.get("key"), given.get("where"), given.get("columns"), own):
        yield call.line, (f"《{document.title}》中的 register_table 的 {argument} 用到了字段“{title}”（{field}，"
                          f"{SENSITIVITY_ZH.get(level, level)}），高于文档本身的级别"
                          f"（{SENSITIVITY_ZH.get(own, own)}）：这些读者看到的页面上"
                          f"这张表不会展开；请去掉该字段，或把文档定为{SENSITIVITY_ZH.get(level, level)}级")
