// A proctor's live view of one room. The server sends the room's snapshot on every (re)connect
// (attempts, view states, alerts waiting for a decision), then one event per change; a dropped
// connection reconnects with back-off. Actions (warnings, violations, screenshots, decisions,
// ending an exam, broadcasts) are CSRF-protected POSTs; their results come back as events, so
// every console watching the room shows them. Text from the server is set with textContent only.
// The live video of the candidate in focus, and talking to them, is focus.js.
import * as liveFocus from "./focus.js";
import { LiveSocket } from "./live_socket.js";

const root = document.getElementById("room");
const tiles = document.getElementById("tiles");
const empty = document.getElementById("empty");
const connection = document.getElementById("connection");
const alertList = document.getElementById("alerts");
const noAlerts = document.getElementById("no-alerts");
const focus = document.getElementById("focus");
const focusStatus = document.getElementById("focus-status");
const labels = JSON.parse(document.getElementById("status-labels").textContent);
const ENDED = ["submitted", "marking", "graded", "declined", "terminated"];
const alertLabels = JSON.parse(document.getElementById("alert-labels").textContent);
const plural = new Intl.PluralRules(document.documentElement.lang || "zh");
const times = (n) => `${n} ${text(plural.select(n) === "one" ? "times_one" : "times")}`;
const text = (key) => document.querySelector(`#texts [data-key="${key}"]`).textContent;
const csrf = document.querySelector('meta[name="csrf-token"]').content;
const LIVE = new Set(["signed_in", "info_confirmed", "commitment_signed", "identity_verified",
  "second_view_connected", "room_scanned", "waiting", "answering"]);
const attempts = new Map();  // id → summary
const alerts = new Map();  // id → summary, undecided only
let focused = null;  // attempt id in the focus panel
let talking = false;

const urlFor = (template, id) => template.replace(/\/0\/$/, `/${id}/`);
const attemptUrl = (id, action) => urlFor(root.dataset.attemptUrl, id) + (action ? `${action}/` : "");
const time = (iso) => new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });

function el(tag, className, content) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (content !== undefined) node.textContent = content;
  return node;
}

function setConnection(state) {
  connection.dataset.state = state;
  connection.textContent = text(state);
}

async function post(url, body) {
  const response = await fetch(url, {
    method: "POST", body, credentials: "same-origin", headers: { "X-CSRFToken": csrf },
  });
  let data = {};
  try { data = await response.json(); } catch (error) { /* an error page */ }
  if (!response.ok) throw new Error(data.message || text("failed"));
  return data;
}

// --- Tiles ---------------------------------------------------------------------------------

function tileFor(id) {
  let tile = tiles.querySelector(`[data-attempt-id="${id}"]`);
  if (!tile) {
    tile = el("li", "tile");
    tile.dataset.attemptId = id;
    const open = el("button", "tile-open");
    open.type = "button";
    open.addEventListener("click", () => openFocus(Number(id)));
    const thumbs = el("span", "tile-thumbs");
    for (const view of [1, 2]) {
      const figure = el("span", "tile-thumb");
      figure.dataset.view = view;
      const img = el("img");
      img.alt = text(`view${view}`);
      img.hidden = true;
      figure.append(img, el("span", "tile-thumb-empty", `${text(`view${view}`)}: ${text("no_picture")}`));
      thumbs.appendChild(figure);
    }
    open.appendChild(thumbs);
    for (const part of ["name", "id", "status", "progress", "accommodation", "views", "leaves", "alerts"]) {
      open.appendChild(el("span", `tile-${part}`));
    }
    tile.appendChild(open);
    // The recording with its alert timeline, in a tab of its own (the console stays live).
    const review = el("a", "tile-review", text("review"));
    review.href = root.dataset.reviewUrl.replace("/attempts/0/", `/attempts/${id}/`);
    review.target = "_blank";
    review.rel = "noopener";
    tile.appendChild(review);
    tiles.appendChild(tile);
  }
  return tile;
}

