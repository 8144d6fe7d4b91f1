// View 1: the candidate's camera and microphone to the media process over WebRTC. The sender is
// capped (frame rate, resolution) because the server decodes every frame it receives
// (DESIGN-BRIEF, media plane). A lost signalling socket or peer starts over with back-off; the
// answering itself never depends on this script.
(function () {
  "use strict";
  const root = document.getElementById("exam");
  const status = document.getElementById("view1-status");
  if (!root || !window.RTCPeerConnection || !navigator.mediaDevices) return;
  const text = (key) => document.querySelector(`#view1-texts [data-key="${key}"]`).textContent;
  const MAX_FRAMERATE = 5;
  const SCALE_DOWN = 1;
  let stream = null;
  let backoff = 1000;

  function setStatus(state) {
    if (!status) return;
    status.dataset.state = state;
    status.textContent = text(state);
  }

  function wsUrl() {
    const base = root.dataset.mediaWs ||
      `${location.protocol === "https:" ? "wss" : "ws"}://${location.hostname}:8001`;
    return `${base}/ws/media/attempts/${root.dataset.attemptId}/view/1/`;
  }

  async function capSenders(pc) {
    for (const sender of pc.getSenders()) {
      if (!sender.track || sender.track.kind !== "video") continue;
      const parameters = sender.getParameters();
      if (!parameters.encodings || !parameters.encodings.length) parameters.encodings = [{}];
      for (const encoding of parameters.encodings) {
        encoding.maxFramerate = MAX_FRAMERATE;
        encoding.scaleResolutionDownBy = SCALE_DOWN;
      }
      try { await sender.setParameters(parameters); } catch (error) { /* keep the defaults */ }
    }
  }

  function retry() {
    setStatus("lost");
    setTimeout(start, backoff);
    backoff = Math.min(backoff * 2, 15000);
  }

  async function start() {
    try {
      if (!stream) {
        stream = await navigator.mediaDevices.getUserMedia({
          video: { width: 640, height: 480, frameRate: 15 }, audio: true,
        });
      }
    } catch (error) {
      setStatus("denied");
      return;
    }
    setStatus("connecting");
    const pc = new RTCPeerConnection({ iceServers: [] });
    const socket = new WebSocket(wsUrl());
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      pc.close();
      if (socket.readyState <= 1) socket.close();
      retry();
    };
    stream.getTracks().forEach((track) => pc.addTrack(track, stream));
    pc.addEventListener("icecandidate", (event) => {
      if (event.candidate && socket.readyState === 1) {
        socket.send(JSON.stringify({
          type: "candidate", candidate: event.candidate.candidate,
          sdpMid: event.candidate.sdpMid, sdpMLineIndex: event.candidate.sdpMLineIndex,
        }));
      }
    });
    pc.addEventListener("connectionstatechange", () => {
      if (pc.connectionState === "failed" || pc.connectionState === "disconnected") end();
    });
    socket.addEventListener("open", async () => {
      await capSenders(pc);
      await pc.setLocalDescription(await pc.createOffer());
      socket.send(JSON.stringify({ type: "offer", sdp: pc.localDescription.sdp }));
    });
    socket.addEventListener("message", async (event) => {
      const message = JSON.parse(event.data);
      if (message.type === "answer") {
        await pc.setRemoteDescription({ type: "answer", sdp: message.sdp });
      } else if (message.type === "connected") {
        setStatus("connected");
        backoff = 1000;
      }
    });
    socket.addEventListener("close", (event) => {
      if (event.code === 4403) { ended = true; pc.close(); setStatus("stopped"); return; }
      end();
    });
  }

  start();
})();
