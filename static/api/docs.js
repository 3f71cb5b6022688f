/* Start Swagger UI on /api/docs/ with the schema of this site (no inline script: the CSP forbids it). */
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  // The CSRF cookie is HttpOnly: the page carries the token for "Try it out" with the session.
  var csrf = root.getAttribute("data-csrf-token") || "";
  window.ui = window.SwaggerUIBundle({
    url: root.getAttribute("data-schema-url"),
    domNode: root,
    deepLinking: true,
    persistAuthorization: false,
    displayRequestDuration: true,
    defaultModelsExpandDepth: 0,
    // "Try it out" from a signed-in browser: the session needs Django's CSRF header for writes.
    requestInterceptor: function (request) {
      if (csrf && !/^(GET|HEAD|OPTIONS)$/i.test(request.method || "GET")) {
        request.headers["X-CSRFToken"] = csrf;
      }
      return request;
    },
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout"
  });
})();
