// The overview's spend chart: cost per time bucket, one stacked line per model (uPlot).
(function () {
  var el = document.getElementById("spend-chart");
  if (!el || typeof uPlot === "undefined") return;
  var data = JSON.parse(el.getAttribute("data-series") || "{}");
  var names = Object.keys(data.models || {});
  if (!names.length) { el.setAttribute("data-ready", "empty"); return; }
  var palette = ["#2f6fec", "#e8803a", "#1f8a4c", "#9b51e0", "#c73a3a", "#0aa2c0", "#8a6d1f", "#d4449a"];
  // Stack the series so the top line is the total spend.
  var running = data.buckets.map(function () { return 0; });
  var cols = [data.buckets];
  var series = [{}];
  names.forEach(function (name, i) {
    var values = data.models[name].cost_usd;
    running = running.map(function (v, j) { return v + values[j]; });
    cols.push(running.slice());
    var color = palette[i % palette.length];
    series.push({ label: name, stroke: color, fill: color + "33", width: 1.5,
                  value: function (u, v, si, idx) { return idx == null ? "" : "$" + values[idx].toFixed(6); } });
  });
  var opts = {
    width: el.clientWidth || 900, height: 300,
    series: series,
    axes: [{}, { values: function (u, ticks) { return ticks.map(function (t) { return "$" + t.toPrecision(3); }); }, size: 70 }],
    scales: { x: { time: true } },
  };
  new uPlot(opts, cols, el);
  el.setAttribute("data-ready", "drawn");
  el.setAttribute("data-models", names.join(","));
})();
