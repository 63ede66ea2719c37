/*
 * streampulse player page: what it counts, and what it shows.
 *
 * 1. Reads the configuration (static/player-config.js: GET /api/player-config; `?streamId=ID`
 *    plays that stream of the catalog, its name the page's title; `?stream=URL&name=NAME`
 *    override the stream, as in the original demo), and renews it before the token expires.
 * 2. Plays the stream (static/player-playback.js): a failed start is shown with a Retry button
 *    and tried again with back-off, and reported to the service (a heartbeat with `errors`).
 * 3. While the page counts as watching (docs/viewers.md: starting or playing, in a visible or
 *    hidden tab or picture-in-picture; not paused, ended or failed), publishes a heartbeat
 *    {playerId, viewerId, bitrate, playTime, agent, quality fields} every heartbeatIntervalMs on
 *    a fixed schedule, independent of the round trip (static/player-heartbeat.js).
 * 4. Shows the viewer count over the video (static/player-count.js: a long-poll of the
 *    viewer-count topic; not a live region, a separate polite announcement instead).
 * 5. Shows the diagnostics (segments, buffer, bitrate, heartbeats; static/player-media.js
 *    measures them and the play time) behind a closed toggle.
 *
 * Identity: the token is bound to one player (the first id it reports; others get 403). The
 * page reports under the playerId the first configuration issued (a view) and keeps it when it
 * renews the token. The profile's long-lived id (localStorage, player-net.js) travels as viewerId.
 *
 * Plain script, no build step; loaded last. Needs window.StreampulseNet,
 * window.StreampulsePlayerConfig, window.StreampulseViewerCount, window.StreampulseHeartbeats,
 * window.StreampulsePlayback, window.StreampulseMediaStats, window.StreampulseQuality and
 * window.detectAgent (the page's other scripts).
 */
