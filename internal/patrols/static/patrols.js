// Patrols: the running patrol's timer and, only when the worker consented at
// the start, the phone's track points (browser Geolocation), sent in batches.
(function () {
  var box = document.getElementById('patrol-running');
  if (!box) return;
  var started = Number(box.dataset.started);
  var timer = document.getElementById('timer');
  var cap = 4 * 60;
  function tick() {
    var m = Math.floor((Date.now() - started) / 60000);
    if (timer) timer.textContent = String(Math.max(0, Math.min(m, cap)));
  }
  tick();
  setInterval(tick, 15000);

  if (box.dataset.consent !== '1' || !navigator.geolocation) return;
  var id = box.dataset.id, csrf = box.dataset.csrf, queue = [], sending = false;
  function flush() {
    if (sending || queue.length === 0) return;
    var batch = queue.splice(0, 100);
    sending = true;
    fetch('/api/v1/patrols/' + id + '/points', {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
      body: JSON.stringify({ points: batch })
    }).then(function (r) {
      // A refusal (ended, no consent) is final; a network failure retries.
      if (r.status >= 500) queue = batch.concat(queue);
    }, function () { queue = batch.concat(queue); }).then(function () { sending = false; });
  }
  var last = 0;
  navigator.geolocation.watchPosition(function (pos) {
    if (pos.timestamp - last < 30000) return; // one point per half minute
    last = pos.timestamp;
    queue.push({ at: Math.round(pos.timestamp), lat: pos.coords.latitude, lng: pos.coords.longitude, accuracy_m: pos.coords.accuracy || 0 });
    if (queue.length >= 5) flush();
  }, function () {}, { enableHighAccuracy: true, maximumAge: 30000, timeout: 60000 });
  setInterval(flush, 60000);
  window.addEventListener('pagehide', flush);
  document.querySelectorAll('#end-form, #report-finding').forEach(function (el) {
    el.addEventListener(el.tagName === 'FORM' ? 'submit' : 'click', flush);
  });
})();
