/* Charts of the IKM report page; numbers come from json_script "data-grafik-ikm". */
(function () {
  "use strict";
  var node = document.getElementById("data-grafik-ikm");
  if (!node || typeof Chart === "undefined") { return; }
  var data = JSON.parse(node.textContent);
  var blue = "#0f5b9e";
  Chart.defaults.maintainAspectRatio = false;
  var comma = function (value, places) { return Number(value).toFixed(places).replace(".", ","); };
  new Chart(document.getElementById("grafik-nrr"), {
    type: "bar",
    data: {labels: data.elements.labels, datasets: [{label: "NRR", data: data.elements.nrr, backgroundColor: blue}]},
    options: {
      scales: {y: {min: 0, max: 4, ticks: {stepSize: 1}}},
      plugins: {legend: {display: false}, tooltip: {callbacks: {
        title: function (items) { return data.elements.labels[items[0].dataIndex] + " " + data.elements.names[items[0].dataIndex]; },
        label: function (item) { return "NRR " + comma(item.raw, 4); }
      }}}
    }
  });
  new Chart(document.getElementById("grafik-tren"), {
    type: "line",
    data: {labels: data.trend.labels, datasets: [{label: "IKM", data: data.trend.ikm, borderColor: blue, backgroundColor: blue, tension: 0.2}]},
    options: {scales: {y: {suggestedMin: 60, max: 100}}, plugins: {legend: {display: false}, tooltip: {callbacks: {
      label: function (item) { return "IKM " + comma(item.raw, 2) + " (" + data.trend.respondents[item.dataIndex] + " responden)"; }
    }}}}
  });
  new Chart(document.getElementById("grafik-instansi"), {
    type: "bar",
    data: {labels: data.agencies.labels, datasets: [{label: "IKM", data: data.agencies.ikm, backgroundColor: "#2e7d4f"}]},
    options: {indexAxis: "y", scales: {x: {min: 0, max: 100}}, plugins: {legend: {display: false}, tooltip: {callbacks: {
      label: function (item) { return "IKM " + comma(item.raw, 2); }
    }}}}
  });
})();
