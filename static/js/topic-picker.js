// Evidence that links topics: beside each evidence box, a list of the track's topics and a
// button that appends "#key" to the box. Without JavaScript, typing #key does the same; the
// list comes from a <template> on the page, so it costs no request.
(function () {
  "use strict";

  function addPickers(root) {
    var source = document.getElementById("topic-options");
    if (!source || !root.querySelectorAll) {
      return;
    }
    root.querySelectorAll("textarea[data-topic-picker]").forEach(function (area) {
      if (area.dataset.pickerReady) {
        return;
      }
      area.dataset.pickerReady = "1";
      var picker = document.createElement("div");
      picker.className = "topic-picker";
      var select = document.createElement("select");
      select.id = area.id + "-topic";
      select.setAttribute("aria-label", source.dataset.label);
      select.appendChild(source.content.cloneNode(true));
      var button = document.createElement("button");
      button.type = "button";
      button.className = "small secondary";
      button.textContent = source.dataset.button;
      // A button, not the select's change event: arrow keys move through the options.
      button.addEventListener("click", function () {
        if (!select.value) {
          select.focus();
          return;
        }
        var text = area.value;
        area.value = text + (text && !/\s$/.test(text) ? " " : "") + "#" + select.value;
        select.value = "";
        area.focus();
      });
      picker.appendChild(select);
      picker.appendChild(button);
      area.insertAdjacentElement("afterend", picker);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    addPickers(document);
  });
  // A behaviour saved with htmx comes back as new HTML.
  document.addEventListener("htmx:load", function (event) {
    addPickers(event.detail.elt);
  });
})();
