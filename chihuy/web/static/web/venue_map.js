// The venue map: one circle per venue (green active, amber pending), a popup linking to its page. Tiles only when
// the server names a tile source (command centres may work offline: the points still show on a blank map).
(function () {
  "use strict";
  var box = document.getElementById("venue-map");
  var data = document.getElementById("venue-points");
  if (!box || !data || typeof L === "undefined") { return; }
  var points = JSON.parse(data.textContent);
  var map = L.map(box, { maxZoom: 19 });
  var tiles = box.getAttribute("data-tiles");
  if (tiles) { L.tileLayer(tiles, { maxZoom: 19 }).addTo(map); }
  L.control.scale({ imperial: false }).addTo(map);
  var bounds = [];
  points.forEach(function (p) {
    var colour = p.status === "active" ? "#198754" : "#fd7e14";
    var marker = L.circleMarker([p.lat, p.lng], { radius: 7, color: colour, fillColor: colour, fillOpacity: 0.8 });
    var popup = document.createElement("div");
    var link = document.createElement("a");
    link.href = p.url;
    link.textContent = p.name;
    popup.appendChild(link);
    var line = document.createElement("div");
    line.className = "small";
    line.textContent = p.code + " · " + p.category_label + " · " + p.status_label;
    popup.appendChild(line);
    marker.bindPopup(popup);
    marker.addTo(map);
    bounds.push([p.lat, p.lng]);
  });
  if (bounds.length === 1) { map.setView(bounds[0], 15); } else { map.fitBounds(bounds, { padding: [20, 20], maxZoom: 16 }); }
})();
