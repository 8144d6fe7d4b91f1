// The candidate's room-scan step on the exam computer (templates/exams/step_room_scan.html): the
// phone records the scan; this page asks the server every two seconds whether a complete scan
// has arrived and then goes on to the next step by itself.
(function () {
  "use strict";
  const root = document.getElementById("room-scan-step");
  if (!root) return;
  const stateEl = document.getElementById("room-scan-state");
  const text = (key) => {
    const node = root.querySelector(`.room-scan-texts [data-key="${key}"]`);
    return node ? node.textContent : key;
  };
  let leaving = false;

  async function poll() {
    if (leaving) return;
    try {
      const response = await fetch(root.dataset.statusUrl, {
        headers: { Accept: "application/json" }, credentials: "same-origin",
      });
      if (!response.ok) return;
      const body = await response.json();
      if (body.done) {
        leaving = true;
        stateEl.dataset.state = "done";
        stateEl.textContent = text("done");
        location.assign(body.next_url);
      }
    } catch (error) { /* offline for a moment: the next poll tells */ }
  }

  setInterval(poll, 2000);
  poll();
})();
