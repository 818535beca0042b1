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
  window.addEventListener("hashchange", openTarget);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", openTarget);
  } else {
    openTarget();
  }
})();
