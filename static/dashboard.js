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
 * What the figures cover (issue 17): the page shows the players active now (the "now" object)
 * by default, or those seen within the retention ("last hour") on request; every card and chart
 * carries a "now" or "last hour" tag. Legends are HTML lists beside the doughnuts (counts, shares,
 * "+N more" past LEGEND_MAX, no colour twice among the shown entries), names as the players sent
 * them ("agentNames"). With no player within the retention the page says "No viewers yet".
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

  // What the figures cover (issue 17): 'now' (the players active now, the "now" object) or
  // 'retention' (every player seen within the retention, the top-level figures).
  var scope = 'now';
  var retentionLabel = 'last hour';
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

  // ---------------------------------------------------------------- charts

  var PALETTE = ['#6d5dfc', '#22c55e', '#f59e0b', '#ef4444', '#06b6d4', '#ec4899',
                 '#84cc16', '#f97316', '#8b5cf6', '#14b8a6', '#eab308', '#64748b'];
  var MORE_COLOUR = '#a1a1aa';  // the "+N more" slice: not a palette colour
  var LEGEND_MAX = 8;           // slices drawn; past it, the smallest go into "+N more"

  function cssVar(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  }

  // Colours for the entries shown, never two alike among them (LEGEND_MAX <= PALETTE.length):
  // an entry keeps the colour it had while no other shown entry holds it, so refreshes do not
  // reshuffle them; new entries take the first free colour.
  function colourKeeper() {
    var kept = new Map();
    return function (keys) {
      var used = new Set();
      var out = keys.map(function (k) {
        var c = kept.get(k);
        if (c && !used.has(c)) { used.add(c); return c; }
        return null;
      });
      keys.forEach(function (k, i) {
        if (out[i]) return;
        var c = PALETTE.find(function (p) { return !used.has(p); }) || PALETTE[i % PALETTE.length];
        used.add(c);
        kept.set(k, c);
        out[i] = c;
      });
      return out;
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
          // The legend is HTML beside the chart (#legend-*): counts, shares and "+N more", and
          // a text alternative of the chart.
          legend: { display: false },
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
  }

  function sameArray(a, b) {
    if (a.length !== b.length) return false;
    for (var i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }

  function share(n, total) {
    if (!total) return '0 %';
    var p = (n / total) * 100;
    return (p < 10 && p !== Math.round(p) ? p.toFixed(1) : String(Math.round(p))) + ' %';
  }

  // The entries of a distribution as shown: largest first, ties by name; past LEGEND_MAX, the
  // smallest are folded into one "+N more" entry (its `more` lists what it holds).
  function shownEntries(dist, names) {
    var entries = Object.entries(dist || {})
      .map(function (e) { return { key: e[0], name: displayName(names, e[0]), n: Number(e[1]) || 0 }; })
      .filter(function (e) { return e.n > 0; })
      .sort(function (a, b) { return b.n - a.n || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0); });
    if (entries.length <= LEGEND_MAX) return entries;
    var kept = entries.slice(0, LEGEND_MAX - 1);
    var rest = entries.slice(LEGEND_MAX - 1);
    kept.push({ key: null, name: '+' + rest.length + ' more', n: rest.reduce(function (a, e) { return a + e.n; }, 0),
                more: rest.map(function (e) { return e.name + ' ' + formatInt(e.n); }) });
    return kept;
  }

  function renderLegend(list, entries, colourList, total) {
    if (!list) return;
    var text = entries.map(function (e) { return e.name + ' ' + e.n; }).join('|');
    if (list.dataset.text === text) return;
    list.dataset.text = text;
    list.textContent = '';
    entries.forEach(function (e, i) {
      var li = document.createElement('li');
      if (e.more) { li.className = 'more'; li.title = e.more.join(', '); }
      var sw = document.createElement('span');
      sw.className = 'swatch';
      sw.style.background = colourList[i];
      sw.setAttribute('aria-hidden', 'true');
      var name = document.createElement('span');
      name.className = 'name';
      name.textContent = e.name;
      var fig = document.createElement('span');
      fig.className = 'figures';
      fig.textContent = formatInt(e.n) + ' · ' + share(e.n, total);
      li.append(sw, name, fig);
      list.appendChild(li);
    });
  }

  // Updates a doughnut and its legend in place; with no entries, says that nobody is counted.
  function updateDistribution(chart, canvasId, dist, names, emptyText) {
    var entries = shownEntries(dist, names);
    var total = entries.reduce(function (a, e) { return a + e.n; }, 0);
    var keys = entries.filter(function (e) { return !e.more; }).map(function (e) { return e.key; });
    var palette = colours[canvasId] ? colours[canvasId](keys) : keys.map(function (_k, i) { return PALETTE[i]; });
    var colourList = entries.map(function (e, i) { return e.more ? MORE_COLOUR : palette[i]; });
    var canvas = $(canvasId);
    var box = canvas.parentElement;
    var note = box.querySelector('.chart-empty');
    if (note) { note.hidden = entries.length > 0; if (note.textContent !== emptyText) note.textContent = emptyText; }
    renderLegend($(canvasId.replace('chart-', 'legend-')), entries, colourList, total);
    if (!chart) return;
    var labels = entries.map(function (e) { return e.name; });
    var data = entries.map(function (e) { return e.n; });
    var ds = chart.data.datasets[0];
    if (sameArray(chart.data.labels, labels) && sameArray(ds.data, data) && sameArray(ds.backgroundColor, colourList)) return;
    chart.data.labels = labels;
    ds.data = data;
    ds.backgroundColor = colourList;
    ds.borderWidth = entries.length > 1 ? 2 : 0; // no seam in a lone full circle
    chart.update();
  }

  function updateBitrate(chart, b, emptyText) {
    var note = $('chart-bitrate').parentElement.querySelector('.chart-empty');
    var none = !isNum(b.max);
    if (note) { note.hidden = !none; if (note.textContent !== emptyText) note.textContent = emptyText; }
    $('chart-bitrate').style.visibility = none ? 'hidden' : ''; // no empty axes behind the note
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

  // The figures of the chosen scope: "now" (active players) or the retention's. A service
  // without "now" (older) has only the retention's, and says so.
  function scoped(d) {
    var players = d.players || {};
    if (scope === 'now' && d.now) {
      return { scope: 'now', players: num(d.now.players), playTime: d.now.playTime || {},
               bitrates: d.now.bitrates || {}, agents: d.now.agents || {} };
    }
    return { scope: 'retention', players: num(players.total), playTime: d.playTime || {},
             bitrates: d.bitrates || {}, agents: d.agents || {} };
  }

  function setAll(selector, text) {
    document.querySelectorAll(selector).forEach(function (el) { if (el.textContent !== text) el.textContent = text; });
  }

  function render(d) {
    var players = d.players || {};
    retentionLabel = retentionText(d.windows && d.windows.retentionMs);
    var v = scoped(d);
    var isNow = v.scope === 'now';
    var whom = isNow ? 'players watching now' : 'players seen in the ' + retentionLabel;
    var nobody = isNow ? 'Nobody is watching now.' : 'No players in the ' + retentionLabel + '.';

    setText('active-players', isNum(players.active) ? formatInt(players.active) : '0');
    setText('total-players', isNum(players.total) ? formatInt(players.total) : '0');
    setText('scope-retention-label', 'players seen in the ' + retentionLabel);
    setAll('[data-retention-tag]', retentionLabel);
    setAll('[data-scope-tag]', isNow ? 'now' : retentionLabel);
    setAll('[data-scope-of]', v.players > 0 ? formatInt(v.players) + ' ' + whom : whom);
    document.body.dataset.scope = v.scope;

    var some = v.players > 0;
    setText('avg-play-time', some ? formatDuration(v.playTime.average) : '0 s');
    setText('total-play-time', some ? formatDuration(v.playTime.total) : '0 s');
    setText('play-time-of', some ? 'of the ' + formatInt(v.players) + ' ' + whom : 'nobody is watching now');
    setText('bitrate-min', formatKbps(v.bitrates.min));
    setText('bitrate-avg', formatKbps(v.bitrates.average));
    setText('bitrate-max', formatKbps(v.bitrates.max));
    setText('bitrate-of', some ? 'kbps declared by the renditions of the ' + formatInt(v.players) + ' ' + whom
                               : (isNow ? 'nobody is watching now' : 'no players'));

    var empty = !(players.total > 0);
    $('empty-state').hidden = !empty;
    document.body.classList.toggle('is-empty', empty);

    var names = d.agentNames || {};
    updateDistribution(charts.browsers, 'chart-browsers', v.agents.browsers, names.browsers, nobody);
    updateDistribution(charts.devices, 'chart-devices', v.agents.devices, names.devices, nobody);
    updateDistribution(charts.os, 'chart-os', v.agents.os, names.os, nobody);
    updateBitrate(charts.bitrate, v.bitrates, nobody);
  }

  function initScope() {
    document.querySelectorAll('input[name="scope"]').forEach(function (input) {
      input.addEventListener('change', function () {
        if (!input.checked) return;
        scope = input.value === 'retention' ? 'retention' : 'now';
        if (lastGood) render(lastGood);
      });
    });
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
  initScope();
  initSimulationForm();
  window.streampulseDashboard = {
    get last() { return lastGood; },
    get mode() { return mode; },
    get scope() { return scope; },
    get stream() { return STREAM; },
    get streams() { return streamsList; },
    charts: charts
  };
  start();
})();
