/*
 * streampulse player: the viewer count (window.StreampulseViewerCount). Long-polls the
 * viewer-count topic (sequence numbers and pages as Momento's HTTP API has them; 401/403 renew
 * the configuration, 429/503 wait Retry-After, other failures back off and grey the count out)
 * and shows the count over the video. The overlay is not a live region (it changes often): a
 * separate polite region announces the first count, then only a count that changed, held for
 * ANNOUNCE_STABLE_MS and comes ANNOUNCE_MIN_GAP_MS after the last announcement (docs/viewers.md).
 *
 *   var count = StreampulseViewerCount({video, playback, config, isWatching(), lastAcceptedAt()});
 *   count.poll()       // runs for the page's life
 *   count.render()     // the overlay, after a change of playback
 *   count.announce()   // the announcement, when one is due (called every 250 ms)
 *   count.value        // the last count received, or null
 *
 * Plain script, no build step. Needs window.StreampulseNet (player-net.js).
 */
(function () {
  'use strict';

  var ANNOUNCE_MIN_GAP_MS = 30000; // screen readers hear the count at most this often
  var ANNOUNCE_STABLE_MS = 5000;   // ... and only a count that held this long
  var POLL_TIMEOUT_MS = 90000; // long-poll hold time is not bounded by the API: re-issue

  window.StreampulseViewerCount = function (opts) {
    var net = window.StreampulseNet;
    var video = opts.video;
    var playback = opts.playback;
    var config = opts.config;
    var $ = function (id) { return document.getElementById(id); };
    var state = {
      viewerCount: null,       // the last count received
      countChangedAt: 0,
      announced: null,         // the last count announced to screen readers
      announcedAt: 0
    };

    function parseCount(text) {
      if (typeof text !== 'string') return null;
      var s = text.trim();
      if (/^\d+$/.test(s)) return parseInt(s, 10);
      try { // tolerate {"viewerCount": 3} / {"count": 3}
        var obj = JSON.parse(s);
        var n = obj && (obj.viewerCount !== undefined ? obj.viewerCount : obj.count);
        if (typeof n === 'number' && n >= 0 && isFinite(n)) return Math.floor(n);
      } catch (e) { /* not JSON */ }
      return null;
    }

    function showCount(n) {
      if (n !== state.viewerCount) state.countChangedAt = Date.now();
      state.viewerCount = n;
      var el = $('viewer-count');
      el.classList.add('live');
      el.classList.remove('stale');
      renderCount();
    }

    // The overlay. A viewer who is watching is in the count: right after the service accepted
    // this page's heartbeat, a count published just before it (0 at the very start) shows at
    // least 1. A paused viewer is told they are not counted.
    function renderCount() {
      var n = state.viewerCount;
      if (n === null) return;
      var watching = opts.isWatching();
      var acceptedRecently = Date.now() - opts.lastAcceptedAt() < 1500;
      if (watching && acceptedRecently && n < 1) n = 1;
      var el = $('viewer-count');
      el.dataset.count = String(n);
      el.dataset.counted = watching ? 'yes' : 'no';
      var note = '';
      if (!watching && video.paused && playback.phase() === 'started') note = ' · paused, not counted';
      $('viewer-count-text').textContent = n + ' watching' + note;
      el.title = (watching && n === 1 ? 'You are the only viewer' : n + (n === 1 ? ' viewer is' : ' viewers are') +
        ' watching this stream') + (note ? ' (viewers who pause are not counted)' : '');
    }

    // Screen readers: the first count, then a count that differs from the last one announced,
    // has held ANNOUNCE_STABLE_MS and comes ANNOUNCE_MIN_GAP_MS after the last announcement.
    function maybeAnnounce() {
      var n = state.viewerCount;
      if (n === null || n === state.announced) return;
      var now = Date.now();
      if (state.announced !== null &&
          (now - state.announcedAt < ANNOUNCE_MIN_GAP_MS || now - state.countChangedAt < ANNOUNCE_STABLE_MS)) return;
      state.announced = n;
      state.announcedAt = now;
      $('count-announcement').textContent = n + (n === 1 ? ' person' : ' people') + ' watching';
    }

    function markCountStale() {
      $('viewer-count').classList.add('stale');
    }

    async function pollViewerCount() {
      var sequenceNumber = 0;
      var sequencePage = 0;
      var backoff = 0;
      var consecutiveAuthFailures = 0;
      for (;;) {
        if (!config.current) await config.refresh();
        var token = config.current.topics.token;
        var url = config.topicUrl('viewerCountTopic') +
          '?sequence_number=' + sequenceNumber + '&sequence_page=' + sequencePage;
        try {
          var res = await net.fetchWithTimeout(url, { headers: { Authorization: token }, cache: 'no-store' }, POLL_TIMEOUT_MS);
          if (res.status === 401 || res.status === 403) {
            consecutiveAuthFailures += 1;
            if (config.current.topics.token === token) await config.refresh();
            if (consecutiveAuthFailures > 1) {
              backoff = net.nextBackoff(backoff);
              markCountStale();
              await net.sleep(backoff);
            }
            continue;
          }
          consecutiveAuthFailures = 0;
          var retryAfter = res.ok ? 0 : net.retryAfterMs(res);
          if (retryAfter > 0) {
            // At capacity (429/503 with Retry-After): wait what it asks, at least the back-off.
            backoff = net.nextBackoff(backoff);
            console.warn('streampulse: viewer count poll refused (' + res.status + '), retrying in ' + Math.max(retryAfter, backoff) + ' ms');
            markCountStale();
            await net.sleep(Math.max(retryAfter, backoff));
            continue;
          }
          if (!res.ok) throw new Error('subscribe answered ' + res.status);
          var body = await res.json();
          var items = body && Array.isArray(body.items) ? body.items : [];
          for (var i = 0; i < items.length; i++) {
            var el = items[i] || {};
            if (el.item) {
              var it = el.item;
              if (typeof it.topic_sequence_number === 'number') sequenceNumber = it.topic_sequence_number + 1;
              if (typeof it.sequence_page === 'number') sequencePage = it.sequence_page;
              var n = parseCount(it.value && it.value.text);
              if (n !== null) showCount(n);
            } else if (el.discontinuity) {
              var d = el.discontinuity;
              if (typeof d.new_topic_sequence === 'number') sequenceNumber = d.new_topic_sequence;
              if (typeof d.new_sequence_page === 'number') sequencePage = d.new_sequence_page;
            }
          }
          backoff = 0;
        } catch (err) {
          if (err && err.name === 'AbortError') continue; // our own long-poll timeout: just re-issue
          backoff = net.nextBackoff(backoff);
          console.warn('streampulse: viewer count poll failed, retrying in ' + backoff + ' ms:', err.message || err);
          markCountStale();
          await net.sleep(backoff);
        }
      }
    }

    return {
      poll: pollViewerCount,
      render: renderCount,
      announce: maybeAnnounce,
      get value() { return state.viewerCount; }
    };
  };
})();
