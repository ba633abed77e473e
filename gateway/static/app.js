// Small helpers for the staff pages; everything works without them (forms post as usual).
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

  function rupiah(n) { return "Rp " + String(n).replace(/\B(?=(\d{3})+(?!\d))/g, "."); }

  function $(sel, root) { return (root || document).querySelector(sel); }
  function $$(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }

  // A live counter: what the citizen will read (prefix + text + hint), segments and cost.
  function watch(area) {
    var out = document.getElementById(area.getAttribute("data-counter"));
    if (!out) { return; }
    var prefix = area.getAttribute("data-prefix") || "";
    var suffix = area.getAttribute("data-suffix") || "";
    var when = area.getAttribute("data-suffix-when");
    var price = parseInt(area.getAttribute("data-price") || "0", 10);
    function update() {
      var toggle = when ? document.getElementById(when) : null;
      var full = prefix + area.value + (toggle && toggle.checked ? suffix : "");
      var n = segments(full);
      var text = full.length + " karakter" + (prefix ? " (termasuk awalan)" : "") + ", " + n +
        " segmen SMS" + (n > 1 ? " (lebih dari 1 segmen: biaya berlipat)" : "");
      if (price) {
        var count = parseInt(area.getAttribute("data-recipients") || "", 10);
        text += " · " + rupiah(n * price) + " per penerima";
        if (count >= 0) { text += " · perkiraan " + rupiah(n * price * count) + " untuk " + count + " penerima"; }
      }
      out.textContent = text;
      out.className = n > 1 ? "counter warn" : "counter";
    }
    area.addEventListener("input", update);
    area.addEventListener("recount", update);
    if (when && document.getElementById(when)) { document.getElementById(when).addEventListener("change", update); }
    update();
  }

  // Broadcast audience: checkbox lists with a search box, and the recipients counted live.
  function pickLists(form) {
    $$("[data-pick]", form).forEach(function (box) {
      var search = $(".pick-search", box);
      search.addEventListener("input", function () {
        var q = search.value.toLowerCase();
        $$("label.pick", box).forEach(function (label) {
          label.hidden = q && label.textContent.toLowerCase().indexOf(q) < 0;
        });
      });
    });
    var url = form.getAttribute("data-recipients-url");
    var area = $("textarea[data-counter]", form);
    var out = document.getElementById("audience");
    function count() {
      var params = new URLSearchParams();
      $$("input[type=checkbox]:checked", form).forEach(function (box) {
        if (box.name !== "undangan") { params.append(box.name, box.value); }
      });
      fetch(url + "?" + params.toString(), {credentials: "same-origin"})
        .then(function (r) { return r.ok ? r.json() : {recipients: 0}; })
        .then(function (data) {
          area.setAttribute("data-recipients", data.recipients);
          out.textContent = data.recipients + " penerima terpilih";
          area.dispatchEvent(new Event("recount"));
        }).catch(function () {});
    }
    form.addEventListener("change", function (e) { if (e.target.type === "checkbox") { count(); } });
    count();
  }

  // Delivery status follows Twilio's callbacks without reloading the page (and the forms).
  var FINAL = ["delivered", "read", "undelivered", "failed", "canceled"];

  function follow(list) {
    var url = list.getAttribute("data-delivery-url");
    var tries = 0;
    function pending() {
      return $$("[data-outbox-id]", list).some(function (m) {
        return FINAL.indexOf(m.getAttribute("data-status")) < 0;
      });
    }
    function poll() {
      if (!pending() || ++tries > 120) { return; }
      fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (response) { return response.ok ? response.json() : {}; })
        .then(function (rows) {
          $$("[data-outbox-id]", list).forEach(function (mark) {
            var row = rows[mark.getAttribute("data-outbox-id")];
            if (row) {
              mark.setAttribute("data-status", row.status);
              mark.textContent = row.label + (row.error_code ? " (kode " + row.error_code + ")" : "");
            }
          });
        })
        .catch(function () {})
        .then(function () { window.setTimeout(poll, 5000); });
    }
    window.setTimeout(poll, 3000);
  }

  // Status form: only the fields the chosen status needs, and the exact SMS, live.
  function statusForm(form) {
    var select = $("#status-select", form);
    var text = $("#sms-text", form);
    var parts = $("#sms-segments", form);
    var url = form.getAttribute("data-preview-url");
    function refresh() {
      var status = select.value;
      $$("[data-field]", form).forEach(function (box) {
        box.hidden = (status === "diteruskan" ? "opd" : status === "ditolak" ? "reason" : "") !==
          box.getAttribute("data-field");
      });
      if (!text) { return; }
      if (!status) { text.textContent = "Pilih status untuk melihat SMS-nya."; parts.textContent = ""; return; }
      var params = new URLSearchParams(new FormData(form));
      params.delete("csrf_token");
      fetch(url + "?" + params.toString(), {credentials: "same-origin"})
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data) { return; }
          text.textContent = data.text || "-";
          parts.textContent = data.segments ? data.segments + " segmen SMS" +
            (data.closing ? " · status ini menutup tiket" : "") : "";
        }).catch(function () {});
    }
    form.addEventListener("change", refresh);
    form.addEventListener("input", function (e) { if (e.target.name === "reason") { refresh(); } });
    refresh();
  }

  // "SMS dikirim pukul …": a countdown; the undo bar goes when the SMS has gone.
  function countdown(mark) {
    var at = Date.parse(mark.getAttribute("data-countdown"));
    function tick() {
      var left = Math.round((at - Date.now()) / 1000);
      if (left <= 0) {
        var bar = document.getElementById("undo-bar");
        if (bar) { bar.hidden = true; }
        return;
      }
      mark.textContent = "dalam " + left + " detik";
      window.setTimeout(tick, 1000);
    }
    tick();
  }

  // Bulk bar: the fields of the chosen action, how many rows are ticked, select all.
  function bulkBar(form) {
    var action = $("[data-bulk-action]", form);
    var counter = document.getElementById("selected-count");
    function fields() {
      $$("[data-for-action]", form).forEach(function (box) {
        box.hidden = box.getAttribute("data-for-action") !== action.value;
      });
    }
    function count() {
      var n = $$("input[name=tiket][form=bulk]:checked").length;
      counter.textContent = n ? n + " tiket dipilih" : "Centang tiket untuk aksi massal";
    }
    action.addEventListener("change", fields);
    document.addEventListener("change", function (e) { if (e.target.name === "tiket") { count(); } });
    var all = document.getElementById("select-all");
    if (all) {
      all.addEventListener("change", function () {
        $$("input[name=tiket][form=bulk]").forEach(function (box) { box.checked = all.checked; });
        count();
      });
    }
    fields();
  }

  // Canned replies: choosing one fills the reply box (the "Pakai" button does it without JS).
  function canned(select) {
    var target = document.getElementById(select.getAttribute("data-fill"));
    select.addEventListener("change", function () {
      var option = select.options[select.selectedIndex];
      if (option && option.getAttribute("data-body") && target) {
        target.value = option.getAttribute("data-body");
        target.dispatchEvent(new Event("input"));
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    $$("textarea[data-counter]").forEach(watch);
    $$("[data-delivery-url]").forEach(follow);
    $$("#status-form").forEach(statusForm);
    $$("[data-countdown]").forEach(countdown);
    $$("#bulk").forEach(bulkBar);
    $$("select[data-fill]").forEach(canned);
    $$("#broadcast-form").forEach(pickLists);
  });
})();
