// The commander's dashboard (and the public level map): the stacked epi curve of new F0 by origin (Chart.js) and
// the map of communes (Leaflet): one circle per commune sized by the new F0 of 7 days, coloured by epidemic level.
// Data come from json_script blocks; htmx swaps the body every minute and this redraws both from the new data.
// Tiles only when the server names a tile source (command centres may work offline).
(function () {
  "use strict";
  var chart = null;
  var map = null;

  function drawCurve() {
    var canvas = document.getElementById("dashboard-curve");
    var source = document.getElementById("dashboard-curve-data");
    if (chart) { chart.destroy(); chart = null; }
    if (!canvas || !source || typeof window.Chart === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    var wall = document.body.classList.contains("dash-wall");
    var text = wall ? "#e0e0e0" : "#212529";
    chart = new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: data.datasets.map(function (d) {
          return { label: d.label, data: d.data, backgroundColor: d.colour, stack: "f0" };
        })
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { position: "bottom", labels: { color: text, font: { size: wall ? 18 : 12 } } } },
        scales: {
          x: { stacked: true, ticks: { color: text, font: { size: wall ? 16 : 11 } } },
          y: { stacked: true, beginAtZero: true, ticks: { precision: 0, color: text, font: { size: wall ? 16 : 11 } } }
        }
      }
    });
    window.chihuyDashboardCurve = chart;
  }

  function radius(n) { return n > 0 ? Math.min(30, 6 + 4 * Math.sqrt(n)) : 4; }

  function drawMap() {
    var box = document.getElementById("dashboard-map");
    var source = document.getElementById("dashboard-points");
    if (map) { map.remove(); map = null; }
    if (!box || !source || typeof L === "undefined") { return; }
    var points = JSON.parse(source.textContent);
    map = L.map(box, { maxZoom: 16, attributionControl: false });
    var tiles = box.getAttribute("data-tiles");
    if (tiles) { L.tileLayer(tiles, { maxZoom: 16 }).addTo(map); }
    L.control.scale({ imperial: false }).addTo(map);
    var bounds = [];
    points.forEach(function (p) {
      var marker = L.circleMarker([p.lat, p.lng], {
        radius: p.new_7d === undefined ? 7 : radius(p.new_7d),
        color: "#333", weight: 1, fillColor: p.colour, fillOpacity: 0.8
      });
      marker.bindTooltip(p.tip || p.name);
      marker.options.unitId = p.id;
      marker.addTo(map);
      bounds.push([p.lat, p.lng]);
    });
    if (bounds.length === 1) { map.setView(bounds[0], 12); } else if (bounds.length) { map.fitBounds(bounds, { padding: [10, 10] }); }
    window.chihuyDashboardMap = map;
    window.chihuyDashboardPoints = points;
  }

  function draw() { drawCurve(); drawMap(); }

  draw();
  // The body is swapped whole every minute: redraw from its new data (the 5S panel's own swap changes neither).
  document.body.addEventListener("htmx:afterSettle", function (event) {
    var target = event.target;
    if (target && target.id === "dashboard-fives") { return; }
    draw();
  });
})();