function show(attempt) {
  attempts.set(attempt.id, attempt);
  const tile = tileFor(attempt.id);
  tile.dataset.status = attempt.status;
  tile.querySelector(".tile-name").textContent = attempt.candidate;
  tile.querySelector(".tile-id").textContent = attempt.masked_id_number;
  tile.querySelector(".tile-status").textContent = labels[attempt.status] || attempt.status;
  let progress = `${attempt.answered}/${attempt.total} ${text("answered")}`;
  if (attempt.score !== null) progress += ` · ${text("score")} ${attempt.score}/${attempt.max_score}`;
  tile.querySelector(".tile-progress").textContent = progress;
  // The page-leave badge: how often the candidate left the page, and how the last time.
  // The accommodation recorded before the exam: extra time, relaxed alert rules.
  const accommodation = attempt.accommodation;
  const note = tile.querySelector(".tile-accommodation");
  note.textContent = "";
  if (accommodation) {
    const parts = [];
    if (accommodation.extra_minutes) parts.push(text("extra_minutes").replace("{n}", accommodation.extra_minutes));
    if (accommodation.screen_reader) parts.push(text("screen_reader"));
    if (accommodation.may_leave_seat) parts.push(text("may_leave_seat"));
    note.appendChild(el("span", "badge accommodation-badge", `${text("accommodation")}: ${parts.join(" · ")}`));
  }
  const leaves = tile.querySelector(".tile-leaves");
  tile.dataset.leaves = attempt.leaves || 0;
  leaves.textContent = "";
  if (attempt.leaves) {
    leaves.appendChild(el("span", "badge leave-badge",
      `${text("left_page")} ${attempt.leaves} · ${text(`leave_${attempt.last_leave}`)}`));
  }
  // An attempt that ended has no live view: its tile says nothing of cameras any more.
  tile.querySelector(".tile-views").hidden = ENDED.includes(attempt.status);
  empty.hidden = true;
  if (focused === attempt.id) showFocusTitle();
}

// Live views (1 computer, 2 phone, 3 the shared screen); a tile that has never heard of a view
// says nothing of it.
function showView(event) {
  const tile = tiles.querySelector(`[data-attempt-id="${event.attempt}"]`);
  if (!tile) return;
  tile.dataset[`view${event.view}`] = event.connected ? "connected" : "lost";
  const parts = [1, 2, 3]
    .filter((view) => tile.dataset[`view${view}`])
    .map((view) => text(`view${view}_${tile.dataset[`view${view}`]}`));
  tile.querySelector(".tile-views").textContent = parts.join(" · ");
}

function showThumbnail(event) {
  const tile = tiles.querySelector(`[data-attempt-id="${event.attempt}"]`);
  if (!tile || typeof event.jpeg !== "string") return;
  const figure = tile.querySelector(`.tile-thumb[data-view="${Number(event.view)}"]`);
  if (!figure) return;
  const img = figure.querySelector("img");
  img.src = `data:image/jpeg;base64,${event.jpeg}`;
  img.hidden = false;
  figure.querySelector(".tile-thumb-empty").hidden = true;
}

function showAlertCounts() {
  const counts = new Map();
  for (const alert of alerts.values()) {
    if (alert.status !== "open") continue;
    const perAttempt = counts.get(alert.attempt) || { 3: 0, 2: 0, 1: 0 };
    perAttempt[alert.severity] = (perAttempt[alert.severity] || 0) + 1;
    counts.set(alert.attempt, perAttempt);
  }
  for (const tile of tiles.querySelectorAll(".tile")) {
    const box = tile.querySelector(".tile-alerts");
    box.textContent = "";
    const perAttempt = counts.get(Number(tile.dataset.attemptId));
    tile.dataset.alerts = perAttempt ? "1" : "";
    if (!perAttempt) continue;
    box.appendChild(el("span", "visually-hidden", `${text("open_alerts")}: `));
    for (const severity of [3, 2, 1]) {
      if (!perAttempt[severity]) continue;
      const badge = el("span", `badge severity-${severity}`, `${text(`severity${severity}`)} ${perAttempt[severity]}`);
      box.appendChild(badge);
    }
  }
}

// --- Alert queue: waiting for a decision, by severity (high first), then oldest first ------

