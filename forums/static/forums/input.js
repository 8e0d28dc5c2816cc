// The public input form: choosing "anonim" empties and disables name and contact,
// so what the citizen typed is not sent (the server drops it anyway).
(function () {
  "use strict";
  var form = document.getElementById("form-masukan");
  if (!form) return;
  var anonymous = form.querySelector("[name=is_anonymous]");
  var fields = ["name", "contact"].map(function (name) {
    return form.querySelector("[name=" + name + "]");
  }).filter(Boolean);
  function sync() {
    fields.forEach(function (field) {
      if (anonymous.checked) field.value = "";
      field.disabled = anonymous.checked;
    });
  }
  if (anonymous) {
    anonymous.addEventListener("change", sync);
    sync();
  }
})();
