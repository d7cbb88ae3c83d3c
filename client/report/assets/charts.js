// cloudperf pages: the chart helpers every page's script shares (the
// palette, the formats, the resizing). Inlined before each page's own script.
var cloudperfCharts = (function () {
  "use strict";

  var P = {
    INK: "#6b7280",
    GRID: { stroke: "#eef0f3", width: 1 },
    TICKS: { stroke: "#e5e7eb", width: 1, size: 4 },
    FONT: "12px system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', Arial, sans-serif"
  };

  P.fmtMs = function (v) {
    if (v == null || isNaN(v)) return "";
    if (v >= 1000) return (v / 1000).toFixed(v >= 10000 ? 1 : 2) + " s";
    if (v >= 100) return v.toFixed(0) + " ms";
    if (v >= 10) return v.toFixed(1) + " ms";
    if (v >= 1) return v.toFixed(2) + " ms";
    return (v * 1000).toFixed(0) + " µs";
  };
  P.fmtAxisMs = function (v) {
    if (v === 0) return "0";
    if (v >= 1000) return +(v / 1000).toPrecision(3) + " s";
    if (v >= 1) return +v.toPrecision(3) + " ms";
    return +(v * 1000).toPrecision(3) + " µs";
  };
  // percentile label for x = 1/(1-p): 10 → 90%, 1000 → 99.9%
  P.fmtOneIn = function (x) {
    if (x <= 1.0000001) return "0%";
    var p = 100 * (1 - 1 / x);
    var digits = Math.max(0, Math.ceil(Math.log10(x) - 1e-9) - 2);
    return p.toFixed(digits) + "%";
  };
  P.pos = function (v) { return v != null && v > 0 ? v : null; };

  // A chart's place left empty, with a line saying why.
  P.empty = function (el, text) {
    el.classList.add("empty");
    var p = document.createElement("p");
    p.textContent = text;
    el.appendChild(p);
  };

  // mount draws a uPlot chart into the element id (if the page has it), as
  // wide as the element, and adds it to charts (for ready's resizing).
  P.mount = function (charts, id, opts, data) {
    var el = document.getElementById(id);
    if (!el) return;
    opts.width = Math.max(320, el.clientWidth);
    opts.height = opts.height || 280;
    opts.legend = opts.legend || { live: true };
    var u = new uPlot(opts, data, el);
    el.uplot = u; // for whoever inspects the page
    charts.push({ u: u, el: el });
  };

  // The charts ({u, el}) follow the window's width; then the page is ready.
  P.ready = function (charts) {
    var pending = null;
    window.addEventListener("resize", function () {
      if (pending) cancelAnimationFrame(pending);
      pending = requestAnimationFrame(function () {
        charts.forEach(function (c) { c.u.setSize({ width: Math.max(320, c.el.clientWidth), height: c.u.height }); });
      });
    });
    document.body.setAttribute("data-ready", "1");
  };

  return P;
})();
