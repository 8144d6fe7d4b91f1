// The support chat (candidate widget and staff conversation page). Messages are read from the
// server: a snapshot on every (re)connect, then the new ones; text is shown with textContent.
import { LiveSocket } from "./live_socket.js";

document.querySelectorAll("[data-chat]").forEach(function (root) {
  const log = root.querySelector("[data-chat-log]");
  const state = root.querySelector("[data-chat-state]");
  const error = root.querySelector("[data-chat-error]");
  const form = root.querySelector("[data-chat-form]");
  const input = form.querySelector("textarea");
  const texts = {};
  root.querySelectorAll("[data-chat-texts] [data-key]").forEach(function (el) {
    texts[el.dataset.key] = el.textContent;
  });
  const mine = root.dataset.mine; // "candidate" or "staff"
  let socket = null;  // a LiveSocket once connected
  let lastId = 0;
  const widget = root.closest("details");

  function setState(name) {
    state.dataset.state = name;
    state.textContent = texts[name] || name;
  }

  function add(message) {
    if (message.id <= lastId) return;
    lastId = message.id;
    const item = document.createElement("li");
    const ownSide = (mine === "staff") === message.from_staff;
    item.className = "chat-message" + (ownSide ? " mine" : "");
    const who = document.createElement("span");
    who.className = "muted";
    const name = message.from_staff ? message.author : (mine === "staff" ? texts.candidate : texts.me);
    who.textContent = name + " · " +
      new Date(message.at).toLocaleTimeString();
    const body = document.createElement("p");
    body.textContent = message.body;
    item.appendChild(who);
    item.appendChild(body);
    log.appendChild(item);
    log.scrollTop = log.scrollHeight;
    if (widget && message.from_staff && !widget.open) widget.open = true;
  }

  function markRead() {
    if (socket && lastId) {
      socket.send({ type: "read", upto: lastId });
    }
  }

  function showEmpty() {
    if (!log.children.length) {
      const item = document.createElement("li");
      item.className = "muted chat-empty";
      item.textContent = texts.empty;
      log.appendChild(item);
    }
  }

  function connect() {
    socket = new LiveSocket(root.dataset.socket, {
      onOpen() { setState("live"); },
      onMessage: receive,
      onClose(event) { setState(event.code === 4403 ? "forbidden" : "lost"); },
    }, { max: 30000 });
  }

  function receive(data) {
    if (data.type === "chat.snapshot") {
      log.textContent = "";
      lastId = 0;
      data.messages.forEach(add);
      showEmpty();
      markRead();
    } else if (data.type === "chat.messages") {
      const empty = log.querySelector(".chat-empty");
      if (empty) empty.remove();
      data.messages.forEach(add);
      markRead();
    } else if (data.type === "chat.closed") {
      error.textContent = mine === "candidate" ? texts.closed : "";
      if (mine === "candidate") { log.textContent = ""; lastId = 0; }
    } else if (data.type === "error") {
      error.textContent = data.message || data.code;
    }
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    const body = input.value.trim();
    if (!body || !socket || !socket.open) return;
    error.textContent = "";
    socket.send({ type: "send", body: body });
    input.value = "";
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); form.requestSubmit(); }
  });
  connect();
});
