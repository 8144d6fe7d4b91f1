// The camera pictures of the identity step, for both of its routes (the automatic face check,
// identity_check.js, and the staff reviewer's, human_review.js): the camera opened into a
// <video>, and a burst of JPEG frames drawn from it through a <canvas> a quarter of a second
// apart, posted as the form field "frame". The script that uses it imports it.
function sleep(ms) { return new Promise((resolve) => { setTimeout(resolve, ms); }); }

function open(video) {
  return navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: false })
    .then((stream) => { video.srcObject = stream; });
}

function grab(video, canvas) {
  canvas.width = video.videoWidth;
  canvas.height = video.videoHeight;
  canvas.getContext("2d").drawImage(video, 0, 0);
  return new Promise((resolve) => { canvas.toBlob(resolve, "image/jpeg", 0.9); });
}

async function burst(video, canvas, count) {
  const form = new FormData();
  for (let i = 0; i < count; i++) {
    form.append("frame", await grab(video, canvas), `frame${i}.jpg`);
    await sleep(250);
  }
  return form;
}

export { open, burst, sleep };
