/* The epi curve of a cluster: new cases per day of detection (Chart.js bar chart). Data from json_script. */
(function () {
  "use strict";
  var canvas = document.getElementById("epi-curve");
  var source = document.getElementById("epi-curve-data");
  if (!canvas || !source || typeof window.Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  window.chihuyEpiCurve = new window.Chart(canvas, {
    type: "bar",
    data: {
      labels: data.labels,
      datasets: [{ label: data.label, data: data.counts, backgroundColor: "#dc3545" }]
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: { legend: { display: false } },
      scales: { y: { beginAtZero: true, ticks: { precision: 0 } } }
    }
  });
})();
