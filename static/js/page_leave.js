// Leaving the exam page (R-EXAM-6): the tab hidden, the window's focus lost, fullscreen left,
// and blocked copy/paste/context menu (and, from displays.js, an extra display) are reported to
// the server, whose exam policy decides what follows (record, warn, or end the attempt once a
// leave outlasts the exam's grace).
// Every report is queued in localStorage with the time the page saw it and sent in order, so a
// report made offline reaches the proctor when the connection is back, stamped with its own
// time (as answers are kept and sent by exam.js). The page says what the server answered:
// a warning, or the end of the attempt (then `exam:consumed` on document, and the result page).
(function () {
  "use strict";
  const root = document.getElementById("exam");
  if (!root) return;
  const warning = document.getElementById("warning");
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const url = `${root.dataset.attemptUrl}/events`;
  const storeKey = `proctor:events:${root.dataset.attemptId}`;
  const RETRY_MS = 3000;
  const queue = JSON.parse(localStorage.getItem(storeKey) || "[]");
  let sending = false;
  let ended = false;
  let away = false;

  const persist = () => localStorage.setItem(storeKey, JSON.stringify(queue));

  function tell(reply) {
    if (reply.message && (reply.action === "warned" || reply.action === "pending" || reply.action === "consumed")) {
      warning.textContent = reply.message;
      warning.hidden = false;
    }
    if (reply.action === "consumed" && !ended) {
      ended = true;
      queue.length = 0;
      localStorage.removeItem(storeKey);
      document.dispatchEvent(new CustomEvent("exam:consumed"));
      setTimeout(() => location.assign(reply.result_url), 4000);
    }
  }

  // Sends the queue in order; a report the server refuses for good (the attempt is over, a
  // flood) is dropped, one that cannot be sent now waits for the next try.
  async function send() {
    if (sending || ended) return;
    sending = true;
    try {
      while (queue.length && !ended) {
        let response;
        try {
          response = await fetch(url, {
            method: "POST",
            credentials: "same-origin",
            headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
            body: JSON.stringify(queue[0]),
          });
        } catch (err) {
          break; // offline: kept
        }
        if (response.status >= 500) break;
        const reply = await response.json().catch(() => ({}));
        if (response.status === 429) break; // too many at once: later
        queue.shift();
        persist();
        if (response.status === 200) tell(reply);
      }
    } finally {
      sending = false;
    }
  }

  function report(kind) {
    if (ended) return;
    queue.push({ kind, client_at: new Date().toISOString() });
    persist();
    send();
  }

  // The confirmation dialog of the submission takes the focus: that is not leaving the page.
  const confirming = () => root.dataset.confirming === "1";
  function leave(kind) {
    if (away || confirming()) return; // one departure, however many signals the browser sends
    away = true;
    report(kind);
  }
  function back() {
    if (!away || document.hidden) return;
    away = false;
    report("returned");
  }
  document.addEventListener("visibilitychange", () => {
    if (document.hidden) leave("hidden");
    else back();
  });
  window.addEventListener("blur", () => leave("blur"));
  window.addEventListener("focus", back);
  // Leaving fullscreen is a leave of its own, even while the window keeps the focus; the
  // candidate is back once fullscreen is entered again.
  document.addEventListener("fullscreenchange", () => {
    if (document.fullscreenElement) {
      back();
      return;
    }
    leave("fullscreen_exit");
  });
  const BLOCKED = { copy: "copy", cut: "copy", paste: "paste", contextmenu: "context_menu" };
  for (const [event, kind] of Object.entries(BLOCKED)) {
    document.addEventListener(event, (e) => { e.preventDefault(); report(kind); });
  }
  // Other scripts' reports (displays.js: an extra display attached or gone).
  document.addEventListener("exam:report", (event) => report(event.detail.kind));
  document.addEventListener("exam:finished", () => { ended = true; localStorage.removeItem(storeKey); });
  window.addEventListener("online", send);
  setInterval(send, RETRY_MS);
  send(); // reports queued before a reload
})();
