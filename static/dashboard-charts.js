/*
 * streampulse dashboard: the four distribution charts (window.StreampulseCharts): browsers,
 * devices and operating systems as doughnuts with an HTML legend beside each (counts, shares,
 * "+N more" past LEGEND_MAX, no colour twice among the shown entries), and the bitrate bars.
 * Charts are made once and updated in place; their colours follow the light/dark theme.
 *
 *   StreampulseCharts.init();
 *   StreampulseCharts.updateDistribution('browsers', dist, names, emptyText, of);
 *   StreampulseCharts.updateBitrate({min, average, max}, emptyText, of);
 * Each canvas carries a text alternative with the figures it shows (role="img", its aria-label
 * rewritten at each update); `of` says whose figures they are ("3 players watching now").
 *   StreampulseCharts.charts   // {browsers, devices, os, bitrate}: the Chart.js objects
 *
 * Plain script, no build step. Needs window.StreampulseDashboardCommon (dashboard-common.js)
 * and window.Chart (static/vendor/chart.umd.min.js); without Chart.js the legends still update
 * and the chart boxes say why the charts are missing.
 */
(function () {
  'use strict';

  var common = window.StreampulseDashboardCommon;
  var $ = common.$;
  var isNum = common.isNum;
  var formatInt = common.formatInt;
  var share = common.share;
  var displayName = common.displayName;

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

  // The canvas's text alternative (role="img" in the page): what the chart shows, with the
  // current figures, rewritten at each render. The base ("Players by browser") is the page's
  // aria-label; `of` says whose figures they are ("3 players watching now").
  function describe(canvas, of, figures) {
    if (!canvas.dataset.baseLabel) canvas.dataset.baseLabel = canvas.getAttribute('aria-label') || '';
    var label = canvas.dataset.baseLabel + (of ? ', ' + of : '') + ': ' + figures;
    if (canvas.getAttribute('aria-label') !== label) canvas.setAttribute('aria-label', label);
  }

  // Updates a doughnut and its legend in place; with no entries, says that nobody is counted.
  function updateDistribution(chart, canvasId, dist, names, emptyText, of) {
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
    describe(canvas, entries.length ? of : '', entries.length ? entries.map(function (e) {
      return e.name + ' ' + formatInt(e.n) + ' (' + share(e.n, total) + ')';
    }).join(', ') + '.' : emptyText);
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

  function updateBitrate(chart, b, emptyText, of) {
    var note = $('chart-bitrate').parentElement.querySelector('.chart-empty');
    var none = !isNum(b.max);
    var kbps = function (v) { return isNum(v) ? formatInt(v) : 'unknown'; };
    describe($('chart-bitrate'), none ? '' : of, none ? emptyText
      : 'minimum ' + kbps(b.min) + ', average ' + kbps(b.average) + ', maximum ' + kbps(b.max) + ' kbps.');
    if (note) { note.hidden = !none; if (note.textContent !== emptyText) note.textContent = emptyText; }
    $('chart-bitrate').style.visibility = none ? 'hidden' : ''; // no empty axes behind the note
    if (!chart) return;
    var data = [b.min, b.average, b.max].map(function (v) { return isNum(v) ? Math.round(v) : null; });
    if (sameArray(chart.data.datasets[0].data, data)) return;
    chart.data.datasets[0].data = data;
    chart.update();
  }

  window.StreampulseCharts = {
    init: initCharts,
    // kind: 'browsers', 'devices' or 'os'
    // of: whose figures ("3 players watching now"), for the chart's text alternative
    updateDistribution: function (kind, dist, names, emptyText, of) {
      updateDistribution(charts[kind], 'chart-' + kind, dist, names, emptyText, of);
    },
    updateBitrate: function (b, emptyText, of) { updateBitrate(charts.bitrate, b, emptyText, of); },
    charts: charts
  };
})();
