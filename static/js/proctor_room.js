// A proctor's live view of one room. The server sends the room's snapshot on every (re)connect,
// then one event per change; a dropped connection reconnects with back-off.
(function () {
  "use strict";
  const root = document.getElementById("room");
  const tiles = document.getElementById("tiles");
  const empty = document.getElementById("empty");
  const connection = document.getElementById("connection");
  const labels = JSON.parse(document.getElementById("status-labels").textContent);
  const text = (key) => document.querySelector(`#texts [data-key="${key}"]`).textContent;
  let backoff = 500;

  function setConnection(state) {
    connection.dataset.state = state;
    connection.textContent = text(state);
  }

  function tileFor(id) {
    let tile = tiles.querySelector(`[data-attempt-id="${id}"]`);
    if (!tile) {
      tile = document.createElement("li");
      tile.className = "tile";
      tile.dataset.attemptId = id;
      for (const part of ["name", "id", "status", "progress", "views"]) {
        const el = document.createElement("span");
        el.className = `tile-${part}`;
        tile.appendChild(el);
      }
      tiles.appendChild(tile);
    }
    return tile;
  }

  function show(attempt) {
    const tile = tileFor(attempt.id);
    tile.dataset.status = attempt.status;
    tile.querySelector(".tile-name").textContent = attempt.candidate;
    tile.querySelector(".tile-id").textContent = attempt.masked_id_number;
    tile.querySelector(".tile-status").textContent = labels[attempt.status] || attempt.status;
    let progress = `${attempt.answered}/${attempt.total} ${text("answered")}`;
    if (attempt.score !== null) progress += ` · ${text("score")} ${attempt.score}/${attempt.max_score}`;
    tile.querySelector(".tile-progress").textContent = progress;
    empty.hidden = true;
  }

  // Live views (1 computer, 2 phone) as the media process reports them; a tile that has
  // never heard of a view says nothing about it.
  function showView(event) {
    const tile = tiles.querySelector(`[data-attempt-id="${event.attempt}"]`);
    if (!tile) return;
    const state = event.connected ? "connected" : "lost";
    tile.dataset[`view${event.view}`] = state;
    const parts = [1, 2]
      .filter((view) => tile.dataset[`view${view}`])
      .map((view) => text(`view${view}_${tile.dataset[`view${view}`]}`));
    tile.querySelector(".tile-views").textContent = parts.join(" · ");
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${location.host}${root.dataset.wsPath}`);
    setConnection("connecting");
    socket.addEventListener("message", (event) => {
      const message = JSON.parse(event.data);
      if (message.type === "room.snapshot") {
        tiles.textContent = "";
        message.attempts.forEach(show);
        empty.hidden = message.attempts.length > 0;
        setConnection("live");
        backoff = 500;
      } else if (message.type === "attempt.changed") {
        show(message.attempt);
      } else if (message.type === "view.changed") {
        showView(message);
      }
    });
    socket.addEventListener("close", (event) => {
      if (event.code === 4403) { setConnection("forbidden"); return; }
      setConnection("lost");
      setTimeout(connect, backoff);
      backoff = Math.min(backoff * 2, 10000);
    });
  }

  connect();
})();
