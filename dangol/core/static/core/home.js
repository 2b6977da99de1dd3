/* The home page: draw each widget's chart once htmx has swapped it in.
 * A widget embeds {type, labels, datasets, links, horizontal} with json_script; clicking a
 * bar or slice opens the list behind it. Chart.js is vendored (no CDN). */
(function () {
  "use strict";
  var PALETTE = ["#2563eb", "#16a34a", "#dc2626", "#d97706", "#7c3aed", "#0891b2", "#db2777", "#65a30d"];

  function draw(canvas) {
    if (typeof Chart === "undefined" || canvas.dataset.drawn) { return; }
    var node = document.getElementById(canvas.dataset.chart);
    if (!node) { return; }
    var spec = JSON.parse(node.textContent);
    var pie = spec.type === "doughnut" || spec.type === "pie";
    var datasets = spec.datasets.map(function (d, i) {
      var colour = PALETTE[i % PALETTE.length];
      return {
        label: d.label,
        data: d.data,
        backgroundColor: pie ? PALETTE.slice(0, d.data.length) : colour,
        borderColor: pie ? "#fff" : colour,
        fill: false,
        tension: 0.2
      };
    });
    canvas.dataset.drawn = "1";
    new Chart(canvas, {
      type: spec.type,
      data: { labels: spec.labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        indexAxis: spec.horizontal ? "y" : "x",
        plugins: { legend: { display: pie || datasets.length > 1 } },
        scales: pie ? {} : { x: { ticks: { precision: 0 } }, y: { ticks: { precision: 0 } } },
        onClick: function (_event, elements) {
          if (!elements.length || !spec.links) { return; }
          var link = spec.links[elements[0].index];
          if (link) { window.location.href = link; }
        }
      }
    });
  }

  function drawIn(root) {
    root.querySelectorAll("canvas[data-chart]").forEach(draw);
    if (root.removeAttribute) { root.removeAttribute("aria-busy"); }
  }

  document.addEventListener("htmx:afterSwap", function (event) { drawIn(event.detail.target); });
  // Chart.js is deferred too: draw what arrived before it did.
  window.addEventListener("load", function () { drawIn(document); });
})();
