/* Ticket page: print on arrival from the kiosk (?print=1), then hand the kiosk to the next visitor. */
(function () {
  "use strict";

  var body = document.body;
  var returnUrl = body.getAttribute("data-return-url");
  var returned = false;

  function goBack() {
    if (returned || !returnUrl) return;
    returned = true;
    window.location.replace(returnUrl);
  }

  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });

  if (body.getAttribute("data-auto-print") === "1") {
    window.addEventListener("afterprint", function () { setTimeout(goBack, 1500); });
    window.addEventListener("load", function () {
      window.print();
      // Without a print dialog (kiosk printing) afterprint may never come.
      setTimeout(goBack, 15000);
    });
  }
})();
