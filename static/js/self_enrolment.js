// The enrolment photo: with a camera, "Take the photo" grabs one frame and sends it in the
// form's file field (the page works without this script: the field takes a photo file).
(function () {
  "use strict";
  const form = document.getElementById("enrol-form");
  if (!form || !navigator.mediaDevices || !window.DataTransfer) { return; }
  const video = document.getElementById("camera");
  const canvas = document.getElementById("canvas");
  const take = document.getElementById("take");
  const input = form.querySelector('input[type="file"]');
  const message = document.getElementById("camera-message");

  navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: false })
    .then(function (stream) {
      video.srcObject = stream;
      video.hidden = false;
      take.hidden = false;
      document.getElementById("file-field").hidden = true;
      document.getElementById("send").hidden = true;
    })
    .catch(function () { message.textContent = message.dataset.noCamera; });

  take.addEventListener("click", function () {
    canvas.width = video.videoWidth; canvas.height = video.videoHeight;
    canvas.getContext("2d").drawImage(video, 0, 0);
    canvas.toBlob(function (blob) {
      const files = new DataTransfer();
      files.items.add(new File([blob], "enrolment.jpg", { type: "image/jpeg" }));
      input.files = files.files;
      if (form.reportValidity()) { take.disabled = true; form.submit(); }
    }, "image/jpeg", 0.92);
  });
})();
