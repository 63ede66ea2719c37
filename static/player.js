/*
 * streampulse player page: configuration, heartbeats, the viewer count and the page.
 *
 * 1. Reads GET /api/player-config: where to publish heartbeats and subscribe to the viewer
 *    count (Momento's HTTP topics API, served by streampulse itself on the embedded backend),
 *    a short-lived token, the heartbeat period, and the stream to play: `?streamId=ID` plays
 *    that stream of the catalog (GET /api/player-config?stream=ID; its name is the page's
 *    title), `?stream=URL&name=NAME` override the stream, as in the original demo.
 * 2. Plays the stream (static/player-playback.js): a failed start is shown with a Retry button
 *    and tried again with back-off, and reported to the service (a heartbeat with `errors`).
 * 3. While the page counts as watching (docs/viewers.md: starting or playing, in a visible or
 *    hidden tab or picture-in-picture; not paused, ended or failed), publishes a heartbeat
 *    {playerId, bitrate, playTime, agent, quality fields} every heartbeatIntervalMs on a fixed
 *    schedule, independent of the round trip (static/player-heartbeat.js).
 * 4. Long-polls the viewer-count topic and shows the count over the video (not a live region:
 *    a separate polite announcement on the first count and on lasting changes).
 * 5. Fetches a new configuration before the token expires and after any 401.
 *
 * Identity: the token is bound to one player (the first id it reports; others get 403). The
 * page reports under the playerId the first configuration issued (one per page load, a view:
 * two tabs are two viewers) and keeps it when it renews the token: the new token binds to the
 * same id. The profile's long-lived id (localStorage) travels as viewerId.
 *
 * Plain script, no build step. Needs window.StreampulseHeartbeats, window.StreampulsePlayback,
 * window.StreampulseQuality and window.detectAgent (the page's other scripts).
 */
