// Follows the server's start through the progress event stream and opens it once ready.
(function () {
  "use strict";
  var section = document.getElementById("pending");
  var bar = document.getElementById("bar");
  var status = document.getElementById("status");
  var log = document.getElementById("log");
  var failed = document.getElementById("failed");
  var started = Date.now();
  var source = new EventSource(section.dataset.progressUrl);
  var timer = setInterval(function () {
    var s = Math.round((Date.now() - started) / 1000);
    section.dataset.elapsed = s;
    status.dataset.elapsed = s + " s";
  }, 1000);

  source.onmessage = function (message) {
    var event = JSON.parse(message.data);
    bar.value = event.progress;
    bar.textContent = event.progress + "%";
    status.textContent = event.message + " (" + Math.round((Date.now() - started) / 1000) + " s)";
    var item = document.createElement("li");
    item.textContent = event.message;
    log.appendChild(item);
    if (event.ready) {
      source.close();
      clearInterval(timer);
      window.location.href = section.dataset.next || event.url;
    } else if (event.failed) {
      source.close();
      clearInterval(timer);
      failed.textContent = event.message;
      failed.hidden = false;
    }
  };
  source.onerror = function () {
    if (source.readyState === EventSource.CLOSED) {
      status.textContent = "Lost the connection to the gateway; reload the page to follow again.";
    }
  };
})();
