/* Credit planner (学分规划): pick achievements (search-as-you-type over /api/search), optionally a
   target qualification and a date, and evaluate them with POST /api/transfer/evaluate.
   The person's choices stay in this browser (localStorage); nothing is sent except the evaluate call.
   Every text from the server is inserted with textContent (never as HTML). */
(function () {
  "use strict";
  var form = document.getElementById("planner");
  if (!form) { return; }
  var KEY = "gdlecb-planner";
  var lang = form.getAttribute("data-lang") || "zh";
  var api = form.getAttribute("data-api");
  var searchUrl = form.getAttribute("data-search");
  var S = JSON.parse(document.getElementById("planner-strings").textContent);
  var q = document.getElementById("planner-q");
  var suggest = document.getElementById("planner-suggest");
  var heldBody = document.querySelector("#planner-held tbody");
  var target = document.getElementById("planner-target");
  var at = document.getElementById("planner-at");
  var results = document.getElementById("planner-results");
  var output = document.getElementById("planner-output");
  var state = load();

  function today() { return new Date().toISOString().slice(0, 10); }
  function load() {
    try {
      var s = JSON.parse(window.localStorage.getItem(KEY) || "{}");
      return { held: Array.isArray(s.held) ? s.held : [], target: s.target || "", at: s.at || "" };
    } catch (e) { return { held: [], target: "", at: "" }; }
  }
  function save() {
    try { window.localStorage.setItem(KEY, JSON.stringify(state)); } catch (e) { /* private mode: keep in memory */ }
  }
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    if (cls) { e.className = cls; }
    return e;
  }

  // --- held achievements --------------------------------------------------------------
  function renderHeld() {
    heldBody.textContent = "";
    state.held.forEach(function (a, i) {
      var tr = el("tr");
      tr.setAttribute("data-iri", a.id);
      var name = el("td");
      if (a.code) { name.appendChild(el("span", a.code + " ", "code")); }
      name.appendChild(el("span", a.label || a.id));
      tr.appendChild(name);
      var d = el("td"), di = el("input");
      di.type = "date"; di.value = a.date || today(); di.setAttribute("aria-label", a.label || a.id);
      di.addEventListener("change", function () { a.date = di.value; save(); });
      d.appendChild(di); tr.appendChild(d);
      var g = el("td"), gi = el("input");
      gi.type = "text"; gi.size = 6; gi.maxLength = 20; gi.value = a.grade || "";
      gi.addEventListener("change", function () { a.grade = gi.value.trim(); save(); });
      g.appendChild(gi); tr.appendChild(g);
      var r = el("td"), rb = el("button", S.remove);
      rb.type = "button";
      rb.addEventListener("click", function () { state.held.splice(i, 1); save(); renderHeld(); });
      r.appendChild(rb); tr.appendChild(r);
      heldBody.appendChild(tr);
    });
  }
  function add(hit) {
    if (state.held.some(function (a) { return a.id === hit.iri; })) { return; }
    state.held.push({ id: hit.iri, label: hit.label, code: hit.code || "", date: today(), grade: "" });
    save(); renderHeld();
  }

  // --- search as you type ----------------------------------------------------------------
  var timer = null, seq = 0;
  function closeSuggest() { suggest.textContent = ""; q.setAttribute("aria-expanded", "false"); }
  q.addEventListener("input", function () {
    clearTimeout(timer);
    var text = q.value.trim();
    if (!text) { closeSuggest(); return; }
    timer = setTimeout(function () {
      var mine = ++seq;
      var url = searchUrl + "?type=Achievement&limit=10&lang=" + encodeURIComponent(lang) + "&q=" + encodeURIComponent(text);
      fetch(url, { headers: { Accept: "application/json" } }).then(function (r) { return r.json(); }).then(function (data) {
        if (mine !== seq) { return; }
        suggest.textContent = "";
        (data.results || []).forEach(function (hit) {
          var li = el("li"), b = el("button");
          li.setAttribute("role", "option");
          b.type = "button";
          if (hit.code) { b.appendChild(el("span", hit.code + " ", "code")); }
          b.appendChild(el("span", hit.label));
          b.addEventListener("click", function () { add(hit); q.value = ""; closeSuggest(); q.focus(); });
          li.appendChild(b); suggest.appendChild(li);
        });
        q.setAttribute("aria-expanded", suggest.children.length ? "true" : "false");
      }).catch(closeSuggest);
    }, 200);
  });

  // --- evaluation ----------------------------------------------------------------------
  function creditText(credits, labels) {
    return credits.map(function (c) { return c.amount + " " + (labels[c.system] || S.credits); }).join(" + ");
  }
  function reasonText(r) { return r[lang] || r.en || r.zh || ""; }

  function render(res) {
    output.textContent = "";
    var labels = {};
    (res.totals || []).forEach(function (t) { labels[t.system] = t.label; });
    output.appendChild(el("h3", S.recognised));
    if (!res.recognised.length) { output.appendChild(el("p", S.none_recognised, "muted")); }
    var ul = el("ul", null, "planner-recognised");
    res.recognised.forEach(function (e) {
      var li = el("li");
      li.setAttribute("data-unit", e.unit);
      li.appendChild(el("span", e.code + " ", "code"));
      li.appendChild(el("span", e.label));
      if (e.credits.length) { li.appendChild(el("span", " — " + creditText(e.credits, labels))); }
      (e.requires || []).forEach(function (c) { li.appendChild(el("div", S.requires + ": " + reasonText(c), "small muted")); });
      ul.appendChild(li);
    });
    output.appendChild(ul);
    if (res.totals.length) {
      output.appendChild(el("h3", S.totals));
      var tl = el("ul", null, "planner-totals");
      res.totals.forEach(function (t) { tl.appendChild(el("li", t.amount + " " + t.label)); });
      output.appendChild(tl);
    }
    if (res.target) {
      var tg = res.target;
      output.appendChild(el("h3", S.target + ": " + tg.label + " — " + (tg.met ? S.met : S.not_met)));
      var rl = el("ul", null, "planner-requirements");
      tg.requirements.forEach(function (row) {
        var li = el("li", null, row.met ? "req-met" : "req-unmet");
        li.style.marginLeft = (row.depth * 1.2) + "em";
        li.appendChild(el("strong", (row.met ? "✓ " : "✗ ") + row.label + " (" + (row.met ? S.met : S.not_met) + ")"));
        row.missing.forEach(function (m) { li.appendChild(el("div", reasonText(m), "missing")); });
        if (row.suggestions.length) {
          var sl = el("ul", null, "planner-suggestions");
          sl.setAttribute("aria-label", S.suggestions);
          row.suggestions.forEach(function (s) {
            var si = el("li");
            si.appendChild(el("span", S.suggestions + ": " + (s.code ? s.code + " " : "") + s.label));
            s.via.forEach(function (v) {
              si.appendChild(el("div", S.via + " " + (v.code || v.rule) + ", " + S.needs + ": " + v.sources.map(function (x) {
                return x.label + (x.held ? " (" + S.held + ")" : "");
              }).join(v.combination === "any-of" ? " / " : " + "), "small"));
            });
            sl.appendChild(si);
          });
          li.appendChild(sl);
        }
        rl.appendChild(li);
      });
      output.appendChild(rl);
    }
    if (res.not_applied.length) {
      output.appendChild(el("h3", S.not_applied));
      var nl = el("ul", null, "planner-not-applied");
      res.not_applied.forEach(function (n) {
        var li = el("li");
        li.appendChild(el("span", n.code || n.rule, "code"));
        n.reasons.forEach(function (r) { li.appendChild(el("div", reasonText(r))); });
        nl.appendChild(li);
      });
      output.appendChild(nl);
    }
    results.hidden = false;
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    state.target = target.value; state.at = at.value; save();
    var body = { achievements: state.held.map(function (a) {
      var x = { id: a.id, date: a.date || today() };
      if (a.grade) { x.grade = a.grade; }
      return x;
    }), target: state.target || null, at: state.at || null, lang: lang };
    fetch(api, { method: "POST", headers: { "Content-Type": "application/json", Accept: "application/json" },
                 body: JSON.stringify(body) })
      .then(function (r) { return r.json().then(function (j) { return { ok: r.ok, json: j }; }); })
      .then(function (x) {
        if (!x.ok) {
          output.textContent = "";
          var m = (x.json.error && x.json.error.message) || {};
          output.appendChild(el("p", S.error + ": " + (m[lang] || m.en || ""), "error"));
          results.hidden = false;
          return;
        }
        render(x.json);
      })
      .catch(function () { output.textContent = ""; output.appendChild(el("p", S.error, "error")); results.hidden = false; });
  });
  document.getElementById("planner-clear").addEventListener("click", function () {
    state = { held: [], target: "", at: "" };
    try { window.localStorage.removeItem(KEY); } catch (e) { /* ignore */ }
    target.value = ""; at.value = ""; renderHeld(); results.hidden = true; output.textContent = "";
  });

  if (state.target && !target.querySelector("option[selected]")) { target.value = state.target; }
  if (state.at) { at.value = state.at; }
  renderHeld();
  form.hidden = false;
}());
