// cloudperf capacity: draws the knee — latency and errors against the rate — from the JSON in #data.
(function () {
  "use strict";

  var D = JSON.parse(document.getElementById("data").textContent);
  var CP = cloudperfCharts; // charts.js, inlined before this script
  var INK = CP.INK, GRID = CP.GRID, TICKS = CP.TICKS, FONT = CP.FONT;
  var C = { p50: "#2563eb", p90: "#059669", p99: "#d97706", errors: "#dc2626", held: "#059669", broken: "#dc2626" };

  var fmtMs = CP.fmtMs, fmtAxisMs = CP.fmtAxisMs, pos = CP.pos;
  function fmtRate(v) { return v == null ? "" : (v >= 100 ? v.toFixed(0) : +v.toPrecision(3)) + "/s"; }
  function fmtPct(v) { return v == null ? "" : +v.toPrecision(3) + "%"; }

  var charts = [];
  function line(label, color, fmt, extra) {
    var s = { label: label, stroke: color, width: 2, spanGaps: true, value: function (u, v) { return fmt(v); }, points: { show: true, size: 6 } };
    for (var k in extra) s[k] = extra[k];
    return s;
  }

  // The capacity and the lowest rate broken as vertical lines, the bracket
  // between them shaded, the latency limits as dotted horizontal lines.
  function marks() {
    return {
      hooks: {
        drawAxes: [function (u) {
          var ctx = u.ctx, b = u.bbox, r = uPlot.pxRatio;
          if (!(D.capacity > 0 && D.broken_at > 0)) return;
          var x0 = u.valToPos(D.capacity, "x", true), x1 = u.valToPos(D.broken_at, "x", true);
          ctx.save();
          ctx.fillStyle = "rgba(234, 179, 8, 0.15)";
          ctx.fillRect(x0, b.top, Math.max(x1 - x0, r), b.height);
          ctx.restore();
        }],
        draw: [function (u) {
          var ctx = u.ctx, b = u.bbox, r = uPlot.pxRatio;
          ctx.save();
          ctx.font = (11 * r) + "px system-ui, sans-serif";
          ctx.textBaseline = "top";
          [[D.capacity, C.held, "capacity " + fmtRate(D.capacity)], [D.broken_at, C.broken, "broken " + fmtRate(D.broken_at)]].forEach(function (m, i) {
            if (!(m[0] > 0)) return;
            var x = Math.round(u.valToPos(m[0], "x", true)) + 0.5;
            if (x < b.left || x > b.left + b.width) return;
            ctx.strokeStyle = m[1];
            ctx.lineWidth = 1.5 * r;
            ctx.beginPath();
            ctx.moveTo(x, b.top);
            ctx.lineTo(x, b.top + b.height);
            ctx.stroke();
            ctx.fillStyle = m[1];
            var w = ctx.measureText(m[2]).width;
            var tx = i === 0 ? x - w - 4 * r : x + 4 * r;
            ctx.fillText(m[2], Math.max(b.left, tx), b.top + 4 * r);
          });
          ctx.setLineDash([2 * r, 3 * r]);
          ctx.lineWidth = r;
          (D.limits || []).forEach(function (l) {
            var y = Math.round(u.valToPos(l.ms, "y", true)) + 0.5;
            if (y < b.top || y > b.top + b.height) return;
            ctx.strokeStyle = C[l.metric] || INK;
            ctx.beginPath();
            ctx.moveTo(b.left, y);
            ctx.lineTo(b.left + b.width, y);
            ctx.stroke();
            ctx.fillStyle = C[l.metric] || INK;
            ctx.textBaseline = "bottom";
            ctx.fillText(l.metric + " limit " + fmtMs(l.ms), b.left + 4 * r, y - 2 * r);
          });
          ctx.restore();
        }]
      }
    };
  }

  function kneeChart() {
    var el = document.getElementById("chart-knee");
    var steps = (D.steps || []).filter(function (s) { return s.requests > 0; }).slice();
    if (!steps.length) {
      el.classList.add("empty");
      var p = document.createElement("p");
      p.textContent = "No step measured anything.";
      el.appendChild(p);
      return;
    }
    steps.sort(function (a, b) { return a.rate - b.rate; });
    var x = [], p50 = [], p90 = [], p99 = [], err = [], errTop = 1;
    steps.forEach(function (s) {
      x.push(s.rate);
      p50.push(pos(s.p50_ms));
      p90.push(pos(s.p90_ms));
      p99.push(pos(s.p99_ms));
      err.push(s.error_rate);
      errTop = Math.max(errTop, s.error_rate);
    });
    if (D.error_limit >= 0) errTop = Math.max(errTop, D.error_limit * 2);
    var lo = x[0], hi = x[x.length - 1];
    var el2 = document.getElementById("chart-knee");
    var u = new uPlot({
      width: Math.max(320, el2.clientWidth), height: 340,
      legend: { live: true },
      scales: {
        x: { time: false, distr: 3, log: 10, range: function () { return [lo / 1.15, hi * 1.15]; } },
        y: { distr: 3, log: 10 },
        "%": { range: function () { return [0, Math.ceil(errTop * 1.1)]; } }
      },
      series: [
        { label: "rate", value: function (u, v) { return fmtRate(v); } },
        line("p50", C.p50, fmtMs),
        line("p90", C.p90, fmtMs, { width: 1.5 }),
        line("p99", C.p99, fmtMs, { width: 2.5 }),
        line("errors", C.errors, fmtPct, { scale: "%", dash: [5, 3], width: 1.5 })
      ],
      axes: [
        { stroke: INK, font: FONT, grid: GRID, ticks: TICKS, label: "rate (requests per second)", labelFont: FONT, labelSize: 18,
          splits: function (u, ai, min, max) {
            var out = [];
            for (var d = Math.pow(10, Math.floor(Math.log10(min))); d <= max; d *= 10) {
              [1, 1.5, 2, 3, 5, 7].forEach(function (m) { var v = m * d; if (v >= min && v <= max) out.push(v); });
            }
            return out;
          },
          filter: function (u, splits) { return splits; },
          values: function (u, vals) { return vals.map(function (v) { return v == null ? "" : fmtRate(v); }); } },
        { stroke: INK, font: FONT, grid: GRID, ticks: TICKS, size: 64, label: "latency", labelFont: FONT, labelSize: 18,
          values: function (u, vals) { return vals.map(function (v) { return v == null ? "" : fmtAxisMs(v); }); } },
        { scale: "%", side: 1, stroke: C.errors, font: FONT, grid: { show: false }, ticks: TICKS, size: 56, label: "errors", labelFont: FONT, labelSize: 18,
          values: function (u, vals) { return vals.map(function (v) { return v == null ? "" : fmtPct(v); }); } }
      ],
      plugins: [marks()]
    }, [x, p50, p90, p99, err], el);
    charts.push({ u: u, el: el });
  }

  try { kneeChart(); } catch (e) { console.error("cloudperf capacity: knee chart: " + (e && e.stack || e)); }

  CP.ready(charts);
})();
