/* The regency's dashboard: one Chart.js chart per tile, drawn from the
   json_script data (CSP: no inline script). Every chart has its table on the
   page; colours are not the only cue (the legend names each series). */
(function () {
  "use strict";
  document.querySelectorAll("[data-cetak]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
  var source = document.getElementById("dasbor-grafik");
  if (!source || typeof Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var colours = ["#0f5b9e", "#1b7f3b", "#b45309", "#7c3aed", "#be123c", "#0e7490"];
  var locale = document.documentElement.lang || "id";
  var number = new Intl.NumberFormat(locale);
  var charts = [];
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.font.size = 12;
  document.querySelectorAll("canvas[data-ubin]").forEach(function (canvas) {
    var chart = data[canvas.getAttribute("data-ubin")];
    if (!chart) { return; }
    var horizontal = chart.type === "bar" && chart.labels.length > 6;
    if (horizontal) {
      canvas.parentElement.style.height = Math.max(220, 28 * chart.labels.length + 70) + "px";
    }
    var datasets = chart.datasets.map(function (set, i) {
      var colour = colours[i % colours.length];
      return Object.assign({backgroundColor: colour, borderColor: colour}, set);
    });
    // Counts get whole-number ticks; an index (IKM) keeps its decimals.
    var whole = datasets.every(function (set) {
      return set.data.every(function (v) { return v === null || Number.isInteger(v); });
    });
    var valueAxis = {beginAtZero: true, ticks: {
      precision: whole ? 0 : undefined,
      callback: function (v) { return number.format(v); }
    }};
    var categoryAxis = {ticks: {autoSkip: false, callback: function (v) {
      var label = this.getLabelForValue(v);
      return label.length > 22 ? label.slice(0, 21) + "…" : label;
    }}};
    charts.push(new Chart(canvas, {
      type: chart.type,
      data: {labels: chart.labels, datasets: datasets},
      options: {
        animation: false,
        indexAxis: horizontal ? "y" : "x",
        scales: chart.type === "doughnut" ? {} :
          (horizontal ? {x: valueAxis, y: categoryAxis} : {y: valueAxis, x: categoryAxis}),
        plugins: {legend: {display: datasets.length > 1, position: "bottom"}}
      }
    }));
  });
  // Print: the charts redraw at the paper's size (A4 less margins: about
  // 180 x 45 mm at 96 dpi, the box of the print stylesheet), then back.
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details.dasbor-cara").forEach(function (d) { d.open = true; });
    charts.forEach(function (chart) { chart.resize(680, 170); });
  });
  window.addEventListener("afterprint", function () {
    charts.forEach(function (chart) { chart.resize(); });
  });
})();
