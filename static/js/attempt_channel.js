// The candidate's live channel with the proctors (web process, /ws/attempts/<id>/).
// A proctor's warning crosses the top of the page as a bullet-screen line (弹幕) and stays in a
// small list; once it has been on screen the page sends the read receipt. When a proctor ends
// the exam the page says so and goes to the result page. Text from the server is only ever set
// with textContent. Every message is also dispatched as `attempt:message` on document (the
// phone's state for the exam page, for example); `reportView(view, connected)` (exported:
// view1.js and screen_share.js import it) tells the proctors of the page's own media connection (resent after every reconnect).
import { LiveSocket } from "./live_socket.js";

function setUp() {
  const root = document.getElementById("attempt-channel");
  if (!root) return null;
  const lane = root.querySelector(".bullet-lane");
  const box = root.querySelector(".proctor-messages");
  const list = box.querySelector("ol");
  const ended = root.querySelector(".exam-ended");
  const text = (key) => root.querySelector(`.channel-texts [data-key="${key}"]`).textContent;
  const reducedMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  const views = new Map();  // view → {connected, part?}, as last reported by the page
  const seen = new Set();  // message ids already shown
  const pendingReads = [];  // ids shown while the socket was down
  let socket = null;  // the LiveSocket
  let row = 0;

  function send(message) {
    return Boolean(socket) && socket.send(message);
  }

  function markRead(id) {
    if (!send({ type: "read", id })) pendingReads.push(id);
  }

  // The list can be folded to its heading; it sits above the paper, never over it (app.css).
  const fold = box.querySelector(".messages-fold");
  if (fold) {
    fold.addEventListener("click", () => {
      box.classList.toggle("collapsed");
      fold.setAttribute("aria-expanded", String(!box.classList.contains("collapsed")));
    });
  }

  // The line crosses the page once; the list keeps it. It counts as read once it is on screen
  // in a visible tab (a hidden tab waits until the candidate comes back).
  function showWarning(message) {
    if (seen.has(message.id)) return;
    seen.add(message.id);
    const item = document.createElement("li");
    item.dataset.kind = message.kind;
    item.dataset.messageId = message.id;
    const label = document.createElement("strong");
    label.textContent = text(message.kind === "broadcast" ? "broadcast" : "warning");
    const line = document.createElement("span");
    line.textContent = message.text;
    item.append(label, " ", line);
    list.appendChild(item);
    box.hidden = false;
    box.classList.remove("collapsed");  // a new message is always shown in full
    document.body.classList.add("has-proctor-messages");

    const bullet = document.createElement("div");
    bullet.className = `bullet bullet-${message.kind}`;
    bullet.textContent = message.text;
    bullet.style.top = `${(row % 3) * 2.6 + 0.5}rem`;
    row += 1;
    if (reducedMotion) bullet.classList.add("still");
    bullet.addEventListener("animationend", () => bullet.remove());
    lane.appendChild(bullet);

    const read = () => markRead(message.id);
    if (document.visibilityState === "visible") {
      setTimeout(read, 0);  // not requestAnimationFrame: a page in the background gets none
    } else {
      const onVisible = () => {
        if (document.visibilityState !== "visible") return;
        document.removeEventListener("visibilitychange", onVisible);
        read();
      };
      document.addEventListener("visibilitychange", onVisible);
    }
  }

  function stopAnswering(reason) {
    if (socket) socket.stop(false);  // read receipts may still go out; no reconnection
    ended.hidden = false;
    ended.textContent = "";
    const title = document.createElement("strong");
    title.textContent = text("ended");
    ended.appendChild(title);
    if (reason) {
      const why = document.createElement("p");
      why.textContent = `${text("reason")} ${reason}`;
      ended.appendChild(why);
    }
    const note = document.createElement("p");
    note.textContent = text("leaving");
    ended.appendChild(note);
    // The answer API refuses from now on; the page stops offering to answer at once.
    document.querySelectorAll("#paper input, #paper textarea, #paper select, #submit")
      .forEach((field) => { field.disabled = true; });
    setTimeout(() => { location.assign(root.dataset.resultUrl); }, 4000);
  }

  function connect() {
    // 4403: not (or no longer) this candidate's live attempt; 4000: the exam ended.
    socket = new LiveSocket(root.dataset.wsPath, {
      onOpen() {
        root.dataset.state = "live";
        for (const [view, state] of views) send({ type: "view", view, ...state });
        while (pendingReads.length) send({ type: "read", id: pendingReads.shift() });
      },
      onMessage(message) {
        if (message.type === "warning") showWarning(message);
        else if (message.type === "terminated") stopAnswering(message.reason);
        document.dispatchEvent(new CustomEvent("attempt:message", { detail: message }));
      },
      onClose() { root.dataset.state = "lost"; },
    }, { finalCodes: [4403, 4000] });
  }

  setInterval(() => send({ type: "ping" }), 30000);
  connect();
  return {
    reportView(view, connected, part) {
      const state = { connected: Boolean(connected), ...(part && !connected ? { part } : {}) };
      views.set(view, state);
      send({ type: "view", view, ...state });
    },
  };
}

const channel = setUp();

// The page's own media connection `view` (1, 3) is up or not; `part` ("camera", "microphone")
// says which of the view's tracks was lost. A page without the channel (a set-up step) has
// no proctors to tell.
export function reportView(view, connected, part) {
  if (channel) channel.reportView(view, connected, part);
}
