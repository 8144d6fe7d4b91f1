// View 2 (R-PROC-1): the phone's camera and microphone to the media process over WebRTC, on the page the
// pairing link opened (templates/proctoring/phone.html). Same signalling as view1.js
// (offer / candidate / answer / connected). The video sender is capped low (3 fps, at most
// 640x480) because the server decodes every frame it receives; a proctor's focus lifts the cap
// to 15 fps until it ends. The signalling socket is a LiveSocket (live_socket.js): a lost socket
// or peer starts over with its back-off, with a new peer per connection. The screen is kept
// on with the Screen Wake Lock API where the browser has it, re-taken whenever the page is shown.
import * as ice from "./ice_config.js";
import { LiveSocket } from "./live_socket.js";
import * as ProctorRecorder from "./recorder.js";

function setUp() {
  const root = document.getElementById("phone");
  if (!root) return;
  const iceConfiguration = (node) => ice.configuration(node);
  const statusEl = document.getElementById("phone-status");
  const wakeEl = document.getElementById("phone-wake");
  const preview = document.getElementById("phone-preview");
  const text = (key) => {
    const node = document.querySelector(`#phone-texts [data-key="${key}"]`);
    return node ? node.textContent : key;
  };
  const LOW_FRAMERATE = 3;
  const FOCUS_FRAMERATE = 15;
  const LOW_BITRATE = 250000;
  const FOCUS_BITRATE = 900000;
  const MAX_SIDE = 640; // the longer side of the picture sent, in either orientation
  const PING_EVERY_MS = 20000;
  const FATAL_ERRORS = ["bad_sdp", "already_offered"];
  // Phones drop idle sockets and suspend hidden pages: state kept across reconnections.
  let facing = "environment";
  let stream = null;
  let pc = null;
  let live = null; // the LiveSocket of the signalling
  let senders = {};
  let focus = false;
  let pingTimer = null;
  let finished = false; // unpaired or replaced: nothing more to do on this page
  let recorder = null;
  let wakeLock = null;

  function setStatus(state) {
    root.dataset.state = state;
    statusEl.dataset.state = state;
    statusEl.textContent = text(state);
  }

  function wsUrl() {
    const base = root.dataset.mediaWs ||
      `${location.protocol === "https:" ? "wss" : "ws"}://${location.hostname}:8001`;
    return `${base}/ws/media/attempts/${root.dataset.attemptId}/view/2/`;
  }

  async function openCamera() {
    // Ideal values only: a phone that cannot meet a hard limit would refuse the camera. The
    // sender scales a larger picture down to MAX_SIDE instead (capSenders).
    const video = {
      facingMode: { ideal: facing },
      width: { ideal: 640 },
      height: { ideal: 480 },
      frameRate: { ideal: FOCUS_FRAMERATE },
    };
    try {
      return await navigator.mediaDevices.getUserMedia({ video: video, audio: true });
    } catch (error) {
      if (error && error.name === "OverconstrainedError") {
        return navigator.mediaDevices.getUserMedia({ video: { facingMode: facing }, audio: true });
      }
      throw error;
    }
  }

  function scaleDown() {
    const track = stream && stream.getVideoTracks()[0];
    const settings = track && track.getSettings ? track.getSettings() : {};
    const side = Math.max(settings.width || 0, settings.height || 0);
    return side > MAX_SIDE ? side / MAX_SIDE : 1;
  }

  async function capSenders() {
    const sender = senders.video;
    if (!sender) return;
    const parameters = sender.getParameters();
    if (!parameters.encodings || !parameters.encodings.length) parameters.encodings = [{}];
    for (const encoding of parameters.encodings) {
      encoding.maxFramerate = focus ? FOCUS_FRAMERATE : LOW_FRAMERATE;
      encoding.maxBitrate = focus ? FOCUS_BITRATE : LOW_BITRATE;
      encoding.scaleResolutionDownBy = scaleDown();
    }
    try { await sender.setParameters(parameters); } catch (error) { /* keep the defaults */ }
  }

  async function sendMic(peer, on) {
    const sender = senders.audio;
    const track = stream && stream.getAudioTracks()[0];
    if (!sender || !track || peer.connectionState === "closed") return;
    try { await sender.replaceTrack(on ? track : null); } catch (error) { /* closed */ }
  }

  function startRecorder() {
    const uploadUrl = root.dataset.uploadUrl;
    if (!uploadUrl || !stream) return;
    const csrf = document.querySelector('meta[name="csrf-token"]');
    try {
      recorder = ProctorRecorder.start(stream, {
        attemptId: Number(root.dataset.attemptId), view: 2, uploadUrl: uploadUrl,
        csrfToken: csrf ? csrf.content : "",
      });
    } catch (error) { recorder = null; /* the live view matters more than the recording */ }
  }

  function stopRecorder() {
    if (recorder && typeof recorder.stop === "function") {
      try { recorder.stop(); } catch (error) { /* already stopped */ }
    }
    recorder = null;
  }

  function cameraUsable() {
    return stream && stream.getVideoTracks().some((track) => track.readyState === "live");
  }

  async function ensureCamera() {
    if (cameraUsable()) return true;
    if (stream) stream.getTracks().forEach((track) => track.stop());
    stream = null;
    stopRecorder();
    try {
      stream = await openCamera();
    } catch (error) {
      setStatus("denied");
      return false;
    }
    preview.srcObject = stream;
    startRecorder();
    return true;
  }

  function closePeer() {
    clearInterval(pingTimer);
    if (pc) pc.close();
    pc = null;
    senders = {};
  }

  function stopFor(state) {
    finished = true;
    if (live) live.stop();
    live = null;
    closePeer();
    stopRecorder();
    if (stream) stream.getTracks().forEach((track) => track.stop());
    stream = null;
    preview.srcObject = null;
    setStatus(state);
  }

  // Opens the camera, then the signalling; without a camera it waits for the page to be shown
  // again (or the network to come back) before asking again.
  async function connect() {
    if (finished || live) return;
    if (!(await ensureCamera()) || finished || live) return;
    setStatus("connecting");
    live = new LiveSocket(wsUrl(), { onOpen: offer, onMessage: signal, onClose: lost }, {
      first: 1000, max: 15000, finalCodes: [4403, 4409, 4000], delays: { 4429: 30000 },
      resetOn: "ready",
    });
  }

  // Starts the connection over at once (a new peer), from the first back-off delay.
  function reconnectNow() {
    if (finished) return;
    if (!live) { connect(); return; }
    live.restart("page");
    live.now();
  }

  // The socket is open: a new peer for this connection, and its offer.
  async function offer() {
    closePeer();
    const socket = live;
    if (!(await ensureCamera())) { // the camera went while the phone was away
      socket.stop();
      if (live === socket) live = null;
      closePeer();
      return;
    }
    if (live !== socket || !socket.open) return;
    const peer = new RTCPeerConnection(iceConfiguration(root));
    pc = peer;
    const current = () => pc === peer;
    stream.getTracks().forEach((track) => { senders[track.kind] = peer.addTrack(track, stream); });
    // The microphone is sent only while a proctor has the candidate in focus (the server only
    // plays it to that proctor; the recording keeps it all): no Opus packets otherwise.
    sendMic(peer, false);
    peer.addEventListener("icecandidate", (event) => {
      if (event.candidate && current()) {
        socket.send({
          type: "candidate", candidate: event.candidate.candidate,
          sdpMid: event.candidate.sdpMid, sdpMLineIndex: event.candidate.sdpMLineIndex,
        });
      }
    });
    peer.addEventListener("connectionstatechange", () => {
      if (!current()) return;
      if (peer.connectionState === "failed" || peer.connectionState === "disconnected") {
        socket.restart("peer_lost");
      }
    });
    try {
      await capSenders();
      await peer.setLocalDescription(await peer.createOffer());
    } catch (error) {
      if (current()) socket.restart("offer");
      return;
    }
    if (!current()) return;
    socket.send({ type: "offer", sdp: peer.localDescription.sdp });
    pingTimer = setInterval(() => socket.send({ type: "ping" }), PING_EVERY_MS);
  }

  async function signal(message) {
    const peer = pc;
    if (!peer) return;
    if (message.type === "answer") {
      try {
        await peer.setRemoteDescription({ type: "answer", sdp: message.sdp });
      } catch (error) { if (pc === peer) live.restart("answer"); }
    } else if (message.type === "connected") {
      setStatus("connected");
      live.ready();
    } else if (message.type === "focus") {
      focus = message.on === true;
      root.dataset.focus = focus ? "on" : "off";
      await sendMic(peer, focus);
      await capSenders();
    } else if (message.type === "error" && FATAL_ERRORS.includes(message.code)) {
      live.restart("refused"); // the offer was refused: start over with a fresh peer
    }
  }

  // 4403: unpaired; 4409: another phone took over; 4000: the exam ended; 4429 (too many
  // tries) waits 30 s.
  function lost(event, retrying) {
    closePeer();
    if (event.code === 4403) stopFor("unpaired");
    else if (event.code === 4409) stopFor("replaced");
    else if (event.code === 4000) stopFor("ended"); // the exam is over
    else if (retrying) setStatus("lost");
  }

  async function switchCamera(next) {
    if (next === facing || finished) return;
    facing = next;
    // Phones often open one camera at a time: release the old one before asking for the other.
    if (stream) stream.getTracks().forEach((track) => track.stop());
    stream = null;
    stopRecorder();
    if (!(await ensureCamera())) return;
    const peer = pc;
    if (peer && peer.connectionState === "connected") {
      try {
        for (const track of stream.getTracks()) {
          if (senders[track.kind]) await senders[track.kind].replaceTrack(track);
        }
        await capSenders();
        return;
      } catch (error) { /* fall through: start the connection over */ }
    }
    reconnectNow();
  }

  async function keepAwake() {
    if (!("wakeLock" in navigator)) {
      showWake(false);
      return;
    }
    if (wakeLock || document.visibilityState !== "visible") return;
    try {
      wakeLock = await navigator.wakeLock.request("screen");
      wakeLock.addEventListener("release", () => { wakeLock = null; });
      showWake(true);
    } catch (error) {
      showWake(false);
    }
  }

  function showWake(awake) {
    wakeEl.dataset.state = awake ? "awake" : "not_awake";
    wakeEl.textContent = text(awake ? "awake" : "not_awake");
  }

  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState !== "visible" || finished) return;
    keepAwake();
    // A phone may have stopped the camera or the connection while the page was hidden.
    if (!cameraUsable() || !live || !live.open) reconnectNow();
  });
  window.addEventListener("online", () => {
    if (!live || !live.open) reconnectNow();
  });
  document.querySelectorAll('input[name="facing"]').forEach((input) => {
    input.addEventListener("change", () => { if (input.checked) switchCamera(input.value); });
  });

  if (!window.RTCPeerConnection || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    setStatus("unsupported");
    return;
  }
  keepAwake();
  connect();
}

setUp();
