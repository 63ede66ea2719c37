/*
 * streampulse dashboard page: the live figures.
 *
 * Receives the dashboard pushed by GET /api/dashboard/stream (Server-Sent Events; polls
 * GET /api/dashboard every second when the stream is unavailable) and updates the figures in
 * place (no reload). The page's other scripts, each one concern:
 *   dashboard-common.js      formats, the page's stream (?stream=), JSON fetches
 *   dashboard-charts.js      the distribution doughnuts and their legends, the bitrate bars
 *   dashboard-quality.js     the viewing-quality cards and the active-viewers history chart
 *   dashboard-streams.js     the overview of the streams and the drill-down's heading
 *   dashboard-simulation.js  the "Simulate players" form
 *
 * Streams (issue 15): with more than one stream in the catalog, the page (no ?stream=) opens on
 * an overview of them; the drill-down (/dashboard?stream=<id>) reads
 * /api/dashboard/stream?stream=<id> (and /api/dashboard?stream=, /api/history?stream=). One
 * stream: the page is as it always was.
 *
 * What the figures cover (issue 17): the page shows the players active now (the "now" object)
 * by default, or those seen within the retention ("last hour") on request; every card and chart
 * carries a "now" or "last hour" tag. With no player within the retention the page says
 * "No viewers yet".
 *
 * Plain script, no build step; loaded last.
 */
(function () {
  'use strict';

  var REFRESH_MS = 1000;

  var common = window.StreampulseDashboardCommon;
  var charts = window.StreampulseCharts;
  var streams = window.StreampulseStreams;
  var $ = common.$;
  var STREAM = common.STREAM;
  var forStream = common.forStream;
  var isNum = common.isNum;
  var num = common.num;
  var formatInt = common.formatInt;
  var formatKbps = common.formatKbps;
  var formatDuration = common.formatDuration;
  var setText = common.setText;
  var setAll = common.setAll;

  // What the figures cover (issue 17): 'now' (the players active now, the "now" object) or
  // 'retention' (every player seen within the retention, the top-level figures).
  var scope = 'now';
  var retentionLabel = 'last hour';

  // ---------------------------------------------------------------- refresh loop

  var lastGood = null;

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

  function render(d) {
    var players = d.players || {};
    retentionLabel = common.retentionText(d.windows && d.windows.retentionMs);
    var v = scoped(d);
    var isNow = v.scope === 'now';
    var whom = isNow ? 'players watching now' : 'players seen in the ' + retentionLabel;
    // "1 player watching now", "3 players watching now"
    var counted = formatInt(v.players) + ' ' + (v.players === 1 ? whom.replace(/^players/, 'player') : whom);
    var nobody = isNow ? 'Nobody is watching now.' : 'No players in the ' + retentionLabel + '.';

    setText('active-players', isNum(players.active) ? formatInt(players.active) : '0');
    setText('total-players', isNum(players.total) ? formatInt(players.total) : '0');
    setText('scope-retention-label', 'players seen in the ' + retentionLabel);
    setAll('[data-retention-tag]', retentionLabel);
    setAll('[data-scope-tag]', isNow ? 'now' : retentionLabel);
    setAll('[data-scope-of]', v.players > 0 ? counted : whom);
    document.body.dataset.scope = v.scope;

    var some = v.players > 0;
    setText('avg-play-time', some ? formatDuration(v.playTime.average) : '0 s');
    setText('total-play-time', some ? formatDuration(v.playTime.total) : '0 s');
    setText('play-time-of', some ? 'of the ' + counted : 'nobody is watching now');
    setText('bitrate-min', formatKbps(v.bitrates.min));
    setText('bitrate-avg', formatKbps(v.bitrates.average));
    setText('bitrate-max', formatKbps(v.bitrates.max));
    setText('bitrate-of', some ? 'kbps declared by the renditions of the ' + counted
                               : (isNow ? 'nobody is watching now' : 'no players'));

    renderViewers(players, d.viewers);

    var empty = !(players.total > 0);
    $('empty-state').hidden = !empty;
    document.body.classList.toggle('is-empty', empty);

    var names = d.agentNames || {};
    charts.updateDistribution('browsers', v.agents.browsers, names.browsers, nobody, counted);
    charts.updateDistribution('devices', v.agents.devices, names.devices, nobody, counted);
    charts.updateDistribution('os', v.agents.os, names.os, nobody, counted);
    charts.updateBitrate(v.bitrates, nobody, counted);
  }

  // Views and unique viewers (distinct browser profiles; a player without a viewerId is one),
  // beside the players figures, when the service sends "viewers": {active, total}. Active goes
  // with "now", total with the retention ("last hour"). Absent (an older service): nothing.
  function renderViewers(players, viewers) {
    var has = function (k) { return viewers && isNum(viewers[k]); };
    var plural = function (n, one) { return formatInt(n) + ' ' + one + (n === 1 ? '' : 's'); };
    [['active', 'active-viewers', 'scope-now-viewers'], ['total', 'total-viewers', 'scope-retention-viewers']]
      .forEach(function (k) {
        var card = $(k[1]);
        var option = $(k[2]);
        card.hidden = option.hidden = !has(k[0]);
        if (!has(k[0])) return;
        setText(k[1], plural(num(players[k[0]]), 'view') + ' · ' + plural(viewers[k[0]], 'unique viewer'));
        setText(k[2], ' · ' + plural(viewers[k[0]], 'unique viewer'));
      });
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
    return common.fetchJson(forStream('/api/dashboard'));
  }

  // One update, pushed or polled.
  function apply(d) {
    lastGood = d;
    render(d);
    if (window.streampulseQuality) window.streampulseQuality.render(d); // dashboard-quality.js
    var now = new Date();
    var lr = $('last-refreshed');
    lr.textContent = 'Last refreshed at ' + common.clock(now);
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

  // ---------------------------------------------------------------- start

  async function start() {
    var list = null;
    try { list = await streams.fetch(); } catch (err) { /* shown as the page is: all streams */ }
    if (STREAM !== null) {
      if (!streams.showStream(list)) return;
    } else {
      if (list) streams.show(list);
      streams.keepRefreshing();
    }
    startStream();
  }

  charts.init();
  initScope();
  window.streampulseDashboard = {
    get last() { return lastGood; },
    get mode() { return mode; },
    get scope() { return scope; },
    get stream() { return STREAM; },
    get streams() { return streams.list; },
    charts: charts.charts
  };
  start();
})();
