/*
 * streampulse dashboard: what the dashboard's scripts share (window.StreampulseDashboardCommon):
 * number, duration and time formats, agent names as sent, in-place text updates, the page's
 * stream (?stream=<id>) and JSON fetches with a timeout.
 *
 * Plain script, no build step; loaded before the other dashboard-*.js and dashboard.js.
 */
(function () {
  'use strict';

  var FETCH_TIMEOUT_MS = 5000;

  var $ = function (id) { return document.getElementById(id); };

  // The stream this page shows (?stream=<id>); null: every stream together.
  var STREAM = new URLSearchParams(window.location.search).get('stream');
  function forStream(path) {
    return STREAM === null ? path : path + '?stream=' + encodeURIComponent(STREAM);
  }

  // Agent names as the players sent them: the service keys its distributions by the lower-cased
  // name and sends the spelling of the name's first player in "agentNames" (issue 17: no
  // re-casing here, which made "Qq Browser" of QQBrowser and "Tvos" of tvOS). Names come from
  // players: "__proto__" or "constructor" must read as themselves, not as Object.prototype's
  // members (own properties and Maps only).
  function displayName(names, key) {
    var k = String(key);
    if (names && Object.hasOwn(names, k) && typeof names[k] === 'string') return names[k];
    return k;
  }

  function retentionText(ms) {
    if (!isNum(ms) || ms <= 0) return 'the retention';
    if (ms === 3600000) return 'last hour';
    if (ms % 3600000 === 0) return 'last ' + (ms / 3600000) + ' h';
    if (ms >= 60000) return 'last ' + Math.round(ms / 60000) + ' min';
    return 'last ' + Math.round(ms / 1000) + ' s';
  }

  // ---------------------------------------------------------------- formatting

  function formatInt(n) {
    return Math.round(n).toLocaleString('en-US');
  }

  function isNum(v) {
    return typeof v === 'number' && isFinite(v);
  }

  function num(v) { return isNum(v) ? v : 0; }

  function formatKbps(v) {
    return isNum(v) ? formatInt(v) : '—';
  }

  function formatDuration(seconds) {
    if (!isNum(seconds)) return '—';
    var s = Math.round(seconds);
    if (s < 60) return s + ' s';
    var m = Math.floor(s / 60);
    if (m < 60) return m + ' min ' + String(s % 60).padStart(2, '0') + ' s';
    var h = Math.floor(m / 60);
    return h + ' h ' + String(m % 60).padStart(2, '0') + ' min';
  }

  function clock(date) {
    return [date.getHours(), date.getMinutes(), date.getSeconds()]
      .map(function (n) { return String(n).padStart(2, '0'); }).join(':');
  }

  // A share of a total: "12 %", "4.5 %" (one decimal below 10 %).
  function share(n, total) {
    if (!total) return '0 %';
    var p = (n / total) * 100;
    return (p < 10 && p !== Math.round(p) ? p.toFixed(1) : String(Math.round(p))) + ' %';
  }

  // ---------------------------------------------------------------- the page

  // Text set only when it changed (no needless layout, a focused element keeps its focus).
  function setText(id, text) {
    var el = $(id);
    if (el.textContent !== text) el.textContent = text;
  }

  function setAll(selector, text) {
    document.querySelectorAll(selector).forEach(function (el) { if (el.textContent !== text) el.textContent = text; });
  }

  function fetchJson(url) {
    var controller = new AbortController();
    var timer = setTimeout(function () { controller.abort(); }, FETCH_TIMEOUT_MS);
    return fetch(url, { cache: 'no-store', headers: { Accept: 'application/json' }, signal: controller.signal })
      .then(function (res) {
        if (!res.ok) throw new Error('GET ' + url + ' answered ' + res.status);
        return res.json();
      })
      .finally(function () { clearTimeout(timer); });
  }

  window.StreampulseDashboardCommon = {
    $: $,
    STREAM: STREAM,
    forStream: forStream,
    displayName: displayName,
    retentionText: retentionText,
    formatInt: formatInt,
    isNum: isNum,
    num: num,
    formatKbps: formatKbps,
    formatDuration: formatDuration,
    clock: clock,
    share: share,
    setText: setText,
    setAll: setAll,
    fetchJson: fetchJson
  };
})();
