// The human route of the identity step: take a few camera pictures for the staff reviewer
// (nothing automatic looks at them; camera_frames.js takes them), then wait until staff decide;
// approved moves on.
import { open, burst as frames, sleep } from "./camera_frames.js";

const send = document.getElementById("send-frames");
const video = document.getElementById("camera");
const canvas = document.getElementById("canvas");
const result = document.getElementById("result");
const texts = document.getElementById("texts").dataset;
const csrf = document.querySelector('meta[name="csrf-token"]').content;
const burst = Math.min(12, parseInt(send.dataset.burst, 10) || 6);
const waiting = document.getElementById("review-waiting");


function say(text) { result.textContent = text; }

open(video).catch(function () { say(texts.noCamera); send.disabled = true; });

send.addEventListener("click", async function () {
  send.disabled = true;
  try {
    say(texts.capturing);
    const form = await frames(video, canvas, burst);
    const response = await fetch(send.dataset.url, {
      method: "POST", body: form, headers: { "X-CSRFToken": csrf, Accept: "application/json" },
    });
    const body = await response.json();
    if (!response.ok) { say(body.message || texts.error); send.disabled = false; return; }
    window.location.reload(); // the page now says a member of staff will check you
  } catch (e) {
    say(texts.error);
    send.disabled = false;
  }
});

async function wait() {
  const outcome = document.getElementById("review-outcome");
  for (;;) {
    await sleep(2000);
    try {
      const response = await fetch(waiting.dataset.statusUrl, { headers: { Accept: "application/json" } });
      const body = await response.json();
      if (body.passed) {
        outcome.textContent = outcome.dataset.approved; outcome.hidden = false;
        window.location.assign(waiting.dataset.continueUrl);
        return;
      }
      if (body.status === "rejected") {
        outcome.textContent = outcome.dataset.rejected; outcome.hidden = false;
        return;
      }
    } catch (e) { /* offline for a moment: ask again */ }
  }
}
if (waiting) { wait(); }
