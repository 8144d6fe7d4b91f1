// The review page's player (R-PROC-6): each view's recording is a series of self-contained WebM
// segments (recorder.js); a player plays them in order as one timeline by switching the <video>
// source when a segment ends, and skips over gaps (times nothing was recorded). The timeline
// bar below is wall-clock time: recorded stretches per view, gaps, and the alerts; clicking it,
// an alert, or a time in the lists beside it moves both players to that moment.
(function () {
  "use strict";
  const root = document.getElementById("review");
  const dataNode = document.getElementById("review-data");
  if (!root || !dataNode) return;
  const data = JSON.parse(dataNode.textContent);
  const text = (key) => document.querySelector(`#review-texts [data-key="${key}"]`).textContent;
  const segmentUrl = (id) => root.dataset.segmentUrl.replace(/\/0\/$/, `/${id}/`);
  // A jump to an alert starts a little before it, so the reviewer sees what led to it.
  const LEAD_IN_MS = 2000;
  const LANE_REM = 1.1;
  // Segments further apart than this are a gap (as recordings.GAP_MS on the server).
  const GAP_MS = data.gap_ms || 1500;
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
  const clock = (ms) => format.format(new Date(ms));

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
      this.video.addEventListener("play", () => { this.wantPlay = true; });
      this.video.addEventListener("pause", () => {
        if (!this.video.ended && !this.switching) this.wantPlay = false;
      });
      this.load(0, 0, false);
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
      this.clockNode.textContent = clock(now);
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
      this.note.textContent = hole > GAP_MS ? text("gap") : "";
      this.load(this.index + 1, 0, true);
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
      document.getElementById("timeline-start").textContent = clock(data.start);
      document.getElementById("timeline-end").textContent = clock(data.end);
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
          bar.title = `${clock(gap.start)}–${clock(gap.end)}`;
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
        mark.title = `${alert.label} · ${clock(alert.start)}–${clock(alert.end)}`;
        mark.setAttribute("aria-label", mark.title);
        mark.addEventListener("click", (event) => {
          event.stopPropagation();
          seekAll(alert.start - LEAD_IN_MS, true);
        });
        alerts.appendChild(mark);
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
      this.label.textContent = clock(now);
    },
  };

  const players = Array.from(root.querySelectorAll(".review-player"))
    .map((figure) => new Player(Number(figure.dataset.view), figure));

  function seekAll(t, play) {
    players.forEach((player) => player.seek(t, play));
    timeline.update(t);
  }

  timeline.draw();
  root.querySelectorAll(".jump").forEach((button) => {
    button.addEventListener("click", () => {
      const lead = button.dataset.alertId ? LEAD_IN_MS : 0;
      seekAll(Number(button.dataset.time) * 1000 - lead, true);
    });
  });
  document.getElementById("play-both").addEventListener("click", () => {
    players.forEach((player) => { if (player.segments.length) player.play(); });
  });
  document.getElementById("pause-both").addEventListener("click", () => {
    players.forEach((player) => player.video.pause());
  });
  window.ReviewPlayer = { seek: seekAll, players };
})();
