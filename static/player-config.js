/*
 * streampulse player: the configuration (window.StreampulsePlayerConfig). Reads
 * GET /api/player-config: where to publish heartbeats and subscribe to the viewer count
 * (Momento's HTTP topics API, served by streampulse itself on the embedded backend), a
 * short-lived token, the heartbeat period and the stream to play (`?streamId=ID`: that stream
 * of the catalog, GET /api/player-config?stream=ID). Renews it before the token expires and
 * when asked (after a 401), with back-off; before the first one, the viewer sees why nothing
 * plays (a stream not in the catalog, with the streams there are; the service unreachable),
 * with a Retry button.
 *
 * Identity: the page reports under the playerId the first configuration issued (one per page
 * load, a view: two tabs are two viewers) and keeps it when it renews the token (the token is
 * bound to the first id it reports; the new one binds to the same id).
 *
 *   var config = StreampulsePlayerConfig({viewerId, playback, onStatus(kind, text)});
 *   config.refresh()             // a promise of the configuration (one request for all callers)
 *   config.current               // the last good configuration, or null
 *   config.playerId              // the view's id
 *   config.startFailures         // failed fetches before the first configuration
 *   config.streamId              // ?streamId=, or null (the default stream)
 *   config.topicUrl('heartbeatTopic' | 'viewerCountTopic')
 *   config.heartbeatInterval()   // ms
 *
 * Plain script, no build step. Needs window.StreampulseNet (player-net.js).
 */
(function () {
  'use strict';

  var DEFAULT_HEARTBEAT_MS = 750;

  window.StreampulsePlayerConfig = function (opts) {
    var net = window.StreampulseNet;
    var playback = opts.playback;
    var $ = function (id) { return document.getElementById(id); };
    var state = {
      config: null,            // last good /api/player-config answer
      configPromise: null,     // the refresh in flight, shared by everyone who needs it
      configTimer: null,
      playerId: null,          // issued by the first configuration (a view)
      startFailures: 0         // fetches that failed before the first configuration
    };

    // The stream of the catalog the page plays (?streamId=ID); null: the default stream.
    var STREAM_ID = new URLSearchParams(window.location.search).get('streamId');

    async function fetchConfigOnce() {
      var target = '/api/player-config' + (STREAM_ID !== null ? '?stream=' + encodeURIComponent(STREAM_ID) : '');
      var res = await net.fetchWithTimeout(target, { cache: 'no-store', headers: { Accept: 'application/json' } }, 10000);
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
        var res = await net.fetchWithTimeout('/api/streams', { cache: 'no-store' }, 5000);
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
            if (!state.config) state.startFailures += 1;
            backoff = err.fatal ? Math.min(Math.max(backoff * 2, 5000), 60000) : net.nextBackoff(backoff);
            console.warn('streampulse: player config failed, retrying in ' + backoff + ' ms:', message);
            opts.onStatus('error', 'Cannot load the player configuration (' + message + '), retrying…');
            if (state.config) {
              await net.sleep(backoff);
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
        state.playerId = typeof cfg.playerId === 'string' && net.PLAYER_ID_RE.test(cfg.playerId) ? cfg.playerId : opts.viewerId;
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

    return {
      refresh: refreshConfig,
      get current() { return state.config; },
      get playerId() { return state.playerId; },
      // The page could not start for want of a configuration this many times: without one there
      // is no token to report it with, so player.js reports them with its first heartbeat.
      get startFailures() { return state.startFailures; },
      streamId: STREAM_ID,
      topicUrl: topicUrl,
      heartbeatInterval: heartbeatInterval
    };
  };
})();
