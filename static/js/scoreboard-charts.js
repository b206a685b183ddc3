/* Draws the scoreboard's chart by channel from the rows of its table (#by-channel): leads and
   customers as bars, lead → purchase conversion as a line on its own axis. A conversion's tooltip
   is the table's own text (data-conversion-text), rounded and localized by the server. */
(function () {
  "use strict";
  var canvas = document.getElementById("chart-channels");
  var table = document.getElementById("by-channel");
  if (!canvas || !table || typeof Chart === "undefined") { return; }
  var rows = Array.prototype.slice.call(table.querySelectorAll("tbody tr[data-leads]"));
  var number = function (text) { return text === "" ? null : Number(text); };
  var lang = document.documentElement.lang || "en";
  var percent = new Intl.NumberFormat(lang, { style: "percent", maximumFractionDigits: 1 });
  var text = canvas.dataset;
  var accent = "#2456c7", ok = "#1f7a4d", warn = "#a35c00", grid = "#e8ebf1";
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.color = "#5d6678";
  Chart.defaults.maintainAspectRatio = false;

  new Chart(canvas, {
    data: {
      labels: rows.map(function (r) { return r.dataset.channel || text.none; }),
      datasets: [
        { type: "bar", label: text.leads, data: rows.map(function (r) { return number(r.dataset.leads); }),
          backgroundColor: accent, borderRadius: 3, yAxisID: "y" },
        { type: "bar", label: text.customers, data: rows.map(function (r) { return number(r.dataset.customers); }),
          backgroundColor: ok, borderRadius: 3, yAxisID: "y" },
        { type: "line", label: text.conversion, data: rows.map(function (r) { return number(r.dataset.conversion); }),
          borderColor: warn, backgroundColor: warn, pointRadius: 5, pointStyle: "rectRot", showLine: false, yAxisID: "rate" }
      ]
    },
    options: {
      interaction: { mode: "index", intersect: false },
      scales: {
        y: { beginAtZero: true, ticks: { precision: 0 }, grid: { color: grid } },
        rate: { position: "right", beginAtZero: true, grid: { display: false },
                ticks: { callback: function (v) { return percent.format(v); } } },
        x: { grid: { display: false } }
      },
      plugins: {
        legend: { position: "bottom" },
        tooltip: { callbacks: { label: function (c) {
          if (c.dataset.yAxisID === "rate") {
            return c.dataset.label + ": " + (c.parsed.y === null ? "—" : rows[c.dataIndex].dataset.conversionText);
          }
          return c.dataset.label + ": " + c.parsed.y.toLocaleString(lang);
        } } }
      }
    }
  });
})();
