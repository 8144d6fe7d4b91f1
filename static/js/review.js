// The review page's player (R-PROC-6): each view's recording is a series of self-contained WebM
// segments (recorder.js); a player plays them in order as one timeline by switching the <video>
// source when a segment ends, and skips over gaps (times nothing was recorded). The timeline
// bar below is wall-clock time: recorded stretches per view, gaps, and the alerts; clicking it,
// an alert, or a time in the lists beside it moves both players to that moment.
//
// One clock drives every view (issue 16 §2): the clock follows a player that is showing its
// moment (a buffering video holds the clock instead of being left behind) and the other players
// are moved back to it when they drift. It plays at 1× to 16×, and jumps over the quiet
// stretches the server found (no alert and no motion in the cameras' analyses, see
// proctoring/activity.py) unless the reviewer turns skipping off. Keyboard shortcuts are listed
// on the page. The module exports `player` (seek, players, clock, setSpeed, play, pause; null
// without a review on the page), which the browser tests drive.
function setUp() {
  const root = document.getElementById("review");
  const dataNode = document.getElementById("review-data");
  if (!root || !dataNode) return null;
  const data = JSON.parse(dataNode.textContent);
  const text = (key) => document.querySelector(`#review-texts [data-key="${key}"]`).textContent;
  const segmentUrl = (id) => root.dataset.segmentUrl.replace(/\/0\/$/, `/${id}/`);
  // A jump to an alert starts a little before it, so the reviewer sees what led to it.
  const LEAD_IN_MS = 2000;
  const LANE_REM = 1.1;
  // Segments further apart than this are a gap (as recordings.GAP_MS on the server).
  const GAP_MS = data.gap_ms || 1500;
  const QUIET = (data.quiet || []).slice().sort((a, b) => a.start - b.start);
  const SPEEDS = Array.from(root.querySelectorAll(".review-speed")).map((b) => Number(b.dataset.speed));
  const SEVERITY_GLYPH = { 1: "●", 2: "◆", 3: "▲" };
  // A player is moved back to the clock when it drifts further than this (ms), more at high
  // speeds, where a seek costs more than a small drift.
  const driftLimit = (rate) => Math.max(400, 150 * rate);
  const span = Math.max(data.end - data.start, 1000);
  const pct = (t) => `${Math.min(100, Math.max(0, ((t - data.start) / span) * 100))}%`;

  // Times read as on the rest of the page: in the platform's time zone, not the reviewer's.
  let format;
  try {
    format = new Intl.DateTimeFormat("en-GB", {
      hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false,
      timeZone: root.dataset.timeZone || undefined,
    });
  } catch (error) {
    format = new Intl.DateTimeFormat("en-GB", {
      hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false,
    });
  }
  const clockText = (ms) => format.format(new Date(ms));

  class Player {
    constructor(view, figure) {
      this.view = view;
      this.figure = figure;
      this.video = figure.querySelector("video");
      this.note = figure.querySelector(".review-note");
      this.clockNode = figure.querySelector(".review-clock");
      const timeline = data.views[String(view)] || { segments: [], gaps: [] };
      this.segments = timeline.segments.slice().sort((a, b) => a.start - b.start || a.seq - b.seq);
      this.index = -1;
      this.pendingOffset = null;
      this.wantPlay = false;
      if (!this.segments.length) {
        this.video.hidden = true;
        this.note.textContent = text("none");
        return;
      }
      this.video.addEventListener("loadedmetadata", () => this.applyOffset());
      this.video.addEventListener("ended", () => this.next());
      this.video.addEventListener("error", () => {
        this.note.textContent = text("error");
        this.next();
      });
      this.video.addEventListener("timeupdate", () => this.tick());
      this.video.addEventListener("play", () => {
        this.wantPlay = true;
        // Play from the video's own controls: the clock (and so every view) plays from here.
        if (!clock.playing && !this.switching) {
          clock.playing = true;
          clock.t = this.wallTime() || clock.t;
        }
      });
      this.video.addEventListener("pause", () => {
        if (!this.video.ended && !this.switching) this.wantPlay = false;
        // A pause from the video's own controls pauses every view: they stay in step.
        if (!this.video.ended && !this.switching && !this.quietPause && clock.playing) pauseAll();
        this.quietPause = false;
      });
      this.busyUntil = 0;
      this.load(0, 0, false);
    }

    setRate(rate) {
      this.video.defaultPlaybackRate = rate;
      this.video.playbackRate = rate;
    }

    // The segment holding the moment ``t``, or -1.
    indexAt(t) {
      return this.segments.findIndex((s) => s.start <= t && t < s.start + s.duration);
    }

    covers(t) { return this.indexAt(t) >= 0; }

    // Playing a moment of its recording now (not paused, loading or ended).
    active() {
      return this.index >= 0 && !this.video.paused && !this.video.ended
        && this.video.readyState >= 2 && !this.switching;
    }

    // Paused by the clock (a gap in this view, or the clock paused): not the reviewer's pause.
    hold(noteKey) {
      if (noteKey !== undefined) this.note.textContent = noteKey ? text(noteKey) : "";
      if (!this.video.paused) {
        this.quietPause = true;
        this.video.pause();
      }
    }

    // The moment on the wall clock the video is showing now.
    wallTime() {
      if (this.index < 0) return null;
      return this.segments[this.index].start + this.video.currentTime * 1000;
    }

    tick() {
      const now = this.wallTime();
      if (now === null) return;
      this.figure.dataset.wallTime = String(Math.round(now));
      this.clockNode.textContent = clockText(now);
      timeline.update(now);
    }

    load(index, offsetMs, play) {
      const segment = this.segments[index];
      this.wantPlay = play;
      if (index === this.index && this.video.readyState >= 1) {
        this.video.currentTime = offsetMs / 1000;
        if (play) this.play();
        return;
      }
      this.index = index;
      this.busyUntil = performance.now() + 1500;
      this.pendingOffset = offsetMs;
      this.figure.dataset.segment = String(segment.id);
      this.switching = true;
      this.video.src = segmentUrl(segment.id);
      this.video.load();
    }

    applyOffset() {
      this.switching = false;
      if (this.pendingOffset) this.video.currentTime = this.pendingOffset / 1000;
      this.pendingOffset = null;
      this.setRate(clock.rate);
      if (this.wantPlay) this.play();
      this.tick();
    }

    play() {
      const promise = this.video.play();
      if (promise) promise.catch(() => { /* autoplay refused: the controls are there */ });
    }

    next() {
      if (this.index + 1 >= this.segments.length) return;
      const ended = this.segments[this.index];
      const following = this.segments[this.index + 1];
      const hole = following.start - (ended.start + ended.duration);
      if (hole > GAP_MS) {
        // A gap in this view: it waits; the clock brings it back when its next segment is due.
        this.note.textContent = text("gap");
        return;
      }
      this.note.textContent = "";
      this.load(this.index + 1, 0, clock.playing || this.wantPlay);
    }

    // Show the moment ``t`` (wall-clock ms): the segment that holds it, or the next one after a
    // gap; before the first segment, its start; after the last, nothing more to show.
    seek(t, play) {
      if (!this.segments.length) return;
      let index = this.segments.findIndex((s) => s.start <= t && t < s.start + s.duration);
      let offset = index >= 0 ? t - this.segments[index].start : 0;
      if (index < 0) {
        index = this.segments.findIndex((s) => s.start > t);
        if (index < 0) {
          this.note.textContent = text("none");
          this.video.pause();
          return;
        }
        offset = 0;
        this.note.textContent = t >= this.segments[0].start ? text("gap") : "";
      } else {
        this.note.textContent = "";
      }
      this.load(index, Math.max(0, offset), play);
    }
  }

  const timeline = {
    node: document.getElementById("timeline"),
    cursor: document.getElementById("timeline-cursor"),
    label: document.getElementById("timeline-time"),
    draw() {
      document.getElementById("timeline-start").textContent = clockText(data.start);
      document.getElementById("timeline-end").textContent = clockText(data.end);
      for (const [view, viewData] of Object.entries(data.views)) {
        const track = document.getElementById(`track-view${view}`);
        if (!track) continue;
        viewData.segments.forEach((segment, i) => {
          // A bar reaches the next segment unless a gap lies between them, so the jitter of
          // the recorder's restarts does not show as holes.
          const following = viewData.segments[i + 1];
          let end = segment.start + segment.duration;
          if (following && following.start > end && following.start - end <= GAP_MS) {
            end = following.start;
          }
          const bar = document.createElement("span");
          bar.className = "timeline-segment";
          bar.style.left = pct(segment.start);
          bar.style.width = `calc(${pct(end)} - ${pct(segment.start)})`;
          track.appendChild(bar);
        });
        for (const gap of viewData.gaps) {
          const bar = document.createElement("span");
          bar.className = "timeline-gap";
          bar.style.left = pct(gap.start);
          bar.style.width = `calc(${pct(gap.end)} - ${pct(gap.start)})`;
          bar.title = `${clockText(gap.start)}–${clockText(gap.end)}`;
          track.appendChild(bar);
        }
      }
      const alerts = document.getElementById("track-alerts");
      // Alerts that overlap in time go in lanes one under the other, so each can be clicked.
      const lanes = [];
      const room = span * 0.01; // a mark is at least a few pixels wide
      const placed = data.alerts.slice().sort((a, b) => a.start - b.start).map((alert) => {
        let lane = lanes.findIndex((end) => end < alert.start);
        if (lane < 0) { lane = lanes.length; lanes.push(0); }
        lanes[lane] = Math.max(alert.end, alert.start + room);
        return [alert, lane];
      });
      const laneCount = Math.max(1, lanes.length);
      alerts.style.height = `${laneCount * LANE_REM}rem`;
      alerts.parentElement.style.height = `${laneCount * LANE_REM + 0.5}rem`;
      for (const [alert, lane] of placed) {
        const mark = document.createElement("button");
        mark.type = "button";
        mark.className = `timeline-alert severity-${alert.severity}`;
        mark.dataset.alertId = String(alert.id);
        mark.style.top = `${lane * LANE_REM}rem`;
        mark.style.height = `${LANE_REM - 0.15}rem`;
        mark.style.left = pct(alert.start);
        mark.style.width = `max(6px, calc(${pct(alert.end)} - ${pct(alert.start)}))`;
        // The severity is said by a shape and in words as well as by the colour.
        mark.textContent = SEVERITY_GLYPH[alert.severity] || "";
        mark.title = `${alert.label} · ${alert.severity_label || ""} · ${clockText(alert.start)}–${clockText(alert.end)}`;
        mark.setAttribute("aria-label", mark.title);
        mark.addEventListener("click", (event) => {
          event.stopPropagation();
          seekAll(alert.start - LEAD_IN_MS, true);
        });
        alerts.appendChild(mark);
      }
      const quietTrack = document.getElementById("track-quiet");
      for (const stretch of QUIET) {
        const bar = document.createElement("span");
        bar.className = "timeline-quiet";
        bar.style.left = pct(stretch.start);
        bar.style.width = `calc(${pct(stretch.end)} - ${pct(stretch.start)})`;
        bar.title = `${clockText(stretch.start)}–${clockText(stretch.end)}`;
        if (quietTrack) quietTrack.appendChild(bar);
      }
      this.node.addEventListener("click", (event) => {
        const box = this.node.querySelector(".timeline-track").getBoundingClientRect();
        const share = (event.clientX - box.left) / box.width;
        if (share < 0 || share > 1) return;
        seekAll(data.start + share * span, true);
      });
    },
    update(now) {
      this.cursor.hidden = false;
      const box = this.node.querySelector(".timeline-track");
      this.cursor.style.left = `calc(${box.offsetLeft}px + ${box.offsetWidth}px * ${
        Math.min(1, Math.max(0, (now - data.start) / span))})`;
      this.label.textContent = clockText(now);
    },
  };

  const clock = {
    t: data.start,
    rate: 1,
    playing: false,
    skip: true,
    leader: null,
    skips: 0,
    skippedMs: 0,
  };

  const players = Array.from(root.querySelectorAll(".review-player"))
    .map((figure) => new Player(Number(figure.dataset.view), figure));
  const playable = players.filter((player) => player.segments.length);
  const skipNote = document.getElementById("skip-note");

  // The first recorded moment at or after ``t`` in any view (null: nothing more).
  function nextRecorded(t) {
    let best = null;
    for (const player of playable) {
      for (const segment of player.segments) {
        const end = segment.start + segment.duration;
        if (end > t) {
          const from = Math.max(segment.start, t);
          if (best === null || from < best) best = from;
          break;
        }
      }
    }
    return best;
  }

  function seekAll(t, play) {
    clock.t = t;
    if (play) clock.playing = true;
    if (!playable.some((player) => player.covers(t))) {
      const following = nextRecorded(t);
      if (following !== null && t >= data.start) clock.t = following;
    }
    for (const player of playable) {
      if (player.covers(clock.t)) player.seek(clock.t, clock.playing);
      else player.hold(clock.t >= player.segments[0].start ? "gap" : "");
    }
    timeline.update(clock.t);
  }

  function pauseAll() {
    clock.playing = false;
    playable.forEach((player) => player.hold());
  }

  function playAll() {
    seekAll(clock.t, true);
  }

  function setSpeed(rate) {
    clock.rate = rate;
    playable.forEach((player) => player.setRate(rate));
    root.querySelectorAll(".review-speed").forEach((button) => {
      button.setAttribute("aria-pressed", String(Number(button.dataset.speed) === rate));
    });
  }

  function quietAt(t) {
    return QUIET.find((stretch) => stretch.start <= t && t < stretch.end) || null;
  }

  const duration = (ms) => {
    const seconds = Math.round(ms / 1000);
    return seconds >= 60 ? `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}` : `${seconds}s`;
  };

  // Every quarter second while playing: follow the leader, skip a quiet stretch, bring drifting
  // views back, start a view whose recording resumes after a gap.
  function step() {
    if (!clock.playing || !playable.length) return;
    const now = performance.now();
    let leader = clock.leader && clock.leader.active() ? clock.leader : null;
    if (!leader) leader = playable.find((player) => player.active()) || null;
    clock.leader = leader;
    if (leader) {
      clock.t = leader.wallTime();
    } else if (!playable.some((player) => player.covers(clock.t))) {
      const following = nextRecorded(clock.t);
      if (following === null) { pauseAll(); return; }
      seekAll(following, true);
      return;
    }
    const stretch = clock.skip ? quietAt(clock.t) : null;
    if (stretch && stretch.end - clock.t > 500) {
      clock.skips += 1;
      clock.skippedMs += stretch.end - clock.t;
      skipNote.textContent = `${text("skipped")} ${clockText(clock.t)}–${clockText(stretch.end)} (${duration(stretch.end - clock.t)})`;
      seekAll(stretch.end, true);
      return;
    }
    for (const player of playable) {
      if (player === leader) continue;
      if (!player.covers(clock.t)) {
        if (player.active()) player.hold("gap");
        continue;
      }
      if (player.busyUntil > now) continue;
      const wall = player.wallTime();
      if (!player.active() || wall === null || Math.abs(wall - clock.t) > driftLimit(clock.rate)) {
        player.seek(clock.t, true);
      }
    }
    timeline.update(clock.t);
  }
  window.setInterval(step, 250);

  function jumpToAlert(direction) {
    const starts = data.alerts.map((alert) => alert.start - LEAD_IN_MS).sort((a, b) => a - b);
    const target = direction > 0
      ? starts.find((t) => t > clock.t + 1000)
      : starts.slice().reverse().find((t) => t < clock.t - 1000);
    if (target === undefined) { skipNote.textContent = text("no_alert"); return; }
    seekAll(target, true);
  }

  timeline.draw();
  root.querySelectorAll(".jump").forEach((button) => {
    button.addEventListener("click", () => {
      const lead = button.dataset.alertId ? LEAD_IN_MS : 0;
      seekAll(Number(button.dataset.time) * 1000 - lead, true);
    });
  });
  document.getElementById("play-both").addEventListener("click", playAll);
  document.getElementById("pause-both").addEventListener("click", pauseAll);
  document.getElementById("next-alert").addEventListener("click", () => jumpToAlert(1));
  document.getElementById("previous-alert").addEventListener("click", () => jumpToAlert(-1));
  root.querySelectorAll(".review-speed").forEach((button) => {
    button.addEventListener("click", () => setSpeed(Number(button.dataset.speed)));
  });
  const skipBox = document.getElementById("skip-quiet");
  skipBox.addEventListener("change", () => { clock.skip = skipBox.checked; });

  document.addEventListener("keydown", (event) => {
    const target = event.target;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (target.closest && target.closest("input, textarea, select, [contenteditable]")) return;
    const key = event.key;
    const index = SPEEDS.indexOf(clock.rate);
    if (key === " " || key === "k" || key === "K") {
      if (key === " " && target.closest && target.closest("button, a, summary")) return;
      event.preventDefault();
      if (clock.playing) pauseAll(); else playAll();
    } else if (key === "ArrowRight" || key === "ArrowLeft") {
      event.preventDefault();
      const by = (event.shiftKey ? 30000 : 5000) * (key === "ArrowRight" ? 1 : -1);
      seekAll(Math.max(data.start, clock.t + by), clock.playing);
    } else if (key === "]") {
      setSpeed(SPEEDS[Math.min(SPEEDS.length - 1, index + 1)]);
    } else if (key === "[") {
      setSpeed(SPEEDS[Math.max(0, index - 1)]);
    } else if (/^[1-9]$/.test(key) && Number(key) <= SPEEDS.length) {
      setSpeed(SPEEDS[Number(key) - 1]);
    } else if (key === "n" || key === "N") {
      jumpToAlert(1);
    } else if (key === "p" || key === "P") {
      jumpToAlert(-1);
    } else if (key === "s" || key === "S") {
      skipBox.checked = !skipBox.checked;
      clock.skip = skipBox.checked;
    }
  });
  return { seek: seekAll, players, clock, setSpeed, play: playAll, pause: pauseAll };
}

export const player = setUp();
