// The face check: capture a burst of webcam frames while the candidate does the challenge,
// post them, then poll the check's status until the vision worker decides.
(function () {
  "use strict";
  const start = document.getElementById("start");
  const video = document.getElementById("camera");
  const canvas = document.getElementById("canvas");
  const result = document.getElementById("result");
  const texts = document.getElementById("texts").dataset;
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const burst = Math.min(12, parseInt(start.dataset.burst, 10) || 12);

  function say(text) { result.textContent = text; }

  navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: false })
    .then(function (stream) { video.srcObject = stream; })
    .catch(function () { say(texts.noCamera); start.disabled = true; });

  function grab() {
    canvas.width = video.videoWidth; canvas.height = video.videoHeight;
    canvas.getContext("2d").drawImage(video, 0, 0);
    return new Promise(function (resolve) { canvas.toBlob(resolve, "image/jpeg", 0.9); });
  }

  function sleep(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }

  async function capture() {
    const frames = [];
    for (let i = 0; i < burst; i++) { frames.push(await grab()); await sleep(250); }
    return frames;
  }

  async function poll(url) {
    for (let i = 0; i < 120; i++) {
      const response = await fetch(url, { headers: { Accept: "application/json" } });
      const body = await response.json();
      if (body.done) { return body; }
      await sleep(1000);
    }
    throw new Error("timeout");
  }

  start.addEventListener("click", async function () {
    start.disabled = true;
    result.dataset.state = "working";
    try {
      say(texts.capturing);
      const frames = await capture();
      const form = new FormData();
      frames.forEach(function (blob, i) { form.append("frame", blob, "frame" + i + ".jpg"); });
      say(texts.checking);
      const response = await fetch(start.dataset.url, {
        method: "POST", body: form, headers: { "X-CSRFToken": csrf, Accept: "application/json" },
      });
      const body = await response.json();
      if (!response.ok) { say(body.message || texts.error); return; }
      const outcome = await poll(body.status_url);
      if (outcome.passed) {
        say(texts.passed);
        document.getElementById("continue").hidden = false;
      }
      else { say(texts.failed + " " + (outcome.problem || "") + " " + texts.retry); }
    } catch (e) {
      say(texts.error);
    } finally {
      start.disabled = false;
      result.dataset.state = "done"; // for scripts and tests: the message above is final
    }
  });
})();
