// cloudperf comparison: overlays two runs' series from the JSON in #data with uPlot.
(function () {
  "use strict";

  var D = JSON.parse(document.getElementById("data").textContent);
  var B = D.base || {}, N = D["new"] || {};

  var CP = cloudperfCharts; // charts.js, inlined before this script
  var INK = CP.INK, GRID = CP.GRID, TICKS = CP.TICKS, FONT = CP.FONT;
  var C = { p50: "#2563eb", p99: "#d97706", ok: "#059669", errors: "#dc2626" };
  var BASE_DASH = [6, 4];

  var fmtMs = CP.fmtMs, fmtAxisMs = CP.fmtAxisMs, fmtOneIn = CP.fmtOneIn, pos = CP.pos, empty = CP.empty;
  function fmtClock(s) {
    if (s == null) return "";
    s = Math.round(s);
    var m = Math.floor(s / 60), sec = s % 60;
    return m + ":" + (sec < 10 ? "0" : "") + sec;
  }
  function fmtRate(v) { return v == null ? "" : (v >= 100 ? v.toFixed(0) : v.toFixed(1)) + "/s"; }

  var charts = [];
  function mount(id, opts, data) { CP.mount(charts, id, opts, data); }
  function line(label, color, fmt, extra) {
    var s = { label: label, stroke: color, width: 1.75, spanGaps: false, value: function (u, v) { return fmt(v); }, points: { show: false } };
    for (var k in extra) s[k] = extra[k];
    return s;
  }
  function axis(fmt, extra) {
    var a = { stroke: INK, font: FONT, grid: GRID, ticks: TICKS, size: 64, values: function (u, vals) { return vals.map(function (v) { return v == null ? "" : fmt(v); }); } };
    for (var k in extra) a[k] = extra[k];
    return a;
  }
  function timeAxis() {
    return { stroke: INK, font: FONT, grid: GRID, ticks: TICKS, space: 70,
      incrs: [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600],
      values: function (u, vals) { return vals.map(fmtClock); } };
  }
  // A run's series at each interval's middle, x in seconds from its start.
  function series(R, pick) {
    var x = [], ys = pick.map(function () { return []; });
    var W = R.interval_s || 1;
    (R.start_s || []).forEach(function (t, i) {
      x.push(t + W / 2);
      pick.forEach(function (f, k) { ys[k].push(f(R, i)); });
    });
    return [x].concat(ys);
  }

  function latencyChart() {
    var el = document.getElementById("chart-latency");
    var pick = [function (R, i) { return pos(R.p50_ms[i]); }, function (R, i) { return pos(R.p99_ms[i]); }];
    var b = series(B, pick), n = series(N, pick);
    if (!b[0].length && !n[0].length) return empty(el, "No responses were recorded.");
    mount("chart-latency", {
      scales: { x: { time: false }, y: { distr: 3, log: 10 } },
      series: [
        { label: "time", value: function (u, v) { return fmtClock(v); } },
        line("base p50", C.p50, fmtMs, { dash: BASE_DASH }),
        line("base p99", C.p99, fmtMs, { dash: BASE_DASH }),
        line("new p50", C.p50, fmtMs, { width: 2.25 }),
        line("new p99", C.p99, fmtMs, { width: 2.25 })
      ],
      axes: [timeAxis(), axis(fmtAxisMs, { label: "latency", labelFont: FONT, labelSize: 18 })]
    }, uPlot.join([b, n]));
  }

  function throughputChart() {
    var el = document.getElementById("chart-throughput");
    var pick = [function (R, i) { return R.ok_per_s[i]; }, function (R, i) { return R.errors_per_s[i]; }];
    var b = series(B, pick), n = series(N, pick);
    if (!b[0].length && !n[0].length) return empty(el, "No requests were sent.");
    mount("chart-throughput", {
      scales: { x: { time: false }, y: { range: function (u, min, max) { return [0, Math.max(1, max * 1.08)]; } } },
      series: [
        { label: "time", value: function (u, v) { return fmtClock(v); } },
        line("base ok", C.ok, fmtRate, { dash: BASE_DASH }),
        line("base errors", C.errors, fmtRate, { dash: BASE_DASH }),
        line("new ok", C.ok, fmtRate, { width: 2.25 }),
        line("new errors", C.errors, fmtRate, { width: 2.25 })
      ],
      axes: [timeAxis(), axis(function (v) { return +v.toPrecision(4) + "/s"; }, { label: "per second", labelFont: FONT, labelSize: 18 })]
    }, uPlot.join([b, n]));
  }

  function percentileChart() {
    var el = document.getElementById("chart-percentiles");
    var PB = B.percentiles || {}, PN = N.percentiles || {};
    var b = [PB.one_in || [], PB.corrected_ms || []], n = [PN.one_in || [], PN.corrected_ms || []];
    if (!b[0].length && !n[0].length) return empty(el, "No latencies were recorded.");
    var last = Math.max(b[0][b[0].length - 1] || 10, n[0][n[0].length - 1] || 10);
    mount("chart-percentiles", {
      height: 300,
      scales: { x: { time: false, distr: 3, log: 10, range: function () { return [1, Math.max(10, last)]; } }, y: { range: function (u, min, max) { return [0, max * 1.08]; } } },
      series: [
        { label: "percentile", value: function (u, v) { return v == null ? "" : fmtOneIn(v); } },
        line("base", C.p50, fmtMs, { dash: BASE_DASH, spanGaps: true, points: { show: true, size: 4 } }),
        line("new", C.p99, fmtMs, { width: 2.25, spanGaps: true, points: { show: true, size: 4 } })
      ],
      axes: [
        { stroke: INK, font: FONT, grid: GRID, ticks: TICKS, space: 50, label: "percentile", labelFont: FONT, labelSize: 18,
          splits: function (u, ai, min, max) {
            var out = [];
            for (var v = 1; v <= max * 1.0001; v *= 10) if (v >= min * 0.9999) out.push(v);
            return out;
          },
          values: function (u, vals) { return vals.map(fmtOneIn); } },
        axis(fmtAxisMs, { label: "latency", labelFont: FONT, labelSize: 18 })
      ]
    }, uPlot.join([b, n]));
  }

  function run(name, f) {
    try { f(); } catch (e) { console.error("cloudperf compare: " + name + " chart: " + (e && e.stack || e)); }
  }
  run("latency", latencyChart);
  run("throughput", throughputChart);
  run("percentile", percentileChart);

  CP.ready(charts);
})();
