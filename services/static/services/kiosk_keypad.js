/* Kiosk: an on-screen keypad under each input marked data-keypad, for a
   touch screen with no keyboard. data-keypad="digits" gives 0-9; any other
   value is the keys themselves (the booking code's alphabet). Re-run after
   htmx swaps a step in. */
(function () {
  "use strict";

  function press(input, key) {
    if (key === "back") {
      input.value = input.value.slice(0, -1);
    } else if (key === "clear") {
      input.value = "";
    } else {
      var max = parseInt(input.getAttribute("maxlength"), 10) || 40;
      if (input.value.length < max) input.value += key;
    }
    input.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function button(label, key, input, extraClass, name) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "kiosk-key" + (extraClass ? " " + extraClass : "");
    b.textContent = label;
    if (name) b.setAttribute("aria-label", name);
    b.addEventListener("click", function () {
      press(input, key);
    });
    return b;
  }

  function build(input) {
    if (input.dataset.keypadReady) return;
    input.dataset.keypadReady = "1";
    var spec = input.getAttribute("data-keypad");
    var keys = spec === "digits" ? "1234567890" : spec;
    var pad = document.createElement("div");
    pad.className = "kiosk-keypad" + (spec === "digits" ? " is-digits" : " is-letters");
    pad.setAttribute("role", "group");
    pad.setAttribute("aria-label", input.getAttribute("data-keypad-label") || "Keypad");
    keys.split("").forEach(function (key) {
      pad.appendChild(button(key, key, input));
    });
    pad.appendChild(button("⌫", "back", input, "is-action",
      input.getAttribute("data-keypad-back") || "Hapus satu"));
    pad.appendChild(button(input.getAttribute("data-keypad-clear-text") || "C", "clear", input,
      "is-action", input.getAttribute("data-keypad-clear") || "Hapus semua"));
    var help = input.parentNode.querySelector(".form-text");
    (help || input).insertAdjacentElement("afterend", pad);
  }

  function init(root) {
    (root || document).querySelectorAll("input[data-keypad]").forEach(build);
  }

  // An outerHTML swap replaces the step: look again in the whole page.
  document.body.addEventListener("htmx:afterSettle", function () {
    init(document);
  });
  init(document);
})();
