/* Xietong CRM: small behaviours of the shell. No inline scripts, no third-party code here. */
(function () {
  "use strict";

  // "Select all" checkbox of list pages.
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!box.matches("[data-xt-select-all]")) return;
    var table = box.closest("table");
    table.querySelectorAll("input[name=ids]").forEach(function (item) { item.checked = box.checked; });
  });

  // Confirm before destructive submits.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-xt-confirm]");
    if (button && !window.confirm(button.getAttribute("data-xt-confirm"))) event.preventDefault();
  });

  // Record tabs: htmx loads a tab's content; the Details tab is restored from its template.
  document.addEventListener("click", function (event) {
    var tab = event.target.closest("[data-xt-tab]");
    if (!tab) return;
    var bar = tab.closest(".nav");
    bar.querySelectorAll(".nav-link").forEach(function (link) {
      link.classList.toggle("active", link === tab);
      link.setAttribute("aria-selected", link === tab ? "true" : "false");
    });
    var key = tab.getAttribute("data-xt-tab");
    if (window.history && window.history.replaceState) {
      var url = new URL(window.location.href);
      url.searchParams.set("tab", key);
      window.history.replaceState(null, "", url);
    }
    if (key === "details") {
      event.preventDefault();
      var panel = document.getElementById("xt-tab-panel");
      var template = document.getElementById("xt-details-template");
      panel.querySelectorAll(":scope > :not(template)").forEach(function (node) { node.remove(); });
      panel.appendChild(template.content.cloneNode(true));
    } else if (window.htmx) {
      event.preventDefault();
    }
  });

  // Keep the Details template when htmx swaps a tab in.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var panel = event.detail.target;
    if (panel.id !== "xt-tab-panel") return;
    event.detail.shouldSwap = false;
    var template = document.getElementById("xt-details-template");
    panel.innerHTML = event.detail.serverResponse;
    if (template) panel.prepend(template);
    htmx.process(panel);
    initCharts(panel);
  });

  // Charts: <div data-echarts='{...option...}'> (see core/web/charts.py).
  var echartsLoading = false;
  function initCharts(root) {
    root = root || document;
    if (!window.echarts) {
      if (!echartsLoading && root.querySelector("[data-echarts]")) {
        echartsLoading = true;
        var script = document.createElement("script");
        script.src = document.body.getAttribute("data-xt-echarts");
        script.onload = function () { initCharts(document); };
        document.head.appendChild(script);
      }
      return;
    }
    root.querySelectorAll("[data-echarts]:not([data-echarts-ready])").forEach(function (node) {
      var option = JSON.parse(node.getAttribute("data-echarts"));
      var chart = window.echarts.init(node, null, { renderer: "svg" });
      chart.setOption(option);
      node.setAttribute("data-echarts-ready", "1");
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { initCharts(document); });
  document.addEventListener("htmx:afterSettle", function (event) { initCharts(event.detail.elt); });
  window.xietong = { initCharts: initCharts };
})();
