/* Polls GET /api/v1/imports/{id}/ for every unfinished import on the page and moves its progress bar. */
(function () {
  "use strict";
  var textNode = document.getElementById("import-text");
  var text = textNode ? JSON.parse(textNode.textContent) : null;
  var INTERVAL_MS = 1500;

  function fill(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_, key) { return values[key]; });
  }

  function update(block, job) {
    var pct = Math.max(0, Math.min(1, job.progress || 0)) * 100;
    block.querySelector('[data-role="fill"]').style.width = pct.toFixed(1) + "%";
    block.querySelector('[role="progressbar"]').setAttribute("aria-valuenow", pct.toFixed(1));
    if (text) {
      block.querySelector('[data-role="counts"]').textContent =
        fill(text.counts, { ok: job.rows_ok, failed: job.rows_failed, total: job.rows_total });
    }
    var row = block.closest("tr") || document;
    var badge = row.querySelector('[data-role="status"]');
    if (badge && text && text.status[job.status]) {
      badge.textContent = text.status[job.status];
      badge.className = "badge badge-job-" + job.status;
    }
    block.dataset.status = job.status;
    block.classList.toggle("progress-done", job.status === "done");
    block.classList.toggle("progress-failed", job.status === "failed");
  }

  function poll(block) {
    fetch(block.dataset.api, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) { if (!response.ok) { throw new Error(response.status); } return response.json(); })
      .then(function (job) {
        update(block, job);
        if (job.status === "queued" || job.status === "running") {
          window.setTimeout(function () { poll(block); }, INTERVAL_MS);
        } else if (document.querySelector('[data-role="errors-pending"]')) {
          window.location.reload(); // the finished job's error report is rendered by the server
        }
      })
      .catch(function () { window.setTimeout(function () { poll(block); }, INTERVAL_MS * 4); });
  }

  document.querySelectorAll("[data-api]").forEach(function (block) {
    if (block.dataset.status === "queued" || block.dataset.status === "running") { poll(block); }
  });
})();
