// Keyboard shortcuts for the topic panel. The keys are printed next to the controls they press
// (data-shortcut); htmx does the requests. Typing in a field never triggers a shortcut.
(function () {
  "use strict";

  function isTyping(element) {
    return Boolean(
      element.closest && element.closest("input, textarea, select, [contenteditable]")
    );
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) {
      return;
    }
    if (event.key.length !== 1 || isTyping(event.target)) {
      return;
    }
    var panel = document.querySelector(".topic-panel-body");
    if (!panel) {
      return;
    }
    var control = panel.querySelector('[data-shortcut="' + event.key.toLowerCase() + '"]');
    if (!control) {
      return;
    }
    event.preventDefault();
    if (control.matches("input, textarea")) {
      control.focus();
    } else {
      control.click();
    }
  });

  // A topic opened into the side panel takes the focus, so that keyboard and screen reader
  // users land on what they asked for (on a narrow screen the panel is far from the outline).
  document.addEventListener("htmx:afterSettle", function (event) {
    var panel = event.detail.target;
    if (!panel || panel.id !== "topic-panel" || panel.contains(document.activeElement)) {
      return; // htmx already kept the focus inside the panel (a shortcut was used)
    }
    var title = document.getElementById("topic-title");
    if (title) {
      title.focus();
    }
  });
})();
