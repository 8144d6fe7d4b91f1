// The face check: capture a burst of webcam frames while the candidate does the challenge,
// post them, then poll the check's status until the vision worker decides. The camera and the
// frames are camera_frames.js's.
import { open, burst as frames, sleep } from "./camera_frames.js";

const start = document.getElementById("start");
const video = document.getElementById("camera");
const canvas = document.getElementById("canvas");
const result = document.getElementById("result");
const texts = document.getElementById("texts").dataset;
const csrf = document.querySelector('meta[name="csrf-token"]').content;
const burst = Math.min(12, parseInt(start.dataset.burst, 10) || 12);


function say(text) { result.textContent = text; }

open(video).catch(function () { say(texts.noCamera); start.disabled = true; });

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
    const form = await frames(video, canvas, burst);
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
