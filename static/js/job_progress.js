// Polls the job's JSON status and reloads the page when the job has finished; without
// JavaScript the page's "Refresh" link does the same.
(function () {
  "use strict";
  const box = document.getElementById("job");
  if (!box) return;
  const url = box.dataset.statusUrl;
  const bar = document.getElementById("job-progress");
  const count = document.getElementById("job-count");
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) return;
        if (data.finished) { window.location.reload(); return; }
        if (bar) bar.value = data.percent;
        if (count && data.total) count.textContent = data.done + " / " + data.total;
        window.setTimeout(poll, 1500);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
})();
