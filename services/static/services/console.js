/* Staff console: keyboard shortcuts and focus after htmx swaps.
   Every button also works by mouse, and the page works without this file. */
(function () {
  "use strict";

  // True from the moment a console action is sent until its new panel has
  // settled: a key pressed in between would hit a button htmx has not wired
  // up yet (a plain form post) or repeat the action.
  var busy = false;

  function isPanelEvent(event) {
    var target = event.detail && event.detail.target;
    return !!target && target.id === "console-panel";
  }

  function isTyping(target) {
    var tag = (target && target.tagName) || "";
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable;
  }

  document.addEventListener("keydown", function (event) {
    if (busy || event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
    if (isTyping(event.target)) return;
    var panel = document.getElementById("console-panel");
    if (!panel) return;
    var key = (event.key || "").toLowerCase();
    var button = panel.querySelector('button[data-shortcut="' + key + '"]');
    if (!button || button.disabled) return;
    event.preventDefault();
    button.click();
  });

  document.addEventListener("htmx:beforeRequest", function (event) {
    if (isPanelEvent(event)) busy = true;
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    // A refused request (403, network error) swaps nothing: no settle follows.
    if (isPanelEvent(event) && !event.detail.successful) busy = false;
  });

  // The button that was pressed is gone after the panel is replaced: put the
  // keyboard focus on the likely next action, not on <body>.
  document.addEventListener("htmx:afterSettle", function (event) {
    if (!isPanelEvent(event)) return;
    busy = false;
    var panel = document.getElementById("console-panel");
    if (!panel) return;
    var next =
      panel.querySelector(".console-actions button[data-next]:not([disabled])") ||
      panel.querySelector(".console-actions button:not([disabled])");
    if (next) next.focus({ preventScroll: true });
  });
})();
