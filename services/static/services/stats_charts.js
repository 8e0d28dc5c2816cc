/* Queue statistics charts (Chart.js, vendored); data and labels come from json_script. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("data-grafik").textContent);
  // Translated on the server (services/web/stats.py), read from the page.
  var labels = JSON.parse(document.getElementById("label-grafik").textContent);
  Chart.defaults.maintainAspectRatio = false;
  new Chart(document.getElementById("grafik-jam"), {
    type: "bar",
    data: {labels: data.hours.labels, datasets: [{label: labels.issued, data: data.hours.issued, backgroundColor: "#0f5b9e"}]},
    options: {scales: {y: {beginAtZero: true, ticks: {precision: 0}}}}
  });
  var notServed = data.services.issued.map(function (n, i) { return Math.max(0, n - data.services.served[i]); });
  new Chart(document.getElementById("grafik-layanan"), {
    type: "bar",
    data: {labels: data.services.labels, datasets: [
      {label: labels.served, data: data.services.served, backgroundColor: "#1b7f3b", stack: "s"},
      {label: labels.issued + " − " + labels.served, data: notServed, backgroundColor: "#a9c6e4", stack: "s"}
    ]},
    options: {scales: {x: {stacked: true}, y: {stacked: true, beginAtZero: true, ticks: {precision: 0}}}}
  });
  new Chart(document.getElementById("grafik-tunggu"), {
    type: "bar",
    data: {labels: data.services.labels, datasets: [
      {label: labels.median, data: data.services.wait_median, backgroundColor: "#0f5b9e"},
      {label: labels.p90, data: data.services.wait_p90, backgroundColor: "#f5a300"}
    ]},
    options: {scales: {y: {beginAtZero: true, title: {display: true, text: labels.minutes}}}}
  });
})();
