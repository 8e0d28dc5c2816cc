/* Coverage over time (Chart.js, vendored); data and labels from json_script. */
(function () {
  "use strict";
  var node = document.getElementById("data-cakupan");
  var canvas = document.getElementById("grafik-cakupan");
  if (!node || !canvas || typeof Chart === "undefined") { return; }
  var data = JSON.parse(node.textContent);
  Chart.defaults.maintainAspectRatio = false;
  new Chart(canvas, {
    type: "line",
    data: {
      labels: data.labels,
      datasets: [
        {label: data.label_centralised, data: data.centralised, borderColor: "#0f5b9e", backgroundColor: "#0f5b9e", tension: 0.2},
        {label: data.label_covered, data: data.covered, borderColor: "#1b7f3b", backgroundColor: "#1b7f3b", borderDash: [6, 4], tension: 0.2}
      ]
    },
    options: {animation: false, scales: {y: {min: 0, max: 100, ticks: {callback: function (v) { return v + "%"; }}}}}
  });
})();