(function () {
  'use strict';

  var PUBLISH_TIMEOUT_MS = 4000;   // a heartbeat unanswered this long is abandoned
  var MAX_PUBLISHES_IN_FLIGHT = 3; // 3 x 750 ms: full rate up to a 2.25 s round trip

  var net = window.StreampulseNet;
  var $ = function (id) { return document.getElementById(id); };
  var video = $('video');

  var state = {
    stream: null,            // {url, name}, fixed once playback starts
    viewerId: net.loadViewerId(), // this browser profile, across views
    agent: window.detectAgent
      ? window.detectAgent(navigator.userAgent, navigator.userAgentData, { maxTouchPoints: navigator.maxTouchPoints })
      : null,
    hbSent: 0,               // heartbeats the service accepted
    lastAcceptedAt: 0,       // when it last accepted one (Date.now())
    lastPublishError: '',
    failureReports: 0,       // failure beacons accepted
    quality: window.StreampulseQuality ? window.StreampulseQuality(video) : {
      markRequested: function () {}, attachHls: function () {}, noteError: function () {},
      fields: function () { return {}; }, claim: function () {}, release: function () {},
      snapshot: function () { return null; }
    }
  };

  // Play time (kept across reloads), segments, bitrate, buffer: player-media.js.
  var media = window.StreampulseMediaStats(video, { playTime: net.loadPlayTime() });

  var playback = window.StreampulsePlayback(video, {
    quality: state.quality,
    onHls: media.onHls,
    onFailure: reportFailure,
    onChange: onPlaybackStateChange
  });

  var config = window.StreampulsePlayerConfig({
    viewerId: state.viewerId,
    playback: playback,
    onStatus: setHeartbeatStatus
  });

  var count = window.StreampulseViewerCount({
    video: video,
    playback: playback,
    config: config,
    isWatching: shouldBeat,
    lastAcceptedAt: function () { return state.lastAcceptedAt; }
  });

  var heartbeats = window.StreampulseHeartbeats({
    intervalMs: config.heartbeatInterval,
    shouldBeat: shouldBeat,
    send: publishHeartbeat,
    maxInFlight: MAX_PUBLISHES_IN_FLIGHT,
    timeoutMs: PUBLISH_TIMEOUT_MS
  });

  function savePlayTime() { net.savePlayTime(media.playTime()); }

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

  function currentBitrateKbps() { return media.bitrateKbps(playback.hls()); }

  // ---------------------------------------------------------------- heartbeats

  // What counts as watching: docs/viewers.md. A hidden tab and picture-in-picture count
  // while the video plays; a pause, the end or a failure stops the heartbeats.
  function shouldBeat() {
    return !!config.current && playback.isWatching();
  }

  function heartbeatFields() {
    var body = {
      playerId: config.playerId,
      viewerId: state.viewerId,
      bitrate: currentBitrateKbps(),
      playTime: Math.floor(media.playTime())
    };
    if (state.agent) body.agent = state.agent;
    // A stream of the catalog (?streamId=): its heartbeats name it, as its token requires;
    // otherwise the original's heartbeat (the default stream).
    var stream = config.current && config.current.stream;
    if (config.streamId !== null && stream && stream.id) body.streamId = stream.id;
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
      var token = config.current.topics.token;
      var fields = heartbeatFields();
      state.quality.claim(fields);
      var res;
      try {
        res = await fetch(config.topicUrl('heartbeatTopic'), {
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
        if (config.current.topics.token === token) await config.refresh();
        continue;
      }
      state.lastPublishError = 'publish answered ' + res.status;
      // At capacity: the scheduler holds every heartbeat for the Retry-After asked.
      return { ok: false, retryAfterMs: net.retryAfterMs(res) };
    }
    return { ok: false };
  }

  // A failed start (or a fatal error later): one heartbeat at once carries the error to the
  // service (its `errors` delta), so the dashboard's error figure counts it. Without a
  // configuration (the service unreachable) there is nothing to report it with yet: those
  // failures go with the first heartbeat once one arrives (config.startFailures).
  function reportFailure() {
    if (!config.current) return;
    var p = heartbeats.beatNow();
    if (p) p.then(function () { if (state.lastPublishError === '') state.failureReports += 1; });
  }

  function onPlaybackStateChange() {
    if (shouldBeat()) heartbeats.start();
    else heartbeats.stop();
    count.render();
  }

  ['play', 'playing', 'pause', 'ended', 'emptied'].forEach(function (ev) {
    video.addEventListener(ev, onPlaybackStateChange);
  });
  window.addEventListener('pagehide', savePlayTime);

  // ---------------------------------------------------------------- stats display

  function setHeartbeatStatus(kind, text) {
    var dot = $('heartbeat-dot');
    dot.className = 'dot ' + kind;
    $('heartbeat-status').textContent = text;
  }

  function renderStats() {
    media.account();
    $('stat-segments').textContent = playback.hls() ? String(media.segments()) : (state.stream ? 'n/a' : '0');
    var avgDownload = media.avgDownloadMs();
    $('stat-avg-download').textContent = avgDownload !== null ? String(Math.round(avgDownload)) : '—';
    $('stat-buffer').textContent = media.bufferAheadSeconds().toFixed(1);
    var kbps = currentBitrateKbps();
    $('stat-bitrate').textContent = kbps > 0 ? kbps.toLocaleString('en-US') : '—';
    $('stat-playtime').textContent = String(Math.floor(media.playTime()));

    count.render();
    count.announce();
    var hb = heartbeats.stats();
    $('stat-heartbeats').textContent = state.hbSent + ' accepted · ' + hb.inFlight + ' in flight · ' +
      hb.abandoned + ' timed out · ' + hb.failed + ' failed · clock: ' + hb.clock;

    if (!config.current) return; // config.refresh() shows its own status
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
      setHeartbeatStatus('ok', 'Counted' + where + ': heartbeat every ' + config.heartbeatInterval() + ' ms');
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
    get playerId() { return config.playerId; },
    get viewerId() { return state.viewerId; },
    get agent() { return state.agent; },
    get viewerCount() { return count.value; },
    get playTime() { return Math.floor(media.playTime()); },
    get bitrate() { return currentBitrateKbps(); },
    get heartbeatsSent() { return state.hbSent; },
    get heartbeats() { return heartbeats.stats(); },
    get counted() { return shouldBeat(); },
    get phase() { return playback.phase(); },
    get failures() { return playback.failures(); },
    get failureReports() { return state.failureReports; },
    get config() { return config.current; },
    get quality() { return state.quality.snapshot(); },
    heartbeatBody: function () { return JSON.parse(heartbeatBody()); }
  };

  setInterval(renderStats, 250);
  setInterval(savePlayTime, 5000);

  config.refresh().then(function (cfg) {
    for (var i = 0; i < config.startFailures; i++) state.quality.noteError();
    startPlayback(chooseStream(cfg));
    count.poll();
  });
})();
