// Client-side search for the static build: the same ranking as registry/catalogue/search.py.
//   0. the code equals the query; 1. a label or the code starts with it; 2. contains it;
//   then preferred labels before alternative and hidden ones, shorter matches, then code.
// Results are built with textContent only: author text is never parsed as HTML.
(function (global) {
  "use strict";
  var FIELD_RANK = { c: 0, p: 0, a: 1, h: 2 };

  function norm(s) { return String(s).normalize("NFKC").toLowerCase().trim(); }

  function fallback(lang) { return [lang, lang === "zh" ? "en" : "zh", ""]; }

  // The one label-fallback rule: chosen language, the other of zh/en, untagged, anything else.
  function pick(values, lang) {
    var order = fallback(lang), best = null, bestRank = 99;
    values.forEach(function (v) {
      var base = (v[1] || "").split("-")[0].toLowerCase();
      var r = order.indexOf(base); if (r < 0) { r = order.length; }
      if (r < bestRank || (r === bestRank && best && v[0] < best[0])) { best = v; bestRank = r; }
    });
    return best;
  }

  function cmp(a, b) {
    for (var i = 0; i < a.length; i++) {
      if (a[i] < b[i]) { return -1; }
      if (a[i] > b[i]) { return 1; }
    }
    return 0;
  }

  // entries: [path, type, code, [[text, lang, field]], level, [sectors], status]
  function search(index, q, filters, lang) {
    var nq = norm(q);
    if (!nq) { return []; }
    filters = filters || {};
    var hits = [];
    index.entries.forEach(function (e) {
      if (filters.type && e[1] !== filters.type) { return; }
      if (filters.level && e[4] !== filters.level) { return; }
      if (filters.sector && e[5].indexOf(filters.sector) < 0) { return; }
      if (filters.status && e[6] !== filters.status) { return; }
      var best = null;
      var cands = [];
      if (e[2]) { cands.push([e[2], "", "c"]); }
      e[3].forEach(function (t) { cands.push(t); });
      // normalised forms, computed once per entry and kept on it
      var ns = e._n || (e._n = cands.map(function (t) { return norm(t[0]); }));
      cands.forEach(function (t, i) {
        var n = ns[i];
        var pos = n.indexOf(nq);
        if (pos < 0) { return; }
        var tier = pos > 0 ? 2 : (t[2] === "c" && n.length === nq.length ? 0 : 1);
        var key = [tier, FIELD_RANK[t[2]], t[0].length, t[0]];
        if (!best || cmp(key, best.key) < 0) { best = { key: key, text: t[0], lang: t[1] }; }
      });
      if (best) { hits.push({ sort: [best.key[0], best.key[1], best.key[2], e[2], e[0]], e: e, m: best }); }
    });
    hits.sort(function (a, b) { return cmp(a.sort, b.sort); });
    return hits.map(function (h) {
      var shown = pick(h.e[3].filter(function (t) { return t[2] === "p"; }), lang) || [h.e[2] || h.e[0], ""];
      return { path: h.e[0], type: h.e[1], code: h.e[2], label: shown[0], lang: shown[1],
               matched: h.m.text, matched_lang: h.m.lang, tier: h.m.key[0], status: h.e[6] };
    });
  }

  global.RegistrySearch = { search: search, norm: norm, pick: pick };

  var form = document.getElementById("search-form");
  if (!form || !form.getAttribute("data-index")) { return; }
  var out = document.getElementById("search-results");
  var strings = document.getElementById("search-strings");
  var lang = strings.getAttribute("data-lang");
  var base = form.getAttribute("data-base") || "";
  var params = new URLSearchParams(location.search);
  ["q", "type", "level", "sector", "status"].forEach(function (k) {
    var el = form.elements[k];
    if (el && params.get(k) !== null) { el.value = params.get(k); }
  });

  // interface names of types and statuses, from the filter menus of the page
  function optionLabels(name) {
    var map = {};
    var sel = form.elements[name];
    if (sel) { Array.prototype.forEach.call(sel.options, function (o) { if (o.value) { map[o.value] = o.textContent; } }); }
    return map;
  }
  var typeNames = optionLabels("type");
  var statusNames = optionLabels("status");

  function el(tag, cls, text) {
    var n = document.createElement(tag);
    if (cls) { n.className = cls; }
    if (text !== undefined) { n.textContent = text; }
    return n;
  }

  function render(index) {
    var q = form.elements.q.value;
    var filters = {};
    ["type", "level", "sector", "status"].forEach(function (k) { filters[k] = form.elements[k] ? form.elements[k].value : ""; });
    out.textContent = "";
    if (!norm(q)) { return; }
    var results = search(index, q, filters, lang);
    out.appendChild(el("p", "result-count", strings.getAttribute("data-results").replace("{n}", results.length)));
    var ol = el("ol", "results");
    if (!results.length) { ol.appendChild(el("li", "muted", strings.getAttribute("data-none"))); }
    results.slice(0, 100).forEach(function (r) {
      var li = el("li");
      var a = el("a");
      // each segment percent-encoded, as the builder writes links: a path can never read as a scheme ("javascript:")
      a.href = base + r.path.split("/").map(encodeURIComponent).join("/") + ".html";
      if (r.code) { a.appendChild(el("span", "code", r.code)); a.appendChild(document.createTextNode(" ")); }
      var lab = el("span", null, r.label);
      lab.lang = r.lang;
      a.appendChild(lab);
      li.appendChild(a);
      li.appendChild(el("span", "tag", typeNames[r.type] || r.type));
      if (r.status && r.status !== "stable") { li.appendChild(document.createTextNode(" ")); li.appendChild(el("span", "badge badge-" + r.status, statusNames[r.status] || r.status)); }
      if (r.matched && r.matched !== r.label && r.matched !== r.code) {
        var m = el("span", "muted small", " " + strings.getAttribute("data-matched") + " ");
        var mt = el("span", null, r.matched); mt.lang = r.matched_lang; m.appendChild(mt);
        li.appendChild(m);
      }
      ol.appendChild(li);
    });
    out.appendChild(ol);
  }

  fetch(form.getAttribute("data-index")).then(function (r) { return r.json(); }).then(function (index) {
    render(index);
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var p = new URLSearchParams(new FormData(form));
      history.replaceState(null, "", "?" + p.toString());
      render(index);
    });
    form.addEventListener("change", function () { render(index); });
  });
})(window);
