// The staff's queue of open support conversations, redrawn from each queue.snapshot.
(function () {
  "use strict";
  var root = document.getElementById("support-queue");
  if (!root) return;
  var list = document.getElementById("queue-list");
  var empty = document.getElementById("queue-empty");
  var state = document.getElementById("queue-state");
  var unreadText = root.querySelector('#queue-texts').content.querySelector('[data-key="unread"]').textContent;
  var delay = 1000;

  function draw(rows) {
    list.textContent = "";
    empty.hidden = rows.length > 0;
    rows.forEach(function (row) {
      var item = document.createElement("li");
      item.className = "queue-item" + (row.unread ? " unread" : "");
      var link = document.createElement("a");
      link.href = root.dataset.base + "conversations/" + row.id + "/";
      link.textContent = row.candidate + " (" + row.masked_id_number + ")";
      var count = document.createElement("strong");
      count.textContent = row.unread ? " " + row.unread + " " + unreadText : "";
      var last = document.createElement("span");
      last.className = "muted";
      last.textContent = " " + new Date(row.last_message_at).toLocaleTimeString() + " — " + row.last_message;
      item.appendChild(link);
      item.appendChild(count);
      item.appendChild(last);
      list.appendChild(item);
    });
  }

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + location.host + root.dataset.socket);
    socket.onopen = function () { delay = 1000; state.dataset.state = "live"; state.textContent = "●"; };
    socket.onmessage = function (event) {
      var data = JSON.parse(event.data);
      if (data.type === "queue.snapshot") draw(data.conversations);
    };
    socket.onclose = function (event) {
      state.dataset.state = event.code === 4403 ? "forbidden" : "lost";
      state.textContent = "○";
      if (event.code === 4403) return;
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    };
  }
  connect();
})();
