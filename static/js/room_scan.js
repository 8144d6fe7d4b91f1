// The phone's room scan before answering, recorded for review (R-PROC-6) (templates/proctoring/_phone_room_scan.html): a
// "Start room scan" button records the phone's camera (the stream view2.js shows in the preview)
// as one WebM file with recorder.js, which queues it in IndexedDB and uploads it with retries,
// like the recording's segments; its "proctor-recorder:upload" event says whether the server
// stored or refused the scan. A countdown shows how long the candidate must still turn; "Finish"
// is offered once the minimum is reached and the recording stops by itself at the maximum. The
// server says (polled) whether a scan may be recorded now: after the phone's stream arrived,
// until answering starts.
import * as ProctorRecorder from "./recorder.js";

function setUp() {
  const root = document.getElementById("room-scan");
  if (!root) return;
  const startButton = document.getElementById("room-scan-start");
  const finishButton = document.getElementById("room-scan-finish");
  const progress = document.getElementById("room-scan-progress");
  const countdown = document.getElementById("room-scan-countdown");
  const statusEl = document.getElementById("room-scan-status");
  const preview = document.getElementById("phone-preview");
  const uploadUrl = root.dataset.uploadUrl;
  const minSeconds = Number(root.dataset.minSeconds) || 20;
  const maxSeconds = Number(root.dataset.maxSeconds) || 60;
  // The countdown runs from the recorder's own start (a moment after the press: it opens its
  // queue and asks the server first); this margin covers the clock's rounding.
  const MARGIN_SECONDS = 1;
  const text = (key) => {
    const node = document.querySelector(`#room-scan-texts [data-key="${key}"]`);
    return node ? node.textContent : key;
  };
  let state = "unavailable";
  let recorder = null;
  let startedAt = 0;
  let ticker = null;
  let accepting = false;

  function show(next, message) {
    state = next;
    root.dataset.state = next;
    statusEl.dataset.state = next;
    statusEl.textContent = message || text(next);
    const busy = next === "recording" || next === "uploading";
    startButton.disabled = busy || !accepting;
    startButton.hidden = next === "recording";
    finishButton.hidden = next !== "recording";
    progress.hidden = next !== "recording";
    if (next !== "recording") countdown.textContent = "";
  }

  function tick() {
    if (!recorder) return;
    if (!recorder.recording) {
      // Stopped by itself (the camera went away): what was recorded is sent, and the server
      // says whether it is long enough.
      stopTicking();
      recorder = null;
      show(startedAt ? "uploading" : "failed");
      return;
    }
    if (!startedAt) {
      startedAt = recorder.startedAt;
      if (!startedAt) { countdown.textContent = text("starting"); return; }
    }
    const elapsed = (Date.now() - startedAt) / 1000;
    progress.value = Math.min(elapsed, maxSeconds);
    const needed = minSeconds + MARGIN_SECONDS;
    if (elapsed < needed) {
      countdown.textContent = `${text("left")}: ${Math.ceil(needed - elapsed)}`;
    } else {
      finishButton.disabled = false;
      countdown.textContent = `${text("enough")}: ${Math.max(0, Math.ceil(maxSeconds - elapsed))}`;
    }
    if (elapsed >= maxSeconds) finish();
  }

  function start() {
    const stream = preview && preview.srcObject;
    const live = stream && stream.getVideoTracks().some((track) => track.readyState === "live");
    if (!live) { show("no_camera"); return; }
    const csrf = document.querySelector('meta[name="csrf-token"]');
    recorder = ProctorRecorder.start(stream, {
      attemptId: Number(root.dataset.attemptId), view: "scan", uploadUrl: uploadUrl,
      csrfToken: csrf ? csrf.content : "",
      // One file for the whole scan: the recorder cuts only past the maximum, never inside it.
      segmentSeconds: maxSeconds + 60,
    });
    if (!recorder.recording) { recorder = null; show("failed"); return; }
    startedAt = 0;
    finishButton.disabled = true;
    show("recording");
    tick();
    ticker = setInterval(tick, 250);
  }

  function stopTicking() {
    clearInterval(ticker);
    ticker = null;
  }

  function finish() {
    if (state !== "recording" || !startedAt) return;
    stopTicking();
    if (recorder) recorder.stop();
    recorder = null;
    show("uploading");
  }

  window.addEventListener("proctor-recorder:upload", (event) => {
    const detail = event.detail || {};
    if (detail.uploadUrl !== uploadUrl) return;
    if (detail.ok) show("done");
    else show("refused", detail.message || String(detail.status));
    poll();
  });

  async function poll() {
    try {
      const response = await fetch(uploadUrl, {
        headers: { Accept: "application/json" }, credentials: "same-origin",
      });
      if (!response.ok) return;
      const body = await response.json();
      accepting = body.accepting === true;
      if (state === "recording" || state === "uploading") return;
      // Scans stored and none accepted any more: answering has started.
      if (!accepting) show(body.scans ? "closed" : "unavailable");
      else if (state === "unavailable" || state === "closed") show(body.scans ? "done" : "ready");
      else show(state, statusEl.textContent); // a message stays; the buttons follow
    } catch (error) { /* offline for a moment: the next poll tells */ }
  }

  startButton.addEventListener("click", start);
  finishButton.addEventListener("click", finish);
  setInterval(poll, 3000);
  poll();
}

setUp();
