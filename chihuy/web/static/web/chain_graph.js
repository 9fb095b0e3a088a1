/* The transmission-chain graph (Cytoscape.js). The server computes the layered layout ("preset"); this
   file only fetches the payload, colours nodes by F-level and status, edges by setting, and exports PNG.
   The Cytoscape instance is window.chihuyGraph (for the browser tests and for curious commanders). */
(function () {
  "use strict";
  var box = document.getElementById("chain-graph");
  if (!box || typeof window.cytoscape === "undefined") { return; }
  var labels = JSON.parse(document.getElementById("graph-labels").textContent);
  var message = document.getElementById("graph-message");
  var detail = document.getElementById("graph-detail");
  var pngButton = document.getElementById("export-png");

  var LEVEL_COLOURS = ["#dc3545", "#fd7e14", "#ffc107"];
  var SETTING_COLOURS = {
    household: "#6f42c1", workplace: "#0d6efd", school: "#20c997", venue: "#d63384",
    vehicle: "#795548", healthcare: "#198754", other: "#adb5bd"
  };
  var CLOSED = { recovered: true, ruled_out: true };
  var ISOLATED = { quarantined: true, home_isolation: true };
  var UNREACHED = { unreachable: true, refused: true };

  function levelColour(level) {
    if (level === null || level === undefined) { return "#dee2e6"; }
    return level < LEVEL_COLOURS.length ? LEVEL_COLOURS[level] : "#6c757d";
  }

  function nodeClasses(node) {
    var classes = [];
    if (node.level === null || node.level === undefined) { classes.push("unclassified"); }
    if (CLOSED[node.status]) { classes.push("closed"); }
    if (node.status === "died") { classes.push("died"); }
    if (ISOLATED[node.status]) { classes.push("isolated"); }
    if (UNREACHED[node.status]) { classes.push("unreached"); }
    return classes.join(" ");
  }

  function elements(payload) {
    var out = [];
    payload.nodes.forEach(function (n) {
      out.push({
        group: "nodes",
        data: {
          id: n.id, label: n.label, level: n.level, status: n.status, unit: n.unit, case_id: n.case_id,
          colour: levelColour(n.level)
        },
        position: { x: n.x, y: n.y },
        classes: nodeClasses(n)
      });
    });
    payload.edges.forEach(function (e) {
      out.push({
        group: "edges",
        data: {
          id: e.id, source: e.source, target: e.target, kind: e.kind, setting: e.setting,
          qualifies: e.qualifies, exposure_at: e.exposure_at,
          colour: e.kind === "transmission" ? "#842029" : (SETTING_COLOURS[e.setting] || "#adb5bd")
        },
        classes: e.kind + (e.kind === "contact" && e.qualifies === false ? " weak" : "")
      });
    });
    return out;
  }

  var STYLE = [
    { selector: "node", style: {
      "background-color": "data(colour)", "label": "data(label)", "font-size": 10, "text-valign": "bottom",
      "text-margin-y": 3, "width": 22, "height": 22, "border-width": 1, "border-color": "#495057"
    } },
    { selector: "node.unclassified", style: { "border-style": "dashed", "border-width": 2 } },
    { selector: "node.closed", style: { "background-opacity": 0.45 } },
    { selector: "node.died", style: { "border-width": 4, "border-color": "#000" } },
    { selector: "node.isolated", style: { "border-width": 4, "border-color": "#198754" } },
    { selector: "node.unreached", style: { "border-width": 3, "border-style": "dashed", "border-color": "#212529" } },
    { selector: "node:selected", style: { "overlay-opacity": 0.2, "overlay-color": "#0d6efd" } },
    { selector: "edge", style: {
      "width": 2, "line-color": "data(colour)", "target-arrow-color": "data(colour)",
      "target-arrow-shape": "triangle", "arrow-scale": 0.8, "curve-style": "bezier"
    } },
    { selector: "edge.transmission", style: { "width": 4 } },
    { selector: "edge.weak", style: { "line-style": "dotted", "opacity": 0.6 } }
  ];

  function show(text) {
    message.textContent = text;
    message.classList.toggle("d-none", !text);
  }

  function describe(node) {
    var d = node.data();
    var level = d.level === null || d.level === undefined ? labels.unclassified : "F" + d.level;
    var parts = [
      "<strong>" + escapeHtml(d.label) + "</strong>",
      escapeHtml(level) + " · " + escapeHtml(labels.status[d.status] || d.status),
      escapeHtml(d.unit || "")
    ];
    if (d.case_id && box.dataset.caseUrl) {
      parts.push('<a href="' + box.dataset.caseUrl.replace("{id}", d.case_id) + '">' + escapeHtml(labels.case) + "</a>");
    }
    if (d.id.charAt(0) === "p" && box.dataset.personUrl) {
      parts.push('<a href="' + box.dataset.personUrl.replace("{id}", d.id.slice(1)) + '">' +
        escapeHtml(labels.neighbourhood) + "</a>");
    }
    detail.innerHTML = parts.join("<br>");
  }

  function escapeHtml(text) {
    var div = document.createElement("div");
    div.textContent = text === null || text === undefined ? "" : String(text);
    return div.innerHTML;
  }

  function draw(payload) {
    if (payload.truncated) {
      box.classList.add("d-none");
      show(payload.message);
      box.dataset.state = "truncated";
      return;
    }
    if (!payload.nodes.length) { show(labels.empty); }
    var cy = window.cytoscape({
      container: box,
      elements: elements(payload),
      style: STYLE,
      layout: { name: "preset", fit: true, padding: 30 },
      wheelSensitivity: 0.2,
      minZoom: 0.05,
      maxZoom: 4
    });
    // A small chain fitted to the box would be drawn huge: cap the first zoom.
    if (cy.zoom() > 1.5) { cy.zoom(1.5); cy.center(); }
    cy.on("tap", "node", function (event) { describe(event.target); });
    window.chihuyGraph = cy;
    pngButton.disabled = false;
    box.dataset.state = "ready";
  }

  pngButton.addEventListener("click", function () {
    var cy = window.chihuyGraph;
    if (!cy) { return; }
    var link = document.createElement("a");
    link.href = cy.png({ output: "base64uri", full: true, scale: 2, bg: "#ffffff" });
    link.download = "chuoi-lay.png";
    document.body.appendChild(link);
    link.click();
    link.remove();
  });

  fetch(box.dataset.jsonUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
    .then(function (response) {
      if (!response.ok) { throw new Error(response.status); }
      return response.json();
    })
    .then(draw)
    .catch(function () { show(labels.error); box.dataset.state = "error"; });
})();
