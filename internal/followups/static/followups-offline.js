// Linli follow-ups on a phone without signal. The due list registers the
// service worker (sw.js) and has it keep the list, its duties and their record
// forms; a record form is sent as JSON to the pinned API with its photos
// resized on the phone, and kept in IndexedDB when there is no network, to be
// sent (each exactly once: its idempotency key) when there is. Refused records
// stay, with the server's message, until the worker deletes them. Without
// this script the plain multipart form works as ever.
(function () {
  'use strict';
  var root = document.getElementById('fu-offline');
  if (!root) {
    return;
  }
  var user = root.getAttribute('data-user') || '';
  var msg = function (name, n) {
    var s = root.getAttribute('data-msg-' + name) || '';
    return n === undefined ? s : s.replace('{n}', String(n));
  };
  var cached = document.body.getAttribute('data-fu-cached') === '1';
  var MAX_SIDE = 1600;
  var QUALITY = 0.8;

  // ---- the queue (IndexedDB) ----

  var dbp = null;
  function db() {
    if (!dbp) {
      dbp = new Promise(function (resolve, reject) {
        var req = indexedDB.open('linli-followups', 1);
        req.onupgradeneeded = function () {
          req.result.createObjectStore('queue', { keyPath: 'key' });
        };
        req.onsuccess = function () { resolve(req.result); };
        req.onerror = function () { reject(req.error); };
      });
    }
    return dbp;
  }
  function store(mode, fn) {
    return db().then(function (d) {
      return new Promise(function (resolve, reject) {
        var tx = d.transaction('queue', mode);
        var out = fn(tx.objectStore('queue'));
        tx.oncomplete = function () { resolve(out && out.result !== undefined ? out.result : undefined); };
        tx.onerror = function () { reject(tx.error); };
        tx.onabort = function () { reject(tx.error); };
      });
    });
  }
  function mine() {
    return store('readonly', function (s) { return s.getAll(); }).then(function (all) {
      return (all || []).filter(function (it) { return it.user === user; })
        .sort(function (a, b) { return a.created - b.created; });
    });
  }
  function putItem(it) { return store('readwrite', function (s) { s.put(it); }); }
  function delItem(key) { return store('readwrite', function (s) { s.delete(key); }); }

  // Keys already sent or queued: a cached form reused gets a fresh one.
  function usedKeys() {
    try { return JSON.parse(localStorage.getItem('fu-used-keys') || '[]'); } catch (e) { return []; }
  }
  function markUsed(key) {
    var keys = usedKeys();
    keys.push(key);
    localStorage.setItem('fu-used-keys', JSON.stringify(keys.slice(-200)));
  }
  function freshKey() {
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    return 'phone-' + Array.prototype.map.call(b, function (x) { return ('0' + x.toString(16)).slice(-2); }).join('');
  }

  // ---- sending ----

  function csrf() {
    var m = document.querySelector('meta[name="csrf-token"]');
    return m ? m.getAttribute('content') : '';
  }
  // post sends a record, giving up after a minute: a request stalled on a
  // weak signal must not hold the queue (it is sent again, once: its key).
  function post(it) {
    var ctl = window.AbortController ? new AbortController() : null;
    var timer = ctl ? setTimeout(function () { ctl.abort(); }, 60000) : 0;
    return fetch('/api/v1/followups/records', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'Idempotency-Key': it.key, 'X-CSRF-Token': csrf() },
      body: JSON.stringify(it.body),
      signal: ctl ? ctl.signal : undefined
    }).then(function (r) { clearTimeout(timer); return r; }, function (e) { clearTimeout(timer); throw e; });
  }
  // errorText is the server's Chinese message of a refusal, with its fields'.
  function errorText(r) {
    return r.json().then(function (j) {
      var e = (j && j.error) || {};
      var parts = (e.fields || []).map(function (f) { return f.message; }).filter(Boolean);
      return parts.length ? parts.join('；') : (e.message || String(r.status));
    }, function () { return String(r.status); });
  }
  // A refusal to keep and show, rather than to retry: the duty ended (409),
  // the record is wrong (422), the duty is not the worker's (404, 403).
  function refusal(r) {
    return r.status === 409 || r.status === 422 || r.status === 404 || r.status === 403 || r.status === 400;
  }

  // syncing: when this page's send of the queue began (0: not sending). A
  // send older than two minutes is taken as lost (each post gives up after
  // one), so nothing can hold the queue for good.
  var syncing = 0;
  function syncNow() {
    if ((syncing && Date.now() - syncing < 120000) || !navigator.onLine || !user) {
      return Promise.resolve();
    }
    var began = Date.now();
    syncing = began;
    var done = function () {
      if (syncing === began) {
        syncing = 0;
      }
    };
    return mine().then(function (items) {
      var todo = items.filter(function (it) { return it.state !== 'refused'; });
      var next = function (i) {
        if (i >= todo.length) {
          return null;
        }
        var it = todo[i];
        return post(it).then(function (r) {
          if (r.status === 200 || r.status === 201) {
            return delItem(it.key).then(function () { return next(i + 1); });
          }
          if (r.status === 403) {
            // A stale page's token is no refusal of the record.
            return r.clone().json().then(function (j) {
              if (j && j.error && j.error.code === 'csrf') {
                return null;
              }
              return errorText(r).then(function (t) {
                it.state = 'refused';
                it.message = t;
                return putItem(it).then(function () { return next(i + 1); });
              });
            }, function () { return null; });
          }
          if (refusal(r)) {
            return errorText(r).then(function (t) {
              it.state = 'refused';
              it.message = t;
              return putItem(it).then(function () { return next(i + 1); });
            });
          }
          return null; // 401, 5xx: later, in order
        }, function () { failed = true; return null; }); // no network: later
      };
      var failed = false;
      return next(0).then(function () {
        if (failed && navigator.onLine) {
          // The signal is back but weak, or only just back: soon again,
          // then less often.
          retryDelay = Math.min(retryDelay ? retryDelay * 2 : 2000, 30000);
          setTimeout(sync, retryDelay);
        } else {
          retryDelay = 0;
        }
      });
    }).then(function () { done(); return render(); }, done);
  }
  var retryDelay = 0;
  // sync sends the queue. Tabs do not wait for each other (no lock: a lock
  // kept by a frozen or dying page stopped every other tab's queue); two tabs
  // sending one record at once make it once, by its idempotency key.
  function sync() {
    return syncNow();
  }

  // ---- the queue on the page ----

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }
  function render() {
    return mine().then(function (items) {
      var waiting = items.filter(function (it) { return it.state !== 'refused'; });
      var refused = items.filter(function (it) { return it.state === 'refused'; });
      var pending = document.getElementById('fu-pending');
      pending.textContent = msg('pending', waiting.length);
      pending.hidden = waiting.length === 0;
      root.setAttribute('data-pending', String(waiting.length));
      var box = document.getElementById('fu-refused');
      box.hidden = refused.length === 0;
      var list = box.querySelector('ul');
      list.textContent = '';
      refused.forEach(function (it) {
        var li = el('li');
        li.appendChild(el('b', '', it.subject));
        li.appendChild(el('div', 'meta', it.summary));
        li.appendChild(el('div', 'ferr', it.message));
        var acts = el('div', 'fu-q-acts');
        var open = el('a', 'button', msg('open'));
        open.href = '/followups/duties/' + it.duty;
        var del = el('button', 'button', msg('delete'));
        del.type = 'button';
        del.addEventListener('click', function () {
          if (window.confirm(msg('delete-confirm'))) {
            delItem(it.key).then(render);
          }
        });
        acts.appendChild(open);
        acts.appendChild(del);
        li.appendChild(acts);
        list.appendChild(li);
      });
      root.hidden = items.length === 0 && !cached;
    });
  }

  // ---- the record form ----

  function resize(file) {
    return new Promise(function (resolve) {
      var url = URL.createObjectURL(file);
      var img = new Image();
      img.onload = function () {
        var s = Math.min(1, MAX_SIDE / Math.max(img.naturalWidth, img.naturalHeight));
        var c = document.createElement('canvas');
        c.width = Math.max(1, Math.round(img.naturalWidth * s));
        c.height = Math.max(1, Math.round(img.naturalHeight * s));
        c.getContext('2d').drawImage(img, 0, 0, c.width, c.height);
        URL.revokeObjectURL(url);
        c.toBlob(function (b) { resolve(b || file); }, 'image/jpeg', QUALITY);
      };
      // Not a picture the phone can draw: sent as it is, for the server
      // to name.
      img.onerror = function () { URL.revokeObjectURL(url); resolve(file); };
      img.src = url;
    });
  }
  function base64(blob) {
    return new Promise(function (resolve, reject) {
      var r = new FileReader();
      r.onload = function () { resolve(String(r.result).replace(/^data:[^,]*,/, '')); };
      r.onerror = function () { reject(r.error); };
      r.readAsDataURL(blob);
    });
  }
  function pad(n) { return (n < 10 ? '0' : '') + n; }
  function localMinute(d) {
    return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + 'T' + pad(d.getHours()) + ':' + pad(d.getMinutes());
  }

  // findings reads an inspection's checklist answers and a screening's
  // 是否发现问题 (the 零报告 button is the submitter) as the record API takes them.
  function findings(form, submitter, body) {
    var items = [];
    Array.prototype.forEach.call(form.querySelectorAll('input[type="radio"][name^="item_"]:checked'), function (e) {
      var seq = Number(e.name.slice(5));
      var note = form.elements['item_note_' + seq];
      items.push({ seq: seq, result: e.value, note: note ? note.value : '' });
    });
    body.items = items;
    var found = '';
    if (submitter && submitter.name === 'found') {
      found = submitter.value;
    } else {
      var f = form.querySelector('input[name="found"]:checked');
      found = f ? f.value : '';
    }
    if (found) {
      body.found = found;
    }
    body.matters = Array.prototype.map.call(form.querySelectorAll('input[name="matter"]'), function (e) { return e.value.trim(); })
      .filter(Boolean);
    if (found === 'none' && !body.way) {
      body.way = 'onsite'; // 零报告 is one tap, made where the worker is
    }
  }

  function build(form, submitter) {
    var val = function (name) { var e = form.elements[name]; return e ? e.value : ''; };
    var way = form.querySelector('input[name="way"]:checked');
    var fields = {};
    Array.prototype.forEach.call(form.querySelectorAll('input[name^="field_"]'), function (e) {
      fields[e.name.slice(6)] = e.value;
    });
    var at = val('happened_at');
    var body = {
      duty_id: Number(form.getAttribute('data-duty')),
      way: way ? way.value : '',
      happened_at: at ? (at.length === 16 ? at + ':00' : at) + '+08:00' : '',
      met: val('met'), note: val('note'), needs: val('needs'), fields: fields, photos: []
    };
    findings(form, submitter, body);
    var files = Array.prototype.slice.call((form.elements.photos && form.elements.photos.files) || []);
    var wayLabel = way && way.parentNode ? way.parentNode.textContent.trim() : '';
    var summary = [at.replace('T', ' '), wayLabel, body.note].filter(Boolean).join(' · ');
    if (files.length) {
      summary += ' · ' + msg('photos', files.length);
    }
    return files.reduce(function (p, f) {
      return p.then(function () {
        return resize(f).then(base64).then(function (data) { body.photos.push({ name: f.name, data: data }); });
      });
    }, Promise.resolve()).then(function () {
      return { key: val('key'), user: user, duty: body.duty_id, subject: form.getAttribute('data-subject') || '',
        summary: summary, body: body, state: 'queued', message: '', created: Date.now() };
    });
  }

  function showErrors(form, text) {
    var box = form.querySelector('.fu-send-err');
    if (!box) {
      box = el('div', 'errors fu-send-err');
      box.setAttribute('role', 'alert');
      form.insertBefore(box, form.firstChild);
    }
    box.textContent = text;
    box.scrollIntoView();
  }

  function leave(flash) {
    sessionStorage.setItem('fu-flash', flash);
    location.href = '/followups';
  }

  function queue(it) {
    markUsed(it.key);
    return putItem(it).then(function () { leave(msg('queued')); });
  }

  function onSubmit(ev) {
    var form = ev.target;
    var submitter = ev.submitter || null;
    var novalidate = submitter && submitter.formNoValidate;
    if (!window.indexedDB || !window.fetch || (!novalidate && !form.reportValidity())) {
      return; // the plain form
    }
    ev.preventDefault();
    var button = submitter || form.querySelector('button[type="submit"]');
    if (button.disabled) {
      return;
    }
    button.disabled = true;
    build(form, submitter).then(function (it) {
      if (!navigator.onLine) {
        return queue(it);
      }
      return post(it).then(function (r) {
        if (r.status === 200 || r.status === 201) {
          markUsed(it.key);
          return leave(msg('recorded'));
        }
        if (r.status >= 500) {
          return queue(it);
        }
        if (r.status === 401) {
          return queue(it);
        }
        return errorText(r).then(function (t) { showErrors(form, t); button.disabled = false; });
      }, function () { return queue(it); });
    }).catch(function () {
      button.disabled = false;
      showErrors(form, msg('failed'));
    });
  }

  var form = document.getElementById('record-form');
  if (form) {
    var key = form.elements.key;
    if (key && (cached || usedKeys().indexOf(key.value) >= 0)) {
      // The same cached form filled in again is another record.
      key.value = freshKey();
    }
    if (cached && form.elements.happened_at) {
      form.elements.happened_at.value = localMinute(new Date());
    }
    form.addEventListener('submit', onSubmit);
  }

  // ---- the page ----

  var flash = sessionStorage.getItem('fu-flash');
  if (flash) {
    sessionStorage.removeItem('fu-flash');
    var main = document.querySelector('main');
    if (main && !main.querySelector('.flash')) {
      var f = el('div', 'flash', flash);
      f.setAttribute('role', 'status');
      main.insertBefore(f, main.firstChild);
    }
  }
  if (cached) {
    var banner = document.getElementById('fu-banner');
    banner.textContent = msg('offline');
    banner.hidden = false;
  }

  if ('serviceWorker' in navigator && user) {
    navigator.serviceWorker.addEventListener('message', function (e) {
      if (e.data && e.data.type === 'precached') {
        document.documentElement.setAttribute('data-fu-precached', String(e.data.n));
      }
    });
    navigator.serviceWorker.register('/followups/sw.js', { scope: '/followups' }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (reg) {
      if (cached || !reg.active) {
        return;
      }
      if (document.getElementById('duties') && root.getAttribute('data-page') === 'due') {
        var urls = [location.pathname + location.search, '/followups'];
        Array.prototype.forEach.call(document.querySelectorAll('#duties a.fu-row'), function (a) {
          var p = a.getAttribute('href');
          urls.push(p, p + '/record');
        });
        reg.active.postMessage({ type: 'precache', user: user, urls: urls });
      } else {
        reg.active.postMessage({ type: 'user', user: user });
      }
    }).catch(function () { /* no worker: pages need the network */ });
  }

  render().then(sync);
  window.addEventListener('online', sync);
  // A page shown again from the browser's back-forward cache runs no script
  // from the top: look at the queue then too.
  window.addEventListener('pageshow', function (ev) {
    if (ev.persisted) {
      render().then(sync);
    }
  });
  setInterval(sync, 30000);
  // Some phones miss the online event: the signal coming back is also seen
  // by looking.
  var wasOnline = navigator.onLine;
  setInterval(function () {
    if (navigator.onLine && !wasOnline) {
      sync();
    }
    wasOnline = navigator.onLine;
  }, 3000);
})();
