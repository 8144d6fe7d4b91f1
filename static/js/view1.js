// View 1 (R-PROC-1): the candidate's camera and microphone to the media process over WebRTC, from the
// set-up steps (waiting room) to the end of the answering. The sender is capped (frame rate,
// resolution) because the server decodes every frame it receives (DESIGN-BRIEF, media plane);
// while a proctor has the candidate in focus the server sends {"type": "focus", "on": true} and
// the cap is lifted to full rate. The answer's audio track carries the proctor's voice:
// {"type": "talk", "on": true} shows that the proctor is speaking. The signalling socket is a
// LiveSocket (live_socket.js): a lost socket or peer (a network drop, a restart of the media
// process) starts over with its back-off, with a new peer per connection; the state
// is reported to the candidate's channel (attempt_channel.js), so the proctor learns "view 1
// lost" even when the media process itself is down, and to the page as `view1:state` on
// document ({connected}), which proctor_lock.js turns into the pause of answering. A camera or
// microphone track that ends (unplugged, turned off, stopped) counts as view 1 lost: the page
// says which part, drops the connection and asks for the devices again until they are back.
import { reportView } from "./attempt_channel.js";
import * as ice from "./ice_config.js";
import { LiveSocket } from "./live_socket.js";
import * as ProctorRecorder from "./recorder.js";

