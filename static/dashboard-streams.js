/*
 * streampulse dashboard: the streams (issue 15; window.StreampulseStreams). With more than one
 * stream in the catalog, the page without ?stream= opens on an overview of them: a table
 * polled from GET /api/streams every second, sorted by active viewers, each row a link to
 * /dashboard?stream=<id>, its quality column read from the most watched streams' own
 * dashboards. The drill-down (?stream=<id>) shows the stream's name and a way back, or says
 * that the catalog has no such stream.
 *
 *   StreampulseStreams.fetch()          // a promise of GET /api/streams's list
 *   StreampulseStreams.show(list)       // the overview (shown while there are several)
 *   StreampulseStreams.keepRefreshing() // polls the list every OVERVIEW_REFRESH_MS
 *   StreampulseStreams.showStream(list) // the drill-down's heading; false: no such stream
 *   StreampulseStreams.list             // the last list
 *
 * Plain script, no build step. Needs window.StreampulseDashboardCommon (dashboard-common.js).
 */
(function () {
  'use strict';

  var common = window.StreampulseDashboardCommon;
  var $ = common.$;
  var STREAM = common.STREAM;
  var isNum = common.isNum;
  var num = common.num;
  var formatInt = common.formatInt;
  var fetchJson = common.fetchJson;

  var OVERVIEW_REFRESH_MS = 1000;
  var QUALITY_REFRESH_MS = 5000;
  var QUALITY_ROWS = 10;  // the quality column is read for the most watched streams only
  var overviewRows = new Map();  // stream id -> its <tr>
  var qualityById = new Map();   // stream id -> {text, at}
  var streamsList = null;

  function fetchStreams() {
    return fetchJson('/api/streams').then(function (d) { return Array.isArray(d.streams) ? d.streams : []; });
  }

  function qualityText(d) {
    var avg = d.bitrates && isNum(d.bitrates.average) ? formatInt(d.bitrates.average) + ' kbps' : '—';
    var r = d.quality && d.quality.rebufferRatio;
    var rebuf = isNum(r) ? (Math.round(r * 1000) / 10) + ' %' : '—';
    if (avg === '—' && rebuf === '—') return 'no data yet';  // not a row of dashes (issue 17)
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
    // Its empty state points to this stream's player; simulated players watch the default
    // stream (the catalog's first), so they are suggested on its dashboard only.
    $('empty-what').textContent = 'this stream within the last hour';
    $('empty-player-link').href = '/?streamId=' + encodeURIComponent(STREAM);
    $('empty-player-link').textContent = 'player page of this stream';
    if (list && list.length && list[0].id !== STREAM) $('empty-sim-hint').hidden = true;
    $('page-title').textContent = name;
    $('page-subtitle').textContent = 'Viewer analytics of the stream ' + STREAM + ', live from its players\' heartbeats.';
    document.title = name + ' · dashboard · streampulse';
    return true;
  }

  function keepRefreshing() {
    setTimeout(refreshOverview, OVERVIEW_REFRESH_MS);
  }

  window.StreampulseStreams = {
    fetch: fetchStreams,
    show: showStreams,
    keepRefreshing: keepRefreshing,
    showStream: showStream,
    get list() { return streamsList; }
  };
})();
