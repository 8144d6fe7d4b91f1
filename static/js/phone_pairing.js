// The candidate's side of pairing the phone (view 2): shows a short-lived QR code of the
// phone's link (asked from the server, renewed when it expires or on "New code") and whether
// the phone is paired and streaming. On the second-view step the page goes on by itself once
// the flow has passed that step; on the answer page the box is folded ("reconnect the phone")
// and asks for a code only when opened, and the phone's state also follows the attempt
// channel's view.changed messages (attempt_channel.js).
(function () {
  "use strict";
  const root = document.getElementById("phone-pairing");
  if (!root) return;
  const mode = root.dataset.mode || "step";
  const img = document.getElementById("phone-qr");
  const placeholder = document.getElementById("phone-qr-wait");
  const linkEl = document.getElementById("phone-link");
  const expiryEl = document.getElementById("phone-expiry");
  const stateEl = document.getElementById("phone-state");
  const mirror = document.getElementById("view2-status"); // the answer page's header line
  const newCode = document.getElementById("phone-new-code");
  const details = root.closest("details");
  const csrf = document.querySelector('meta[name="csrf-token"]');
  const text = (key) => {
    const node = root.querySelector(`.phone-texts [data-key="${key}"]`);
    return node ? node.textContent : key;
  };
  const POLL_MS = mode === "step" ? 2000 : 15000;
  let expiresAt = 0;
  let fetching = false;
  let leaving = false;

  function setState(state) {
    for (const node of [stateEl, mirror]) {
      if (!node) continue;
      node.dataset.state = state;
      node.textContent = text(state);
    }
  }

  function wanted() {
    return document.visibilityState === "visible" && (!details || details.open) && !leaving;
  }

  async function fetchCode() {
    if (fetching) return;
    fetching = true;
    newCode.disabled = true;
    try {
      const response = await fetch(root.dataset.codeUrl, {
        method: "POST",
        headers: { Accept: "application/json", "X-CSRFToken": csrf ? csrf.content : "" },
        credentials: "same-origin",
      });
      const body = await response.json().catch(() => ({}));
      if (!response.ok) {
        img.hidden = true;
        placeholder.hidden = false;
        placeholder.textContent = body.message || text("error");
        expiresAt = Date.now() + 30000; // try again later, not in a loop
        return;
      }
      img.src = body.qr;
      img.hidden = false;
      placeholder.hidden = true;
      linkEl.textContent = body.url;
      root.dataset.link = body.url;
      expiresAt = Date.now() + body.expires_in * 1000;
      tick();
    } catch (error) {
      placeholder.hidden = false;
      placeholder.textContent = text("error");
      expiresAt = Date.now() + 10000;
    } finally {
      fetching = false;
      newCode.disabled = false;
    }
  }

  function tick() {
    const left = Math.max(0, Math.round((expiresAt - Date.now()) / 1000));
    if (expiryEl && root.dataset.link) {
      const minutes = Math.floor(left / 60);
      const seconds = String(left % 60).padStart(2, "0");
      expiryEl.textContent = left > 0 ? `${text("valid_for")} ${minutes}:${seconds}` : text("expired");
    }
    if (left === 0 && wanted()) fetchCode(); // expired: a fresh code, without a reload
  }

  function showStatus(body) {
    if (body.step_done && mode === "step") {
      leaving = true;
      setState("done");
      location.assign(body.next_url);
      return;
    }
    if (mode !== "step") setState(body.connected ? "connected" : "lost");
    else setState(body.connected ? "connected" : body.paired ? "paired" : "waiting");
  }

  async function poll() {
    if (leaving) return;
    try {
      const response = await fetch(root.dataset.statusUrl, {
        headers: { Accept: "application/json" }, credentials: "same-origin",
      });
      if (response.ok) showStatus(await response.json());
    } catch (error) { /* offline for a moment: the next poll tells */ }
  }

  newCode.addEventListener("click", fetchCode);
  if (details) {
    details.addEventListener("toggle", () => { if (details.open && !fetching) fetchCode(); });
  } else {
    fetchCode();
  }
  // The exam page's live channel says at once when the phone's view connects or drops.
  document.addEventListener("attempt:message", (event) => {
    const message = event.detail || {};
    if (message.type === "view.changed" && message.view === 2) {
      setState(message.connected ? "connected" : "lost");
    }
  });
  document.addEventListener("visibilitychange", () => { if (document.visibilityState === "visible") { tick(); poll(); } });
  setInterval(tick, 1000);
  setInterval(poll, POLL_MS);
  poll();
})();
