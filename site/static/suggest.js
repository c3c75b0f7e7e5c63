// Search-as-you-type for the header search box: suggestions from /api/suggest (the live server's
// search index, same ranking as /search), shown as an ARIA 1.2 combobox with a listbox popup.
// Keys: ArrowDown/ArrowUp move, Enter opens the chosen item (or submits the search), Escape closes.
// Text is inserted with textContent only. Where there is no API (a static build) it does nothing.
(function () {
  "use strict";
  var input = document.getElementById("header-q");
  if (!input || !input.form || !input.form.getAttribute("data-suggest")) { return; }
  var form = input.form;
  var api = form.getAttribute("data-suggest");
  var lang = document.documentElement.lang || "zh";
  var list = document.createElement("ul");
  list.id = "header-q-suggestions";
  list.className = "suggestions";
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-label", form.getAttribute("data-suggest-label") || "");
  list.hidden = true;
  form.appendChild(list);
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-controls", list.id);
  input.setAttribute("aria-expanded", "false");
  var items = [], active = -1, timer = null, seq = 0, broken = false;

  function close() {
    list.hidden = true; list.textContent = ""; items = []; active = -1;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function highlight(i) {
    items.forEach(function (li, j) { li.setAttribute("aria-selected", j === i ? "true" : "false"); });
    active = i;
    if (i >= 0) { input.setAttribute("aria-activedescendant", items[i].id); } else { input.removeAttribute("aria-activedescendant"); }
  }

  function show(suggestions) {
    close();
    if (!suggestions.length) { return; }
    suggestions.forEach(function (s, i) {
      var li = document.createElement("li");
      li.id = list.id + "-" + i;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      li.setAttribute("data-url", s.url || "");
      if (s.code) { var c = document.createElement("span"); c.className = "code"; c.textContent = s.code; li.appendChild(c); li.appendChild(document.createTextNode(" ")); }
      var l = document.createElement("span"); l.textContent = s.label; if (s.lang) { l.lang = s.lang; } li.appendChild(l);
      li.addEventListener("mousedown", function (ev) { ev.preventDefault(); go(li); });
      list.appendChild(li);
      items.push(li);
    });
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
  }

  function go(li) {
    var url = li.getAttribute("data-url");
    if (url && /^(\/|https?:)/.test(url)) { location.assign(url); }
  }

  function ask() {
    var q = input.value.trim();
    if (!q || broken) { close(); return; }
    var mine = ++seq;
    fetch(api + "?q=" + encodeURIComponent(q) + "&lang=" + encodeURIComponent(lang), { headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.json(); })
      .then(function (data) { if (mine === seq && input.value.trim() === q) { show(data.suggestions || []); } })
      .catch(function () { broken = true; close(); });
  }

  input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(ask, 150); });
  input.addEventListener("keydown", function (ev) {
    if (ev.key === "ArrowDown" && items.length) { ev.preventDefault(); highlight((active + 1) % items.length); }
    else if (ev.key === "ArrowUp" && items.length) { ev.preventDefault(); highlight(active <= 0 ? items.length - 1 : active - 1); }
    else if (ev.key === "Enter" && active >= 0) { ev.preventDefault(); go(items[active]); }
    else if (ev.key === "Escape") { close(); }
  });
  input.addEventListener("blur", function () { setTimeout(close, 100); });
})();
