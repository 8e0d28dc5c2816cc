/* MPP Portal: small progressive enhancements. Every page works without this file. */
(function () {
  "use strict";

  // Client-side filter for lists marked [data-filter-input]: the server-side
  // search (?q=) still works when JavaScript is off.
  function setupFilter(input) {
    var target = document.querySelector(input.getAttribute("data-filter-input"));
    if (!target) return;
    var status = document.getElementById(input.getAttribute("data-filter-status") || "");
    var items = target.querySelectorAll("[data-filter-text]");
    var groups = target.querySelectorAll("[data-filter-group]");
    var template = status ? status.getAttribute("data-template") || "{n}" : "";

    function apply() {
      var q = input.value.trim().toLowerCase();
      var shown = 0;
      items.forEach(function (el) {
        var hit = !q || el.getAttribute("data-filter-text").toLowerCase().indexOf(q) !== -1;
        el.hidden = !hit;
        if (hit) shown += 1;
      });
      groups.forEach(function (group) {
        group.hidden = !group.querySelector("[data-filter-text]:not([hidden])");
      });
      if (status) status.textContent = template.replace("{n}", shown);
    }

    input.addEventListener("input", apply);
    apply();
  }

  // Forms that remove something ask first: <form data-confirm="Hapus …?">.
  // Delegated on the document, so forms htmx swaps in later ask too.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-filter-input]").forEach(setupFilter);
    // Print buttons: no inline onclick, so the Content-Security-Policy can
    // forbid inline scripts everywhere.
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
  });
})();
