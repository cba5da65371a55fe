/* The relationship network graph: ECharts force layout, edges coloured by relation type.
   Click a node to expand it one hop (merged into the graph); double-click to open the customer.
   Data comes from GET /api/v1/customers/<id>/network; nothing here builds HTML from data. */
(function () {
  "use strict";

  function NetworkGraph(node) {
    this.node = node;
    this.api = node.getAttribute("data-api");
    this.openBase = node.getAttribute("data-open");
    this.rootId = Number(node.getAttribute("data-root"));
    this.text = JSON.parse(node.getAttribute("data-text"));
    this.legend = JSON.parse(node.getAttribute("data-legend"));
    this.colors = {};
    var self = this;
    this.legend.forEach(function (t) { self.colors[t.key] = t.color || "#475467"; });
    this.chart = window.echarts.init(node, null, { renderer: "canvas" });
    this.chart.on("click", function (event) { if (event.dataType === "node") self.expand(event.data); });
    this.chart.on("dblclick", function (event) { if (event.dataType === "node") self.open(event.data); });
    window.addEventListener("resize", function () { self.chart.resize(); });
    var hint = document.querySelector("[data-network-hint]");
    if (hint) hint.textContent = this.text.hint;
    document.querySelectorAll("[data-network-depth], [data-network-type]").forEach(function (input) {
      input.addEventListener("change", function () { self.load(self.apiUrl(self.api, self.depth())); });
    });
    this.load(this.apiUrl(this.api, this.depth()));
  }

  NetworkGraph.prototype.depth = function () {
    var select = document.querySelector("[data-network-depth]");
    return select ? select.value : this.node.getAttribute("data-depth");
  };

  NetworkGraph.prototype.types = function () {
    var boxes = Array.prototype.slice.call(document.querySelectorAll("[data-network-type]"));
    var checked = boxes.filter(function (b) { return b.checked; }).map(function (b) { return b.value; });
    return checked.length === boxes.length ? "" : checked.join(",");
  };

  NetworkGraph.prototype.apiUrl = function (base, depth) {
    var url = new URL(base, window.location.href);
    url.searchParams.set("depth", depth);
    var types = this.types();
    if (types) url.searchParams.set("types", types);
    return url.toString();
  };

  NetworkGraph.prototype.status = function (message) {
    var status = document.querySelector("[data-network-status]");
    if (status) status.textContent = message;
  };

  NetworkGraph.prototype.fetch = function (url) {
    return window.fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      });
  };

  NetworkGraph.prototype.load = function (url) {
    var self = this;
    this.nodes = {};
    this.edges = {};
    this.fetch(url).then(function (data) { self.merge(data); }, function (err) { self.status(err.message); });
  };

  NetworkGraph.prototype.merge = function (data) {
    var self = this;
    data.nodes.forEach(function (n) {
      if (!self.nodes[n.id]) self.nodes[n.id] = n;
    });
    data.edges.forEach(function (e) { self.edges[e.id] = e; });
    this.status(data.truncated ? "… " + this.text.more : "");
    this.draw();
  };

  NetworkGraph.prototype.draw = function () {
    var self = this;
    var nodes = Object.keys(this.nodes).map(function (key) {
      var n = self.nodes[key];
      var isRoot = n.id === self.rootId;
      return {
        id: String(n.id), name: n.anonymous ? self.text.hidden : n.name, customerId: n.anonymous ? null : n.id,
        symbolSize: isRoot ? 34 : 18, anonymous: n.anonymous,
        itemStyle: { color: n.anonymous ? "#d0d5dd" : (isRoot ? "#b42318" : "#175cd3") },
        label: { show: true }
      };
    });
    var names = {};
    this.legend.forEach(function (t) { names[t.key] = t.name_zh && document.documentElement.lang === "zh-CN" ? t.name_zh : t.name; });
    var links = Object.keys(this.edges).map(function (key) {
      var e = self.edges[key];
      return {
        source: String(e.source), target: String(e.target), value: names[e.type] || e.type,
        lineStyle: { color: self.colors[e.type] || "#98a2b3", width: 1 + (e.strength || 3) / 2 }
      };
    });
    this.chart.setOption({
      tooltip: { formatter: "{b}" },
      animationDurationUpdate: 300,
      series: [{
        type: "graph", layout: "force", roam: true, draggable: true,
        force: { repulsion: 160, edgeLength: [60, 140] },
        edgeSymbol: ["none", "arrow"], edgeSymbolSize: 6,
        edgeLabel: { show: false }, emphasis: { focus: "adjacency" },
        data: nodes, links: links
      }]
    }, { replaceMerge: ["series"] });
  };

  NetworkGraph.prototype.expand = function (datum) {
    if (!datum || datum.anonymous || datum.customerId === null) return;
    var self = this;
    var url = this.api.replace(/\/customers\/\d+\/network/, "/customers/" + datum.customerId + "/network");
    this.fetch(this.apiUrl(url, 1)).then(function (data) { self.merge(data); },
                                         function (err) { self.status(err.message); });
  };

  NetworkGraph.prototype.open = function (datum) {
    if (!datum || datum.anonymous || datum.customerId === null) return;
    window.top.location.href = this.openBase + encodeURIComponent(datum.customerId);
  };

  function start() {
    if (!window.echarts) return;
    document.querySelectorAll("[data-network-graph]").forEach(function (node) {
      if (!node.xtGraph) node.xtGraph = new NetworkGraph(node);
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
