// The candidate's entire screen (view 3, beside the two views of R-PROC-1, recorded for R-PROC-6),
// where the exam requires it: shared with
// getDisplayMedia, accepted only when the browser says the surface is a whole monitor (a
// window or a tab would hide everything else the candidate does), recorded in segments like the
// cameras (recorder.js, view 3) and sampled as a still every few seconds for the review page.
//
// The root element #screen-share says how: data-mode="exam" (the exam page: record, sample and
// report the share's state) or "check" (the device check and the waiting room: a rehearsal that
// checks the choice and stops the share at once, recording nothing).
//
// On the exam page the share's state goes to the proctors through the candidate's channel
// (attempt_channel.js, reportView(3, …); no media process sees the screen, so the page reports both
// states) and to the page as `screen:state` on document ({connected}), which proctor_lock.js
// turns into the pause of answering. The share stopped ("Stop sharing", the monitor unplugged)
// is a lost view: the button offers to share again, and answering resumes once it is shared.
//
// Exported as `screenShare` = {share(), accept(stream), isWholeMonitor(track), stats}, null
// without #screen-share (the browser tests read its stats).
import { reportView } from "./attempt_channel.js";
import * as ProctorRecorder from "./recorder.js";

function setUp() {
  const root = document.getElementById("screen-share");
  if (!root) return null;
  const mode = root.dataset.mode || "check";
  const button = root.querySelector("[data-share]");
  const status = root.querySelector("[data-status]");
  const problem = root.querySelector("[data-problem]");
  const text = (key) => {
    const node = root.querySelector(`[data-texts] [data-key="${key}"]`);
    return node ? node.textContent : "";
  };
  const STILL_MAX_WIDTH = 1280;
  const STILL_QUALITY = 0.7;
  const stats = { shared: 0, refused: 0, stills: 0, lastRefusal: "", lastError: "" };
  let current = null; // {stream, track, recorder, timer} of the share in use
  const sharedKey = `proctor:screen-shared:${root.dataset.attemptId}`;

  function setStatus(key) {
    root.dataset.state = key;
    status.textContent = text(key);
  }

  function say(key) {
    problem.textContent = key ? text(key) : "";
    problem.hidden = !key;
  }

  function report(connected) {
    if (mode !== "exam") return;
    reportView(3, connected);
    document.dispatchEvent(new CustomEvent("screen:state", { detail: { connected } }));
  }

  // The browser's own word on what was shared. A browser that does not say (displaySurface
  // missing) cannot show that it is a whole monitor, so it is refused too.
  function isWholeMonitor(track) {
    const settings = track && track.getSettings ? track.getSettings() : {};
    return settings.displaySurface === "monitor";
  }

  function surfaceOf(track) {
    const settings = track && track.getSettings ? track.getSettings() : {};
    return settings.displaySurface || "";
  }

  async function still(track) {
    // ImageCapture where the browser has it (Chromium); a <video> drawn to a canvas elsewhere.
    let source;
    let width;
    let height;
    if (window.ImageCapture) {
      source = await new window.ImageCapture(track).grabFrame();
      width = source.width;
      height = source.height;
    } else {
      const video = current.video || document.createElement("video");
      if (!current.video) {
        video.muted = true;
        video.srcObject = current.stream;
        current.video = video;
        await video.play();
      }
      source = video;
      width = video.videoWidth;
      height = video.videoHeight;
    }
    if (!width || !height) return;
    const scale = Math.min(1, STILL_MAX_WIDTH / width);
    const canvas = document.createElement("canvas");
    canvas.width = Math.round(width * scale);
    canvas.height = Math.round(height * scale);
    canvas.getContext("2d").drawImage(source, 0, 0, canvas.width, canvas.height);
    if (source.close) source.close();
    const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", STILL_QUALITY));
    if (!blob) return;
    const csrf = document.querySelector('meta[name="csrf-token"]');
    const response = await fetch(root.dataset.stillUrl, {
      method: "POST", body: blob, credentials: "same-origin",
      headers: { "Content-Type": "image/jpeg", "X-CSRFToken": csrf ? csrf.content : "" },
    });
    if (response.ok) stats.stills += 1;
    else stats.lastError = String(response.status);
  }

  function sample(track) {
    // A missed still is not retried: the next one comes a few seconds later, and the
    // recording holds every moment anyway.
    const take = () => {
      if (!current || current.track !== track || track.readyState !== "live") return;
      still(track).catch((error) => { stats.lastError = String(error); });
    };
    const seconds = Math.max(1, Number(root.dataset.stillSeconds) || 30);
    current.timer = setInterval(take, seconds * 1000);
    setTimeout(take, 1500); // the first still soon after the share starts
  }

  function ended() {
    if (!current) return;
    const share = current;
    current = null;
    clearInterval(share.timer);
    share.stream.getTracks().forEach((track) => track.stop());
    if (share.recorder) share.recorder.stop();
    setStatus("stopped");
    button.hidden = false;
    report(false);
  }

  // Take a stream from getDisplayMedia: a whole monitor is used, anything else is stopped at
  // once with a message, and nothing of it is recorded. Returns whether it was accepted.
  function accept(stream) {
    const track = stream.getVideoTracks()[0];
    if (!isWholeMonitor(track)) {
      stream.getTracks().forEach((t) => t.stop());
      stats.refused += 1;
      stats.lastRefusal = surfaceOf(track) || "unknown";
      say(surfaceOf(track) ? "not_monitor" : "cannot_tell");
      if (!current) setStatus(mode === "exam" ? "needed" : "idle");
      return false;
    }
    if (current) ended(); // a new share replaces the old one
    say("");
    stats.shared += 1;
    if (mode !== "exam") {
      // The rehearsal only checks the choice: the share is stopped at once.
      stream.getTracks().forEach((t) => t.stop());
      setStatus("check_ok");
      return true;
    }
    current = { stream, track, recorder: null, timer: null, video: null };
    if (root.dataset.recordingUrl) {
      const csrf = document.querySelector('meta[name="csrf-token"]');
      current.recorder = ProctorRecorder.start(stream, {
        attemptId: Number(root.dataset.attemptId), view: 3,
        uploadUrl: root.dataset.recordingUrl, csrfToken: csrf ? csrf.content : "",
      });
    }
    sample(track);
    track.addEventListener("ended", ended);
    try { localStorage.setItem(sharedKey, "1"); } catch (error) { /* storage full or off */ }
    setStatus("sharing");
    button.hidden = true;
    report(true);
    return true;
  }

  async function share() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getDisplayMedia) {
      say("unsupported");
      return false;
    }
    let stream;
    try {
      stream = await navigator.mediaDevices.getDisplayMedia({
        // Ask for a monitor first and keep the candidate's own tab and surface switching out
        // of the picker; the check below is what decides, whatever the picker offered.
        video: { displaySurface: "monitor" }, audio: false,
        monitorTypeSurfaces: "include", selfBrowserSurface: "exclude", surfaceSwitching: "exclude",
      });
    } catch (error) {
      stats.lastError = error.name || String(error);
      say("denied");
      return false;
    }
    return accept(stream);
  }

  // A track the browser ends without an "ended" event (a page that stops it) is polled too.
  setInterval(() => { if (current && current.track.readyState === "ended") ended(); }, 1000);
  button.addEventListener("click", () => { share(); });
  window.addEventListener("pagehide", () => { if (current) current.stream.getTracks().forEach((t) => t.stop()); });
  setStatus(mode === "exam" ? "needed" : "idle");
  button.hidden = false;
  say("");
  // Not shared (yet): answering waits for the share here. A page that shared this attempt's
  // screen before (a reload, a reopened tab) tells the proctors it no longer is, since the
  // server still holds its last word, "shared"; the first page has nothing to take back, so
  // the exam's start opens no alert.
  if (mode === "exam" && localStorage.getItem(sharedKey)) report(false);
  return { share, accept, isWholeMonitor, stats };
}

export const screenShare = setUp();
