// One reconnecting WebSocket for the pages' live channels: the proctor's room, the candidate's
// channel with the proctors, the support chat and its queue. It reconnects by itself with
// exponential back-off and jitter, so that after a restart of the web processes the pages of a
// whole room do not knock again all at the same moment. A close code in `finalCodes` (4403: not
// or no longer allowed; 4000: the exam ended) stops it for good. Messages arrive parsed; a frame
// that is not JSON is ignored. Included before the scripts that use it (defer keeps the order);
// a page that includes it twice gets one definition.
(function () {
  "use strict";
  if (window.LiveSocket) return;

  function socketUrl(path) {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    return `${scheme}://${location.host}${path}`;
  }

  class LiveSocket {
    // handlers: onOpen(), onMessage(message), onClose(event, retrying): each optional.
    constructor(path, handlers, { first = 1000, max = 15000, finalCodes = [4403] } = {}) {
      this.url = socketUrl(path);
      this.handlers = handlers;
      this.first = first;
      this.max = max;
      this.finalCodes = finalCodes;
      this.delay = first;
      this.socket = null;
      this.stopped = false;
      this.connect();
    }

    connect() {
      if (this.stopped) return;
      const socket = new WebSocket(this.url);
      this.socket = socket;
      socket.addEventListener("open", () => {
        this.delay = this.first;
        if (this.handlers.onOpen) this.handlers.onOpen();
      });
      socket.addEventListener("message", (event) => {
        let message;
        try { message = JSON.parse(event.data); } catch (error) { return; }
        if (this.handlers.onMessage) this.handlers.onMessage(message);
      });
      socket.addEventListener("close", (event) => {
        if (this.socket !== socket) return;
        const retrying = !this.stopped && !this.finalCodes.includes(event.code);
        if (this.handlers.onClose) this.handlers.onClose(event, retrying);
        if (!retrying) return;
        setTimeout(() => this.connect(), this.delay * (0.5 + Math.random()));
        this.delay = Math.min(this.delay * 2, this.max);
      });
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

    // No more reconnections; `close` false leaves an open socket open until it closes itself.
    stop(close = true) {
      this.stopped = true;
      if (close && this.socket) this.socket.close();
    }
  }

  window.LiveSocket = LiveSocket;
})();
