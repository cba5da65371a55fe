/* The API page: swagger-ui over the tenant's openapi.json, sending the session's CSRF token. */
(function () {
  "use strict";
  var node = document.getElementById("xt-api-docs");
  if (!node || !window.SwaggerUIBundle) return;
  window.SwaggerUIBundle({
    url: node.getAttribute("data-spec-url"),
    domNode: node,
    deepLinking: true,
    tryItOutEnabled: false,
    requestInterceptor: function (request) {
      request.headers["X-CSRF-Token"] = node.getAttribute("data-csrf");
      return request;
    }
  });
})();
