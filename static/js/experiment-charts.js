/* Draws the experiment page's three charts from the JSON the page embeds (#chart-data). Shares in
   tooltips are the server's texts (rounded and localized as on the rest of the page); only the
   axis ticks, round numbers, are formatted here. */
(function () {
  "use strict";
  var source = document.getElementById("chart-data");
  if (!source || typeof Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var lang = document.documentElement.lang || "en";
  var percent = new Intl.NumberFormat(lang, { style: "percent", maximumFractionDigits: 1 });
  var dayFormat = new Intl.DateTimeFormat(lang, { month: "short", day: "numeric", timeZone: "UTC" });
  var dayLabels = data.labels.map(function (iso) { return dayFormat.format(new Date(iso + "T00:00:00Z")); });
  var accent = "#2456c7", bad = "#b42334", ink = "#1d2330", grid = "#e8ebf1";
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.color = "#5d6678";
  Chart.defaults.maintainAspectRatio = false;

  var daily = document.getElementById("chart-daily");
  if (daily) {
    new Chart(daily, {
      type: "bar",
      data: {
        labels: dayLabels,
        datasets: [
          { label: data.text.leads, data: data.leads, backgroundColor: accent, borderRadius: 3 },
          { label: data.text.nonTarget, data: data.nonTarget, backgroundColor: bad, borderRadius: 3 }
        ]
      },
      options: {
        scales: { y: { beginAtZero: true, ticks: { precision: 0 }, grid: { color: grid } }, x: { grid: { display: false } } },
        plugins: { legend: { position: "bottom" } }
      }
    });
  }

  var share = document.getElementById("chart-share");
  if (share) {
    var datasets = [{
      label: data.text.share, data: data.cumulativeShare, borderColor: bad, backgroundColor: "rgba(180,35,52,.08)",
      fill: true, tension: 0.2, spanGaps: true, pointRadius: 2
    }];
    if (data.threshold !== null) {
      datasets.push({
        label: data.text.threshold, data: data.labels.map(function () { return data.threshold; }),
        borderColor: ink, borderDash: [6, 4], borderWidth: 1.5, pointRadius: 0, fill: false
      });
    }
    new Chart(share, {
      type: "line",
      data: { labels: dayLabels, datasets: datasets },
      options: {
        scales: {
          y: { min: 0, max: 1, ticks: { callback: function (v) { return percent.format(v); } }, grid: { color: grid } },
          x: { grid: { display: false } }
        },
        plugins: {
          legend: { position: "bottom" },
          tooltip: { callbacks: { label: function (c) {
            var text = c.datasetIndex === 0 ? data.cumulativeShareText[c.dataIndex] : data.thresholdText;
            return c.dataset.label + ": " + (c.parsed.y === null ? "—" : text);
          } } }
        }
      }
    });
  }

  var funnel = document.getElementById("chart-funnel");
  if (funnel) {
    new Chart(funnel, {
      type: "bar",
      data: {
        labels: data.text.funnel,
        datasets: [{ data: data.funnel, backgroundColor: ["#2456c7", "#3a66cf", "#5a82db", "#7898e2", "#1f7a4d"], borderRadius: 4 }]
      },
      options: {
        indexAxis: "y",
        scales: { x: { beginAtZero: true, ticks: { precision: 0 }, grid: { color: grid } }, y: { grid: { display: false } } },
        plugins: {
          legend: { display: false },
          // The count, its conversions and what the step lost: the texts of the table under the chart.
          tooltip: { callbacks: {
            label: function (c) { return data.funnelCountText[c.dataIndex]; },
            afterLabel: function (c) { return data.funnelTooltip[c.dataIndex]; }
          } }
        }
      }
    });
  }
})();
