// The proctor's focus on one candidate (R-PROC-5: open one candidate in full, talk to them): both
// views at full rate with their audio, and voice talk.
// It talks to the media process (proctoring/media/focus.py) at /ws/media/focus/<attempt id>/:
// the page offers four m-lines — video 1 (recvonly), audio 1 (sendrecv: the candidate's
// microphone to us, our microphone to the candidate while talking), video 2 and audio 2
// (recvonly) — and the server forwards each view while it is live, so a view that connects later
// simply starts playing. Talking enables our microphone on the pre-negotiated audio sender
// (replaceTrack: no renegotiation) and asks the server to play it on the candidate's page.
//
// Exports (proctor_room.js imports them):
//   open(attemptId, container, mediaWsBase) -> Promise (resolves when live)
//   close()
//   talk(on) -> Promise<{heard: bool}> (rejects without a microphone)
//   capture(view) -> Promise<Blob|null> (JPEG of the current frame)
//
// The container receives DOM events: "focus:views" (detail {1: bool, 2: bool}), "focus:talk"
// (detail {on, heard}: also when the server stopped it, e.g. another proctor took over) and
// "focus:state" (detail "connecting" | "live" | "lost"; a lost focus reconnects by itself, through
// the back-off of its LiveSocket, live_socket.js, with a new peer per connection).
import * as ice from "./ice_config.js";
import { LiveSocket } from "./live_socket.js";

const OPEN_TIMEOUT = 20000;
const VIEWS = [1, 2];
let session = null;

function label(key, fallback) {
  const node = document.querySelector(`#texts [data-key="${key}"]`);
  return node ? node.textContent : fallback;
}

function iceConfiguration() {
  return ice.configuration(document.getElementById("room"));
}

function wsUrl(base, attemptId) {
  const origin = base ||
    `${location.protocol === "https:" ? "wss" : "ws"}://${location.hostname}:8001`;
  return `${origin}/ws/media/focus/${attemptId}/`;
}

function build(container) {
  const views = {};
  container.textContent = "";
  for (const view of VIEWS) {
    const box = document.createElement("div");
    box.className = "focus-view";
    box.dataset.view = String(view);
    const video = document.createElement("video");
    video.autoplay = true;
    video.playsInline = true;
    video.setAttribute("aria-label", label(`view${view}`, `View ${view}`));
    const caption = document.createElement("p");
    caption.className = "focus-view-state muted";
    caption.textContent = label(`view${view}_lost`, `View ${view} lost`);
    box.append(video, caption);
    container.appendChild(box);
    views[view] = { video, caption, stream: new MediaStream() };
    video.srcObject = views[view].stream;
  }
  return views;
}

class Session {
  constructor(attemptId, container, base) {
    this.attemptId = attemptId;
    this.container = container;
    this.base = base;
    this.views = build(container);
    this.closed = false;
    this.microphone = null;
    this.talkWaiters = [];
    this.live = null; // the LiveSocket of the signalling
    this.pc = null; // the peer of the current connection
    this.timer = null; // gives up a peer that does not connect
    this.connected = false; // the current connection is live
    this.wasLive = false; // some connection was: a lost one is retried until close()
  }

  emit(name, detail) {
    this.container.dispatchEvent(new CustomEvent(name, { detail }));
  }

  // Resolves when the first connection is live. If it never gets there the focus closes
  // (the promise rejects); a connection that was live and drops (a restart of the media
  // process) is retried by the LiveSocket with back-off until close().
  connect() {
    return new Promise((resolve, reject) => {
      this.opened = { resolve, reject };
      this.live = new LiveSocket(wsUrl(this.base, this.attemptId), {
        onOpen: () => this.offer(),
        onMessage: (message) => this.signal(message),
        onClose: (event, retrying) => this.lost(event, retrying),
      }, { first: 2000, max: 15000, openTimeout: OPEN_TIMEOUT, resetOn: "ready" });
    });
  }

  // The socket is open: a new peer with the four m-lines, and its offer.
  async offer() {
    this.closePeer();
    const live = this.live;
    const pc = new RTCPeerConnection(iceConfiguration());
    this.pc = pc;
    this.timer = setTimeout(() => {
      if (this.pc === pc && !this.connected) live.restart("timeout");
    }, OPEN_TIMEOUT);
    pc.addTransceiver("video", { direction: "recvonly" });
    this.voice = pc.addTransceiver("audio", { direction: "sendrecv" });
    pc.addTransceiver("video", { direction: "recvonly" });
    pc.addTransceiver("audio", { direction: "recvonly" });
    pc.addEventListener("track", (event) => {
      const index = pc.getTransceivers().indexOf(event.transceiver);
      const view = this.views[VIEWS[Math.floor(index / 2)]];
      if (!view) return;
      view.stream.addTrack(event.track);
      view.video.play().catch(() => {});
    });
    pc.addEventListener("icecandidate", (event) => {
      if (event.candidate && this.pc === pc) {
        live.send({
          type: "candidate", candidate: event.candidate.candidate,
          sdpMid: event.candidate.sdpMid, sdpMLineIndex: event.candidate.sdpMLineIndex,
        });
      }
    });
    pc.addEventListener("connectionstatechange", () => {
      if (this.pc === pc && pc.connectionState === "failed") live.restart("failed");
    });
    this.emit("focus:state", "connecting");
    try {
      await pc.setLocalDescription(await pc.createOffer());
      if (this.pc === pc) live.send({ type: "offer", sdp: pc.localDescription.sdp });
    } catch (error) {
      if (this.pc === pc) live.restart("offer");
    }
  }