(function () {
  'use strict';

  var STORAGE_PLAYER_ID = 'streampulse.playerId';
  var STORAGE_PLAY_TIME = 'streampulse.playTime';
  var PLAYER_ID_RE = /^[A-Za-z0-9_-]{1,64}$/;
  var DEFAULT_HEARTBEAT_MS = 750;
  var PUBLISH_TIMEOUT_MS = 4000;   // a heartbeat unanswered this long is abandoned
  var MAX_PUBLISHES_IN_FLIGHT = 3; // 3 x 750 ms: full rate up to a 2.25 s round trip
  var ANNOUNCE_MIN_GAP_MS = 30000; // screen readers hear the count at most this often
  var ANNOUNCE_STABLE_MS = 5000;   // ... and only a count that held this long
  var POLL_TIMEOUT_MS = 90000; // long-poll hold time is not bounded by the API: re-issue
  var BACKOFF_MIN_MS = 1000;
  var BACKOFF_MAX_MS = 10000;

  var $ = function (id) { return document.getElementById(id); };
  var video = $('video');

  var state = {
    config: null,            // last good /api/player-config answer
    configPromise: null,     // the refresh in flight, shared by everyone who needs it
    configTimer: null,
    stream: null,            // {url, name}, fixed once playback starts
    playerId: null,          // issued by the first configuration (a view)
    viewerId: loadViewerId(), // this browser profile, across views
    agent: window.detectAgent
      ? window.detectAgent(navigator.userAgent, navigator.userAgentData, { maxTouchPoints: navigator.maxTouchPoints })
      : null,
    playTime: loadPlayTime(), // seconds actually played (float)
    lastMediaTime: null,
    lastWallTime: 0,
    segments: 0,
    downloadMsTotal: 0,
    lastFragLevel: -1,
    hbSent: 0,               // heartbeats the service accepted
    lastAcceptedAt: 0,       // when it last accepted one (Date.now())
    lastPublishError: '',
    failureReports: 0,       // failure beacons accepted
    viewerCount: null,       // the last count received
    countChangedAt: 0,
    announced: null,         // the last count announced to screen readers
    announcedAt: 0,
    quality: window.StreampulseQuality ? window.StreampulseQuality(video) : {
      markRequested: function () {}, attachHls: function () {}, noteError: function () {},
      fields: function () { return {}; }, claim: function () {}, release: function () {},
      snapshot: function () { return null; }
    }
  };

  var playback = window.StreampulsePlayback(video, {
    quality: state.quality,
    onHls: function (hls, Hls) {
      hls.on(Hls.Events.FRAG_LOADED, function (_event, data) {
        var frag = data && data.frag;
        if (!frag || (frag.type && frag.type !== 'main')) return;
        state.segments += 1;
        state.lastFragLevel = typeof frag.level === 'number' ? frag.level : state.lastFragLevel;
        var loading = frag.stats && frag.stats.loading;
        if (loading && loading.end >= loading.start && loading.start > 0) {
          state.downloadMsTotal += loading.end - loading.start;
        }
      });
    },
    onFailure: reportFailure,
    onChange: onPlaybackStateChange
  });

  var heartbeats = window.StreampulseHeartbeats({
    intervalMs: heartbeatInterval,
    shouldBeat: shouldBeat,
    send: publishHeartbeat,
    maxInFlight: MAX_PUBLISHES_IN_FLIGHT,
    timeoutMs: PUBLISH_TIMEOUT_MS
  });

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

  function savePlayTime() {
    try { window.sessionStorage.setItem(STORAGE_PLAY_TIME, String(state.playTime)); } catch (e) { /* ignore */ }
  }

  // ---------------------------------------------------------------- configuration

  function sleep(ms) {
    return new Promise(function (resolve) { setTimeout(resolve, ms); });
  }

  function fetchWithTimeout(url, options, timeoutMs) {
    var controller = new AbortController();
    var timer = setTimeout(function () { controller.abort(); }, timeoutMs);
    var opts = Object.assign({}, options, { signal: controller.signal });
    return fetch(url, opts).finally(function () { clearTimeout(timer); });
  }

  // The stream of the catalog the page plays (?streamId=ID); null: the default stream.
  var STREAM_ID = new URLSearchParams(window.location.search).get('streamId');

  async function fetchConfigOnce() {
    var target = '/api/player-config' + (STREAM_ID !== null ? '?stream=' + encodeURIComponent(STREAM_ID) : '');
    var res = await fetchWithTimeout(target, { cache: 'no-store', headers: { Accept: 'application/json' } }, 10000);
    if (res.status === 404 && STREAM_ID !== null) {
      // No such stream: retrying will not make one.
      var body = await res.json().catch(function () { return {}; });
      var missing = new Error(body.message || 'no stream \'' + STREAM_ID + '\'');
      missing.fatal = true;
      throw missing;
    }
    if (!res.ok) throw new Error('GET /api/player-config answered ' + res.status);
    var cfg = await res.json();
    if (!cfg || !cfg.topics || typeof cfg.topics.token !== 'string') {
      throw new Error('GET /api/player-config: no topics.token in the answer');
    }
    return cfg;
  }

  // Under "Stream not found": the catalog's streams, most watched first, each a link to play it.
  async function listStreams() {
    var nav = $('player-streams');
    try {
      var res = await fetchWithTimeout('/api/streams', { cache: 'no-store' }, 5000);
      if (!res.ok) return;
      var streams = ((await res.json()) || {}).streams || [];
      streams.sort(function (a, b) {
        return ((b.players && b.players.active) || 0) - ((a.players && a.players.active) || 0);
      });
      var list = $('player-streams-list');
      list.textContent = '';
      streams.forEach(function (st) {
        var li = document.createElement('li');
        var link = document.createElement('a');
        link.href = '/?streamId=' + encodeURIComponent(st.id);
        link.textContent = st.name || st.id;
        li.appendChild(link);
        var active = (st.players && st.players.active) || 0;
        li.appendChild(document.createTextNode(' · ' + active + ' watching'));
        list.appendChild(li);
      });
      nav.hidden = streams.length === 0;
    } catch (e) {
      nav.hidden = true;  // the list is a help, not the message: leave it out
    }
  }

  // Waits `ms`, or less when the viewer presses "Retry now" (the page's problem box).
  function waitWithRetry(text, ms) {
    return new Promise(function (resolve) {
      playback.showProblem(text, { retryInMs: ms, onRetry: resolve });
    });
  }

  // Fetches a new configuration, retrying with back-off until it succeeds. Concurrent
  // callers (a 401 on publish and one on the poll) share one request. Before the first
  // configuration the viewer sees why nothing plays (a stream not in the catalog, the service
  // unreachable), with a Retry button; a renewal's failures stay in the diagnostics (heartbeats
  // go on with the current token until it is refused).
  function refreshConfig() {
    if (state.configPromise) return state.configPromise;
    state.configPromise = (async function () {
      var backoff = 0;
      for (;;) {
        try {
          var cfg = await fetchConfigOnce();
          if (!state.config) playback.hideProblem();
          applyConfig(cfg);
          return cfg;
        } catch (err) {
          var message = (err && err.message) || String(err);
          backoff = err.fatal ? Math.min(Math.max(backoff * 2, 5000), 60000) : nextBackoff(backoff);
          console.warn('streampulse: player config failed, retrying in ' + backoff + ' ms:', message);
          setHeartbeatStatus('error', 'Cannot load the player configuration (' + message + '), retrying…');
          if (state.config) {
            await sleep(backoff);
          } else if (err.fatal) {
            // No such stream (yet): say so, and look again now and then (it may be added).
            $('stream-name').textContent = 'Stream not found';
            document.title = 'Stream not found · streampulse';
            listStreams();
            await waitWithRetry(message + '.', backoff);
          } else {
            await waitWithRetry('Cannot reach the streampulse service (' + message + ').', backoff);
          }
        }
      }
    })().finally(function () { state.configPromise = null; });
    return state.configPromise;
  }

  function applyConfig(cfg) {
    state.config = cfg;
    if (!state.playerId) {
      // A server that issues no playerId binds the token to whatever comes first: the profile id.
      state.playerId = typeof cfg.playerId === 'string' && PLAYER_ID_RE.test(cfg.playerId) ? cfg.playerId : state.viewerId;
      $('stat-player-id').textContent = state.playerId;
    }
    clearTimeout(state.configTimer);
    var expiresAt = Number(cfg.topics.expiresAt);
    var left = isFinite(expiresAt) && expiresAt > 0 ? expiresAt - Date.now() : 0;
    if (left > 0) {
      // Renew a little before the end: 20% of the remaining life, at most 60 s early
      // (a 15-minute token is renewed after 14 minutes, a 3-second one after 2.4 s).
      var inMs = Math.max(1000, left - Math.min(60000, left * 0.2));
      state.configTimer = setTimeout(refreshConfig, Math.min(inMs, 2147483000));
    }
    // left <= 0: no expiry, or this machine's clock is ahead of the server's; a 401 then
    // triggers the renewal instead.
  }

  function heartbeatInterval() {
    var ms = state.config && Number(state.config.heartbeatIntervalMs);
    return isFinite(ms) && ms >= 100 ? ms : DEFAULT_HEARTBEAT_MS;
  }

  function topicUrl(topicKey) {
    var t = state.config.topics;
    var base = String(t.baseUrl || '').replace(/\/+$/, '');
    return base + '/topics/' + encodeURIComponent(t.cache) + '/' + encodeURIComponent(t[topicKey]);
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

  // ---------------------------------------------------------------- playback

  function chooseStream(cfg) {
    var params = new URLSearchParams(window.location.search);
    var fromConfig = (cfg && cfg.stream) || {};
    var url = params.get('stream') || fromConfig.url || '/media/sample/master.m3u8';
    var name = params.get('name') || (params.get('stream') ? nameFromUrl(url) : fromConfig.name) || 'Live stream';
    return { url: url, name: name };
  }

  // An ad-hoc URL's name: its file, or its folder when the file is the usual playlist name
  // (/media/show/master.m3u8 is "show", not "master.m3u8").
  function nameFromUrl(url) {
    var segments = url.split(/[?#]/)[0].split('/').filter(function (s) { return s !== ''; });
    var last = segments.pop() || '';
    if (/^(master|index|playlist|main)\.m3u8$/i.test(last) && segments.length > 0) last = segments.pop();
    try { return decodeURIComponent(last); } catch (e) { return last; }
  }

  function startPlayback(stream) {
    state.stream = stream;
    $('stream-name').textContent = stream.name;
    document.title = stream.name + ' · streampulse';
    $('stream-url').textContent = stream.url;
    playback.start(stream);
  }

  function currentBitrateKbps() {
    var hls = playback.hls();
    if (!hls || !hls.levels || hls.levels.length === 0) return 0;
    var idx = hls.currentLevel >= 0 ? hls.currentLevel : state.lastFragLevel;
    var level = idx >= 0 ? hls.levels[idx] : null;
    var bps = level && Number(level.bitrate);
    return bps > 0 ? Math.round(bps / 1000) : 0;
  }

  function bufferAheadSeconds() {
    var t = video.currentTime;
    var b = video.buffered;
    for (var i = 0; i < b.length; i++) {
      if (b.start(i) <= t + 0.1 && t < b.end(i)) return Math.max(0, b.end(i) - t);
    }
    return 0;
  }

  // Accumulates the media time really played: forward steps of currentTime that are not
  // seeks. Pauses, stalls, seeks and loop restarts add nothing.
  function accountPlayTime() {
    var now = performance.now();
    var t = video.currentTime;
    if (state.lastMediaTime !== null && !video.paused && !video.seeking) {
      var delta = t - state.lastMediaTime;
      var wall = (now - state.lastWallTime) / 1000;
      var rate = video.playbackRate > 0 ? video.playbackRate : 1;
      if (delta > 0 && delta <= wall * rate + 0.5) {
        state.playTime += delta;
      }
    }
    state.lastMediaTime = t;
    state.lastWallTime = now;
  }

  video.addEventListener('seeking', function () { state.lastMediaTime = null; });
  video.addEventListener('timeupdate', accountPlayTime);

  // ---------------------------------------------------------------- heartbeats

  // What counts as watching: docs/viewers.md. A hidden tab and picture-in-picture count
  // while the video plays; a pause, the end or a failure stops the heartbeats.
  function shouldBeat() {
    return !!state.config && playback.isWatching();
  }

  function heartbeatFields() {
    var body = {
      playerId: state.playerId,
      viewerId: state.viewerId,
      bitrate: currentBitrateKbps(),
      playTime: Math.floor(state.playTime)
    };
    if (state.agent) body.agent = state.agent;
    // A stream of the catalog (?streamId=): its heartbeats name it, as its token requires;
    // otherwise the original's heartbeat (the default stream).
    var stream = state.config && state.config.stream;
    if (STREAM_ID !== null && stream && stream.id) body.streamId = stream.id;
    Object.assign(body, state.quality.fields()); // player-quality.js
    return body;
  }

  function heartbeatBody() { return JSON.stringify(heartbeatFields()); }

  // One heartbeat (the scheduler's send): resolves {ok, retryAfterMs}; rejects when the
  // request failed or was aborted (signal: the scheduler's timeout). The quality deltas it
  // carries are claimed as it leaves and given back unless the service accepted it. A refused
  // token (401/403) gets a new configuration and one more try.
  async function publishHeartbeat(signal) {
    for (var attempt = 0; attempt < 2; attempt++) {
      var token = state.config.topics.token;
      var fields = heartbeatFields();
      state.quality.claim(fields);
      var res;
      try {
        res = await fetch(topicUrl('heartbeatTopic'), {
          method: 'POST',
          headers: { 'Content-Type': 'text/plain', Authorization: token },
          body: JSON.stringify(fields),
          cache: 'no-store',
          signal: signal
        });
      } catch (err) {
        state.quality.release(fields);
        state.lastPublishError = err && err.name === 'AbortError' ? 'publish timed out' : 'publish failed';
        throw err;
      }
      if (res.ok) {
        state.hbSent += 1;
        state.lastAcceptedAt = Date.now();
        state.lastPublishError = '';
        return { ok: true, errors: fields.errors || 0 };
      }
      state.quality.release(fields);
      if (res.status === 401 || res.status === 403) {
        state.lastPublishError = 'token refused (' + res.status + '), renewing';
        // Only renew if nobody did since this request left.
        if (state.config.topics.token === token) await refreshConfig();
        continue;
      }
      state.lastPublishError = 'publish answered ' + res.status;
      // At capacity: the scheduler holds every heartbeat for the Retry-After asked.
      return { ok: false, retryAfterMs: retryAfterMs(res) };
    }
    return { ok: false };
  }

  // A failed start (or a fatal error later): one heartbeat at once carries the error to the
  // service (its `errors` delta), so the dashboard's error figure counts it. Without a
  // configuration (the service unreachable) there is nothing to report it with.
  function reportFailure() {
    if (!state.config) return;
    var p = heartbeats.beatNow();
    if (p) p.then(function () { if (state.lastPublishError === '') state.failureReports += 1; });
  }

  function onPlaybackStateChange() {
    if (shouldBeat()) heartbeats.start();
    else heartbeats.stop();
    renderCount();
  }

  ['play', 'playing', 'pause', 'ended', 'emptied'].forEach(function (ev) {
    video.addEventListener(ev, onPlaybackStateChange);
  });
  window.addEventListener('pagehide', savePlayTime);

  // ---------------------------------------------------------------- viewer count

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
    var watching = shouldBeat();
    var acceptedRecently = Date.now() - state.lastAcceptedAt < 1500;
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
      if (!state.config) await refreshConfig();
      var token = state.config.topics.token;
      var url = topicUrl('viewerCountTopic') +
        '?sequence_number=' + sequenceNumber + '&sequence_page=' + sequencePage;
      try {
        var res = await fetchWithTimeout(url, { headers: { Authorization: token }, cache: 'no-store' }, POLL_TIMEOUT_MS);
        if (res.status === 401 || res.status === 403) {
          consecutiveAuthFailures += 1;
          if (state.config.topics.token === token) await refreshConfig();
          if (consecutiveAuthFailures > 1) {
            backoff = nextBackoff(backoff);
            markCountStale();
            await sleep(backoff);
          }
          continue;
        }
        consecutiveAuthFailures = 0;
        var retryAfter = res.ok ? 0 : retryAfterMs(res);
        if (retryAfter > 0) {
          // At capacity (429/503 with Retry-After): wait what it asks, at least the back-off.
          backoff = nextBackoff(backoff);
          console.warn('streampulse: viewer count poll refused (' + res.status + '), retrying in ' + Math.max(retryAfter, backoff) + ' ms');
          markCountStale();
          await sleep(Math.max(retryAfter, backoff));
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
        backoff = nextBackoff(backoff);
        console.warn('streampulse: viewer count poll failed, retrying in ' + backoff + ' ms:', err.message || err);
        markCountStale();
        await sleep(backoff);
      }
    }
  }

  // ---------------------------------------------------------------- stats display

  function setHeartbeatStatus(kind, text) {
    var dot = $('heartbeat-dot');
    dot.className = 'dot ' + kind;
    $('heartbeat-status').textContent = text;
  }

  function renderStats() {
    accountPlayTime();
    $('stat-segments').textContent = playback.hls() ? String(state.segments) : (state.stream ? 'n/a' : '0');
    $('stat-avg-download').textContent = state.segments > 0 ? String(Math.round(state.downloadMsTotal / state.segments)) : '—';
    $('stat-buffer').textContent = bufferAheadSeconds().toFixed(1);
    var kbps = currentBitrateKbps();
    $('stat-bitrate').textContent = kbps > 0 ? kbps.toLocaleString('en-US') : '—';
    $('stat-playtime').textContent = String(Math.floor(state.playTime));

    renderCount();
    maybeAnnounce();
    var hb = heartbeats.stats();
    $('stat-heartbeats').textContent = state.hbSent + ' accepted · ' + hb.inFlight + ' in flight · ' +
      hb.abandoned + ' timed out · ' + hb.failed + ' failed · clock: ' + hb.clock;

    if (!state.config) return; // refreshConfig() shows its own status
    var phase = playback.phase();
    if (phase === 'failed') {
      setHeartbeatStatus('error', 'Not counted: playback failed (' + playback.lastError() + ')');
    } else if (!shouldBeat()) {
      setHeartbeatStatus('idle', video.paused ? 'Paused: not counted, heartbeats stopped' : 'Not playing: heartbeats stopped');
    } else if (state.lastPublishError) {
      setHeartbeatStatus('error', 'Heartbeat problem: ' + state.lastPublishError);
    } else if (state.hbSent > 0) {
      var where = document.pictureInPictureElement ? ' (picture-in-picture)' :
        (document.visibilityState !== 'visible' ? ' (tab hidden)' : '');
      setHeartbeatStatus('ok', 'Counted' + where + ': heartbeat every ' + heartbeatInterval() + ' ms');
    } else {
      setHeartbeatStatus('idle', 'Starting…');
    }
  }

  // ---------------------------------------------------------------- start

  $('stat-player-id').textContent = '…';
  if (state.agent) {
    $('agent-text').textContent = state.agent.browser + ' · ' + state.agent.os + ' · ' + state.agent.device;
  }

  // For tests and curious people: the page's live state, read-only.
  window.streampulse = {
    get playerId() { return state.playerId; },
    get viewerId() { return state.viewerId; },
    get agent() { return state.agent; },
    get viewerCount() { return state.viewerCount; },
    get playTime() { return Math.floor(state.playTime); },
    get bitrate() { return currentBitrateKbps(); },
    get heartbeatsSent() { return state.hbSent; },
    get heartbeats() { return heartbeats.stats(); },
    get counted() { return shouldBeat(); },
    get phase() { return playback.phase(); },
    get failures() { return playback.failures(); },
    get failureReports() { return state.failureReports; },
    get config() { return state.config; },
    get quality() { return state.quality.snapshot(); },
    heartbeatBody: function () { return JSON.parse(heartbeatBody()); }
  };

  setInterval(renderStats, 250);
  setInterval(savePlayTime, 5000);

  refreshConfig().then(function (cfg) {
    startPlayback(chooseStream(cfg));
    pollViewerCount();
  });
})();