function showAlerts() {
  alertList.textContent = "";
  const sorted = [...alerts.values()].sort(
    (a, b) => b.severity - a.severity || a.opened_at.localeCompare(b.opened_at));
  for (const alert of sorted) alertList.appendChild(alertItem(alert));
  noAlerts.hidden = sorted.length > 0;
  showAlertCounts();
}

function alertItem(alert) {
  const item = el("li", `alert-item severity-${alert.severity}`);
  item.dataset.alertId = alert.id;
  item.dataset.status = alert.status;
  const who = attempts.get(alert.attempt);
  const head = el("p", "alert-head");
  head.appendChild(el("strong", "", alertLabels[alert.kind] || alert.label));
  head.appendChild(el("span", "muted",
    ` · ${who ? who.candidate : alert.attempt} · ${text(`view${alert.view}`)} · ${text(`severity${alert.severity}`)}`));
  item.appendChild(head);
  const meta = el("p", "muted",
    `${time(alert.opened_at)} · ${times(alert.count)} · ${text(`alert_${alert.status}`)}`);
  // The model's confidence in what it saw (1 for what a page or the server reports itself).
  const confidence = el("span", "alert-confidence",
    ` · ${text("confidence")} ${Math.round((alert.confidence || 0) * 100)}%`);
  meta.appendChild(confidence);
  if (alert.evidence_url) {
    const link = el("a", "", text("evidence"));
    link.href = alert.evidence_url;
    link.target = "_blank";
    link.rel = "noopener";
    meta.append(" · ", link);
  }
  if (alert.audio_url) {
    const player = el("audio");
    player.controls = true;
    player.preload = "none";
    player.src = alert.audio_url;
    player.setAttribute("aria-label", text("audio"));
    meta.append(" · ", player);
  }
  item.appendChild(meta);
  const form = el("form", "alert-decide");
  const note = el("input");
  note.name = "note";
  note.maxLength = 500;
  note.placeholder = text("decision_note");
  note.setAttribute("aria-label", text("decision_note"));
  form.appendChild(note);
  for (const decision of ["confirmed", "dismissed"]) {
    const button = el("button", "button", text(decision === "confirmed" ? "confirm" : "dismiss"));
    button.type = "button";
    button.dataset.decision = decision;
    button.addEventListener("click", () => decide(alert.id, decision, note.value, form));
    form.appendChild(button);
  }
  const open = el("button", "link", text("open"));
  open.type = "button";
  open.addEventListener("click", () => openFocus(alert.attempt));
  form.appendChild(open);
  item.appendChild(form);
  return item;
}

async function decide(alertId, decision, note, form) {
  const body = new FormData();
  body.append("decision", decision);
  body.append("note", note);
  form.querySelectorAll("button").forEach((b) => { b.disabled = true; });
  try {
    await post(root.dataset.alertUrl.replace("/alerts/0/", `/alerts/${alertId}/`), body);
    alerts.delete(alertId);
    showAlerts();
  } catch (error) {
    form.querySelectorAll("button").forEach((b) => { b.disabled = false; });
    form.appendChild(el("span", "field-error", error.message));
  }
}

function applyAlert(alert) {
  if (alert.decision) alerts.delete(alert.id);
  else alerts.set(alert.id, alert);
  showAlerts();
}

// --- Focus panel ---------------------------------------------------------------------------

function showFocusTitle() {
  const attempt = attempts.get(focused);
  if (!attempt) return;
  document.getElementById("focus-title").textContent =
    `${attempt.candidate} · ${attempt.masked_id_number} · ${labels[attempt.status] || attempt.status}`;
  const live = LIVE.has(attempt.status);
  for (const form of focus.querySelectorAll("#warn-form, #end-form")) {
    form.querySelectorAll("input, button, select").forEach((field) => { field.disabled = !live; });
  }
}

function setFocusStatus(message, isError) {
  focusStatus.textContent = message;
  focusStatus.classList.toggle("field-error", Boolean(isError));
}

