/* legame: render every chart of the page with vega-embed.
 * Each chart is a <script type="application/json" class="chart-spec" data-target="ID">
 * holding a Vega-Lite spec; the page's locale (numbers and dates) is in #legame-locale.
 * vega-embed runs with its expression interpreter (ast: true), so no eval is needed. */
(function () {
  "use strict";

  function pageLocale() {
    var node = document.getElementById("legame-locale");
    return node ? JSON.parse(node.textContent) : {};
  }

  function renderAll() {
    var locale = pageLocale();
    var specs = document.querySelectorAll("script.chart-spec");
    Array.prototype.forEach.call(specs, function (node) {
      var target = document.getElementById(node.getAttribute("data-target"));
      if (!target) {
        return;
      }
      var options = {
        renderer: "svg",
        ast: true,
        actions: {export: true, source: false, compiled: false, editor: false},
        formatLocale: locale.format,
        timeFormatLocale: locale.time
      };
      window.vegaEmbed(target, JSON.parse(node.textContent), options).then(function () {
        target.setAttribute("data-rendered", "true");
      }).catch(function (error) {
        target.setAttribute("data-rendered", "error");
        console.error("chart " + target.id + ": " + error);
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", renderAll);
  } else {
    renderAll();
  }
})();
