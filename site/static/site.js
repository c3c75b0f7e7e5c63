// Progressive enhancement for the catalogue (works without it): remembers the language choice,
// filters the standards table client-side (static build), and nothing else.
(function () {
  "use strict";
  // Remember the language chosen with the switch (the live server also sets a cookie).
  document.querySelectorAll("a.lang-switch").forEach(function (a) {
    a.addEventListener("click", function () {
      var lang = a.getAttribute("data-lang");
      try { localStorage.setItem("lang", lang); } catch (e) { /* private mode */ }
      document.cookie = "lang=" + lang + "; path=/; max-age=31536000; SameSite=Lax";
    });
  });
  // Static build: follow a remembered language choice.
  var sw = document.querySelector("a.lang-switch");
  if (sw && document.documentElement.hasAttribute("data-static")) {
    var want = null;
    try { want = localStorage.getItem("lang"); } catch (e) { /* ignore */ }
    if (want && want !== document.documentElement.lang && want === sw.getAttribute("data-lang")) {
      location.replace(sw.href);
    }
  }
  // Standards list: filter rows by the selected sector and level (same result as the server-side filter).
  var form = document.querySelector("form[data-filter-table]");
  if (form) {
    var table = document.getElementById(form.getAttribute("data-filter-table"));
    var empty = document.querySelector("p.empty");
    var params = new URLSearchParams(location.search);
    form.querySelectorAll("select[data-filter]").forEach(function (sel) {
      var v = params.get(sel.name);
      if (v !== null) { sel.value = v; }
    });
    var apply = function () {
      var shown = 0;
      var want = {};
      form.querySelectorAll("select[data-filter]").forEach(function (sel) { want[sel.getAttribute("data-filter")] = sel.value; });
      table.querySelectorAll("tbody tr").forEach(function (tr) {
        var ok = Object.keys(want).every(function (k) {
          return !want[k] || (tr.getAttribute("data-" + k) || "").indexOf(" " + want[k] + " ") >= 0;
        });
        tr.hidden = !ok;
        if (ok) { shown += 1; }
      });
      if (empty) { empty.hidden = shown > 0; }
    };
    form.addEventListener("change", apply);
    apply();
  }
})();
