/* SIPABES investment dashboard: one bar chart per breakdown (vendored Chart.js).
   The figures come from json_script; every chart has its table on the page. */
(function () {
  "use strict";
  var source = document.getElementById("sipabes-data-grafik");
  if (!source || typeof Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  // Translated on the server (services/sipabes/dashboard_views.py).
  var labels = JSON.parse(document.getElementById("sipabes-label-grafik").textContent);
  var locale = document.documentElement.lang || "id";
  var number = new Intl.NumberFormat(locale);

  document.querySelectorAll(".sipabes-progress").forEach(function (bar) {
    var percent = parseFloat(bar.getAttribute("data-percent")) || 0;
    // A sliver stays visible for a share under one percent.
    bar.style.width = Math.min(100, Math.max(percent, percent > 0 ? 0.5 : 0)) + "%";
  });

  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.font.size = 13;
  document.querySelectorAll("canvas[data-series]").forEach(function (canvas) {
    var series = data[canvas.getAttribute("data-series")];
    if (!series) { return; }
    // Many long names (markets, kecamatan) read better as horizontal bars.
    var horizontal = series.labels.length > 6 && canvas.getAttribute("data-series") !== "by_month";
    if (horizontal) {
      canvas.parentElement.style.height = Math.max(240, 36 * series.labels.length + 60) + "px";
    }
    var valueAxis = {beginAtZero: true, ticks: {precision: 0}};
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: series.labels,
        datasets: [
          {label: labels.traders, data: series.traders, backgroundColor: "#0f5b9e"},
          {label: labels.nib_issued, data: series.nib_issued, backgroundColor: "#1b7f3b"}
        ]
      },
      options: {
        indexAxis: horizontal ? "y" : "x",
        scales: horizontal ? {x: valueAxis} : {y: valueAxis},
        plugins: {
          tooltip: {
            callbacks: {
              afterBody: function (items) {
                var i = items[0].dataIndex;
                return labels.capital + ": " + number.format(series.capital[i]);
              }
            }
          }
        }
      }
    });
  });
})();
