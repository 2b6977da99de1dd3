/* Charts of the analytics pages: a colour-scaled table (heatmap) and thin Chart.js helpers.
 * Pages embed their data with json_script and call DangolCharts.*; nothing is fetched. */
(function (global) {
  "use strict";

  var PALETTE = ["#2563eb", "#16a34a", "#dc2626", "#d97706", "#7c3aed", "#0891b2", "#db2777", "#65a30d"];

  function readJson(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function percent(v) {
    return v === null || v === undefined ? "" : (100 * v).toFixed(1) + "%";
  }

  /* Draw a heatmap table into `container`.
   * spec: {rows: [label], columns: [label], values: [[number|null]], corner: "",
   *        format: "percent"|"number", titles: [[text]] (optional cell tooltips),
   *        rowHeaders: [[extra cells]] (optional, shown after the row label)} */
  function heatmap(container, spec) {
    var max = 0;
    spec.values.forEach(function (row) {
      row.forEach(function (v) { if (v !== null && v !== undefined) { max = Math.max(max, Math.abs(v)); } });
    });
    var table = document.createElement("table");
    table.className = "table heatmap compact";
    var head = table.createTHead().insertRow();
    var corner = document.createElement("th");
    corner.textContent = spec.corner || "";
    head.appendChild(corner);
    (spec.extraHeaders || []).forEach(function (h) {
      var th = document.createElement("th"); th.textContent = h; th.className = "num"; head.appendChild(th);
    });
    spec.columns.forEach(function (c) {
      var th = document.createElement("th"); th.textContent = c; th.className = "num"; head.appendChild(th);
    });
    var body = table.createTBody();
    spec.rows.forEach(function (label, i) {
      var tr = body.insertRow();
      var th = document.createElement("th"); th.scope = "row"; th.textContent = label; tr.appendChild(th);
      ((spec.rowHeaders || [])[i] || []).forEach(function (text) {
        var td = tr.insertCell(); td.className = "num"; td.textContent = text;
      });
      spec.columns.forEach(function (_c, j) {
        var td = tr.insertCell(), v = spec.values[i][j];
        td.className = "num";
        if (v === null || v === undefined) { return; }
        td.textContent = spec.format === "percent" ? percent(v) : Number(v).toLocaleString();
        if (spec.titles && spec.titles[i]) { td.title = spec.titles[i][j]; }
        if (max > 0) {
          var alpha = 0.06 + 0.74 * Math.abs(v) / max;
          td.style.background = "rgba(37, 99, 235, " + alpha.toFixed(2) + ")";
          if (alpha > 0.5) { td.style.color = "#fff"; }
        }
      });
    });
    container.innerHTML = "";
    container.appendChild(table);
    return table;
  }

  /* A Chart.js chart; `datasets` are {label, data} and get the palette's colours. */
  function chart(canvas, type, labels, datasets, options) {
    if (typeof Chart === "undefined" || !canvas) { return null; }
    return new Chart(canvas, {
      type: type,
      data: {
        labels: labels,
        datasets: datasets.map(function (d, i) {
          var colour = d.color || PALETTE[i % PALETTE.length];
          return Object.assign({ backgroundColor: colour, borderColor: colour, pointRadius: 0 }, d);
        })
      },
      options: Object.assign({ responsive: true, maintainAspectRatio: false, animation: false }, options || {})
    });
  }

  global.DangolCharts = { readJson: readJson, heatmap: heatmap, chart: chart, percent: percent, palette: PALETTE };
})(window);
