/* Complaint pages: counters, the anonymous switch and the copy button.
   Every form still works without this file. */
(function () {
  "use strict";

  function setupCounter(field) {
    var max = parseInt(field.getAttribute("data-counter"), 10);
    var help = document.getElementById(field.id + "_helptext");
    if (!max || !help) return;
    var counter = document.createElement("span");
    counter.className = "char-counter";
    help.appendChild(counter);
    function update() {
      var n = field.value.length;
      counter.textContent = n + "/" + max;
      counter.classList.toggle("over", n > max);
    }
    field.addEventListener("input", update);
    update();
  }

  function setupAnonymous(form) {
    var box = form.querySelector("#id_is_anonymous");
    var contact = form.querySelector("[data-contact]");
    if (!box || !contact) return;
    var note = contact.querySelector("[data-anonymous-note]");
    function update() {
      contact.querySelectorAll("input").forEach(function (input) {
        input.disabled = box.checked;
      });
      if (note) note.hidden = !box.checked;
    }
    box.addEventListener("change", update);
    update();
  }

  function setupCopy(button) {
    var target = document.querySelector(button.getAttribute("data-copy-target"));
    var status = document.getElementById("copy-status");
    if (!target) return;
    button.addEventListener("click", function () {
      target.select();
      var done = function () {
        if (status) status.textContent = button.getAttribute("data-copied");
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(target.value).then(done, function () {
          document.execCommand("copy");
          done();
        });
      } else {
        document.execCommand("copy");
        done();
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-counter]").forEach(setupCounter);
    document.querySelectorAll("[data-complaint-form]").forEach(setupAnonymous);
    document.querySelectorAll("[data-copy-target]").forEach(setupCopy);
    var summary = document.getElementById("ringkasan-galat");
    if (summary) summary.focus();
  });
})();
