// cloudperf report: draws the charts from the JSON in #data with uPlot.
(function () {
  "use strict";

  var D = JSON.parse(document.getElementById("data").textContent);
  var S = D.summary || {};
  var W = D.interval_s || 1;
  var TL = S.timeline || [];
  var C = S.cluster || null;
  var samples = (C && C.samples) || [];
  var events = (C && C.events) || [];

  var CP = cloudperfCharts; // charts.js, inlined before this script
  var INK = CP.INK, GRID = CP.GRID, TICKS = CP.TICKS, FONT = CP.FONT;
  var COLORS = {
    p50: "#2563eb", p90: "#7c3aed", p99: "#d97706", max: "#dc2626",
    offered: "#94a3b8", sent: "#2563eb", ok: "#059669", errors: "#dc2626",
    desired: "#7c3aed", ready: "#059669", hpa: "#a78bfa", cpu: "#ea580c", target: "#fb923c",
    corrected: "#2563eb", service: "#059669", scale: "rgba(234, 88, 12, 0.75)",
    serviceP50: "#34d399", serviceP99: "#047857", stage: "rgba(100, 116, 139, 0.9)", dropped: "#9a3412"
  };

  // Formatting.
  var fmtMs = CP.fmtMs, fmtAxisMs = CP.fmtAxisMs, fmtOneIn = CP.fmtOneIn, pos = CP.pos, empty = CP.empty;
  function fmtClock(s) {
    if (s == null) return "";
    var neg = s < 0;
    s = Math.abs(Math.round(s));
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    var out = (h > 0 ? h + ":" + (m < 10 ? "0" : "") : "") + m + ":" + (sec < 10 ? "0" : "") + sec;
    return (neg ? "-" : "") + out;
  }
  function fmtRate(v) { return v == null ? "" : (v >= 100 ? v.toFixed(0) : v.toFixed(1)) + "/s"; }
  function fmtInt(v) { return v == null ? "" : String(Math.round(v)); }
  function fmtPct(v) { return v == null ? "" : v.toFixed(0) + "%"; }
  // On a log axis, grid lines at 1, 2 and 5 of each decade, and labels there
  // too when a decade is tall enough, else at the decades only.
  function mantissa(v) { return Math.round(v / Math.pow(10, Math.floor(Math.log10(v) + 1e-9))); }
  function grid125(u, splits) {
    return splits.map(function (v) {
      if (v == null || v <= 0) return null;
      var m = mantissa(v);
      return m === 1 || m === 2 || m === 5 ? v : null;
    });
  }
  function labels125(u, splits, ai) {
    var sc = u.scales[u.axes[ai].scale || "y"];
    var decades = Math.log10(sc.max / sc.min);
    var tall = decades > 0 && u.bbox.height / uPlot.pxRatio / decades >= 90;
    return splits.map(function (v) {
      if (v == null || v <= 0) return null;
      var m = mantissa(v);
      return m === 1 || (tall && (m === 2 || m === 5)) ? v : null;
    });
  }
  function fmtOneInPrecise(x) {
    if (x <= 1.0000001) return "0%";
    var p = 100 * (1 - 1 / x);
    var digits = Math.max(1, Math.ceil(Math.log10(x) - 1e-9) - 1);
    return p.toFixed(digits) + "%";
  }

  // The time axis spans the run and whatever was observed of the cluster.
  var xEnd = 0;
  if (TL.length) xEnd = TL[TL.length - 1].start_ms / 1000 + W;
  xEnd = Math.max(xEnd, (S.elapsed_ms || 0) / 1000);
  samples.forEach(function (s) { xEnd = Math.max(xEnd, s.at_ms / 1000); });
  if (xEnd <= 0) xEnd = 1;

  var warmupEnd = 0;
  (S.stages || []).forEach(function (st) {
    if (st.warmup) warmupEnd = Math.max(warmupEnd, (st.start_ms + st.duration_ms) / 1000);
  });

  var scaleTimes = events.filter(function (e) { return e.kind === "scale"; }).map(function (e) { return e.at_ms / 1000; });

  // Where each stage after the first counted one begins, and its number
  // (counted from 1, a warm-up not counted): solid lines on the time charts.
  var stageStarts = [];
  (S.stages || []).filter(function (st) { return !st.warmup; }).forEach(function (st, i) {
    if (i > 0) stageStarts.push({ t: st.start_ms / 1000, label: "stage " + (i + 1) });
  });

  // Each interval is drawn at its middle: its counts and percentiles are of the whole second.
  function mid(iv) { return iv.start_ms / 1000 + W / 2; }
  function inWarmup(iv) { return iv.start_ms / 1000 + W <= warmupEnd + 1e-9; }

  // The cluster chart has a second axis on the right; the other time charts
  // leave the same room so that their time axes line up.
  var RIGHT_AXIS = 64, AXIS_LABEL = 18;
  var clusterHasCPU = samples.some(function (s) { return s.cpu_utilization >= 0; });
  function timePadding() { return [null, clusterHasCPU ? RIGHT_AXIS + AXIS_LABEL : null, null, null]; }

  function timeAxis() {
    return {
      stroke: INK, font: FONT, grid: GRID, ticks: TICKS, space: 70,
      incrs: [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 28800, 86400],
      values: function (u, vals) { return vals.map(fmtClock); }
    };
  }
  function valueAxis(fmt, extra) {
    var a = { stroke: INK, font: FONT, grid: GRID, ticks: TICKS, size: 64, values: function (u, vals) { return vals.map(function (v) { return v == null ? "" : fmt(v); }); } };
    for (var k in extra) a[k] = extra[k];
    return a;
  }
  function xSeries(fmt) { return { label: "time", value: function (u, v) { return fmt(v); } }; }
  function timeScale() { return { time: false, range: function () { return [0, xEnd]; } }; }

  // Dashed vertical lines at the cluster's scale events, on every time chart.
  function scaleMarkers(labelled) {
    return {
      hooks: {
        draw: [function (u) {
          if (!scaleTimes.length) return;
          var ctx = u.ctx, b = u.bbox, r = uPlot.pxRatio, lastRight = -Infinity;
          ctx.save();
          ctx.strokeStyle = COLORS.scale;
          ctx.lineWidth = r;
          ctx.setLineDash([4 * r, 4 * r]);
          ctx.font = (11 * r) + "px system-ui, sans-serif";
          ctx.textBaseline = "top";
          scaleTimes.forEach(function (t, i) {
            var x = Math.round(u.valToPos(t, "x", true)) + 0.5;
            if (x < b.left || x > b.left + b.width) return;
            ctx.beginPath();
            ctx.moveTo(x, b.top);
            ctx.lineTo(x, b.top + b.height);
            ctx.stroke();
            if (!labelled) return;
            var text = scaleLabel(events.filter(function (e) { return e.kind === "scale"; })[i].message);
            var w = ctx.measureText(text).width;
            if (x + 4 * r < lastRight || x + 4 * r + w > b.left + b.width) return;
            ctx.fillStyle = "#c2410c";
            ctx.fillText(text, x + 4 * r, b.top + 4 * r);
            lastRight = x + 4 * r + w + 8 * r;
          });
          ctx.restore();
        }]
      }
    };
  }
  function scaleLabel(msg) {
    msg = String(msg || "scale");
    var m = msg.match(/(\d+)\D+?(\d+)/);
    if (m) return m[1] + " → " + m[2];
    return msg.length > 24 ? msg.slice(0, 23) + "…" : msg;
  }

  // Solid grey lines where stages begin (dashed lines are the cluster's
  // scale events), labelled at the top when asked.
  function stageLines(labelled) {
    return {
      hooks: {
        draw: [function (u) {
          if (!stageStarts.length) return;
          var ctx = u.ctx, b = u.bbox, r = uPlot.pxRatio;
          ctx.save();
          ctx.strokeStyle = COLORS.stage;
          ctx.lineWidth = r;
          ctx.font = (11 * r) + "px system-ui, sans-serif";
          ctx.textBaseline = "bottom";
          stageStarts.forEach(function (s) {
            var x = Math.round(u.valToPos(s.t, "x", true)) + 0.5;
            if (x < b.left || x > b.left + b.width) return;
            ctx.beginPath();
            ctx.moveTo(x, b.top);
            ctx.lineTo(x, b.top + b.height);
            ctx.stroke();
            if (!labelled) return;
            var w = ctx.measureText(s.label).width;
            if (x + 4 * r + w > b.left + b.width) return;
            ctx.fillStyle = "#475569";
            ctx.fillText(s.label, x + 4 * r, b.top + b.height - 4 * r);
          });
          ctx.restore();
        }]
      }
    };
  }

  // A grey band over the warm-up, whose results are not in the statistics.
  function warmupBand() {
    return {
      hooks: {
        drawAxes: [function (u) {
          if (warmupEnd <= 0) return;
          var ctx = u.ctx, b = u.bbox, r = uPlot.pxRatio;
          var x0 = Math.max(b.left, u.valToPos(0, "x", true));
          var x1 = Math.min(b.left + b.width, u.valToPos(warmupEnd, "x", true));
          if (x1 <= x0) return;
          ctx.save();
          ctx.fillStyle = "rgba(148, 163, 184, 0.13)";
          ctx.fillRect(x0, b.top, x1 - x0, b.height);
          ctx.fillStyle = "#94a3b8";
          ctx.font = (11 * r) + "px system-ui, sans-serif";
          ctx.textBaseline = "top";
          var text = "warm-up";
          if (ctx.measureText(text).width < x1 - x0 - 8 * r) ctx.fillText(text, x0 + 4 * r, b.top + 4 * r);
          ctx.restore();
        }]
      }
    };
  }

  // Small ticks at the bottom of the cluster chart: pods ready (green) and gone (red).
  function podMarkers() {
    return {
      hooks: {
        draw: [function (u) {
          var ctx = u.ctx, b = u.bbox, r = uPlot.pxRatio;
          ctx.save();
          events.forEach(function (e) {
            if (e.kind !== "pod-ready" && e.kind !== "pod-gone") return;
            var x = u.valToPos(e.at_ms / 1000, "x", true);
            if (x < b.left || x > b.left + b.width) return;
            var y = b.top + b.height;
            ctx.fillStyle = e.kind === "pod-ready" ? COLORS.ready : COLORS.errors;
            ctx.beginPath();
            ctx.moveTo(x, y - 7 * r);
            ctx.lineTo(x - 4 * r, y);
            ctx.lineTo(x + 4 * r, y);
            ctx.closePath();
            ctx.fill();
          });
          ctx.restore();
        }]
      }
    };
  }

  // Solid lines at the autoscaling analysis's moments: the load's rise, the
  // scale-up decision and its pods ready.
  function autoscalingMarkers() {
    var A = S.autoscaling;
    var marks = [];
    if (A) {
      var rise = A.rise_at_ms / 1000;
      marks.push([rise, "load rose"]);
      if (A.decision_after_ms != null) marks.push([rise + A.decision_after_ms / 1000, "decided"]);
      if (A.ready_after_ms != null) marks.push([rise + A.ready_after_ms / 1000, "ready"]);
    }
    return {
      hooks: {
        draw: [function (u) {
          if (!marks.length) return;
          var ctx = u.ctx, b = u.bbox, r = uPlot.pxRatio;
          ctx.save();
          ctx.strokeStyle = "rgba(124, 58, 237, 0.6)";
          ctx.fillStyle = "#6d28d9";
          ctx.lineWidth = r;
          ctx.font = (11 * r) + "px system-ui, sans-serif";
          ctx.textBaseline = "bottom";
          marks.forEach(function (m) {
            var x = Math.round(u.valToPos(m[0], "x", true)) + 0.5;
            if (x < b.left || x > b.left + b.width) return;
            ctx.beginPath();
            ctx.moveTo(x, b.top + 16 * r);
            ctx.lineTo(x, b.top + b.height);
            ctx.stroke();
            ctx.fillText(m[1], x + 3 * r, b.top + b.height - 10 * r);
          });
          ctx.restore();
        }]
      }
    };
  }

  var charts = [];
  function mount(id, opts, data) { CP.mount(charts, id, opts, data); }
  function line(label, color, fmt, extra) {
    var s = { label: label, stroke: color, width: 1.75, value: function (u, v) { return fmt(v); }, points: { show: false } };
    for (var k in extra) s[k] = extra[k];
    return s;
  }
  var stepped = uPlot.paths.stepped({ align: 1 });
  var sync = { key: "cloudperf-time", setSeries: false };

  function latencyChart() {
    var el = document.getElementById("chart-latency");
    var have = TL.some(function (iv) { return iv.completed > 0; });
    if (!have) return empty(el, "No responses were recorded.");
    var x = [], p50 = [], p90 = [], p99 = [], mx = [], s50 = [], s99 = [];
    TL.forEach(function (iv) {
      var has = iv.completed > 0;
      x.push(mid(iv));
      p50.push(has ? pos(iv.p50_ms) : null);
      p90.push(has ? pos(iv.p90_ms) : null);
      p99.push(has ? pos(iv.p99_ms) : null);
      mx.push(has ? pos(iv.max_ms) : null);
      s50.push(has ? pos(iv.service_p50_ms) : null);
      s99.push(has ? pos(iv.service_p99_ms) : null);
    });
    mount("chart-latency", {
      scales: { x: timeScale(), y: { distr: 3, log: 10 } },
      cursor: { sync: sync },
      series: [
        xSeries(fmtClock),
        line("p50", COLORS.p50, fmtMs, { width: 2 }),
        line("p90", COLORS.p90, fmtMs),
        line("p99", COLORS.p99, fmtMs),
        // Solid, thin: dashed lines are the scale events'.
        line("max", COLORS.max, fmtMs, { width: 1 }),
        line("service p50", COLORS.serviceP50, fmtMs, { width: 1.5 }),
        line("service p99", COLORS.serviceP99, fmtMs, { width: 1.5 })
      ],
      axes: [timeAxis(), valueAxis(fmtAxisMs, {
        label: "latency", labelFont: FONT, labelSize: 18, filter: labels125,
        grid: { stroke: GRID.stroke, width: 1, filter: grid125 }, ticks: { stroke: TICKS.stroke, width: 1, size: 4, filter: labels125 }
      })],
      padding: timePadding(),
      plugins: [warmupBand(), stageLines(true), scaleMarkers(false)]
    }, [x, p50, p90, p99, mx, s50, s99]);
  }

  function throughputChart() {
    var el = document.getElementById("chart-throughput");
    if (!TL.length) return empty(el, "No requests were sent.");
    var x = [], offered = [], sent = [], ok = [], errors = [], dropped = [], anyDropped = false;
    TL.forEach(function (iv) {
      // The warm-up is not counted: leave it blank rather than at zero.
      var counted = !inWarmup(iv);
      x.push(mid(iv));
      offered.push(counted ? iv.offered / W : null);
      sent.push(counted ? iv.sent / W : null);
      ok.push(counted ? iv.ok / W : null);
      errors.push(counted ? iv.errors / W : null);
      dropped.push(counted ? (iv.dropped || 0) / W : null);
      anyDropped = anyDropped || iv.dropped > 0;
    });
    var series = [
      xSeries(fmtClock),
      line("offered", COLORS.offered, fmtRate, { width: 2, dash: [6, 4] }),
      line("sent", COLORS.sent, fmtRate),
      line("completed ok", COLORS.ok, fmtRate, { width: 2 }),
      line("errors", COLORS.errors, fmtRate, { fill: "rgba(220, 38, 38, 0.12)" })
    ];
    var data = [x, offered, sent, ok, errors];
    if (anyDropped) { // due when it was, never sent: the schedule ended first
      series.push(line("dropped", COLORS.dropped, fmtRate, { fill: "rgba(154, 52, 18, 0.12)" }));
      data.push(dropped);
    }
    mount("chart-throughput", {
      scales: { x: timeScale(), y: { range: function (u, min, max) { return [0, Math.max(1, max * 1.08)]; } } },
      cursor: { sync: sync },
      series: series,
      axes: [timeAxis(), valueAxis(function (v) { return +v.toPrecision(4) + "/s"; }, { label: "requests per second", labelFont: FONT, labelSize: 18 })],
      padding: timePadding(),
      plugins: [warmupBand(), stageLines(false), scaleMarkers(false)]
    }, data);
  }

  function clusterChart() {
    var el = document.getElementById("chart-cluster");
    if (!el || !samples.length) return; // the page says why
    var x = [], desired = [], ready = [], hpa = [], cpu = [], target = [];
    var hasHPA = false, hasCPU = false, top = 1, cpuTop = 100;
    samples.forEach(function (s) {
      x.push(s.at_ms / 1000);
      desired.push(s.desired);
      ready.push(s.ready);
      hpa.push(s.hpa_desired >= 0 && C.hpa ? s.hpa_desired : null);
      cpu.push(s.cpu_utilization >= 0 ? s.cpu_utilization : null);
      target.push(s.cpu_target > 0 ? s.cpu_target : null);
      hasHPA = hasHPA || (s.hpa_desired >= 0 && !!C.hpa);
      hasCPU = hasCPU || s.cpu_utilization >= 0;
      top = Math.max(top, s.desired, s.ready, s.hpa_desired || 0);
      cpuTop = Math.max(cpuTop, s.cpu_utilization || 0, s.cpu_target || 0);
    });
    var series = [
      xSeries(fmtClock),
      line("desired replicas", COLORS.desired, fmtInt, { width: 2, paths: stepped, scale: "n" }),
      line("ready replicas", COLORS.ready, fmtInt, { width: 2.25, paths: stepped, scale: "n", fill: "rgba(5, 150, 105, 0.10)" })
    ];
    var data = [x, desired, ready];
    if (hasHPA) {
      series.push(line("HPA desired", COLORS.hpa, fmtInt, { paths: stepped, scale: "n", dash: [4, 3] }));
      data.push(hpa);
    }
    if (hasCPU) {
      series.push(line("CPU utilisation", COLORS.cpu, fmtPct, { width: 2, scale: "%" }));
      data.push(cpu);
      series.push(line("CPU target", COLORS.target, fmtPct, { dash: [2, 4], scale: "%", paths: stepped }));
      data.push(target);
    }
    var axes = [
      timeAxis(),
      valueAxis(fmtInt, { scale: "n", label: "replicas", labelFont: FONT, labelSize: 18, incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000] })
    ];
    if (hasCPU) {
      axes.push(valueAxis(fmtPct, { scale: "%", side: 1, size: RIGHT_AXIS, grid: { show: false }, label: "CPU % of requests", labelFont: FONT, labelSize: AXIS_LABEL, stroke: COLORS.cpu }));
    }
    mount("chart-cluster", {
      height: 260,
      scales: {
        x: timeScale(),
        n: { range: function () { return [0, Math.ceil(top * 1.15) + 1]; } },
        "%": { range: function () { return [0, Math.ceil(cpuTop * 1.1 / 10) * 10]; } }
      },
      cursor: { sync: sync },
      series: series,
      axes: axes,
      plugins: [warmupBand(), scaleMarkers(true), podMarkers(), autoscalingMarkers()]
    }, data);
  }

  function percentileChart() {
    var el = document.getElementById("chart-percentiles");
    var P = D.percentiles || {};
    if (!P.one_in || !P.one_in.length) return empty(el, "No latencies were recorded.");
    var last = P.one_in[P.one_in.length - 1];
    mount("chart-percentiles", {
      height: 300,
      scales: { x: { time: false, distr: 3, log: 10, range: function () { return [1, Math.max(10, last)]; } }, y: { range: function (u, min, max) { return [0, max * 1.08]; } } },
      series: [
        { label: "percentile", value: function (u, v, si, i) { return v == null ? "" : (i != null && P.percentile[i] >= 100 ? "max" : fmtOneInPrecise(v)); } },
        line("corrected", COLORS.corrected, fmtMs, { width: 2, points: { show: true, size: 4 } }),
        line("service time", COLORS.service, fmtMs, { width: 2, points: { show: true, size: 4 } })
      ],
      axes: [
        {
          stroke: INK, font: FONT, grid: GRID, ticks: TICKS, space: 50, label: "percentile", labelFont: FONT, labelSize: 18,
          splits: function (u, ai, min, max) {
            var out = [];
            for (var v = 1; v <= max * 1.0001; v *= 10) if (v >= min * 0.9999) out.push(v);
            return out;
          },
          values: function (u, vals) { return vals.map(fmtOneIn); }
        },
        valueAxis(fmtAxisMs, { label: "latency", labelFont: FONT, labelSize: 18 })
      ]
    }, [P.one_in, P.corrected_ms, P.service_ms]);
  }

  function run(name, f) {
    try { f(); } catch (e) { console.error("cloudperf report: " + name + " chart: " + (e && e.stack || e)); }
  }
  run("latency", latencyChart);
  run("throughput", throughputChart);
  run("cluster", clusterChart);
  run("percentile", percentileChart);

  CP.ready(charts);
})();
