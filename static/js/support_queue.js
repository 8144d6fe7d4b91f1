// The staff's queue of open support conversations, redrawn from each queue.snapshot.
import { LiveSocket } from "./live_socket.js";

function setUp() {
  const root = document.getElementById("support-queue");
  if (!root) return;
  const list = document.getElementById("queue-list");
  const empty = document.getElementById("queue-empty");
  const state = document.getElementById("queue-state");
  const unreadText = root.querySelector('#queue-texts').content.querySelector('[data-key="unread"]').textContent;

  function draw(rows) {
    list.textContent = "";
    empty.hidden = rows.length > 0;
    rows.forEach(function (row) {
      const item = document.createElement("li");
      item.className = "queue-item" + (row.unread ? " unread" : "");
      const link = document.createElement("a");
      link.href = root.dataset.base + "conversations/" + row.id + "/";
      link.textContent = row.candidate + " (" + row.masked_id_number + ")";
      const count = document.createElement("strong");
      count.textContent = row.unread ? " " + row.unread + " " + unreadText : "";
      const last = document.createElement("span");
      last.className = "muted";
      last.textContent = " " + new Date(row.last_message_at).toLocaleTimeString() + " — " + row.last_message;
      item.appendChild(link);
      item.appendChild(count);
      item.appendChild(last);
      list.appendChild(item);
    });
  }

  new LiveSocket(root.dataset.socket, {
    onOpen() { state.dataset.state = "live"; state.textContent = "●"; },
    onMessage(data) { if (data.type === "queue.snapshot") draw(data.conversations); },
    onClose(event) {
      state.dataset.state = event.code === 4403 ? "forbidden" : "lost";
      state.textContent = "○";
    },
  }, { max: 30000 });
}

setUp();
