/*
 * streampulse player: the page's requests to the service, and who this viewer is
 * (window.StreampulseNet):
 *   - fetchWithTimeout, sleep;
 *   - nextBackoff: 1 s, doubling up to 10 s (a failed poll or configuration);
 *   - retryAfterMs: the wait a refusal (429/503 at capacity) asks for, with up to 25 % added;
 *   - loadViewerId: this browser profile's long-lived id (localStorage; the heartbeat's viewerId);
 *   - loadPlayTime/savePlayTime: the seconds played, kept across reloads of the tab
 *     (sessionStorage), as in the original demo.
 *
 * Plain script, no build step; loaded before player.js.
 */
(function () {
  'use strict';

  var STORAGE_PLAYER_ID = 'streampulse.playerId';
  var STORAGE_PLAY_TIME = 'streampulse.playTime';
  var PLAYER_ID_RE = /^[A-Za-z0-9_-]{1,64}$/;
  var BACKOFF_MIN_MS = 1000;
  var BACKOFF_MAX_MS = 10000;

  // ---------------------------------------------------------------- identity and storage

  function randomBase36(n) {
    var out = '';
    var bytes = new Uint8Array(n);
    if (window.crypto && window.crypto.getRandomValues) {
      window.crypto.getRandomValues(bytes);
    } else {
      for (var i = 0; i < n; i++) bytes[i] = Math.floor(Math.random() * 256);
    }
    for (var j = 0; j < n; j++) out += (bytes[j] % 36).toString(36);
    return out;
  }

  // One id per browser profile (localStorage), as the original demo's playerId was.
  function loadViewerId() {
    var id = null;
    try { id = window.localStorage.getItem(STORAGE_PLAYER_ID); } catch (e) { /* storage blocked */ }
    if (!id || !PLAYER_ID_RE.test(id)) {
      id = randomBase36(10);
      try { window.localStorage.setItem(STORAGE_PLAYER_ID, id); } catch (e) { /* keep it in memory */ }
    }
    return id;
  }

  // Play time survives reloads in the same tab (sessionStorage), as in the original demo.
  function loadPlayTime() {
    try {
      var v = parseFloat(window.sessionStorage.getItem(STORAGE_PLAY_TIME));
      return isFinite(v) && v >= 0 ? v : 0;
    } catch (e) {
      return 0;
    }
  }

  function savePlayTime(seconds) {
    try { window.sessionStorage.setItem(STORAGE_PLAY_TIME, String(seconds)); } catch (e) { /* ignore */ }
  }

  // ---------------------------------------------------------------- requests

  function sleep(ms) {
    return new Promise(function (resolve) { setTimeout(resolve, ms); });
  }

  function fetchWithTimeout(url, options, timeoutMs) {
    var controller = new AbortController();
    var timer = setTimeout(function () { controller.abort(); }, timeoutMs);
    var opts = Object.assign({}, options, { signal: controller.signal });
    return fetch(url, opts).finally(function () { clearTimeout(timer); });
  }

  function nextBackoff(previous) {
    return previous ? Math.min(previous * 2, BACKOFF_MAX_MS) : BACKOFF_MIN_MS;
  }

  // The wait a refusal asks for (Retry-After, seconds or an HTTP date: the service sends it
  // with 429 and 503 when it is at capacity), in ms with up to 25% added so that the pages it
  // refused together do not come back together; 0 when the answer asks for none.
  function retryAfterMs(res) {
    var v = res && res.headers ? res.headers.get('Retry-After') : null;
    if (!v) return 0;
    var seconds = Number(v);
    var ms = isFinite(seconds) ? seconds * 1000 : Date.parse(v) - Date.now();
    if (!isFinite(ms) || ms <= 0) return 0;
    ms = Math.min(ms, 60000);
    return Math.round(ms * (1 + Math.random() * 0.25));
  }

  window.StreampulseNet = {
    PLAYER_ID_RE: PLAYER_ID_RE,
    loadViewerId: loadViewerId,
    loadPlayTime: loadPlayTime,
    savePlayTime: savePlayTime,
    sleep: sleep,
    fetchWithTimeout: fetchWithTimeout,
    nextBackoff: nextBackoff,
    retryAfterMs: retryAfterMs
  };
})();
