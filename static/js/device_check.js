// The device check (R-EXAM-10): browser, camera and microphone in the browser; the upload speed
// is timed here while the server reads and discards a few MB; the result is kept for support.
(function () {
  "use strict";
  const root = document.getElementById("device-check");
  if (!root) return;
  const texts = {};
  document.querySelectorAll("#device-texts [data-key]").forEach(function (el) {
    texts[el.dataset.key] = el.textContent;
  });
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const minUpload = parseFloat(root.dataset.minUpload);
  const chunk = parseInt(root.dataset.chunk, 10);
  const result = { camera: "skipped", microphone: "skipped", upload_mb_per_s: null, media_supported: false };

  function verdict(item, ok, text) {
    const el = root.querySelector('[data-item="' + item + '"]');
    el.dataset.ok = ok === null ? "" : (ok ? "1" : "0");
    el.querySelector("[data-verdict]").textContent = text;
  }

  function checkBrowser() {
    const supported = !!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia && window.RTCPeerConnection);
    result.media_supported = supported;
    // The server's reading of the browser and system, never the raw user-agent string.
    verdict("browser", supported, (supported ? texts.ok : texts.unsupported) + " — " + root.dataset.browser);
    return supported;
  }

  async function checkMedia() {
    if (!result.media_supported) {
      verdict("camera", false, texts.failed); verdict("microphone", false, texts.failed);
      result.camera = result.microphone = "failed";
      return;
    }
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
      document.getElementById("device-preview").srcObject = stream;
      const hasVideo = stream.getVideoTracks().length > 0;
      const hasAudio = stream.getAudioTracks().length > 0;
      result.camera = hasVideo ? "ok" : "failed";
      result.microphone = hasAudio ? "ok" : "failed";
      verdict("camera", hasVideo, hasVideo ? texts.ok : texts.failed);
      verdict("microphone", hasAudio, hasAudio ? texts.ok : texts.failed);
      if (hasAudio && window.AudioContext) {
        const context = new AudioContext();
        const analyser = context.createAnalyser();
        context.createMediaStreamSource(stream).connect(analyser);
        const data = new Uint8Array(analyser.fftSize);
        const meter = root.querySelector("[data-level]");
        (function draw() {
          analyser.getByteTimeDomainData(data);
          let peak = 0;
          for (let i = 0; i < data.length; i++) peak = Math.max(peak, Math.abs(data[i] - 128) / 128);
          meter.value = peak;
          requestAnimationFrame(draw);
        })();
      }
    } catch (e) {
      result.camera = result.microphone = "failed";
      verdict("camera", false, texts.failed); verdict("microphone", false, texts.failed);
    }
  }

  async function checkUpload() {
    if (root.dataset.candidate !== "1") { verdict("upload", null, texts.signin); return; }
    verdict("upload", null, texts.measuring);
    const payload = new Uint8Array(chunk);
    for (let i = 0; i < payload.length; i += 4096) payload[i] = Math.random() * 256; // not compressible
    let sent = 0;
    const started = performance.now();
    try {
      for (let round = 0; round < 3; round++) {
        const response = await fetch(root.dataset.uploadUrl, {
          method: "POST", body: payload, credentials: "same-origin",
          headers: { "X-CSRFToken": csrf, "Content-Type": "application/octet-stream" },
        });
        if (!response.ok) throw new Error(String(response.status));
        sent += (await response.json()).received;
      }
    } catch (e) { verdict("upload", false, texts.error); return; }
    const seconds = (performance.now() - started) / 1000;
    const speed = Math.round((sent / 1048576 / seconds) * 100) / 100;
    result.upload_mb_per_s = speed;
    const fast = speed >= minUpload;
    verdict("upload", fast, speed + " MB/s — " + (fast ? texts.fast : texts.slow.replace("%(min)s", minUpload)));
  }

  async function save() {
    if (root.dataset.candidate !== "1") return null;
    const response = await fetch(root.dataset.resultUrl, {
      method: "POST", credentials: "same-origin", body: JSON.stringify(result),
      headers: { "X-CSRFToken": csrf, "Content-Type": "application/json" },
    });
    return response.ok ? response.json() : null;
  }

  document.getElementById("device-start").addEventListener("click", async function () {
    this.disabled = true;
    const overall = document.getElementById("device-overall");
    overall.textContent = "";
    checkBrowser();
    await checkMedia();
    await checkUpload();
    const saved = await save();
    if (saved) {
      // The server's reading of the browser is the one support sees.
      verdict("browser", saved.browser_ok, (saved.browser_ok ? texts.ok : texts.unsupported) +
        " — " + [saved.browser, saved.os].filter(Boolean).join(" · "));
    }
    const passed = saved ? saved.passed : (result.media_supported && result.camera === "ok" && result.microphone === "ok");
    overall.textContent = (passed ? texts.passed : texts.notpassed) + (saved ? " " + texts.saved : "");
    overall.dataset.passed = passed ? "1" : "0";
    this.disabled = false;
  });
})();
