/* Kiosk: go back to the first step after a visitor walks away, and keep focus on the step. */
(function () {
  "use strict";

  var root = document.querySelector("[data-kiosk-start]");
  if (!root) return;
  var startUrl = root.getAttribute("data-kiosk-start");
  var idleMs = (parseInt(root.getAttribute("data-idle-seconds"), 10) || 30) * 1000;
  var timer = null;

  function currentStep() {
    var step = document.getElementById("kiosk-step");
    return step ? step.getAttribute("data-step") : "1";
  }

  function restart() {
    clearTimeout(timer);
    // The next visitor must not find the previous one's choices or number.
    var onStart = currentStep() === "1" && !document.querySelector(".kiosk-alert");
    timer = setTimeout(function () {
      // The next visitor starts in Indonesian whatever the last one chose.
      var lang = document.documentElement.getAttribute("lang");
      var form = document.querySelector(".kiosk-language form");
      var indonesian = form && form.querySelector('button[value="id"]');
      if (lang && lang !== "id" && indonesian) {
        form.querySelector("input[name=next]").value = startUrl;
        indonesian.click();
        return;
      }
      if (onStart) return;
      window.location.assign(startUrl);
    }, idleMs);
  }

  ["pointerdown", "keydown", "input", "touchstart"].forEach(function (name) {
    document.addEventListener(name, restart, { passive: true });
  });

  // After htmx swaps a step in, move focus to its question so a screen
  // reader announces the new step and the keyboard starts from there.
  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "kiosk-step") {
      var heading = document.getElementById("kiosk-step-title");
      if (heading) heading.focus({ preventScroll: false });
    }
    restart();
  });

  // Double taps on a slow printer queue must not issue two tickets.
  document.addEventListener("submit", function (event) {
    var button = event.target.querySelector("button[type=submit]");
    if (button) {
      if (button.dataset.sent) { event.preventDefault(); return; }
      button.dataset.sent = "1";
    }
  });

  restart();
})();
