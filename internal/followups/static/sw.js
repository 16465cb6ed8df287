// Linli follow-ups service worker (scope /followups/): keeps the grid worker's
// due list, the duties on it and their record forms on the phone, so that
// they open in a stairwell without signal. Navigations are network first with
// a short timeout; the cache is the last copy. The cache belongs to one
// account: the pages tell the worker whose they are, and another account's
// (or a logout) empties it. Records themselves are queued by the pages
// (followups-offline.js), not here.
'use strict';

const CACHE = 'linli-followups';
const USER_KEY = '/followups/__user';
const TIMEOUT_MS = 3500;
// What the cached pages use, fetched through this worker.
const ASSETS = ['/static/app.css', '/static/app.js', '/followups/assets/followups.css', '/followups/assets/followups-offline.js'];

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (e) => e.waitUntil(self.clients.claim()));

async function cachedUser() {
  const c = await caches.open(CACHE);
  const r = await c.match(USER_KEY);
  return r ? r.text() : '';
}

// forUser opens the cache of user, emptying it first when it held another
// account's pages.
async function forUser(user) {
  if ((await cachedUser()) !== user) {
    await caches.delete(CACHE);
  }
  const c = await caches.open(CACHE);
  await c.put(USER_KEY, new Response(user));
  return c;
}

// keyOf is the cache key of a page: its path and query, nothing else.
function keyOf(url) {
  const u = new URL(url, self.location.origin);
  return u.pathname + u.search;
}

async function precache(user, urls) {
  const c = await forUser(user);
  let n = 0;
  for (const u of urls.concat(ASSETS)) {
    try {
      const r = await fetch(u, { credentials: 'same-origin', redirect: 'manual' });
      if (r.status === 200 && r.type === 'basic') {
        await c.put(keyOf(u), r);
        n++;
      }
    } catch (_) {
      // Offline already: keep what is there.
    }
  }
  return n;
}

self.addEventListener('message', (e) => {
  const m = e.data || {};
  const reply = (msg) => e.source && e.source.postMessage(msg);
  if (m.type === 'user') {
    e.waitUntil(forUser(String(m.user)).then(() => reply({ type: 'user-ok' })));
  } else if (m.type === 'precache') {
    e.waitUntil(precache(String(m.user), m.urls || []).then((n) => reply({ type: 'precached', n: n })));
  } else if (m.type === 'clear') {
    e.waitUntil(caches.delete(CACHE).then(() => reply({ type: 'cleared' })));
  }
});

function timeout(p, ms) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('timeout')), ms);
    p.then((v) => { clearTimeout(t); resolve(v); }, (err) => { clearTimeout(t); reject(err); });
  });
}

// fromCache marks a cached page so that its script shows the 离线 banner.
async function fromCache(r) {
  const html = (await r.text()).replace('<body>', '<body data-fu-cached="1">');
  const h = new Headers(r.headers);
  h.delete('Content-Length');
  return new Response(html, { status: 200, headers: h });
}

async function page(req) {
  const key = keyOf(req.url);
  try {
    const r = await timeout(fetch(req), TIMEOUT_MS);
    if (r.status >= 500) {
      // A proxy or server in trouble: the last copy serves better.
      const hit = await (await caches.open(CACHE)).match(key);
      if (hit) {
        return fromCache(hit);
      }
    }
    if (r.status === 200 && r.type === 'basic' && (await cachedUser()) !== '') {
      const c = await caches.open(CACHE);
      await c.put(key, r.clone());
    } else if (r.type === 'opaqueredirect') {
      // A follow-up page that sends to the login: the session is over, and
      // its pages go with it.
      await caches.delete(CACHE);
    }
    return r;
  } catch (err) {
    const c = await caches.open(CACHE);
    const hit = await c.match(key);
    if (hit) {
      return fromCache(hit);
    }
    throw err;
  }
}

async function asset(req) {
  const c = await caches.open(CACHE);
  try {
    const r = await timeout(fetch(req), TIMEOUT_MS);
    if (r.status === 200 && r.type === 'basic') {
      await c.put(keyOf(req.url), r.clone());
    }
    return r;
  } catch (err) {
    const hit = await c.match(keyOf(req.url));
    if (hit) {
      return hit;
    }
    throw err;
  }
}

self.addEventListener('fetch', (e) => {
  const req = e.request;
  if (req.method !== 'GET') {
    return;
  }
  const url = new URL(req.url);
  if (url.origin !== self.location.origin) {
    return;
  }
  if (req.mode === 'navigate' && (url.pathname === '/followups' || url.pathname.startsWith('/followups/'))) {
    e.respondWith(page(req));
  } else if (ASSETS.includes(url.pathname)) {
    e.respondWith(asset(req));
  }
});
