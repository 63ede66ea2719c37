/*
 * streampulse player: playing the stream, and failing visibly (docs/viewers.md).
 *
 * Plays with hls.js (or natively where the browser plays HLS itself), muted autoplay. A start
 * that fails (the playlist or a segment cannot be loaded, the media cannot be decoded, or no
 * first frame within START_TIMEOUT_MS) or a fatal error later:
 *   - shows the viewer what happened, with a "Retry now" button and the time to the next try;
 *   - tries again by itself after 2, 4, 8, 16 then every 30 s (each with up to 20 % added);
 *   - calls onFailure(), which sends the failure to the service (a heartbeat whose `errors`
 *     carries it: static/player.js).
 * A failed player is not counted as watching until a new try starts.
 *
 *   var pb = StreampulsePlayback(video, {quality, onFailure, onChange});
 *   pb.start({url, name}); pb.isWatching(); pb.phase(); pb.hls(); pb.retryNow();
 *   pb.showProblem(text, {retryInMs, onRetry}); pb.hideProblem();
 *
 * Plain script: window.StreampulsePlayback. Needs window.Hls (static/vendor/hls.min.js) for
 * browsers without native HLS.
 */
(function () {
  'use strict';

  var START_TIMEOUT_MS = 30000;
  var RETRY_MIN_MS = 2000;
  var RETRY_MAX_MS = 30000;

  window.StreampulsePlayback = function (video, opts) {
    var quality = opts.quality;
    var s = {
      stream: null, hls: null,
      phase: 'idle',           // idle | starting | blocked (autoplay refused) | started | failed
      failures: 0,             // failed tries in a row (the back-off)
      attempts: 0,
      lastError: '',
      startTimer: null,
      retryTimer: null, retryAt: 0, onRetry: null, countdownTimer: null,
      mediaRecoveries: 0
    };

    var box = document.getElementById('player-error');
    var boxText = document.getElementById('player-error-text');
    var boxWhen = document.getElementById('player-error-when');
    var retryButton = document.getElementById('player-retry');
    retryButton.addEventListener('click', function () { if (s.onRetry) runRetry(); });

    function changed() { if (opts.onChange) opts.onChange(); }

    // ------------------------------------------------------------ the problem box

    function renderCountdown() {
      if (!s.onRetry || !s.retryAt) { boxWhen.textContent = ''; return; }
      var left = Math.max(0, Math.ceil((s.retryAt - Date.now()) / 1000));
      boxWhen.textContent = left > 0 ? 'Trying again in ' + left + ' s.' : 'Trying again…';
    }

    // Shows `text` over the video; with retry.onRetry, a "Retry now" button and, with
    // retry.retryInMs, a countdown to the automatic try (which calls onRetry).
    function showProblem(text, retry) {
      clearRetry();
      boxText.textContent = text;
      s.onRetry = retry && retry.onRetry ? retry.onRetry : null;
      retryButton.hidden = !s.onRetry;
      if (s.onRetry && retry.retryInMs > 0) {
        s.retryAt = Date.now() + retry.retryInMs;
        s.retryTimer = setTimeout(runRetry, retry.retryInMs);
        s.countdownTimer = setInterval(renderCountdown, 1000);
      }
      renderCountdown();
      box.hidden = false;
    }

    function hideProblem() {
      clearRetry();
      s.onRetry = null;
      box.hidden = true;
    }

    function clearRetry() {
      clearTimeout(s.retryTimer);
      clearInterval(s.countdownTimer);
      s.retryTimer = null;
      s.countdownTimer = null;
      s.retryAt = 0;
    }

    function runRetry() {
      var f = s.onRetry;
      clearRetry();
      boxWhen.textContent = 'Trying again…';
      if (f) f();
    }

    function backoffMs() {
      var ms = Math.min(RETRY_MAX_MS, RETRY_MIN_MS * Math.pow(2, Math.max(0, s.failures - 1)));
      return Math.round(ms * (1 + Math.random() * 0.2));
    }

    // ------------------------------------------------------------ one try

    function teardown() {
      clearTimeout(s.startTimer);
      s.startTimer = null;
      if (s.hls) {
        s.hls.destroy();
        s.hls = null;
      }
    }

    function fail(message, alreadyCounted) {
      if (s.phase === 'failed') return;
      var wasStarted = s.phase === 'started';
      teardown();
      s.phase = 'failed';
      s.failures += 1;
      s.lastError = message;
      if (!alreadyCounted) quality.noteError();
      console.warn('streampulse: playback failed (try ' + s.attempts + '): ' + message);
      var lead = wasStarted ? 'Playback stopped: ' : 'This stream could not be loaded: ';
      showProblem(lead + message, { retryInMs: backoffMs(), onRetry: attempt });
      if (opts.onFailure) opts.onFailure(message);
      changed();
    }

    function tryPlay() {
      var p = video.play();
      if (p && p.catch) {
        p.catch(function (err) {
          // Autoplay refused (rare when muted): the controls let the viewer start it. Not a
          // failure, and not watching until they do.
          console.info('streampulse: autoplay was refused:', err && err.name);
          if (err && err.name === 'NotAllowedError' && s.phase === 'starting') {
            clearTimeout(s.startTimer);
            s.startTimer = null;
            s.phase = 'blocked';
            changed();
          }
        });
      }
    }

    function attempt() {
      teardown();
      s.attempts += 1;
      s.phase = 'starting';
      s.mediaRecoveries = 0;
      video.muted = true;
      video.autoplay = true;
      quality.markRequested();
      s.startTimer = setTimeout(function () {
        if (s.phase === 'starting') fail('no picture after ' + START_TIMEOUT_MS / 1000 + ' s');
      }, START_TIMEOUT_MS);

      if (window.Hls && window.Hls.isSupported()) {
        var Hls = window.Hls;
        var hls = new Hls({ capLevelToPlayerSize: false, backBufferLength: 30 });
        s.hls = hls;
        quality.attachHls(hls, Hls); // first: its ERROR listener counts the fatal error before fail() reports it
        if (opts.onHls) opts.onHls(hls, Hls);
        hls.on(Hls.Events.MANIFEST_PARSED, tryPlay);
        hls.on(Hls.Events.ERROR, function (_event, data) {
          if (!data || !data.fatal || hls !== s.hls) return;
          if (data.type === Hls.ErrorTypes.MEDIA_ERROR && s.mediaRecoveries < 3) {
            s.mediaRecoveries += 1;
            hls.recoverMediaError();
            return;
          }
          var what = data.type === Hls.ErrorTypes.NETWORK_ERROR ? 'network problem' : 'playback error';
          var status = data.response && data.response.code ? ', HTTP ' + data.response.code : '';
          fail(what + ' (' + data.details + status + ')', true);
        });
        hls.loadSource(s.stream.url);
        hls.attachMedia(video);
      } else if (video.canPlayType('application/vnd.apple.mpegurl')) {
        video.src = s.stream.url; // Safari, iOS: native HLS
        video.addEventListener('loadedmetadata', tryPlay, { once: true });
        video.load();
      } else {
        clearTimeout(s.startTimer);
        s.phase = 'failed';
        showProblem('This browser cannot play HLS streams' +
          (window.Hls ? '.' : ' (hls.js was not loaded: run scripts/vendor-assets.sh).'));
      }
      changed();
    }

    video.addEventListener('playing', function () {
      if (s.phase !== 'starting' && s.phase !== 'blocked') return;
      clearTimeout(s.startTimer);
      s.startTimer = null;
      s.phase = 'started';
      s.failures = 0;
      hideProblem();
      changed();
    });
    video.addEventListener('error', function () {
      // hls.js reports its own errors; this is the native player's (or an hls.js-less one's).
      if (s.hls || s.phase === 'idle' || s.phase === 'failed') return;
      var err = video.error;
      fail('media error' + (err ? ' ' + err.code + (err.message ? ': ' + err.message : '') : ''));
    });

    return {
      start: function (stream) { s.stream = stream; attempt(); },
      retryNow: function () { if (s.onRetry) runRetry(); },
      // Counted as watching (docs/viewers.md): trying to start (until the first frame, a
      // failure or autoplay refused), or playing (buffering included), whether the tab is visible,
      // hidden or in picture-in-picture. Not: paused, ended, failed.
      isWatching: function () {
        if (s.phase === 'starting') return true; // until the first frame, a failure or autoplay refused
        if (s.phase === 'started') return !video.paused && !video.ended;
        return false;
      },
      phase: function () { return s.phase; },
      failures: function () { return s.failures; },
      attempts: function () { return s.attempts; },
      lastError: function () { return s.lastError; },
      hls: function () { return s.hls; },
      showProblem: showProblem,
      hideProblem: hideProblem
    };
  };
})();
