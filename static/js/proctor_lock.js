// Proctoring the candidate cannot switch off (R-PROC-1): answering pauses while a view the exam
// requires (data-required-views: 1 the computer's camera, 2 the phone, 3 the shared screen) has
// been down for longer
// than the exam's grace (data-view-grace, seconds), and resumes by itself when it is back. The
// clock does not pause. The banner (role=alert) says what to do; the paper is disabled through
// `exam:pause` on document ({paused: bool}), which exam.js obeys, keeping every answer typed
// before in its queue. The server refuses saves for the same reason (code "paused"), so this
// page is a courtesy, not the rule. View 1's state comes from view1.js (`view1:state`), the
// phone's from the candidate's channel (`attempt:message`, view.changed), the screen's from
// screen_share.js (`screen:state`; not shared yet pauses at once, the grace counts only once it
// was shared, since sharing takes a click the candidate must be asked for). The start button
// asks for fullscreen (a browser grants it only on a click); page_leave.js reports each exit.
(function () {
  "use strict";
  const root = document.getElementById("exam");
  const banner = document.getElementById("pause-banner");
  if (!root || !banner) return;
  const required = (root.dataset.requiredViews || "").split(",").filter(Boolean).map(Number);
  const graceMs = Number(root.dataset.viewGrace || 0) * 1000;
  const text = (key) => document.querySelector(`#lock-texts [data-key="${key}"]`).textContent;
  // view → performance.now() since which it is down, or null while it is up. A required view
  // is down from the page's load until it is first reported up.
  const SCREEN = 3;
  const downSince = new Map(required.map((view) => [
    view, view === SCREEN ? performance.now() - graceMs : performance.now(),
  ]));
  let paused = false;

  function set(view, up) {
    if (!downSince.has(view)) return;
    if (up) downSince.set(view, null);
    else if (downSince.get(view) === null) downSince.set(view, performance.now());
    check();
  }

  function check() {
    const now = performance.now();
    const down = [...downSince].filter(([, since]) => since !== null && now - since >= graceMs)
      .map(([view]) => view);
    const next = down.length > 0;
    if (next !== paused) {
      paused = next;
      document.dispatchEvent(new CustomEvent("exam:pause", { detail: { paused } }));
    }
    banner.hidden = !paused;
    root.dataset.paused = paused ? "1" : "";
    if (paused) {
      const key = down.includes(1) ? "camera" : (down.includes(2) ? "phone" : "screen");
      const message = text(key);
      if (banner.textContent !== message) banner.textContent = message;
    }
  }

  document.addEventListener("view1:state", (event) => set(1, Boolean(event.detail.connected)));
  document.addEventListener("attempt:message", (event) => {
    const message = event.detail;
    if (message.type === "view.changed" && Number(message.view) === 2) set(2, Boolean(message.connected));
  });
  document.addEventListener("screen:state", (event) => set(SCREEN, Boolean(event.detail.connected)));
  setInterval(check, 500);
  check(); // a screen not shared yet pauses from the start, not half a second later

  // Fullscreen on the start button's click; the button stays for coming back to it.
  const start = document.getElementById("fullscreen-start");
  if (start && document.documentElement.requestFullscreen) {
    const card = start.closest(".fullscreen-card") || start;
    const show = () => { card.hidden = Boolean(document.fullscreenElement); };
    start.addEventListener("click", () => {
      document.documentElement.requestFullscreen().catch(() => { /* refused: reported by none */ });
    });
    document.addEventListener("fullscreenchange", show);
    show();
  } else if (start) {
    (start.closest(".fullscreen-card") || start).hidden = true;
  }
})();