async function openFocus(id) {
  if (focused !== null) closeFocus();
  focused = id;
  focus.hidden = false;
  focus.dataset.attemptId = id;
  showFocusTitle();
  setFocusStatus("");
  for (const list of ["focus-messages", "focus-violations", "focus-shots"]) {
    document.getElementById(list).textContent = "";
  }
  focus.scrollIntoView({ block: "start" });
  document.getElementById("focus-close").focus({ preventScroll: true });
  const container = document.getElementById("focus-video");
  container.textContent = "";
  // The live video is a bonus: without it every action still works (thumbnails instead).
  Promise.resolve()
    .then(() => liveFocus.open(id, container, root.dataset.mediaWs))
    .catch(() => setFocusStatus(text("no_focus")));
  try {
    const response = await fetch(attemptUrl(id), { credentials: "same-origin" });
    if (!response.ok) throw new Error(text("failed"));
    const detail = await response.json();
    if (focused !== id) return;
    detail.messages.forEach(showMessage);
    detail.violations.forEach(showViolation);
    detail.screenshots.forEach(showScreenshot);
  } catch (error) {
    setFocusStatus(error.message, true);
  }
}

function closeFocus() {
  try {
    if (talking) Promise.resolve(liveFocus.talk(false)).catch(() => {});
    liveFocus.close();
  } catch (error) { /* the panel closes all the same */ }
  setTalking(false);
  const tile = focused !== null && tiles.querySelector(`[data-attempt-id="${focused}"] .tile-open`);
  focused = null;
  focus.hidden = true;
  if (tile) tile.focus();
}

function upsert(listId, key, build) {
  const list = document.getElementById(listId);
  const item = build();
  item.dataset.key = key;
  const old = list.querySelector(`[data-key="${key}"]`);
  if (old) old.replaceWith(item); else list.appendChild(item);
}

// A line's state only moves forward (sent, then read). The reply to the proctor's own POST
// (sent, unread) can arrive after the socket's read receipt when the candidate reads at once;
// it must not turn a read line back to unread.
function showMessage(message) {
  if (message.attempt !== focused) return;
  const shown = document.querySelector(`#focus-messages [data-key="${message.id}"]`);
  if (shown && shown.dataset.read === "1" && !message.read_at) return;
  upsert("focus-messages", message.id, () => {
    const item = el("li", "log-item");
    item.dataset.read = message.read_at ? "1" : "0";
    item.appendChild(el("span", "log-text", message.text));
    let meta = ` · ${time(message.sent_at)}`;
    if (message.kind === "broadcast") meta += ` · ${text("broadcast")}`;
    item.appendChild(el("span", "muted", meta));
    item.appendChild(el("span", "read-state",
      message.read_at ? `${text("read")} ${time(message.read_at)}` : text("unread")));
    return item;
  });
}

function showViolation(violation) {
  if (violation.attempt !== focused) return;
  upsert("focus-violations", violation.id, () => {
    const item = el("li", "log-item");
    item.appendChild(el("strong", "", violation.label));
    if (violation.note) item.appendChild(el("span", "", ` · ${violation.note}`));
    item.appendChild(el("span", "muted", ` · ${time(violation.at)} · ${violation.recorded_by}`));
    return item;
  });
}

function showScreenshot(shot) {
  if (shot.attempt !== focused) return;
  upsert("focus-shots", shot.id, () => {
    const item = el("li", "log-item");
    const link = el("a", "", `${text(`view${shot.view}`)} · ${time(shot.at)}`);
    link.href = shot.url;
    link.target = "_blank";
    link.rel = "noopener";
    item.appendChild(link);
    if (shot.note) item.appendChild(el("span", "", ` · ${shot.note}`));
    return item;
  });
}

function setTalking(on) {
  talking = on;
  const button = document.getElementById("focus-talk");
  button.setAttribute("aria-pressed", on ? "true" : "false");
  button.textContent = text(on ? "talk_on" : "talk_off");
}

async function thumbnailBlob(view) {
  const img = tiles.querySelector(`[data-attempt-id="${focused}"] .tile-thumb[data-view="${view}"] img`);
  if (!img || img.hidden || !img.src.startsWith("data:image/")) return null;
  // Decoded here, not fetched: the page's Content-Security-Policy lets it connect only to
  // the platform's own origins.
  const [header, data] = img.src.split(",", 2);
  const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  return new Blob([bytes], { type: header.slice(5).split(";")[0] });
}

