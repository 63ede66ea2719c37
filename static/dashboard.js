/*
 * streampulse dashboard page.
 *
 * Receives the dashboard pushed by GET /api/dashboard/stream (Server-Sent Events; polls
 * GET /api/dashboard every second when the stream is unavailable) and updates the figures and
 * the Chart.js charts in place (no reload, no chart re-creation); the quality figures and the
 * history chart are dashboard-quality.js's. Starts simulations with
 * POST /api/simulations {"playerCount": N} and the admin token as a Bearer token.
 *
 * Streams (issue 15): with more than one stream in the catalog, the page (no ?stream=) opens on an
 * overview of them, a table polled from GET /api/streams every second, each row a link to
 * /dashboard?stream=<id>; that drill-down reads /api/dashboard/stream?stream=<id> (and
 * /api/dashboard?stream=, /api/history?stream=). One stream: the page is as it always was.
 *
 * Plain script, no build step. Needs window.Chart (static/vendor/chart.umd.min.js); without it
 * the figures still update and the charts say why they are missing.
 */
(function () {
  'use strict';

  var REFRESH_MS = 1000;
  var FETCH_TIMEOUT_MS = 5000;
  var STORAGE_TOKEN = 'streampulse.adminToken';

  var $ = function (id) { return document.getElementById(id); };

  // The stream this page shows (?stream=<id>); null: every stream together.
  var STREAM = new URLSearchParams(window.location.search).get('stream');
  function forStream(path) {
    return STREAM === null ? path : path + '?stream=' + encodeURIComponent(STREAM);
  }

  // Names the service sends lower-cased -> how people write them. Only the case changes, so
  // label.toLowerCase() is always the service's key.
  var PRETTY = {
    'macos': 'macOS', 'ios': 'iOS', 'ipados': 'iPadOS', 'chromeos': 'ChromeOS',
    'headlesschrome': 'HeadlessChrome', 'duckduckgo': 'DuckDuckGo', 'opera gx': 'Opera GX'
  };

  // Agent names come from players: "__proto__" or "constructor" must read as themselves, not as
  // Object.prototype's members (own properties and Maps only).
  function pretty(key) {
    var k = String(key);
    if (Object.hasOwn(PRETTY, k.toLowerCase())) return PRETTY[k.toLowerCase()];
    return k.replace(/(^|[\s-])(\p{L})/gu, function (_m, sep, ch) { return sep + ch.toUpperCase(); });
  }

  // ---------------------------------------------------------------- formatting

  function formatInt(n) {
    return Math.round(n).toLocaleString('en-US');
  }

  function isNum(v) {
    return typeof v === 'number' && isFinite(v);
  }

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

  // ---------------------------------------------------------------- charts

  var PALETTE = ['#6d5dfc', '#22c55e', '#f59e0b', '#ef4444', '#06b6d4', '#ec4899',
                 '#84cc16', '#f97316', '#8b5cf6', '#14b8a6', '#eab308', '#64748b'];

  function cssVar(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  }

  // Each label keeps its colour for the life of the page, so refreshes never reshuffle them.
  function colourKeeper() {
    var assigned = new Map();
    var next = 0;
    return function (label) {
      if (!assigned.has(label)) assigned.set(label, PALETTE[next++ % PALETTE.length]);
      return assigned.get(label);
    };
  }

  var charts = {};
  var colours = {};

  // Colours that follow the page's light/dark theme (CSS variables in common.css).
  function themeColours() {
    return {
      text: cssVar('--muted') || '#666',
      grid: cssVar('--border') || '#ddd',
      surface: cssVar('--surface') || '#fff'
    };
  }

  function applyThemeToCharts() {
    if (!window.Chart) return;
    var t = themeColours();
    window.Chart.defaults.color = t.text;
    window.Chart.defaults.borderColor = t.grid;
    Object.keys(charts).forEach(function (k) {
      var c = charts[k];
      if (c.config.type === 'doughnut') {
        c.data.datasets[0].borderColor = t.surface;
        c.options.plugins.legend.labels.color = t.text;
      } else {
        ['x', 'y'].forEach(function (axis) {
          var sc = c.options.scales[axis];
          sc.ticks.color = t.text;
          sc.grid.color = t.grid;
          sc.border = Object.assign({}, sc.border, { color: t.grid });
        });
      }
      c.update('none');
    });
  }

  // Legends beside the doughnuts on wide screens, below them on phones.
  var narrowQuery = window.matchMedia ? window.matchMedia('(max-width: 640px)') : null;
  function legendPosition() {
    return narrowQuery && narrowQuery.matches ? 'bottom' : 'right';
  }

  function makeDoughnut(canvasId) {
    colours[canvasId] = colourKeeper();
    return new window.Chart($(canvasId), {
      type: 'doughnut',
      data: { labels: [], datasets: [{ data: [], backgroundColor: [], borderColor: cssVar('--surface'), borderWidth: 2, hoverOffset: 6 }] },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        cutout: '62%',
        animation: { duration: 400 },
        plugins: {
          legend: { position: legendPosition(), labels: { boxWidth: 12, boxHeight: 12, usePointStyle: true, padding: 12 } },
          tooltip: {
            callbacks: {
              label: function (ctx) {
                var total = ctx.dataset.data.reduce(function (a, b) { return a + b; }, 0);
                var pct = total ? Math.round((ctx.parsed / total) * 100) : 0;
                return ' ' + ctx.label + ': ' + ctx.parsed + ' (' + pct + '%)';
              }
            }
          }
        }
      }
    });
  }

  function makeBitrateBar() {
    return new window.Chart($('chart-bitrate'), {
      type: 'bar',
      data: {
        labels: ['Min', 'Average', 'Max'],
        datasets: [{ label: 'kbps', data: [null, null, null], backgroundColor: ['#06b6d4', '#6d5dfc', '#f59e0b'], borderRadius: 8, maxBarThickness: 64 }]
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: { duration: 400 },
        plugins: { legend: { display: false } },
        scales: {
          y: { beginAtZero: true, ticks: { callback: function (v) { return formatInt(v); } }, grid: {}, border: {} },
          x: { ticks: {}, grid: { display: false }, border: {} }
        }
      }
    });
  }

  function initCharts() {
    if (!window.Chart) {
      document.querySelectorAll('.chart-box').forEach(function (box) {
        box.classList.add('chart-missing');
        box.setAttribute('data-message', 'Chart.js was not loaded (run scripts/vendor-assets.sh).');
      });
      return;
    }
    applyThemeToCharts(); // sets Chart.defaults before the charts exist
    charts.browsers = makeDoughnut('chart-browsers');
    charts.devices = makeDoughnut('chart-devices');
    charts.os = makeDoughnut('chart-os');
    charts.bitrate = makeBitrateBar();
    applyThemeToCharts();
    if (window.matchMedia) {
      var mq = window.matchMedia('(prefers-color-scheme: dark)');
      if (mq.addEventListener) mq.addEventListener('change', applyThemeToCharts);
    }
    if (narrowQuery && narrowQuery.addEventListener) {
      narrowQuery.addEventListener('change', function () {
        [charts.browsers, charts.devices, charts.os].forEach(function (c) {
          c.options.plugins.legend.position = legendPosition();
          c.update('none');
        });
      });
    }
  }

  function sameArray(a, b) {
    if (a.length !== b.length) return false;
    for (var i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }

  // Updates a doughnut in place: largest slice first, ties by name, colours fixed per label.
  function updateDistribution(chart, canvasId, dist) {
    if (!chart) return;
    var entries = Object.entries(dist || {})
      .map(function (e) { return [e[0], Number(e[1]) || 0]; })
      .filter(function (e) { return e[1] > 0; })
      .sort(function (a, b) { return b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0); });
    var labels = entries.map(function (e) { return pretty(e[0]); });
    var data = entries.map(function (e) { return e[1]; });
    var ds = chart.data.datasets[0];
    if (sameArray(chart.data.labels, labels) && sameArray(ds.data, data)) return; // nothing changed
    chart.data.labels = labels;
    ds.data = data;
    ds.backgroundColor = entries.map(function (e) { return colours[canvasId](e[0]); });
    ds.borderWidth = entries.length > 1 ? 2 : 0; // no seam in a lone full circle
    chart.update();
  }

  function updateBitrate(chart, b) {
    if (!chart) return;
    var data = [b.min, b.average, b.max].map(function (v) { return isNum(v) ? Math.round(v) : null; });
    if (sameArray(chart.data.datasets[0].data, data)) return;
    chart.data.datasets[0].data = data;
    chart.update();
  }

  // ---------------------------------------------------------------- refresh loop

  var lastGood = null;

  function setText(id, text) {
    var el = $(id);
    if (el.textContent !== text) el.textContent = text;
  }

  function render(d) {
    var players = d.players || {};
    var playTime = d.playTime || {};
    var bitrates = d.bitrates || {};
    var agents = d.agents || {};

    setText('active-players', isNum(players.active) ? formatInt(players.active) : '—');
    setText('total-players', isNum(players.total) ? formatInt(players.total) : '—');
    setText('avg-play-time', formatDuration(playTime.average));
    setText('total-play-time', formatDuration(playTime.total));
    setText('bitrate-min', formatKbps(bitrates.min));
    setText('bitrate-avg', formatKbps(bitrates.average));
    setText('bitrate-max', formatKbps(bitrates.max));

    var empty = !(players.total > 0);
    $('empty-state').hidden = !empty;
    $('charts').hidden = empty;
    document.body.classList.toggle('is-empty', empty);

    updateDistribution(charts.browsers, 'chart-browsers', agents.browsers);
    updateDistribution(charts.devices, 'chart-devices', agents.devices);
    updateDistribution(charts.os, 'chart-os', agents.os);
    updateBitrate(charts.bitrate, bitrates);
  }

  function fetchDashboard() {
    var controller = new AbortController();
    var timer = setTimeout(function () { controller.abort(); }, FETCH_TIMEOUT_MS);
    return fetch(forStream('/api/dashboard'), { cache: 'no-store', headers: { Accept: 'application/json' }, signal: controller.signal })
      .then(function (res) {
        if (!res.ok) throw new Error('GET ' + forStream('/api/dashboard') + ' answered ' + res.status);
        return res.json();
      })
      .finally(function () { clearTimeout(timer); });
  }

  // One update, pushed or polled.
  function apply(d) {
    lastGood = d;
    render(d);
    if (window.streampulseQuality) window.streampulseQuality.render(d); // dashboard-quality.js
    var now = new Date();
    var lr = $('last-refreshed');
    lr.textContent = 'Last refreshed at ' + clock(now);
    lr.dataset.ts = String(now.getTime());
    $('live-dot').className = 'dot ok';
    $('refresh-error').hidden = true;
  }

  function showUnreachable(err) {
    $('live-dot').className = 'dot error';
    var e = $('refresh-error');
    e.textContent = 'Cannot reach the service (' + (err.name === 'AbortError' ? 'timed out' : err.message) + '), retrying…';
    e.hidden = false;
  }

  var mode = 'starting';  // 'stream' (pushed by the service) or 'poll'

  async function refresh() {
    if (mode !== 'poll') return;
    try {
      apply(await fetchDashboard());
    } catch (err) {
      showUnreachable(err);
    } finally {
      setTimeout(refresh, REFRESH_MS);
    }
  }

  function startPolling() {
    if (mode === 'poll') return;
    mode = 'poll';
    refresh();
  }

  // Server-Sent Events (GET /api/dashboard/stream): the service pushes every change, at least
  // once a second. No EventSource, a refusal (429) or a silent stream: poll instead.
  var STREAM_SILENCE_MS = 5000;
  function startStream() {
    if (!window.EventSource) { startPolling(); return; }
    var es = new EventSource(forStream('/api/dashboard/stream'));
    var lastEvent = Date.now();
    mode = 'stream';
    es.addEventListener('dashboard', function (ev) {
      lastEvent = Date.now();
      try { apply(JSON.parse(ev.data)); } catch (e) { /* a broken update: wait for the next */ }
    });
    var watchdog = setInterval(function () {
      if (es.readyState === EventSource.CLOSED || Date.now() - lastEvent > STREAM_SILENCE_MS) {
        clearInterval(watchdog);
        es.close();
        showUnreachable(new Error('the live stream stopped'));
        startPolling();
      }
    }, 1000);
  }

  // ---------------------------------------------------------------- simulations

  function showSimResult(kind, text) {
    var el = $('sim-result');
    el.className = 'sim-result ' + kind;
    el.textContent = text;
    el.hidden = false;
  }

  function initSimulationForm() {
    var tokenInput = $('sim-token');
    try { tokenInput.value = window.sessionStorage.getItem(STORAGE_TOKEN) || ''; } catch (e) { /* ignore */ }

    $('sim-form').addEventListener('submit', async function (ev) {
      ev.preventDefault();
      var count = parseInt($('sim-count').value, 10);
      var token = tokenInput.value.trim();
      if (!(count >= 1)) { showSimResult('error', 'Enter a number of players of at least 1.'); return; }
      if (!token) { showSimResult('error', 'Enter the admin token.'); return; }
      try { window.sessionStorage.setItem(STORAGE_TOKEN, token); } catch (e) { /* ignore */ }

      var button = $('sim-start');
      button.disabled = true;
      showSimResult('pending', 'Starting ' + count + ' simulated player' + (count === 1 ? '' : 's') + '…');
      try {
        var res = await fetch('/api/simulations', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Accept: 'application/json', Authorization: 'Bearer ' + token },
          body: JSON.stringify({ playerCount: count })
        });
        var text = await res.text();
        var body = null;
        try { body = text ? JSON.parse(text) : null; } catch (e) { body = null; }
        if (!res.ok) {
          var msg = body && (body.message || body.error) ? (body.message || body.error) : (text || res.statusText);
          showSimResult('error', 'Could not start the simulation (' + res.status + '): ' + msg);
          return;
        }
        var extra = body && body.message ? ' ' + body.message : '';
        showSimResult('ok', 'Started ' + count + ' simulated player' + (count === 1 ? '' : 's') + '.' + extra);
      } catch (err) {
        showSimResult('error', 'Could not reach the service: ' + err.message);
      } finally {
        button.disabled = false;
      }
    });
  }

  // ---------------------------------------------------------------- streams

  var OVERVIEW_REFRESH_MS = 1000;
  var QUALITY_REFRESH_MS = 5000;
  var QUALITY_ROWS = 10;  // the quality column is read for the most watched streams only
  var overviewRows = new Map();  // stream id -> its <tr>
  var qualityById = new Map();   // stream id -> {text, at}
  var streamsList = null;

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

  function fetchStreams() {
    return fetchJson('/api/streams').then(function (d) { return Array.isArray(d.streams) ? d.streams : []; });
  }

  function num(v) { return isNum(v) ? v : 0; }

  function qualityText(d) {
    var avg = d.bitrates && isNum(d.bitrates.average) ? formatInt(d.bitrates.average) + ' kbps' : '—';
    var r = d.quality && d.quality.rebufferRatio;
    var rebuf = isNum(r) ? (Math.round(r * 1000) / 10) + ' %' : '—';
    return avg + ' · ' + rebuf;
  }

  // The quality column of the most watched streams, each read from its own dashboard.
  function refreshQuality(sorted) {
    var now = Date.now();
    sorted.slice(0, QUALITY_ROWS).forEach(function (s) {
      var q = qualityById.get(s.id);
      if (q && now - q.at < QUALITY_REFRESH_MS) return;
      qualityById.set(s.id, { text: q ? q.text : '…', at: now });
      fetchJson('/api/dashboard?stream=' + encodeURIComponent(s.id))
        .then(function (d) {
          qualityById.set(s.id, { text: qualityText(d), at: Date.now() });
          var row = overviewRows.get(s.id);
          if (row) setCell(row, 'quality', qualityById.get(s.id).text);
        })
        .catch(function () { /* the next refresh tries again */ });
    });
  }

  function setCell(row, field, text) {
    var cell = row.querySelector('[data-field="' + field + '"]');
    if (cell.textContent !== text) cell.textContent = text;
  }

  function makeRow(s) {
    var tr = document.createElement('tr');
    tr.dataset.streamId = s.id;
    var th = document.createElement('th');
    th.scope = 'row';
    var a = document.createElement('a');
    a.href = '/dashboard?stream=' + encodeURIComponent(s.id);
    a.dataset.field = 'name';
    th.appendChild(a);
    tr.appendChild(th);
    var idCell = document.createElement('td');
    var code = document.createElement('code');
    code.textContent = s.id;
    idCell.appendChild(code);
    tr.appendChild(idCell);
    ['active', 'peak', 'total', 'quality'].forEach(function (f) {
      var td = document.createElement('td');
      td.className = 'num';
      td.dataset.field = f;
      tr.appendChild(td);
    });
    return tr;
  }

  // Sorted by active viewers (most first), then by name; rows are kept and moved, not rebuilt,
  // so a focused link keeps its focus between refreshes.
  function renderOverview(list) {
    var sorted = list.slice().sort(function (a, b) {
      var d = num(b.players && b.players.active) - num(a.players && a.players.active);
      if (d) return d;
      return String(a.name).localeCompare(String(b.name)) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
    });
    var body = $('overview-rows');
    var seen = new Set();
    sorted.forEach(function (s, i) {
      seen.add(s.id);
      var row = overviewRows.get(s.id);
      if (!row) { row = makeRow(s); overviewRows.set(s.id, row); }
      var players = s.players || {};
      row.dataset.active = String(num(players.active));
      setCell(row, 'name', String(s.name || s.id));
      setCell(row, 'active', formatInt(num(players.active)));
      setCell(row, 'peak', s.peak && isNum(s.peak.players) ? formatInt(s.peak.players) : '—');
      setCell(row, 'total', formatInt(num(players.total)));
      var q = qualityById.get(s.id);
      setCell(row, 'quality', q ? q.text : '—');
      if (body.children[i] !== row) body.insertBefore(row, body.children[i] || null);
    });
    overviewRows.forEach(function (row, id) {
      if (!seen.has(id)) { row.remove(); overviewRows.delete(id); qualityById.delete(id); }
    });
    refreshQuality(sorted);
  }

  // The overview shows while the catalog holds more than one stream.
  function showStreams(list) {
    streamsList = list;
    var several = list.length > 1;
    $('overview').hidden = !several;
    $('all-streams-heading').hidden = !several;
    if (several) renderOverview(list);
  }

  async function refreshOverview() {
    try {
      showStreams(await fetchStreams());
    } catch (err) {
      /* the dashboard's own refresh says when the service cannot be reached */
    } finally {
      setTimeout(refreshOverview, OVERVIEW_REFRESH_MS);
    }
  }

  // The drill-down into one stream: its name in the heading and the title, a way back.
  function showStream(list) {
    $('back-link').hidden = false;
    var s = list ? list.find(function (x) { return x.id === STREAM; }) : null;
    if (list && !s) {
      $('stream-missing-text').textContent = 'There is no stream "' + STREAM + '" in the catalog.';
      $('stream-missing').hidden = false;
      document.title = 'No such stream · dashboard · streampulse';
      document.querySelectorAll('.kpis, .history-card, #charts').forEach(function (el) { el.hidden = true; });
      return false;
    }
    var name = s ? String(s.name || s.id) : STREAM;
    $('page-title').textContent = name;
    $('page-subtitle').textContent = 'Viewer analytics of the stream ' + STREAM + ', live from its players\' heartbeats.';
    document.title = name + ' · dashboard · streampulse';
    return true;
  }

  async function start() {
    var list = null;
    try { list = await fetchStreams(); } catch (err) { /* shown as the page is: all streams */ }
    if (STREAM !== null) {
      if (!showStream(list)) return;
    } else {
      if (list) showStreams(list);
      setTimeout(refreshOverview, OVERVIEW_REFRESH_MS);
    }
    startStream();
  }

  // ---------------------------------------------------------------- start

  initCharts();
  initSimulationForm();
  window.streampulseDashboard = {
    get last() { return lastGood; },
    get mode() { return mode; },
    get stream() { return STREAM; },
    get streams() { return streamsList; },
    charts: charts
  };
  start();
})();
