// One reconnecting WebSocket for every live channel of the pages: the proctor's room, the
// candidate's channel with the proctors, the support chat and its queue, and the WebRTC
// signalling of view 1, view 2 and the proctor's focus with the media process. It reconnects by
// itself with exponential back-off and jitter, so that after a restart of the web or media
// processes the pages of a whole room do not knock again all at the same moment. A close code
// in `finalCodes` (4403: not or no longer allowed; 4000: the exam ended) stops it for good; a
// code in `delays` waits at least that long before the next try (4429: too many at once).
// Messages arrive parsed; a frame that is not JSON is ignored. A module: the scripts that use it
// import it, and every importer on a page shares the one instance.
//
// The WebRTC pages open a peer per connection and need two things more: `resetOn: "ready"`
// (the back-off starts over only when the page calls `ready()`, once the peer is connected, not
// when the socket opens: a media process that accepts sockets but cannot connect peers must not
// be knocked at every second) and `restart()` (the peer failed: drop this connection and try
// again with back-off). `openTimeout` retries a socket that never opens (a host that drops
// packets); `now()` tries at once when the page knows the network is back.
// A path on this page's host, or a full ws:// or wss:// address (the media process).
function socketUrl(address) {
  if (/^wss?:\/\//.test(address)) return address;
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  return `${scheme}://${location.host}${address}`;
}

export class LiveSocket {
  // handlers: onOpen(), onMessage(message), onClose(event, retrying): each optional. A
  // connection the page dropped itself (restart(), the open time-out) reaches onClose with
  // {code: 0, reason} like one the server or the network closed.
  constructor(address, handlers, {
    first = 1000, max = 15000, finalCodes = [4403], delays = {}, openTimeout = 0,
    resetOn = "open",
  } = {}) {
    this.url = socketUrl(address);
    this.handlers = handlers;
    this.first = first;
    this.max = max;
    this.finalCodes = finalCodes;
    this.delays = delays;
    this.openTimeout = openTimeout;
    this.resetOn = resetOn;
    this.delay = first;
    this.socket = null;
    this.timer = null; // the next try, while one is waiting
    this.stopped = false;
    this.connect();
  }

  connect() {
    clearTimeout(this.timer);
    this.timer = null;
    if (this.stopped) return;
    let socket;
    try {
      socket = new WebSocket(this.url);
    } catch (error) { // a malformed address: nothing to retry against
      this.stopped = true;
      if (this.handlers.onClose) this.handlers.onClose({ code: 0, reason: "address" }, false);
      return;
    }
    this.socket = socket;
    if (this.openTimeout) {
      setTimeout(() => {
        if (this.socket === socket && socket.readyState === WebSocket.CONNECTING) {
          this.drop(socket, "timeout");
        }
      }, this.openTimeout);
    }
    socket.addEventListener("open", () => {
      if (this.socket !== socket) return;
      if (this.resetOn === "open") this.delay = this.first;
      if (this.handlers.onOpen) this.handlers.onOpen();
    });
    socket.addEventListener("message", (event) => {
      if (this.socket !== socket) return;
      let message;
      try { message = JSON.parse(event.data); } catch (error) { return; }
      if (this.handlers.onMessage) this.handlers.onMessage(message);
    });
    socket.addEventListener("close", (event) => {
      if (this.socket !== socket) return;
      this.closed(event);
    });
  }

  closed(event) {
    this.socket = null;
    const retrying = !this.stopped && !this.finalCodes.includes(event.code);
    if (this.handlers.onClose) this.handlers.onClose(event, retrying);
    if (!retrying || this.stopped) return; // onClose may have stopped it
    const wait = Math.max(this.delay * (0.5 + Math.random()), this.delays[event.code] || 0);
    this.timer = setTimeout(() => this.connect(), wait);
    this.delay = Math.min(this.delay * 2, this.max);
  }

  // Forgets `socket` (its late events are ignored), closes it and retries with back-off.
  drop(socket, reason) {
    if (this.socket !== socket) return;
    this.socket = null;
    if (socket.readyState <= WebSocket.OPEN) socket.close();
    this.closed({ code: 0, reason });
  }

  get open() {
    return Boolean(this.socket) && this.socket.readyState === WebSocket.OPEN;
  }

  // Sends `message` as JSON if the socket is open; says whether it did.
  send(message) {
    if (!this.open) return false;
    this.socket.send(JSON.stringify(message));
    return true;
  }

  // The connection works end to end (with resetOn "ready"): the next loss starts the
  // back-off from the beginning.
  ready() {
    this.delay = this.first;
  }

  // The connection is open but useless (its peer failed): drop it and try again.
  restart(reason = "restart") {
    if (this.socket) this.drop(this.socket, reason);
  }

  // Try at once, from the first delay, unless a socket is open or opening.
  now() {
    if (this.stopped || this.socket) return;
    this.delay = this.first;
    this.connect();
  }

  // No more reconnections; `close` false leaves an open socket open until it closes itself.
  stop(close = true) {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = null;
    if (close && this.socket) {
      const socket = this.socket;
      this.socket = null;
      if (socket.readyState <= WebSocket.OPEN) socket.close();
    }
  }
}
