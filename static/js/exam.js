// The exam page: draws the paper from the API, keeps every answer in localStorage at once and
// sends it to the server shortly after; an answer counts as saved only when the server has
// acknowledged it (200). Offline, the candidate keeps answering and unsent answers go out on
// reconnect. When time runs out the paper locks and the submission waits until every answer
// typed in time has been acknowledged, or the server's grace period is over: the server owns
// the clock and takes answers typed in time for that long after the deadline.
(function () {
  "use strict";
  const root = document.getElementById("exam");
  const paper = document.getElementById("paper");
  const statusLine = document.getElementById("save-status");
  const clock = document.getElementById("time-left");
  const submitButton = document.getElementById("submit");
  // The paper is never posted as a form: answers go to the API one by one (Enter in a field
  // must not reload the page).
  paper.addEventListener("submit", (event) => { event.preventDefault(); });
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const text = (key) => document.querySelector(`#texts [data-key="${key}"]`).textContent;
  const stateUrl = root.dataset.attemptUrl;
  const storeKey = `proctor:attempt:${root.dataset.attemptId}`;
  const SAVE_DELAY_MS = 800;
  const RETRY_MS = 3000;
  const MAX_BUSY_MS = 30000;

  // local[questionId] = {response, seq, synced, refused}: "refused" answers were turned down
  // for their content (kept, not resent until changed).
  const local = JSON.parse(localStorage.getItem(storeKey) || "{}");
  let deadline = null; // performance.now() value at which time runs out
  let graceMs = 0; // how long after the deadline the server still takes answers typed in time
  let flushTimer = null;
  let running = null; // the flush under way: a promise of its outcome
  let submission = null; // the submission under way
  let locked = false; // no more answers: time is up or the paper is being submitted
  let finished = false;
  let paused = false; // a required camera is lost (proctor_lock.js): answering waits
  let authMessage = ""; // why the server refused this tab (signed out, forbidden)
  let refusedMessage = ""; // why the server refused an answer's content
  let busyMs = 0; // how long an overloaded server (503/429) asked us to wait before trying again

  const answered = (entry) => Boolean(entry) && entry.response !== null && entry.response !== undefined
    && !(Array.isArray(entry.response) && !entry.response.some((v) => String(v).trim()));
  const persist = () => localStorage.setItem(storeKey, JSON.stringify(local));
  const unsaved = () => Object.values(local).filter((entry) => !entry.synced);
  // The status line says in words what data-state says to scripts and tests.
  const say = (state, message) => {
    statusLine.dataset.state = state;
    statusLine.textContent = message === undefined ? text(state) : message;
  };

  // A wait that the connection's return cuts short.
  const pause = (ms) => new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      window.removeEventListener("online", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    window.addEventListener("online", done);
  });

  async function api(method, url, body) {
    const response = await fetch(url, {
      method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const data = await response.json().catch(() => ({}));
    if (typeof data.remaining_seconds === "number") setRemaining(data.remaining_seconds);
    return { status: response.status, data, retryAfter: retryAfterMs(response) };
  }

  // An overloaded server (503, 429) says in Retry-After when to come back; a little jitter keeps
  // the pages it refused together from coming back together.
  function retryAfterMs(response) {
    if (response.status !== 503 && response.status !== 429) return 0;
    const seconds = Number(response.headers.get("Retry-After"));
    const base = Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : RETRY_MS;
    return Math.min(MAX_BUSY_MS, base) * (1 + Math.random() * 0.3);
  }

  // The server's remaining time moves the deadline; "0" after the deadline must not push it on,
  // or the grace period would never end on this page.
  const setRemaining = (seconds) => {
    const next = performance.now() + seconds * 1000;
    if (deadline === null || seconds > 0 || next < deadline) deadline = next;
  };
  // The page stops trying to save a second before the server's grace ends: its own deadline
  // is already a little early (whole seconds, request latency), so this stays inside the grace.
  const saveUntil = () => deadline + graceMs - 1000;

  function tick() {
    if (deadline === null) return;
    const left = Math.max(0, Math.round((deadline - performance.now()) / 1000));
    const h = String(Math.floor(left / 3600)).padStart(2, "0");
    const m = String(Math.floor((left % 3600) / 60)).padStart(2, "0");
    const s = String(left % 60).padStart(2, "0");
    clock.textContent = `${h}:${m}:${s}`;
    if (left === 0 && !finished && !locked) {
      lock();
      say("closing");
      submit(false);
    }
  }

  function lock() {
    locked = true;
    for (const fieldset of paper.querySelectorAll("fieldset")) fieldset.disabled = true;
  }

  function unlock() {
    if (deadline !== null && performance.now() >= deadline) return; // time is up for good
    locked = false;
    for (const fieldset of paper.querySelectorAll("fieldset")) fieldset.disabled = paused;
  }

  function render(state) {
    paper.textContent = "";
    for (const q of state.questions) {
      const fieldset = document.createElement("fieldset");
      fieldset.className = `question kind-${q.kind}`;
      fieldset.dataset.questionId = q.id;
      const legend = document.createElement("legend");
      legend.append(`${q.position}. `, rich("question-text", q.html), ` (${q.points} ${text("points")})`);
      fieldset.appendChild(legend);
      const saved = local[q.id] ? local[q.id].response : null;
      (RENDERERS[q.kind] || renderShortAnswer)(fieldset, q, saved);
      fieldset.disabled = paused || locked;
      paper.appendChild(fieldset);
    }
    paper.setAttribute("aria-busy", "false");
    submitButton.disabled = false;
  }

  // The question's and options' HTML comes sanitised from the server (questionbank.rich_text:
  // an allow-list of formatting tags, images only as checked data: URIs, no attributes that
  // run anything); a <template> parses it without running or loading anything, and the CSP
  // would stop an inline script or handler even if one got through.
  function rich(className, html) {
    const holder = document.createElement("span");
    holder.className = className;
    const template = document.createElement("template");
    template.innerHTML = html;
    holder.append(template.content);
    return holder;
  }

  // The letter follows the place the option is shown in (A, B, C… down the page, whatever the
  // shuffle did); the answer sent is still the option's own key, which grading reads.
  function option(o, index) {
    const label = rich("option-text", o.html);
    label.prepend(`${String.fromCharCode(65 + index)}. `);
    return label;
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
    wrapper.append(input, " ", label);
    fieldset.appendChild(wrapper);
  }

  const RENDERERS = {
    single(fieldset, q, saved) {
      q.options.forEach((o, index) => {
        choice(fieldset, q, "radio", o.key, option(o, index), saved === o.key, () => answer(q.id, o.key));
      });
    },
    multiple(fieldset, q, saved) {
      const hint = document.createElement("p");
      hint.className = "help";
      hint.textContent = text("multiple_hint");
      fieldset.appendChild(hint);
      const chosen = () => [...fieldset.querySelectorAll("input:checked")].map((i) => i.value).sort();
      q.options.forEach((o, index) => {
        const checked = Array.isArray(saved) && saved.includes(o.key);
        choice(fieldset, q, "checkbox", o.key, option(o, index), checked, () => {
          const keys = chosen();
          answer(q.id, keys.length ? keys : null);
        });
      });
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
    if (locked || finished) return;
    const previous = local[questionId];
    local[questionId] = { response, seq: (previous ? previous.seq : 0) + 1, synced: false };
    persist();
    say("saving");
    clearTimeout(flushTimer);
    flushTimer = setTimeout(flush, SAVE_DELAY_MS);
  }

  // Sends every unsent answer, one at a time, until none is left or sending cannot go on.
  // Resolves to "saved" (nothing left to send), "offline" (no connection or a server error:
  // try again later), "busy" (the server is overloaded: try again after busyMs), "paused" (answering is paused for a lost camera: the same), "auth" (signed out or forbidden: retrying from this tab will not help)
  // or "closed" (the server takes no more answers for this attempt).
  async function sendAll() {
    for (;;) {
      const next = Object.entries(local).find(([, entry]) => !entry.synced && !entry.refused);
      if (!next) return "saved";
      const [questionId, entry] = next;
      const sentSeq = entry.seq;
      let reply;
      try {
        reply = await api("PUT", `${stateUrl}/answers/${questionId}`, { response: entry.response, seq: sentSeq });
      } catch (err) {
        return "offline";
      }
      const current = local[questionId];
      if (reply.status === 200) {
        if (current.seq === sentSeq) current.synced = true; // else: changed meanwhile, send again
      } else if (reply.data.code === "stale") {
        // A newer save exists (another tab): take a sequence number above it and send again.
        current.seq = Math.max(current.seq, (reply.data.current_seq || 0) + 1);
      } else if (reply.data.code === "paused") {
        return "paused"; // kept, sent again once the camera is back
      } else if (reply.data.code === "finished" || reply.data.code === "time_over") {
        return "closed";
      } else if (reply.retryAfter) {
        busyMs = reply.retryAfter;
        return "busy"; // kept, sent again when the server said
      } else if (reply.status === 401 || reply.status === 403) {
        authMessage = reply.data.code === "seb_required" || reply.status === 403 ? reply.data.message || reply.data.detail : "";
        return "auth";
      } else if (reply.status >= 400 && reply.status < 500) {
        // Refused for its content: kept on this computer (not saved), not resent until changed.
        current.refused = true;
        refusedMessage = reply.data.message || text("invalid");
      } else {
        return "offline";
      }
      persist();
    }
  }
  // A promise of "all pending answers sent" (or of why not): a flush asked for while one runs
  // joins it, and the running one also sends the answers typed meanwhile.
  function flush() {
    clearTimeout(flushTimer);
    if (!running) {
      running = sendAll().then((outcome) => {
        running = null;
        tellOutcome(outcome);
        return outcome;
      });
    }
    return running;
  }

  // Tells the candidate the outcome of a flush, and schedules the next try when one helps.
  function tellOutcome(outcome) {
    persist();
    if (outcome === "busy") {
      say(locked ? "closing" : "busy");
      if (!submission) flushTimer = setTimeout(flush, busyMs);
    } else if (outcome === "offline" || outcome === "paused") {
      say(outcome === "paused" ? "paused" : locked ? "closing_offline" : "offline");
      if (!submission) flushTimer = setTimeout(flush, RETRY_MS);
    } else if (outcome === "auth") {
      say("signed_out", authMessage ? `${text("not_saved")} ${authMessage}` : text("signed_out"));
    } else if (outcome === "closed") {
      lock();
      submitButton.disabled = true;
      tellLost();
    } else if (unsaved().length) {
      say("refused", `${text("refused")} ${refusedMessage}`);
    } else if (!finished) {
      say(locked ? "closing" : "saved");
    }
  }

  // Says how many answers the server does not have; they stay in this browser's storage.
  function tellLost() {
    say("lost", `${text("lost")} ${unsaved().length}`);
  }

  // Waits until every answer typed so far is acknowledged: true, or false when that can no
  // longer happen (grace over, signed out, attempt closed).
  async function settle() {
    for (;;) {
      const outcome = await flush();
      if (outcome === "saved") return !unsaved().length;
      if (outcome !== "offline" && outcome !== "paused" && outcome !== "busy") return false;
      const left = saveUntil() - performance.now();
      if (left <= 0) return false;
      await pause(Math.min(outcome === "busy" ? busyMs : RETRY_MS, left));
    }
  }

  async function submit(ask) {
    if (finished || submission) return;
    if (ask) {
      // What this page holds for each question (typed blanks and texts count, not only ticks).
      const open = [...paper.querySelectorAll("fieldset.question")]
        .filter((fs) => !answered(local[fs.dataset.questionId])).length;
      const question = open ? `${text("confirm")}\n${text("unanswered")} ${open}` : text("confirm");
      root.dataset.confirming = "1"; // the dialog takes focus: not leaving the page (page_leave.js)
      const yes = window.confirm(question);
      root.dataset.confirming = "";
      if (!yes) return;
    }
    submission = send(ask).finally(() => { submission = null; });
  }

  // The candidate's submission gives up after one failed try (the button comes back); the
  // time-out's tries until the server has the paper (after the grace the server submits it
  // itself, and a repeated submit is harmless).
  async function send(byCandidate) {
    submitButton.disabled = true;
    const timeUp = () => !byCandidate || performance.now() >= deadline;
    if (byCandidate) lock();
    const complete = await settle();
    for (;;) {
      try {
        const reply = await api("POST", `${stateUrl}/submit`);
        if (reply.status === 200) {
          finished = true;
          document.dispatchEvent(new CustomEvent("exam:finished"));
          if (complete) {
            localStorage.removeItem(storeKey);
            location.assign(reply.data.result_url);
          } else {
            tellLost(); // the candidate reads this before going on to the result
            showResultLink(reply.data.result_url);
          }
          return;
        }
        if (reply.status === 409) {
          say("refused", reply.data.message);
          break;
        }
        if (reply.retryAfter) { // overloaded: the paper is not refused, only delayed
          say("busy");
          await pause(reply.retryAfter);
          continue;
        }
      } catch (err) { /* no connection: below */ }
      if (!timeUp()) break;
      if (complete) say("closing_offline");
      else tellLost();
      await pause(RETRY_MS);
    }
    if (statusLine.dataset.state !== "refused") say("submit_failed");
    unlock();
    submitButton.disabled = false;
  }

  function showResultLink(url) {
    const link = document.createElement("a");
    link.className = "button primary";
    link.id = "result-link";
    link.href = url;
    link.textContent = text("to_result");
    submitButton.replaceWith(link);
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
    if (reply.retryAfter) {
      say("busy");
      setTimeout(load, reply.retryAfter);
      return;
    }
    if (reply.status !== 200) { location.reload(); return; }
    const state = reply.data;
    if (state.status !== "answering") { location.reload(); return; }
    graceMs = (state.grace_seconds || 0) * 1000;
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

  // Leaving the page is page_leave.js's; a pause for a lost camera is proctor_lock.js's: while
  // paused the paper is disabled (the clock runs on) and nothing typed before is lost: unsent
  // answers stay queued here and go out once answering resumes.
  document.addEventListener("exam:pause", (event) => {
    paused = Boolean(event.detail && event.detail.paused);
    for (const fieldset of paper.querySelectorAll("fieldset")) fieldset.disabled = paused || locked;
    if (!paused) flush();
  });
  document.addEventListener("exam:consumed", () => {
    finished = true;
    lock();
    submitButton.disabled = true;
    localStorage.removeItem(storeKey);
  });

  submitButton.addEventListener("click", () => submit(true));
  window.addEventListener("online", flush);
  setInterval(tick, 500);
  load();
})();
