// When an htmx request fails (the server answered with an error, or the connection dropped),
// say so in the page's alert region. htmx swaps nothing on failure, so whatever the user typed
// stays in its field. The messages come translated from the region's data attributes.
(function () {
  "use strict";
  const region = document.getElementById("request-error");
  if (!region) return;

  function show(message) {
    region.textContent = message;
  }

  document.body.addEventListener("htmx:beforeRequest", function () {
    region.textContent = "";
  });
  document.body.addEventListener("htmx:responseError", function (event) {
    const status = event.detail.xhr ? event.detail.xhr.status : 0;
    if (status === 429) show(region.dataset.tooMany);
    else if (status >= 400 && status < 500) show(region.dataset.refused);
    else show(region.dataset.serverError);
  });
  document.body.addEventListener("htmx:sendError", function () {
    show(region.dataset.networkError);
  });
  document.body.addEventListener("htmx:timeout", function () {
    show(region.dataset.networkError);
  });
})();