function setUp() {
  const root = document.getElementById("exam") || document.getElementById("view1-root");
  const status = document.getElementById("view1-status");
  if (!root || !window.RTCPeerConnection || !navigator.mediaDevices) return;
  const text = (key) => {
    const node = document.querySelector(`#view1-texts [data-key="${key}"]`);
    return node ? node.textContent : "";
  };
  const iceConfiguration = (node) => ice.configuration(node);
  const CAPPED_FRAMERATE = 5;
  const FULL_FRAMERATE = 15;
  // Bit rate caps: the media process's receive cost is per packet, and an uncapped browser
  // ramps up to what the link takes; evidence frames and thumbnails need far less. Lifted with
  // the frame rate while a proctor focuses on this candidate.
  const CAPPED_BITRATE = 300000;
  const FULL_BITRATE = 1000000;
  const SCALE_DOWN = 1;
  const OPEN_TIMEOUT = 10000; // a socket that never opens (a dead host drops packets) is retried
  const CONNECT_TIMEOUT = 20000; // and so is a peer that never connects
  let stream = null;
  let cameraRecorder = null; // ProctorRecorder's recorder of this stream
  let cameraWait = 1000; // between tries to open the camera
  let reported = null;
  let live = null; // the LiveSocket of the signalling, while the camera is open
  let peer = null; // { pc, timer } of the current connection
  let focused = false;
  const voice = document.createElement("audio");
  voice.autoplay = true;
  voice.hidden = true;
  const banner = document.createElement("p");
  banner.className = "talk-banner";
  banner.setAttribute("role", "status");
  banner.hidden = true;
  (status || root).insertAdjacentElement(status ? "afterend" : "afterbegin", banner);
  root.appendChild(voice);
  // Where a browser refuses to play sound without a click, the banner offers the click.
  const unmute = document.createElement("button");
  unmute.type = "button";
  unmute.className = "button";
  unmute.addEventListener("click", () => {
    voice.play().then(() => { unmute.hidden = true; }).catch(() => {});
  });

  function setStatus(state) {
    if (!status) return;
    status.dataset.state = state;
    status.textContent = text(state);
  }

  function report(connected, part) {
    if (reported === connected) return;
    reported = connected;
    reportView(1, connected, part);
    document.dispatchEvent(new CustomEvent("view1:state", { detail: { connected, part } }));
  }

  // A track that ended gives no more frames although the peer stays connected: watched here
  // (a track the page stops itself fires no "ended" event, so its state is polled too).
  function watchTracks() {
    if (!stream) return;
    const dead = stream.getTracks().find((track) => track.readyState === "ended");
    if (!dead) return;
    stream.getTracks().forEach((track) => track.stop());
    stream = null;
    // This view's recorder only: the shared screen (screen_share.js) records on by itself.
    if (cameraRecorder) {
      try { cameraRecorder.stop(); } catch (error) { /* the recorder ends with it */ }
      cameraRecorder = null;
    }
    report(false, dead.kind === "audio" ? "microphone" : "camera");
    // Without the devices there is nothing to send: no signalling until they are back.
    if (live) live.stop();
    live = null;
    closePeer();
    setStatus("lost");
    talk(false);
    setTimeout(start, cameraWait);
  }
  setInterval(watchTracks, 1000);

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
        encoding.maxFramerate = focused ? FULL_FRAMERATE : CAPPED_FRAMERATE;
        encoding.maxBitrate = focused ? FULL_BITRATE : CAPPED_BITRATE;
        encoding.scaleResolutionDownBy = SCALE_DOWN;
      }
      try { await sender.setParameters(parameters); } catch (error) { /* keep the defaults */ }
    }
  }

  function talk(on) {
    banner.textContent = text("talk");
    banner.hidden = !on;
    if (!on) return;
    unmute.textContent = text("talk_play");
    unmute.hidden = true;
    banner.append(" ", unmute);
    voice.play().catch(() => { unmute.hidden = false; });
  }

  function closePeer() {
    if (!peer) return;
    clearTimeout(peer.timer);
    peer.pc.close();
    peer = null;
  }

  async function start() {
    try {
      if (!stream) {
        stream = await navigator.mediaDevices.getUserMedia({
          video: { width: 640, height: 480, frameRate: 15 }, audio: true,
        });
        // The recording is made here in the browser and uploaded (recorder.js, contract 6);
        // it does not depend on the live connection below.
        if (root.dataset.recordingUrl) {
          const csrf = document.querySelector('meta[name="csrf-token"]');
          try {
            cameraRecorder = ProctorRecorder.start(stream, {
              attemptId: Number(root.dataset.attemptId), view: 1,
              uploadUrl: root.dataset.recordingUrl, csrfToken: csrf ? csrf.content : "",
            });
          } catch (error) { /* the live view matters more than the recording */ }
        }
      }
    } catch (error) {
      // No camera (refused, unplugged, in use): answering pauses after the exam's grace, so
      // keep asking; it resumes as soon as the camera is back.
      setStatus("denied");
      report(false, "camera");
      setTimeout(start, cameraWait);
      cameraWait = Math.min(cameraWait * 2, 5000);
      return;
    }
    cameraWait = 1000;
    setStatus("connecting");
    live = new LiveSocket(wsUrl(), { onOpen: offer, onMessage: signal, onClose: lost }, {
      first: 1000, max: 15000, openTimeout: OPEN_TIMEOUT, resetOn: "ready",
    });
  }

  // The socket is open: a new peer for this connection, and its offer.
  async function offer() {
    closePeer();
    if (!stream) return; // the devices went away: watchTracks starts over
    const socket = live;
    focused = false;
    const pc = new RTCPeerConnection(iceConfiguration(root));
    const mine = { pc, timer: null };
    peer = mine;
    // A peer that never connects is given up and the connection started over.
    mine.timer = setTimeout(() => {
      if (peer === mine && pc.connectionState !== "connected") socket.restart("peer_timeout");
    }, CONNECT_TIMEOUT);
    stream.getTracks().forEach((track) => pc.addTrack(track, stream));
    // The microphone goes to the server only while a proctor has this candidate in focus (to
    // listen and talk): voice detection reads the recording instead (proctoring/segment_audio.py),
    // and 50 Opus packets a second cost the media process ~2 % of a core per candidate. The
    // audio transceiver stays negotiated sendrecv: the proctor's voice comes back on it.
    const mic = pc.getSenders().find((sender) => sender.track && sender.track.kind === "audio");
    mine.mic = mic;
    mine.micTrack = mic ? mic.track : null;
    await sendMic(false);
    pc.addEventListener("track", (event) => {
      if (event.track.kind !== "audio") return;
      voice.srcObject = new MediaStream([event.track]);
      voice.play().catch(() => {});
    });
    pc.addEventListener("icecandidate", (event) => {
      if (event.candidate) {
        socket.send({
          type: "candidate", candidate: event.candidate.candidate,
          sdpMid: event.candidate.sdpMid, sdpMLineIndex: event.candidate.sdpMLineIndex,
        });
      }
    });
    pc.addEventListener("connectionstatechange", () => {
      if (peer !== mine) return;
      if (pc.connectionState === "failed" || pc.connectionState === "disconnected") {
        socket.restart("peer_lost");
      }
    });
    try {
      await capSenders(pc);
      await pc.setLocalDescription(await pc.createOffer());
      if (peer === mine) socket.send({ type: "offer", sdp: pc.localDescription.sdp });
    } catch (error) {
      if (peer === mine) socket.restart("offer");
    }
  }

  async function sendMic(on) {
    if (!peer || !peer.mic) return;
    try { await peer.mic.replaceTrack(on ? peer.micTrack : null); } catch (error) { /* closed */ }
  }

  async function signal(message) {
    if (!peer) return;
    const { pc } = peer;
    if (message.type === "answer") {
      try {
        await pc.setRemoteDescription({ type: "answer", sdp: message.sdp });
      } catch (error) { live.restart("answer"); }
    } else if (message.type === "connected") {
      setStatus("connected");
      report(true);
      live.ready();
    } else if (message.type === "focus") {
      focused = Boolean(message.on);
      await sendMic(focused);
      await capSenders(pc);
    } else if (message.type === "talk") {
      talk(Boolean(message.on));
    }
  }

  // The connection ended: LiveSocket tries again unless the server said the attempt is over
  // (or not this candidate's: 4403) or the address cannot be used.
  function lost(event, retrying) {
    closePeer();
    setStatus(retrying ? "lost" : "stopped");
    report(false);
    talk(false);
  }

  // Leaving the page (the waiting room opening the paper) frees the server's peer at once.
  window.addEventListener("pagehide", () => {
    if (live) live.stop();
    closePeer();
  });

  start();
}

setUp();
