/*
 * streampulse dashboard: the viewing-quality figures and the active-viewers history chart.
 * dashboard.js calls window.streampulseQuality.render(d) with every dashboard update (pushed
 * by GET /api/dashboard/stream, or polled); the history comes from GET /api/history at start
 * (?stream=<id>: that stream's) and every minute, and grows by one point per second from the updates in between.
 * A figure nobody reported is null in the JSON and shows as "—", never 0. Each figure says how
 * many players it comes from ("from 8 of 1,500 players reporting rebuffering", quality.reporting)
 * and, from fewer than MIN_REPORTING, reads "Not enough data" rather than a confident figure.
 */
(function () {
  'use strict';

  var $ = function (id) { return document.getElementById(id); };
  var HISTORY_REFRESH_MS = 60000;
  var MIN_REPORTING = 10;  // below this many reporting players a figure is "Not enough data"
  // The page's stream (?stream=<id>, dashboard.js): its own history; none: the whole service's.
  var STREAM = new URLSearchParams(window.location.search).get('stream');
  var HISTORY_URL = STREAM === null ? '/api/history' : '/api/history?stream=' + encodeURIComponent(STREAM);

  function isNum(v) { return typeof v === 'number' && isFinite(v); }
  function setText(id, text) { var el = $(id); if (el && el.textContent !== text) el.textContent = text; }
  function percent(v) { return isNum(v) ? (Math.round(v * 1000) / 10) + ' %' : '—'; }
  function ms(v) { return isNum(v) ? (v >= 1000 ? (v / 1000).toFixed(2) + ' s' : Math.round(v) + ' ms') : '—'; }
  function int(v) { return isNum(v) ? Math.round(v).toLocaleString('en-US') : '—'; }
  function mbps(v) { return isNum(v) ? (v / 1e6).toFixed(1) : '—'; }
  function clock(t) {
    var d = new Date(t);
    return [d.getHours(), d.getMinutes(), d.getSeconds()].map(function (n) { return String(n).padStart(2, '0'); }).join(':');
  }

  var history = { seconds: null, minutes: null, peak: null };
  var range = 'seconds';
  var chart = null;

  function series(ring) {
    var points = [];
    if (!ring || !Array.isArray(ring.counts)) return points;
    ring.counts.forEach(function (c, i) { points.push({ x: ring.from + i * ring.stepMs, y: c }); });
    return points;
  }

  function makeChart() {
    if (!window.Chart || !$('chart-history')) return null;
    var style = getComputedStyle(document.documentElement);
    var accent = style.getPropertyValue('--accent').trim() || '#6c5ce7';
    return new window.Chart($('chart-history'), {
      type: 'line',
      data: { datasets: [{ label: 'Active viewers', data: [], borderColor: accent, backgroundColor: accent,
                           pointRadius: 0, borderWidth: 2, spanGaps: false, stepped: true }] },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false, parsing: false, normalized: true,
        plugins: { legend: { display: false },
                   tooltip: { callbacks: { title: function (items) { return items.length ? clock(items[0].parsed.x) : ''; } } } },
        scales: {
          x: { type: 'linear', ticks: { maxTicksLimit: 8, callback: function (v) { return clock(v); } } },
          y: { beginAtZero: true, ticks: { precision: 0 } }
        }
      }
    });
  }

  // Only the last part of the hour is drawn when little happened before it: the chart starts
  // at the first sampled point, so joins and leaves are visible at once.
  function drawHistory() {
    if (!chart) chart = makeChart();
    var ring = range === 'seconds' ? history.seconds : history.minutes;
    var points = series(ring);
    var first = points.findIndex(function (p) { return p.y !== null; });
    points = first < 0 ? [] : points.slice(first);
    if (chart) {
      chart.data.datasets[0].data = points;
      chart.update('none');
    }
    var p = history.peak;
    setText('history-peak', p ? int(p.players) + ' at ' + clock(p.at) : '—');
    describeHistory(points, p);
  }

  // The chart's text alternative (role="img"): the span drawn, the latest count and the peak,
  // rewritten at each draw.
  function describeHistory(points, peak) {
    var canvas = $('chart-history');
    if (!canvas) return;
    var span = range === 'seconds' ? 'the last hour, per second' : 'the last day, per minute';
    var last = null;
    for (var i = points.length - 1; i >= 0 && last === null; i--) if (points[i].y !== null) last = points[i];
    var label = 'Active viewers over ' + span + ': ' + (last
      ? int(last.y) + ' at ' + clock(last.x) + (peak ? ', peak ' + int(peak.players) + ' at ' + clock(peak.at) : '') + '.'
      : 'nobody has watched in this span.');
    if (canvas.getAttribute('aria-label') !== label) canvas.setAttribute('aria-label', label);
  }

  function fetchHistory() {
    return fetch(HISTORY_URL, { cache: 'no-store' })
      .then(function (r) { if (!r.ok) throw new Error('GET ' + HISTORY_URL + ' answered ' + r.status); return r.json(); })
      .then(function (h) {
        history.seconds = h.perSecond;
        history.minutes = h.perMinute;
        history.peak = h.peak;
        drawHistory();
      })
      .catch(function () { /* the next refresh tries again */ });
  }

  // Adds the update's active count to the rings as the service does (highest per slot).
  function addSample(t, active) {
    [['seconds', 'perSecond'], ['minutes', 'perMinute']].forEach(function (k) {
      var ring = history[k[0]];
      if (!ring) return;
      var slot = Math.floor(t / ring.stepMs) * ring.stepMs;
      var last = ring.from + (ring.counts.length - 1) * ring.stepMs;
      while (last < slot) { ring.counts.push(null); ring.counts.shift(); ring.from += ring.stepMs; last += ring.stepMs; }
      var i = (slot - ring.from) / ring.stepMs;
      if (i >= 0 && i < ring.counts.length && (ring.counts[i] === null || ring.counts[i] < active)) ring.counts[i] = active;
    });
    if (!history.peak || active > history.peak.players) history.peak = { players: active, at: t };
    drawHistory();
  }

  // One quality card: its figure, or "Not enough data" from fewer than MIN_REPORTING players,
  // and the line saying from how many of how many players it comes. `r` is null with a service
  // that sends no "reporting" (older): the figure as it is, no line.
  // `counted`: a count (errors), shown whatever n is; shares and percentiles need MIN_REPORTING.
  function figure(id, text, n, of, what, counted) {
    var el = $(id);
    var card = el && el.closest('.kpi');
    var few = !counted && isNum(n) && n < MIN_REPORTING;
    setText(id, few ? 'Not enough data' : text);
    if (card) card.classList.toggle('not-enough', few);
    var line = isNum(n) && isNum(of)
      ? 'from ' + int(n) + ' of ' + int(of) + ' ' + what + (few ? ' (at least ' + MIN_REPORTING + ' needed)' : '')
      : '';
    setText(id + '-n', line);
  }

  function render(d) {
    var q = (d && d.quality) || {};
    var b = q.bitrate || {};
    var s = q.startupMs || {};
    var t = q.throughputBps || {};
    var r = q.reporting || null;
    var all = r ? r.players : null;
    var active = d && d.players ? d.players.active : null;
    figure('q-buffer-rate', percent(q.bufferRate), r && r.states, r && active,
           'players watching now reporting their state');
    setText('q-rebuffer-ratio', percent(q.rebufferRatio));
    figure('q-zero-buffer', percent(q.zeroBufferShare), r && r.rebuffering, all, 'players reporting rebuffering');
    setText('q-rebuffer-count', int(q.rebufferCount));
    figure('q-startup', ms(s.p50), r && r.startup, all, 'players reporting startup time');
    setText('q-startup-p95', ms(s.p95));
    figure('q-bitrate-twa', int(b.timeWeightedAverage), r && r.bitrate, all, 'players reporting a bitrate');
    setText('q-bitrate-p50', int(b.p50));
    setText('q-bitrate-p95', int(b.p95));
    figure('q-throughput', mbps(t.p50), r && r.throughput, all, 'players reporting throughput');
    setText('q-throughput-p95', mbps(t.p95));
    figure('q-errors', int(q.errors), r && r.errors, all, 'players reporting errors', true);
    setText('q-dropped', int(q.droppedFrames));
    if (d && d.players && isNum(d.generatedAt)) addSample(d.generatedAt, d.players.active);
  }

  var select = $('history-range');
  if (select) select.addEventListener('change', function () { range = select.value; drawHistory(); });
  fetchHistory();
  setInterval(fetchHistory, HISTORY_REFRESH_MS);

  window.streampulseQuality = {
    render: render,
    get historyChart() { return chart; },
    get history() { return history; },
    refreshHistory: fetchHistory
  };
})();
