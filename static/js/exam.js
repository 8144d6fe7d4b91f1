// The exam page: draws the paper from the API, keeps every answer in localStorage at once and
// sends it to the server shortly after; an answer counts as saved only when the server has
// committed it. Offline, the candidate keeps answering and unsent answers go out on reconnect.
(function () {
  "use strict";
  const root = document.getElementById("exam");
  const paper = document.getElementById("paper");
  const statusLine = document.getElementById("save-status");
  const clock = document.getElementById("time-left");
  const submitButton = document.getElementById("submit");
  const warning = document.getElementById("warning");
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const text = (key) => document.querySelector(`#texts [data-key="${key}"]`).textContent;
  const stateUrl = root.dataset.attemptUrl;
  const storeKey = `proctor:attempt:${root.dataset.attemptId}`;
  const SAVE_DELAY_MS = 800;
  const RETRY_MS = 3000;

  // answers[questionId] = {response, seq, synced}
  let local = JSON.parse(localStorage.getItem(storeKey) || "{}");
  let deadline = null; // performance.now() value at which time runs out
  let flushTimer = null;
  let flushing = false;
  let finished = false;
  let confirming = false;

  const persist = () => localStorage.setItem(storeKey, JSON.stringify(local));
  // The status line says in words what data-state says to scripts and tests.
  function say(state, message) {
    statusLine.dataset.state = state;
    statusLine.textContent = message === undefined ? text(state) : message;
  }

  async function api(method, url, body) {
    const response = await fetch(url, {
      method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const data = await response.json().catch(() => ({}));
    if (typeof data.remaining_seconds === "number") setRemaining(data.remaining_seconds);
    return { status: response.status, data };
  }

  function setRemaining(seconds) {
    deadline = performance.now() + seconds * 1000;
  }

  function tick() {
    if (deadline === null) return;
    const left = Math.max(0, Math.round((deadline - performance.now()) / 1000));
    const h = String(Math.floor(left / 3600)).padStart(2, "0");
    const m = String(Math.floor((left % 3600) / 60)).padStart(2, "0");
    const s = String(left % 60).padStart(2, "0");
    clock.textContent = `${h}:${m}:${s}`;
    if (left === 0 && !finished) submit(false);
  }

  function render(state) {
    paper.textContent = "";
    for (const q of state.questions) {
      const fieldset = document.createElement("fieldset");
      fieldset.className = `question kind-${q.kind}`;
      fieldset.dataset.questionId = q.id;
      const legend = document.createElement("legend");
      legend.textContent = `${q.position}. ${q.text} (${q.points} ${text("points")})`;
      fieldset.appendChild(legend);
      const saved = local[q.id] ? local[q.id].response : null;
      (RENDERERS[q.kind] || renderShortAnswer)(fieldset, q, saved);
      paper.appendChild(fieldset);
    }
    paper.setAttribute("aria-busy", "false");
    submitButton.disabled = false;
  }

  function choice(fieldset, q, type, key, label, checked, onChange) {
    const wrapper = document.createElement("label");
    wrapper.className = "option";
    const input = document.createElement("input");
    input.type = type;
    input.name = `q${q.id}`;
    input.value = key;
    input.checked = checked;
    input.addEventListener("change", onChange);
    wrapper.append(input, ` ${label}`);
    fieldset.appendChild(wrapper);
  }

  const RENDERERS = {
    single(fieldset, q, saved) {
      for (const o of q.options) {
        choice(fieldset, q, "radio", o.key, `${o.key}. ${o.text}`, saved === o.key, () => answer(q.id, o.key));
      }
    },
    multiple(fieldset, q, saved) {
      const hint = document.createElement("p");
      hint.className = "help";
      hint.textContent = text("multiple_hint");
      fieldset.appendChild(hint);
      const chosen = () => [...fieldset.querySelectorAll("input:checked")].map((i) => i.value).sort();
      for (const o of q.options) {
        const checked = Array.isArray(saved) && saved.includes(o.key);
        choice(fieldset, q, "checkbox", o.key, `${o.key}. ${o.text}`, checked, () => {
          const keys = chosen();
          answer(q.id, keys.length ? keys : null);
        });
      }
    },
    true_false(fieldset, q, saved) {
      for (const [key, label] of [["T", text("true")], ["F", text("false")]]) {
        choice(fieldset, q, "radio", key, label, saved === key, () => answer(q.id, key));
      }
    },
    fill_in(fieldset, q, saved) {
      const inputs = [];
      for (let i = 0; i < q.blanks; i += 1) {
        const wrapper = document.createElement("label");
        wrapper.className = "blank";
        const input = document.createElement("input");
        input.type = "text";
        input.maxLength = 200;
        input.value = Array.isArray(saved) ? saved[i] || "" : "";
        input.addEventListener("input", () => {
          const values = inputs.map((el) => el.value);
          answer(q.id, values.some((v) => v.trim()) ? values : null);
        });
        inputs.push(input);
        wrapper.append(`${text("blank")} ${i + 1} `, input);
        fieldset.appendChild(wrapper);
      }
    },
  };

  function renderShortAnswer(fieldset, q, saved) {
    const area = document.createElement("textarea");
    area.rows = 6;
    area.maxLength = 20000;
    area.value = typeof saved === "string" ? saved : "";
    area.setAttribute("aria-label", q.text);
    area.addEventListener("input", () => answer(q.id, area.value.trim() ? area.value : null));
    fieldset.appendChild(area);
  }

  function answer(questionId, response) {
    const previous = local[questionId];
    local[questionId] = { response, seq: (previous ? previous.seq : 0) + 1, synced: false };
    persist();
    say("saving");
    clearTimeout(flushTimer);
    flushTimer = setTimeout(flush, SAVE_DELAY_MS);
  }

  async function flush() {
    if (flushing || finished) return;
    flushing = true;
    let offline = false;
    try {
      for (const [questionId, entry] of Object.entries(local)) {
        if (entry.synced) continue;
        const sentSeq = entry.seq;
        let reply;
        try {
          reply = await api("PUT", `${stateUrl}/answers/${questionId}`, { response: entry.response, seq: sentSeq });
        } catch (err) {
          offline = true;
          break;
        }
        const current = local[questionId];
        if (reply.status === 200) {
          if (current.seq === sentSeq) current.synced = true;
        } else if (reply.data.code === "stale") {
          // A newer save exists (another tab): take a sequence number above it and send again.
          current.seq = Math.max(current.seq, (reply.data.current_seq || 0) + 1);
        } else if (reply.data.code === "finished" || reply.data.code === "time_over") {
          finished = true;
          location.reload();
          return;
        } else if (reply.status >= 400 && reply.status < 500) {
          current.synced = true; // refused for good; say so rather than retry forever
          say("refused", `${text("refused")} ${reply.data.message || text("invalid")}`);
          persist();
          continue;
        } else {
          offline = true;
          break;
        }
        persist();
      }
    } finally {
      flushing = false;
    }
    const pending = Object.values(local).some((entry) => !entry.synced);
    if (offline) say("offline");
    else if (!pending) say("saved");
    if (pending) {
      clearTimeout(flushTimer);
      flushTimer = setTimeout(flush, offline ? RETRY_MS : 0);
    }
  }

  async function submit(ask) {
    if (finished) return;
    if (ask) {
      const open = [...paper.querySelectorAll("fieldset.question")]
        .filter((fs) => !fs.querySelector("input:checked")).length;
      const question = open ? `${text("confirm")}\n${text("unanswered")} ${open}` : text("confirm");
      confirming = true; // the dialog takes focus: that is not leaving the page
      const yes = window.confirm(question);
      confirming = false;
      if (!yes) return;
    }
    submitButton.disabled = true;
    await flush();
    try {
      const reply = await api("POST", `${stateUrl}/submit`);
      if (reply.status === 200) {
        finished = true;
        localStorage.removeItem(storeKey);
        location.assign(reply.data.result_url);
        return;
      }
      if (reply.status === 409) {
        say("refused", reply.data.message);
        submitButton.disabled = false;
        return;
      }
    } catch (err) { /* fall through */ }
    say("submit_failed");
    submitButton.disabled = false;
  }

  async function load() {
    let reply;
    try {
      reply = await api("GET", stateUrl);
    } catch (err) {
      say("offline");
      setTimeout(load, RETRY_MS);
      return;
    }
    if (reply.status !== 200) { location.reload(); return; }
    const state = reply.data;
    if (state.status !== "answering") { location.reload(); return; }
    // The server's answer wins unless this browser holds a newer, unsent one.
    for (const [questionId, saved] of Object.entries(state.answers)) {
      const mine = local[questionId];
      if (!mine || mine.synced || mine.seq <= saved.seq) {
        local[questionId] = { response: saved.response, seq: saved.seq, synced: true };
      }
    }
    persist();
    render(state);
    flush();
  }

  // Leaving the page (R-EXAM-6): reported to the server, whose policy decides what follows.
  let away = false;
  async function report(kind) {
    if (finished) return;
    try {
      const reply = await api("POST", `${stateUrl}/events`, { kind, client_at: new Date().toISOString() });
      if (reply.data.action === "warned" || reply.data.action === "consumed") {
        warning.textContent = reply.data.message;
        warning.hidden = false;
      }
      if (reply.data.action === "consumed") {
        finished = true;
        localStorage.removeItem(storeKey);
        setTimeout(() => location.assign(reply.data.result_url), 4000);
      }
    } catch (err) { /* offline: the proctor still sees the view; nothing to do here */ }
  }
  function leave(kind) {
    if (away || confirming) return; // one departure, however many signals the browser sends for it
    away = true;
    report(kind);
  }
  document.addEventListener("visibilitychange", () => {
    if (document.hidden) leave("hidden");
    else if (away) { away = false; report("returned"); }
  });
  window.addEventListener("blur", () => leave("blur"));
  window.addEventListener("focus", () => { if (away && !document.hidden) { away = false; report("returned"); } });
  document.addEventListener("fullscreenchange", () => { if (!document.fullscreenElement) leave("fullscreen_exit"); });

  submitButton.addEventListener("click", () => submit(true));
  window.addEventListener("online", flush);
  const BLOCKED = { copy: "copy", cut: "copy", paste: "paste", contextmenu: "context_menu" };
  for (const [event, kind] of Object.entries(BLOCKED)) {
    document.addEventListener(event, (e) => { e.preventDefault(); report(kind); });
  }
  setInterval(tick, 500);
  load();
})();
