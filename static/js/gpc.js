// Global Privacy Control read by a page script (GPC specification §4): tell the portal once per session.
// The server records it as an opt-out of marketing email and partner sharing; it never turns anything on.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || navigator.globalPrivacyControl !== true) {
    return;
  }
  fetch(script.dataset.url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "X-CSRFToken": script.dataset.csrf },
  })
    .then(function (response) {
      return response.ok ? response.json() : null;
    })
    .then(function (answer) {
      if (answer && answer.recorded.length && script.dataset.reload === "true") {
        window.location.reload();
      }
    })
    .catch(function () {
      // Offline or signed out meanwhile: the next page tries again.
    });
})();
