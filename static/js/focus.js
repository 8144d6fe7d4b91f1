// The proctor's focus on one candidate: both views at full rate with their audio, and voice talk.
// It talks to the media process (proctoring/media/focus.py) at /ws/media/focus/<attempt id>/:
// the page offers four m-lines — video 1 (recvonly), audio 1 (sendrecv: the candidate's
// microphone to us, our microphone to the candidate while talking), video 2 and audio 2
// (recvonly) — and the server forwards each view while it is live, so a view that connects later
// simply starts playing. Talking enables our microphone on the pre-negotiated audio sender
// (replaceTrack: no renegotiation) and asks the server to play it on the candidate's page.
//
//   window.ProctorFocus.open(attemptId, container, mediaWsBase) -> Promise (resolves when live)
//   window.ProctorFocus.close()
//   window.ProctorFocus.talk(on) -> Promise<{heard: bool}> (rejects without a microphone)
//   window.ProctorFocus.capture(view) -> Promise<Blob|null> (JPEG of the current frame)
//
// The container receives DOM events: "focus:views" (detail {1: bool, 2: bool}), "focus:talk"
// (detail {on, heard}: also when the server stopped it, e.g. another proctor took over) and
// "focus:state" (detail "connecting" | "live" | "lost"; a lost focus reconnects by itself).
(function () {
  "use strict";
  const OPEN_TIMEOUT = 20000;
  const VIEWS = [1, 2];
  let session = null;

  function label(key, fallback) {
    const node = document.querySelector(`#texts [data-key="${key}"]`);
    return node ? node.textContent : fallback;
  }

  function iceConfiguration() {
    return window.ProctorIce.configuration(document.getElementById("room"));
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
      this.backoff = 2000;
      this.retryTimer = null;
    }

    emit(name, detail) {
      this.container.dispatchEvent(new CustomEvent(name, { detail }));
    }

    // One connection; the first one's promise is what open() returns. A connection that was
    // live and drops (a restart of the media process) is retried with back-off until close().
    connect(first = true) {
      return new Promise((resolve, reject) => {
        const pc = new RTCPeerConnection(iceConfiguration());
        const socket = new WebSocket(wsUrl(this.base, this.attemptId));
        this.pc = pc;
        this.socket = socket;
        let live = false;
        let over = false;
        const drop = (reason) => {
          if (over) return;
          over = true;
          clearTimeout(timer);
          pc.close();
          if (socket.readyState <= 1) socket.close();
          this.releaseMicrophone();
          if (first && !live) reject(new Error(reason)); // no-op once resolved
          if (this.closed) return;
          if (live) {
            this.emit("focus:state", "lost");
            this.emit("focus:talk", { on: false, heard: false });
          }
          if (first && !live) this.close(); else this.retry();
        };
        const timer = setTimeout(() => drop("timeout"), OPEN_TIMEOUT);
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
          if (event.candidate && socket.readyState === 1) {
            socket.send(JSON.stringify({
              type: "candidate", candidate: event.candidate.candidate,
              sdpMid: event.candidate.sdpMid, sdpMLineIndex: event.candidate.sdpMLineIndex,
            }));
          }
        });
        pc.addEventListener("connectionstatechange", () => {
          if (pc.connectionState === "failed") drop("failed");
        });
        socket.addEventListener("open", async () => {
          this.emit("focus:state", "connecting");
          try {
            await pc.setLocalDescription(await pc.createOffer());
            socket.send(JSON.stringify({ type: "offer", sdp: pc.localDescription.sdp }));
          } catch (error) { drop("offer"); }
        });
        socket.addEventListener("message", async (event) => {
          let message;
          try { message = JSON.parse(event.data); } catch (error) { return; }
          if (message.type === "answer") {
            try {
              await pc.setRemoteDescription({ type: "answer", sdp: message.sdp });
            } catch (error) { drop("answer"); }
          } else if (message.type === "connected") {
            live = true;
            this.backoff = 2000;
            clearTimeout(timer);
            this.emit("focus:state", "live");
            resolve();
          } else if (message.type === "views") {
            this.showViews(message.views || {});
          } else if (message.type === "talk") {
            this.talkWaiters.splice(0).forEach((done) => done(message));
            this.emit("focus:talk", { on: Boolean(message.on), heard: Boolean(message.heard) });
            if (!message.on) this.releaseMicrophone();
          } else if (message.type === "error" && !live) {
            drop(message.code || "error");
          }
        });
        socket.addEventListener("close", (event) => {
          if (event.code === 4403) { // no longer allowed (the attempt ended): no retry
            this.emit("focus:state", "lost");
            if (first && !live) reject(new Error("forbidden"));
            this.close();
            return;
          }
          drop("closed");
        });
      });
    }

    retry() {
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => {
        if (this.closed) return;
        for (const view of VIEWS) {
          const entry = this.views[view];
          entry.stream.getTracks().forEach((track) => track.stop());
          entry.stream = new MediaStream();
          entry.video.srcObject = entry.stream;
        }
        this.connect(false).catch(() => {});
      }, this.backoff * (0.5 + Math.random()));
      this.backoff = Math.min(this.backoff * 2, 15000);
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
      if (this.socket && this.socket.readyState === 1) {
        this.socket.send(JSON.stringify(message));
        return true;
      }
      return false;
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
      clearTimeout(this.retryTimer);
      this.releaseMicrophone();
      if (this.pc) this.pc.close();
      if (this.socket && this.socket.readyState <= 1) this.socket.close();
      for (const view of VIEWS) {
        const entry = this.views[view];
        entry.stream.getTracks().forEach((track) => track.stop());
        entry.video.srcObject = null;
      }
      this.talkWaiters.splice(0).forEach((done) => done({ on: false, heard: false }));
    }
  }

  window.ProctorFocus = {
    open(attemptId, container, mediaWsBase) {
      if (session) session.close();
      if (!window.RTCPeerConnection) return Promise.reject(new Error("no WebRTC"));
      session = new Session(attemptId, container, mediaWsBase || "");
      return session.connect();
    },
    close() {
      if (session) session.close();
      session = null;
    },
    talk(on) {
      if (!session || session.closed) return Promise.reject(new Error("no focus"));
      return session.talk(Boolean(on));
    },
    capture(view) {
      if (!session || session.closed) return Promise.resolve(null);
      return session.capture(Number(view));
    },
  };
})();
