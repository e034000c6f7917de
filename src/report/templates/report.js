(function () {
  "use strict";
  var toolbar = document.getElementById("toolbar");
  if (!toolbar) { return; }
  var items = Array.prototype.slice.call(document.querySelectorAll("details.sc"));
  var search = document.getElementById("search");
  var shown = document.getElementById("shown");
  var active = "all";
  var timer = null;
  toolbar.hidden = false;

  function apply() {
    var query = search.value.trim().toLowerCase();
    var n = 0;
    items.forEach(function (el) {
      var ok = (active === "all" || el.getAttribute("data-outcome") === active) &&
        (query === "" || (el.getAttribute("data-search") || "").indexOf(query) !== -1);
      el.hidden = !ok;
      if (ok) { n += 1; }
    });
    shown.textContent = n + " of " + items.length + " shown";
  }

  toolbar.addEventListener("click", function (e) {
    var b = e.target.closest("button");
    if (!b) { return; }
    if (b.hasAttribute("data-filter")) {
      active = b.getAttribute("data-filter");
      toolbar.querySelectorAll("[data-filter]").forEach(function (x) {
        x.setAttribute("aria-pressed", x === b ? "true" : "false");
      });
      apply();
    } else if (b.id === "expand") {
      items.forEach(function (el) { if (!el.hidden) { el.open = true; } });
    } else if (b.id === "collapse") {
      items.forEach(function (el) { el.open = false; });
    }
  });
  search.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(apply, 120);
  });

  function openTarget() {
    var id = decodeURIComponent(location.hash.slice(1));
    var el = id ? document.getElementById(id) : null;
    if (el && el.tagName === "DETAILS") {
      if (el.hidden) { active = "all"; search.value = ""; apply(); }
      el.open = true;
      el.scrollIntoView();
    }
  }
  window.addEventListener("hashchange", openTarget);
  apply();
  openTarget();
})();
