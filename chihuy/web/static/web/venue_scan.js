// The staff scan on a venue owner's page: where the browser offers BarcodeDetector, a camera button reads a
// citizen's personal QR into the code field and sends the form. Without it the plain text field still works
// (typed, or a hardware scanner typing into it).
(function () {
  "use strict";
  var form = document.getElementById("scan-form");
  var input = document.getElementById("id_code");
  var button = document.getElementById("scan-camera");
  var video = document.getElementById("scan-video");
  if (!form || !input || !button || !video || !("BarcodeDetector" in window) || !navigator.mediaDevices) { return; }
  button.hidden = false;
  var stream = null;
  function stop() {
    if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); stream = null; }
    video.hidden = true;
  }
  button.addEventListener("click", function () {
    if (stream) { stop(); return; }
    var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (s) {
      stream = s;
      video.srcObject = s;
      video.hidden = false;
      return video.play();
    }).then(function () {
      function tick() {
        if (!stream) { return; }
        detector.detect(video).then(function (codes) {
          if (codes.length && codes[0].rawValue) {
            input.value = codes[0].rawValue;
            stop();
            form.submit();
          } else {
            window.setTimeout(tick, 250);
          }
        }).catch(function () { window.setTimeout(tick, 500); });
      }
      tick();
    }).catch(function () { stop(); });
  });
})();
