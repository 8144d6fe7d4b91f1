// Recording of a view (R-PROC-6), made in the candidate's browser and uploaded in segments.
//
// The server never re-encodes video (DESIGN-BRIEF, media plane: 20–30 % of a core per stream),
// so the browser records what it already encodes: MediaRecorder, WebM (VP8 or VP9 with Opus),
// a modest bit rate. Why segments, and why each one is a recorder of its own: MediaRecorder
// gives one long WebM whose pieces after the first are not playable alone (only the first holds
// the header), and a file written by a process that dies is unreadable (WEBRTC-NOTES pitfall 4).
// So the recorder is restarted every SEGMENT seconds: each segment is a complete, playable WebM
// file, a lost or refused one never spoils the others, and the server stores files as they come.
//
// Nothing is sent straight from memory: every second's data goes to IndexedDB first
// (MediaRecorder's timeslice), then finished segments are uploaded, oldest first, with their
// sequence number, start time and duration. A failed upload waits and retries with back-off; a
// closed or crashed page leaves its queue (and its unfinished segment, up to its last second) in
// IndexedDB, and the next page that loads this script sends it. The server stores a segment
// sent twice once.
//
// Exports (view1.js, view2.js, screen_share.js and room_scan.js import them):
// start(stream, {attemptId, view, uploadUrl, csrfToken, segmentSeconds?, videoBitsPerSecond?})
//   -> recorder (recorder.stop(), recorder.recording, recorder.startedAt); stop() stops every
// recorder of the page; flush() sends the queue now; stats counts what happened. Each final
// answer to an upload (stored, or refused for good) is a "proctor-recorder:upload" event on the
// window, whose detail has the uploadUrl, clientId, ok, status, and the server's code and message.
// Defaults from the recorder's own tag (the {% recorder_script %} template tag writes the
// RECORDING_* settings there; a module has no document.currentScript); options given to start()
// win. A page without that tag records nothing and leaves the queue alone (below).
const tag = document.querySelector("script[data-recorder]");
const DEFAULTS = {
  segmentSeconds: Number(tag && tag.dataset.segmentSeconds) || 10,
  videoBitsPerSecond: Number(tag && tag.dataset.videoBitsPerSecond) || 400000,
};
const DB_NAME = "proctor-recordings";
const TIMESLICE_MS = 1000;
// An unfinished segment whose last data is older than this belongs to a page that is gone.
const STALE_MS = 3 * TIMESLICE_MS + 2000;
// A queued segment older than this is given up (an attempt long closed).
const MAX_AGE_MS = 2 * 24 * 3600 * 1000;
const MAX_BACKOFF_MS = 60000;
// VP8 first: cheaper to encode than VP9 on the candidate's computer, which is also sending the
// live stream; every Chromium and Firefox records it.
const TYPES = [
  "video/webm;codecs=vp8,opus", "video/webm;codecs=vp9,opus", "video/webm;codecs=vp8",
  "video/webm",
];

const stats = { recorded: 0, uploaded: 0, dropped: 0, queued: 0, lastError: "" };
const recorders = new Set();
const blockedUrls = new Set(); // refused as not ours (signed out?): left for a later page
let dbPromise = null;
let flushing = false;
let again = false;
let backoff = 1000;
let retryTimer = null;

// --- IndexedDB --------------------------------------------------------------------------------