async function screenshot(view) {
  const id = focused;
  let blob;
  // A focus that is not live must not hold the proctor up: after 3 s the thumbnail is used.
  const late = new Promise((resolve) => { setTimeout(() => resolve(null), 3000); });
  try {
    blob = await Promise.race([liveFocus.capture(view), late]);
  } catch (error) {
    blob = null;
  }
  if (!blob) {
    blob = await thumbnailBlob(view);
    if (blob) setFocusStatus(text("no_focus"));
  }
  if (!blob) { setFocusStatus(text("no_image"), true); return; }
  const body = new FormData(document.getElementById("screenshot-form"));
  body.append("view", String(view));
  body.append("image", blob, `view${view}.jpg`);
  try {
    await post(attemptUrl(id, "screenshots"), body);
    document.getElementById("screenshot-note").value = "";
    setFocusStatus(text("saved"));
  } catch (error) {
    setFocusStatus(error.message, true);
  }
}

function wireFocus() {
  document.getElementById("focus-close").addEventListener("click", closeFocus);
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && focused !== null) closeFocus();
  });
  const talk = document.getElementById("focus-talk");
  talk.disabled = false;
  talk.addEventListener("click", async () => {
    const on = !talking;
    try {
      await liveFocus.talk(on);
      setTalking(on);
    } catch (error) {
      setFocusStatus(text("failed"), true);
    }
  });
  for (const button of focus.querySelectorAll("[data-shot-view]")) {
    button.addEventListener("click", () => screenshot(Number(button.dataset.shotView)));
  }
  const submitTo = (formId, action, done, confirmKey) => {
    const form = document.getElementById(formId);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (confirmKey && !window.confirm(text(confirmKey))) return;
      const button = form.querySelector("button[type=submit]");
      button.disabled = true;
      try {
        const data = await post(attemptUrl(focused, action), new FormData(form));
        form.reset();
        setFocusStatus(text(done));
        if (data.message) showMessage(data.message);
        if (data.violation) showViolation(data.violation);
      } catch (error) {
        setFocusStatus(error.message, true);
      } finally {
        button.disabled = false;
        showFocusTitle();
      }
    });
  };
  submitTo("warn-form", "warnings", "sent");
  submitTo("violation-form", "violations", "saved");
  submitTo("end-form", "end", "ended", "confirm_end");

  const broadcastForm = document.getElementById("broadcast-form");
  const broadcastStatus = broadcastForm.querySelector(".form-status");
  broadcastForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await post(broadcastForm.action, new FormData(broadcastForm));
      broadcastForm.reset();
      broadcastStatus.textContent = text("sent");
      broadcastStatus.classList.remove("field-error");
    } catch (error) {
      broadcastStatus.textContent = error.message;
      broadcastStatus.classList.add("field-error");
    }
  });
}

// --- The room's socket ------------------------------------------------------------------

function connect() {
  setConnection("connecting");
  new LiveSocket(root.dataset.wsPath, {
    onMessage: receive,
    onClose(event, retrying) { setConnection(retrying ? "lost" : "forbidden"); },
  }, { first: 500, max: 10000 });
}

function receive(message) {
  switch (message.type) {
    case "room.snapshot":
      tiles.textContent = "";
      attempts.clear();
      message.attempts.forEach(show);
      (message.views || []).forEach(showView);
      alerts.clear();
      (message.alerts || []).forEach((alert) => alerts.set(alert.id, alert));
      showAlerts();
      empty.hidden = message.attempts.length > 0;
      setConnection("live");
      break;
    case "attempt.changed": show(message.attempt); break;
    case "view.changed": showView(message); break;
    case "view.thumbnail": showThumbnail(message); break;
    case "alert.changed": applyAlert(message.alert); break;
    case "message.changed": showMessage(message.message); break;
    case "violation.recorded": showViolation(message.violation); break;
    case "screenshot.taken": showScreenshot(message.screenshot); break;
    default: break;
  }
}

wireFocus();
connect();
