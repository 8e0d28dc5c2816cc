/* Staff console: keyboard shortcuts and focus after htmx swaps.
   Every button also works by mouse, and the page works without this file. */
(function () {
  "use strict";

  function isTyping(target) {
    var tag = (target && target.tagName) || "";
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable;
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
    if (isTyping(event.target)) return;
    var panel = document.getElementById("console-panel");
    if (!panel) return;
    var key = (event.key || "").toLowerCase();
    var button = panel.querySelector('button[data-shortcut="' + key + '"]');
    if (!button || button.disabled) return;
    event.preventDefault();
    button.click();
  });

  // The button that was pressed is gone after the panel is replaced: put the
  // keyboard focus back on the panel's first usable action, not on <body>.
  document.body.addEventListener("htmx:afterSwap", function (event) {
    var panel = document.getElementById("console-panel");
    if (!panel || event.detail.target.id !== "console-panel") return;
    var next = panel.querySelector(".console-actions button:not([disabled])");
    if (next) next.focus({ preventScroll: true });
  });
})();