  async signal(message) {
    const pc = this.pc;
    if (!pc) return;
    if (message.type === "answer") {
      try {
        await pc.setRemoteDescription({ type: "answer", sdp: message.sdp });
      } catch (error) { if (this.pc === pc) this.live.restart("answer"); }
    } else if (message.type === "connected") {
      this.connected = true;
      this.wasLive = true;
      clearTimeout(this.timer);
      this.live.ready();
      this.emit("focus:state", "live");
      this.opened.resolve();
    } else if (message.type === "views") {
      this.showViews(message.views || {});
    } else if (message.type === "talk") {
      this.talkWaiters.splice(0).forEach((done) => done(message));
      this.emit("focus:talk", { on: Boolean(message.on), heard: Boolean(message.heard) });
      if (!message.on) this.releaseMicrophone();
    } else if (message.type === "error" && !this.connected) {
      this.live.restart(message.code || "error");
    }
  }

  // The connection ended. 4403 (no longer allowed: the attempt ended) closes the focus, and
  // so does a first connection that never got live; otherwise the LiveSocket tries again.
  lost(event, retrying) {
    const wasConnected = this.connected;
    this.closePeer();
    if (this.closed) return;
    if (wasConnected || !retrying) {
      this.emit("focus:state", "lost");
      this.emit("focus:talk", { on: false, heard: false });
    }
    if (!retrying || !this.wasLive) {
      this.opened.reject(new Error(event.code === 4403 ? "forbidden" : event.reason || "closed"));
      this.close();
      return;
    }
    // The next connection starts with empty streams: the old tracks ended with their peer.
    for (const view of VIEWS) {
      const entry = this.views[view];
      entry.stream.getTracks().forEach((track) => track.stop());
      entry.stream = new MediaStream();
      entry.video.srcObject = entry.stream;
    }
  }

  closePeer() {
    clearTimeout(this.timer);
    this.connected = false;
    this.releaseMicrophone();
    if (this.pc) this.pc.close();
    this.pc = null;
  }

  showViews(views) {
    const state = {};
    for (const view of VIEWS) {
      const up = Boolean(views[String(view)]);
      state[view] = up;
      const key = `view${view}_${up ? "connected" : "lost"}`;
      this.views[view].caption.textContent =
        label(key, `View ${view} ${up ? "connected" : "lost"}`);
      this.views[view].caption.dataset.state = up ? "connected" : "lost";
    }
    this.emit("focus:views", state);
  }

  send(message) {
    return Boolean(this.live) && this.live.send(message);
  }

  async talk(on) {
    if (on) {
      if (!this.microphone) {
        this.microphone = await navigator.mediaDevices.getUserMedia({
          audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true },
        });
      }
      await this.voice.sender.replaceTrack(this.microphone.getAudioTracks()[0]);
    } else {
      this.releaseMicrophone();
    }
    const answered = new Promise((resolve) => {
      this.talkWaiters.push(resolve);
      setTimeout(() => resolve({ on, heard: false }), 5000);
    });
    if (!this.send({ type: "talk", on })) {
      this.releaseMicrophone();
      throw new Error("not connected");
    }
    const reply = await answered;
    return { heard: Boolean(reply.heard) };
  }

  releaseMicrophone() {
    if (!this.microphone) return;
    if (this.voice && this.pc && this.pc.signalingState !== "closed") {
      this.voice.sender.replaceTrack(null).catch(() => {});
    }
    this.microphone.getTracks().forEach((track) => track.stop());
    this.microphone = null;
  }

  capture(view) {
    const entry = this.views[view];
    const video = entry && entry.video;
    if (!video || !video.videoWidth) return Promise.resolve(null);
    const canvas = document.createElement("canvas");
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    canvas.getContext("2d").drawImage(video, 0, 0);
    return new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.9));
  }

  close() {
    if (this.closed) return;
    this.closed = true;
    if (this.live) this.live.stop();
    this.closePeer();
    for (const view of VIEWS) {
      const entry = this.views[view];
      entry.stream.getTracks().forEach((track) => track.stop());
      entry.video.srcObject = null;
    }
    this.talkWaiters.splice(0).forEach((done) => done({ on: false, heard: false }));
  }
}

export function open(attemptId, container, mediaWsBase) {
  if (session) session.close();
  if (!window.RTCPeerConnection) return Promise.reject(new Error("no WebRTC"));
  session = new Session(attemptId, container, mediaWsBase || "");
  return session.connect();
}

export function close() {
  if (session) session.close();
  session = null;
}

export function talk(on) {
  if (!session || session.closed) return Promise.reject(new Error("no focus"));
  return session.talk(Boolean(on));
}

export function capture(view) {
  if (!session || session.closed) return Promise.resolve(null);
  return session.capture(Number(view));
}
