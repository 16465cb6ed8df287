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

  // Logging out takes the account's offline copies (any module's Cache
  // Storage: the follow-ups' pages kept for a stairwell) off the phone, from
  // whichever page it is done: the next person to use the phone must not
  // find them. Queued records (IndexedDB) stay: each is sent only under the
  // account that made it.
  document.addEventListener("submit", function (e) {
    var f = e.target;
    if (f.getAttribute("action") !== "/logout" || !window.caches || f.hasAttribute("data-cleared")) return;
    e.preventDefault();
    var go = function () { f.setAttribute("data-cleared", ""); f.submit(); };
    caches.keys().then(function (keys) {
      return Promise.all(keys.map(function (k) { return caches.delete(k); }));
    }).then(go, go);
  }, true);

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

// --- cascading place picker and form dialogs (h-household) ---
// A picker ([data-cascade]) asks the server for its next level without
// leaving the page: the whole form is posted with _pick=1 (the server
// re-renders it and saves nothing) and only the parts marked
// data-cascade-part are swapped in, so every value typed elsewhere stays.
// Without script the picker's "选择" button does the same as a full page.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  var seq = 0;
  document.addEventListener("change", function (e) {
    var sel = e.target;
    if (!sel.matches || !sel.matches("[data-cascade] select") || sel.hasAttribute("data-cascade-stop")) return;
    var form = sel.form;
    if (!form || !window.fetch || !window.DOMParser) return;
    var body = new URLSearchParams(new FormData(form));
    body.set("_pick", "1");
    var mine = ++seq;
    form.setAttribute("aria-busy", "true");
    fetch(form.action, { method: "POST", body: body, credentials: "same-origin", headers: { "X-CSRF-Token": csrf } })
      .then(function (r) { return r.text(); })
      .then(function (html) {
        if (mine !== seq) return;
        var doc = new DOMParser().parseFromString(html, "text/html");
        form.querySelectorAll("[data-cascade-part]").forEach(function (old) {
          var fresh = old.id && doc.getElementById(old.id);
          if (fresh) old.replaceWith(document.importNode(fresh, true));
        });
        var again = form.querySelector('select[name="' + sel.name + '"]');
        if (again) again.focus();
      })
      .catch(function () {
        var b = form.querySelector('button[name="_pick"]');
        if (b) b.click();
      })
      .finally(function () { if (mine === seq) form.removeAttribute("aria-busy"); });
  });
})();

// --- phone registry (h-phone) ---
(function () {
  "use strict";
  // A choice that reloads the list (data-autosubmit) inside the folded filters
  // keeps them open on the next page.
  document.addEventListener("change", function (e) {
    var box = e.target.matches && e.target.matches("select[data-autosubmit]") && e.target.closest("details.filterbox");
    var keep = box && box.querySelector('input[name="fopen"]');
    if (keep) keep.disabled = false;
  }, true);

  // The server folds the filters for phones it recognises; a narrow window it
  // took for a desktop folds them here (unless a choice just reloaded the page).
  if (window.matchMedia && window.matchMedia("(max-width: 720px)").matches && !/[?&]fopen=1/.test(location.search)) {
    document.querySelectorAll("details.filterbox[open]").forEach(function (d) { d.open = false; });
  }

  // 加载更多: append the next page's rows in place (fragment=rows) instead of
  // going to it; without this the link simply opens the next page.
  document.addEventListener("click", function (e) {
    var a = e.target.closest && e.target.closest("a[data-load-more]");
    if (!a || e.defaultPrevented || e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey) return;
    var table = document.getElementById(a.getAttribute("data-load-more"));
    var body = table && table.tBodies[0];
    if (!body) return;
    e.preventDefault();
    if (a.getAttribute("aria-busy") === "true") return;
    a.setAttribute("aria-busy", "true");
    var url = new URL(a.href, location.href);
    url.searchParams.set("fragment", "rows");
    fetch(url.toString(), { credentials: "same-origin", headers: { "Accept": "text/html" } }).then(function (r) {
      if (!r.ok) throw new Error(r.status);
      return r.text();
    }).then(function (html) {
      var tpl = document.createElement("template");
      tpl.innerHTML = html;
      var rows = tpl.content.querySelectorAll("tbody > tr");
      var first = null;
      rows.forEach(function (tr) { body.appendChild(tr); first = first || tr; });
      var foot = tpl.content.querySelector("#load-more");
      var old = document.getElementById("load-more");
      if (foot && old) {
        // Rows are appended, so the foot needs no link back.
        var prev = foot.querySelector('a[rel="prev"]');
        if (prev) prev.remove();
        var oldPrev = old.querySelector('a[rel="prev"]');
        if (oldPrev) foot.insertBefore(oldPrev, foot.firstChild.nextSibling);
        old.replaceWith(foot);
      }
      var link = first && first.querySelector("a");
      if (link) link.focus({ preventScroll: true });
    }).catch(function () {
      location.href = a.href;
    });
  });
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