function openDb() {
  if (dbPromise) return dbPromise;
  dbPromise = new Promise((resolve, reject) => {
    if (!window.indexedDB) { reject(new Error("no IndexedDB")); return; }
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => {
      const db = request.result;
      db.createObjectStore("segments", { keyPath: "key" });
      db.createObjectStore("chunks", { keyPath: ["key", "index"] });
      db.createObjectStore("counters", { keyPath: "name" });
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  return dbPromise;
}

async function tx(stores, mode, work) {
  const db = await openDb();
  return new Promise((resolve, reject) => {
    const t = db.transaction(stores, mode);
    // A transaction completes in a later task, so the handlers set after work() still run.
    const result = work(t);
    t.oncomplete = () => resolve(result);
    t.onerror = () => reject(t.error);
    t.onabort = () => reject(t.error || new Error("aborted"));
  });
}

function requestValue(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function allSegments() {
  const db = await openDb();
  return requestValue(db.transaction("segments").objectStore("segments").getAll());
}

async function segmentBlob(key, mimeType) {
  const db = await openDb();
  const range = IDBKeyRange.bound([key, 0], [key, Number.MAX_SAFE_INTEGER]);
  const chunks = await requestValue(
    db.transaction("chunks").objectStore("chunks").getAll(range));
  return new Blob(chunks.map((chunk) => chunk.blob), { type: mimeType || "video/webm" });
}

function removeSegment(key) {
  return tx(["segments", "chunks"], "readwrite", (t) => {
    t.objectStore("segments").delete(key);
    t.objectStore("chunks").delete(IDBKeyRange.bound([key, 0], [key, Number.MAX_SAFE_INTEGER]));
  });
}

function putSegment(segment) {
  return tx(["segments"], "readwrite", (t) => { t.objectStore("segments").put(segment); });
}

async function takeSeq(name, floor) {
  // The next sequence number of a view, kept across pages; never below ``floor`` (the
  // server's next free number, when it could be asked).
  let seq = 0;
  await tx(["counters"], "readwrite", (t) => {
    const store = t.objectStore("counters");
    const get = store.get(name);
    get.onsuccess = () => {
      seq = Math.max(get.result ? get.result.next : 0, floor || 0);
      store.put({ name, next: seq + 1 });
    };
  });
  return seq;
}

async function raiseCounter(name, next) {
  await tx(["counters"], "readwrite", (t) => {
    const store = t.objectStore("counters");
    const get = store.get(name);
    get.onsuccess = () => {
      if (!get.result || get.result.next < next) store.put({ name, next });
    };
  });
}

// --- Uploading ----------------------------------------------------------------------------------

function csrfToken(segment) {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return (meta && meta.content) || segment.csrfToken || "";
}

function scheduleRetry() {
  if (retryTimer) return;
  retryTimer = setTimeout(() => { retryTimer = null; flush(); }, backoff);
  backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
}

// Unfinished segments of pages that are gone (closed, crashed, navigated away) are finished
// here with what reached IndexedDB: every whole second of them is a playable WebM.
async function finishStale(segments) {
  const now = Date.now();
  for (const segment of segments) {
    if (segment.complete || now - segment.lastChunkAt < STALE_MS) continue;
    segment.complete = true;
    segment.durationMs = Math.max(segment.lastChunkAt - segment.startedAt, 100);
    await putSegment(segment);
  }
}

// The page that started a recorder may want to know what became of its uploads (the phone's
// room scan tells the candidate): every final answer is announced on the window.
function announce(segment, response, body) {
  window.dispatchEvent(new CustomEvent("proctor-recorder:upload", {
    detail: {
      uploadUrl: segment.uploadUrl, clientId: segment.clientId, ok: response.ok,
      status: response.status, code: body.code || "", message: body.message || "",
    },
  }));
}

async function uploadOne(segment) {
  const blob = await segmentBlob(segment.key, segment.mimeType);
  if (!blob.size) return "drop";
  const query = new URLSearchParams({
    seq: String(segment.seq), id: segment.clientId, started_at: String(segment.startedAt),
    sent_at: String(Date.now()), duration_ms: String(Math.round(segment.durationMs)),
  });
  let response;
  try {
    response = await fetch(`${segment.uploadUrl}?${query}`, {
      method: "POST", body: blob, credentials: "same-origin",
      headers: { "Content-Type": "video/webm", "X-CSRFToken": csrfToken(segment) },
    });
  } catch (error) {
    stats.lastError = "network";
    return "retry";
  }
  if (response.ok) { announce(segment, response, {}); return "done"; }
  let body = {};
  try { body = await response.json(); } catch (error) { /* an HTML error page */ }
  stats.lastError = body.code || String(response.status);
  if (response.status === 409 && Number.isInteger(body.next_seq)) {
    // Another segment already has this number (another browser of the same view): take the
    // next free one, keep the local counter above it, and send again.
    segment.seq = body.next_seq;
    await raiseCounter(segment.counter, body.next_seq + 1);
    await putSegment(segment);
    return "again";
  }
  if (response.status === 429 || response.status >= 500) return "retry";
  announce(segment, response, body);
  if (response.status === 401 || response.status === 403 || response.status === 404) {
    return "blocked";
  }
  return "drop"; // 400, 410 (attempt closed), 413: sending it again cannot succeed
}

async function flush() {
  if (flushing) { again = true; return; }
  flushing = true;
  try {
    do {
      again = false;
      let segments = await allSegments();
      await finishStale(segments);
      segments = (await allSegments()).sort((a, b) => a.startedAt - b.startedAt);
      const now = Date.now();
      stats.queued = segments.filter((s) => s.complete).length;
      for (const segment of segments) {
        if (now - segment.startedAt > MAX_AGE_MS) {
          await removeSegment(segment.key);
          stats.dropped += 1;
          continue;
        }
        if (!segment.complete || blockedUrls.has(segment.uploadUrl)) continue;
        let outcome = await uploadOne(segment);
        while (outcome === "again") outcome = await uploadOne(segment);
        if (outcome === "retry") { scheduleRetry(); return; }
        if (outcome === "blocked") { blockedUrls.add(segment.uploadUrl); continue; }
        await removeSegment(segment.key);
        stats.queued = Math.max(0, stats.queued - 1);
        if (outcome === "done") { stats.uploaded += 1; backoff = 1000; }
        else stats.dropped += 1;
      }
    } while (again);
  } catch (error) {
    stats.lastError = String(error);
    scheduleRetry();
  } finally {
    flushing = false;
  }
}

// --- Recording ----------------------------------------------------------------------------------

function pickType(stream) {
  if (!window.MediaRecorder) return null;
  const hasAudio = stream.getAudioTracks().length > 0;
  for (const type of TYPES) {
    if (!hasAudio && type.includes("opus")) continue;
    if (MediaRecorder.isTypeSupported(type)) return type;
  }
  return "";
}

function randomId() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

async function serverNextSeq(uploadUrl) {
  // The server's next free number for this view, so a second browser (or a cleared queue)
  // does not reuse numbers; without an answer the local counter goes on alone.
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 4000);
  try {
    const response = await fetch(uploadUrl, {
      credentials: "same-origin", signal: controller.signal,
    });
    if (!response.ok) return 0;
    const body = await response.json();
    return Number.isInteger(body.next_seq) ? body.next_seq : 0;
  } catch (error) {
    return 0;
  } finally {
    clearTimeout(timer);
  }
}

function start(stream, options) {
  const opts = Object.assign({}, DEFAULTS, options || {});
  const mimeType = pickType(stream);
  const counter = `${opts.attemptId}:${opts.view}`;
  const segmentMs = Math.max(1, Number(opts.segmentSeconds)) * 1000;
  let running = mimeType !== null && !!opts.uploadUrl;
  let current = null;
  // ``startedAt``: when the segment being recorded began (0 before the first has started: the
  // recorder opens its queue and asks the server first).
  const recorder = {
    stop,
    get recording() { return running; },
    get startedAt() { return current ? current.segment.startedAt : 0; },
  };
  if (!running) return recorder;
  recorders.add(recorder);

  async function startSegment() {
    if (!running) return;
    const seq = await takeSeq(counter, floor);
    if (!running) return;
    const options = { videoBitsPerSecond: opts.videoBitsPerSecond, audioBitsPerSecond: 32000 };
    if (mimeType) options.mimeType = mimeType;
    let media;
    try {
      media = new MediaRecorder(stream, options);
    } catch (error) {
      stats.lastError = String(error);
      running = false;
      return;
    }
    const clientId = randomId();
    const segment = {
      key: `${counter}:${clientId}`, counter, attemptId: opts.attemptId, view: opts.view,
      uploadUrl: opts.uploadUrl, csrfToken: opts.csrfToken || "", mimeType: media.mimeType,
      seq, clientId, startedAt: Date.now(), lastChunkAt: Date.now(), durationMs: 0,
      complete: false,
    };
    const state = { segment, media, writes: putSegment(segment), index: 0, stoppedAt: 0 };
    current = state;
    media.addEventListener("dataavailable", (event) => {
      if (event.data && event.data.size) {
        const chunk = { key: segment.key, index: state.index++, blob: event.data };
        state.writes = state.writes.then(() => tx(["chunks", "segments"], "readwrite", (t) => {
          t.objectStore("chunks").put(chunk);
          segment.lastChunkAt = Date.now();
          t.objectStore("segments").put(segment);
        })).catch((error) => { stats.lastError = String(error); });
      }
      // Cut here rather than with a timer: the recorder's own clock keeps ticking in a
      // background tab whose timers the browser slows down.
      if (running && current === state && Date.now() - segment.startedAt >= segmentMs) cut();
    });
    media.addEventListener("stop", () => {
      const stoppedAt = state.stoppedAt || Date.now();
      state.writes = state.writes.then(() => {
        segment.complete = true;
        segment.durationMs = Math.max(stoppedAt - segment.startedAt, 100);
        stats.recorded += 1;
        return putSegment(segment);
      }).then(flush, (error) => { stats.lastError = String(error); });
      if (current === state) { current = null; if (running) startSegment(); }
    });
    media.addEventListener("error", (event) => {
      stats.lastError = String(event.error || "recorder error");
    });
    media.start(TIMESLICE_MS);
  }

  function cut() {
    // The next segment starts before this one stops: at most a few milliseconds overlap,
    // never a hole.
    const old = current;
    current = null;
    startSegment();
    finish(old);
  }

  function finish(state) {
    if (!state || state.media.state === "inactive") return;
    state.stoppedAt = Date.now();
    try { state.media.stop(); } catch (error) { /* already stopped */ }
  }

  function stop() {
    running = false;
    recorders.delete(recorder);
    const state = current;
    current = null;
    finish(state);
  }

  // A camera that stops (unplugged, permission withdrawn) ends the recording of this view.
  stream.getTracks().forEach((track) => track.addEventListener("ended", () => {
    if (stream.getTracks().every((t) => t.readyState === "ended")) stop();
  }));

  let floor = 0;
  openDb()
    .then(() => serverNextSeq(opts.uploadUrl))
    .then((next) => { floor = next; return startSegment(); })
    .then(flush)
    .catch((error) => { stats.lastError = String(error); running = false; });
  return recorder;
}

function stopAll() {
  Array.from(recorders).forEach((recorder) => recorder.stop());
}

export { start, stopAll as stop, flush, stats };
// Leaving the page stops the recorders; what reached IndexedDB is sent by the next page.
window.addEventListener("pagehide", stopAll);
// A page that loads the recorder with its tag (the result page that loads nothing else, a
// reload) sends what is queued, and finishes the unfinished segment of the page before it once
// that has gone stale. A page that only imports it with a script that can record (view1.js on
// a set-up step) but has no tag records nothing, so it leaves the queue to the pages that do.
if (tag) window.addEventListener("online", () => { backoff = 1000; flush(); });
if (tag && window.indexedDB) {
  flush();
  setTimeout(flush, STALE_MS + 500);
}
