// Initialise YASGUI (vendored: /static/vendor/yasgui/yasgui.min.js, scripts/vendor-js) on the
// SPARQL page. No inline script is needed (the CSP is script-src 'self'): the page gives
//
//   <div id="sparql-editor" data-endpoint="/sparql" data-config="sparql-editor-config"></div>
//   <div id="sparql-editor-config" hidden>   (any element: its textContent is read; the /sparql page
//                                            uses a hidden div, so it has no script element but src ones)
//     {"endpoint": "/sparql", "prefixes": {"cb": "https://w3id.org/gdlecb/def/", ...},
//      "examples": [{"name": "...", "query": "SELECT ..."}], "lang": "zh"}
//   </div>
//   <script src="/static/vendor/yasgui/yasgui.min.js" defer></script>
//   <script src="/static/sparql-editor.js" defer></script>
//
// Every field of the JSON block is optional; data-endpoint wins over its "endpoint". Each element
// with the class "sparql-editor" (or the id "sparql-editor") gets its own editor. See docs/profiles.md.
(function () {
  "use strict";

  function readConfig(el) {
    var cfg = {};
    var id = el.getAttribute("data-config");
    var block = id ? document.getElementById(id) : null;
    if (block && block.textContent.trim()) {
      try {
        cfg = JSON.parse(block.textContent);
      } catch (e) {
        console.error("sparql-editor: the configuration block is not JSON", e);
      }
    }
    if (el.getAttribute("data-endpoint")) cfg.endpoint = el.getAttribute("data-endpoint");
    cfg.endpoint = new URL(cfg.endpoint || "/sparql", document.baseURI).href;
    cfg.prefixes = cfg.prefixes || {};
    cfg.examples = cfg.examples || [];
    return cfg;
  }

  function prefixBlock(prefixes) {
    return Object.keys(prefixes)
      .map(function (p) { return "PREFIX " + p + ": <" + prefixes[p] + ">"; })
      .join("\n");
  }

  function withPrefixes(query, prefixes) {
    // declare the registry's prefixes the example does not declare itself
    var missing = {};
    Object.keys(prefixes).forEach(function (p) {
      var re = new RegExp("PREFIX\\s+" + p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") + ":", "i");
      if (!re.test(query)) missing[p] = prefixes[p];
    });
    var head = prefixBlock(missing);
    return head ? head + "\n" + query : query;
  }

  // YASGUI's markup falls short of WCAG 2 AA (axe-core, tests/browser/test_a11y.py): its endpoint
  // field and editor have no names, tabs point (aria-controls) at panels that are not rendered, the
  // add-tab button sits inside the tab list, and the editor's scrolling region is not reachable by
  // keyboard. Repaired after every change YASGUI makes to its markup (colours: site.css).
  function repairA11y(el, lang) {
    var zh = lang === "zh";
    Array.prototype.forEach.call(el.querySelectorAll('[role="tab"][aria-controls]'), function (t) {
      if (!document.getElementById(t.getAttribute("aria-controls"))) t.removeAttribute("aria-controls");
    });
    Array.prototype.forEach.call(el.querySelectorAll('[role="tablist"] .addTab'), function (b) {
      var wrapper = b.parentNode, list = wrapper.parentNode;
      list.parentNode.insertBefore(wrapper, list.nextSibling);
    });
    Array.prototype.forEach.call(el.querySelectorAll("input.autocomplete:not([aria-label])"), function (i) {
      i.setAttribute("aria-label", zh ? "SPARQL 端点" : "SPARQL endpoint");
    });
    Array.prototype.forEach.call(el.querySelectorAll(".CodeMirror textarea:not([aria-label])"), function (t) {
      t.setAttribute("aria-label", zh ? "SPARQL 查询" : "SPARQL query");
    });
    Array.prototype.forEach.call(el.querySelectorAll(".CodeMirror-scroll:not([tabindex=\"0\"])"), function (s) {
      s.setAttribute("tabindex", "0");
      s.setAttribute("role", "region");
      s.setAttribute("aria-label", zh ? "查询编辑区" : "Query editor");
    });
  }

  function init(el) {
    var Yasgui = window.Yasgui && (window.Yasgui.default || window.Yasgui);
    if (typeof Yasgui !== "function") {
      console.error("sparql-editor: YASGUI is not loaded (/static/vendor/yasgui/yasgui.min.js)");
      return null;
    }
    var cfg = readConfig(el);
    var first = cfg.examples[0];
    var yasgui = new Yasgui(el, {
      requestConfig: { endpoint: cfg.endpoint, method: "POST" },
      copyEndpointOnNewTab: true,
      // our endpoint only: no catalogue of other endpoints, no state shared through the URL
      endpointCatalogueOptions: { getData: function () { return []; } },
      populateFromUrl: false,
      persistenceId: null,
      autoAddOnInit: false,
      yasqe: { value: withPrefixes(first ? first.query : "SELECT * WHERE { ?s ?p ?o } LIMIT 10", cfg.prefixes) },
    });
    if (cfg.examples.length) {
      cfg.examples.forEach(function (ex, i) {
        yasgui.addTab(i === 0, {
          name: ex.name || "Query " + (i + 1),
          yasqe: { value: withPrefixes(ex.query, cfg.prefixes) },
          requestConfig: { endpoint: cfg.endpoint, method: "POST" },
        });
      });
    } else {
      yasgui.addTab(true, { requestConfig: { endpoint: cfg.endpoint, method: "POST" } });
    }
    var tab = yasgui.getTab();
    if (tab && tab.getYasqe() && Object.keys(cfg.prefixes).length) tab.getYasqe().addPrefixes(cfg.prefixes);
    el.yasgui = yasgui;
    var lang = cfg.lang || document.documentElement.lang;
    repairA11y(el, lang);
    if (window.MutationObserver) {
      new MutationObserver(function () { repairA11y(el, lang); }).observe(el, { childList: true, subtree: true });
    }
    return yasgui;
  }

  function start() {
    var els = document.querySelectorAll("#sparql-editor, .sparql-editor");
    Array.prototype.forEach.call(els, function (el) {
      if (!el.yasgui) init(el);
    });
  }

  window.registrySparqlEditor = { init: init, withPrefixes: withPrefixes };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
