/* opsbook：打开地址中 #编号 指向的台账记录（折叠块）。只用本地脚本。 */
(function () {
  function openTarget() {
    var id = decodeURIComponent(location.hash.slice(1));
    if (!id) return;
    var el = document.getElementById(id);
    if (el && el.tagName === "DETAILS") {
      el.open = true;
      el.scrollIntoView();
    }
  }
  // 看板“即将到期”表：按负责人、章节和期限筛选（data-filter-for 指向表格所在的 div）
  function wireFilters() {
    var boxes = document.querySelectorAll("[data-filter-for]");
    Array.prototype.forEach.call(boxes, function (box) {
      var target = document.getElementById(box.getAttribute("data-filter-for"));
      if (!target) return;
      var selects = box.querySelectorAll("select[data-filter]");
      function apply() {
        var want = {};
        Array.prototype.forEach.call(selects, function (s) { want[s.getAttribute("data-filter")] = s.value; });
        Array.prototype.forEach.call(target.querySelectorAll("tbody tr"), function (row) {
          var days = parseInt(row.getAttribute("data-days"), 10);
          var ok = (!want.owner || row.getAttribute("data-owner") === want.owner) &&
                   (!want.chapter || row.getAttribute("data-chapter") === want.chapter) &&
                   (!want.days || (want.days === "0" ? days < 0 : days <= parseInt(want.days, 10)));
          row.hidden = !ok;
        });
      }
      Array.prototype.forEach.call(selects, function (s) { s.addEventListener("change", apply); });
      apply();
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", wireFilters);
  } else {
    wireFilters();
  }
  // 表格排序与筛选：opsbook 生成的表格（.ob-table）点击表头排序；行数较多的表格上方有筛选框。
  // 纯本地脚本，不请求任何地址，从 file:// 打开也可用。
  function cellText(row, index) {
    var cell = row.children[index];
    return cell ? (cell.textContent || "").trim() : "";
  }
  function compare(a, b) {
    var na = parseFloat(a), nb = parseFloat(b);
    if (!isNaN(na) && !isNaN(nb) && /^-?[\d.]+/.test(a) && /^-?[\d.]+/.test(b) && !/^\d{4}-\d{2}/.test(a)) return na - nb;
    return a.localeCompare(b, "zh-CN");
  }
  function wireTables() {
    // (the theme wraps each table in its own scroll boxes, so the table is not a direct child)
    var tables = document.querySelectorAll(".md-typeset .ob-table table:not(.ob-kv):not(.ob-nested)");
    Array.prototype.forEach.call(tables, function (tbl) {
      var body = tbl.tBodies[0];
      if (!body || body.rows.length < 2) return;
      var heads = tbl.tHead ? tbl.tHead.rows[0].cells : [];
      Array.prototype.forEach.call(heads, function (th, index) {
        th.setAttribute("data-sort", "");
        th.title = "点击排序";
        th.addEventListener("click", function () {
          var dir = th.getAttribute("data-sort") === "asc" ? "desc" : "asc";
          Array.prototype.forEach.call(heads, function (other) { other.setAttribute("data-sort", ""); });
          th.setAttribute("data-sort", dir);
          var rows = Array.prototype.slice.call(body.rows);
          rows.sort(function (r1, r2) {
            var c = compare(cellText(r1, index), cellText(r2, index));
            return dir === "asc" ? c : -c;
          });
          rows.forEach(function (r) { body.appendChild(r); });
        });
      });
      if (body.rows.length >= 8) {
        var input = document.createElement("input");
        input.type = "search";
        input.className = "ob-table-filter";
        input.placeholder = "筛选本表（输入关键词）";
        input.setAttribute("aria-label", "筛选本表");
        input.addEventListener("input", function () {
          var words = input.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
          Array.prototype.forEach.call(body.rows, function (row) {
            var text = (row.textContent || "").toLowerCase();
            var ok = words.every(function (w) { return text.indexOf(w) >= 0; });
            row.classList.toggle("ob-filtered-out", !ok);
          });
        });
        var box = tbl.closest(".ob-table") || tbl;
        box.parentNode.insertBefore(input, box);
      }
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", wireTables);
  } else {
    wireTables();
  }
  window.addEventListener("hashchange", openTarget);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", openTarget);
  } else {
    openTarget();
  }
})();
