// Starts Swagger UI on the API's /docs page (legame/api/docs.py) over the server's own
// OpenAPI document, named by the container's data-openapi attribute. The online validator
// is off: the page sends nothing to another host.
"use strict";
window.addEventListener("DOMContentLoaded", function () {
  var container = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: container.getAttribute("data-openapi"),
    dom_id: "#swagger-ui",
    validatorUrl: null,
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
});
