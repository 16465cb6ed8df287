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

// --- case-type categories table (h-admin): 添加一行 and 删除此行 in place;
// without JavaScript the same buttons have the server draw the table again.
(function () {
  function renumber(body) {
    body.querySelectorAll("tr.category-row").forEach(function (r, i) {
      r.setAttribute("data-row", i + 1);
      r.cells[0].textContent = i + 1;
      var rm = r.querySelector("button[name=remove]");
      if (rm) rm.value = i + 1;
    });
  }
  document.addEventListener("click", function (e) {
    var b = e.target.closest && e.target.closest("#category-add, #category-rows button[name=remove]");
    var body = document.querySelector("#category-rows tbody");
    if (!b || !body) return;
    if (b.id === "category-add") {
      var rows = body.querySelectorAll("tr.category-row");
      if (!rows.length) return; // nothing to copy: let the server add it
      e.preventDefault();
      var row = rows[rows.length - 1].cloneNode(true);
      row.classList.remove("has-error");
      row.querySelectorAll("input").forEach(function (i) { i.value = ""; i.removeAttribute("aria-invalid"); });
      row.querySelectorAll("select").forEach(function (s) { s.selectedIndex = 0; });
      body.appendChild(row);
      renumber(body);
      row.querySelector("input").focus();
    } else {
      e.preventDefault();
      var tr = b.closest("tr");
      var next = tr.nextElementSibling;
      if (next && next.classList.contains("row-errors")) next.remove();
      tr.remove();
      renumber(body);
    }
  });
})();
