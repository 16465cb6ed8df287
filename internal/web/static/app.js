// Linli: small progressive enhancements. Every page works without this file.
(function () {
  "use strict";
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  document.addEventListener("click", function (e) {
    var t = e.target.closest("[data-toggle]");
    if (t) {
      var el = document.getElementById(t.getAttribute("data-toggle"));
      if (el) el.classList.toggle("open");
    }
    var c = e.target.closest("[data-confirm]");
    if (c && !window.confirm(c.getAttribute("data-confirm"))) {
      e.preventDefault();
    }
    var p = e.target.closest("[data-print]");
    if (p) {
      e.preventDefault();
      window.print();
    }
  });

  // Selects marked data-autosubmit submit their form on change (filters).
  document.addEventListener("change", function (e) {
    if (e.target.matches("select[data-autosubmit]") && e.target.form) e.target.form.submit();
    // A checkbox data-check-all="NAME" ticks or clears its form's NAME boxes.
    var all = e.target.getAttribute && e.target.getAttribute("data-check-all");
    if (all && e.target.form) {
      e.target.form.querySelectorAll('input[type=checkbox][name="' + all + '"]').forEach(function (c) { c.checked = e.target.checked; });
    }
  });

  // Double submissions from a slow network on a phone are a common source of
  // duplicate records: a submitted form's buttons are disabled until the page changes.
  document.addEventListener("submit", function (e) {
    var f = e.target;
    if (f.method && f.method.toLowerCase() === "post") {
      setTimeout(function () {
        f.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
      }, 0);
    }
  });

  // linli.fetchJSON sends the CSRF token with same-origin API calls.
  window.linli = {
    fetchJSON: function (url, opts) {
      opts = opts || {};
      opts.headers = Object.assign({ "X-CSRF-Token": csrf, "Accept": "application/json" }, opts.headers || {});
      opts.credentials = "same-origin";
      return fetch(url, opts).then(function (r) { return r.json(); });
    }
  };
})();
