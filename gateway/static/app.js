// Small helpers for the staff pages; everything works without them.
(function () {
  "use strict";
  var BASIC = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
  var EXTENDED = "^{}\\[~]|€\f";

  function segments(text) {
    var septets = 0;
    for (var i = 0; i < text.length; i++) {
      var c = text.charAt(i);
      if (BASIC.indexOf(c) >= 0) { septets += 1; }
      else if (EXTENDED.indexOf(c) >= 0) { septets += 2; }
      else { septets = -1; break; }
    }
    if (septets < 0) { return text.length <= 70 ? 1 : Math.ceil(text.length / 67); }
    return septets <= 160 ? 1 : Math.ceil(septets / 153);
  }

  function watch(area) {
    var out = document.getElementById(area.getAttribute("data-counter"));
    if (!out) { return; }
    function update() {
      var n = segments(area.value);
      out.textContent = area.value.length + " karakter, " + n + " segmen SMS" +
        (n > 1 ? " (lebih dari 1 segmen: biaya berlipat)" : "");
      out.className = n > 1 ? "counter warn" : "counter";
    }
    area.addEventListener("input", update);
    update();
  }

  // Delivery status follows Twilio's callbacks without reloading the page (and the forms).
  var FINAL = ["delivered", "read", "undelivered", "failed", "canceled"];

  function follow(list) {
    var url = list.getAttribute("data-delivery-url");
    var tries = 0;
    function pending() {
      var marks = list.querySelectorAll("[data-outbox-id]");
      for (var i = 0; i < marks.length; i++) {
        if (FINAL.indexOf(marks[i].getAttribute("data-status")) < 0) { return true; }
      }
      return false;
    }
    function poll() {
      if (!pending() || ++tries > 120) { return; }
      fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (response) { return response.ok ? response.json() : {}; })
        .then(function (rows) {
          var marks = list.querySelectorAll("[data-outbox-id]");
          for (var i = 0; i < marks.length; i++) {
            var row = rows[marks[i].getAttribute("data-outbox-id")];
            if (row) {
              marks[i].setAttribute("data-status", row.status);
              marks[i].textContent = row.status + (row.error_code ? " (kode " + row.error_code + ")" : "");
            }
          }
        })
        .catch(function () {})
        .then(function () { window.setTimeout(poll, 5000); });
    }
    window.setTimeout(poll, 3000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var areas = document.querySelectorAll("textarea[data-counter]");
    for (var i = 0; i < areas.length; i++) { watch(areas[i]); }
    var lists = document.querySelectorAll("[data-delivery-url]");
    for (var j = 0; j < lists.length; j++) { follow(lists[j]); }
  });
})();
