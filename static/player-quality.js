/*
 * streampulse player: viewing-quality figures for the heartbeat (docs/api.md "Heartbeat").
 *
 *   startupMs      play request (the page starting playback) to the first frame ('playing')
 *   rebufferCount  stalls after the first frame ('waiting' while not paused, or hls.js's
 *   rebufferMs     bufferStalledError), and the time stalled, as deltas since the last
 *                  heartbeat the service accepted (an unsent delta is sent with the next one)
 *   errors         hls.js errors (fatal ones), as a delta
 *   throughputBps  hls.bandwidthEstimate
 *   droppedFrames  video.getVideoPlaybackQuality().droppedVideoFrames: a total, not a delta
 *   state          playing | paused | buffering (none before the first frame)
 *
 * window.StreampulseQuality(video) returns
 *   {markRequested, attachHls, noteError, fields, claim, release, snapshot}.
 */
(function () {
  'use strict';

  function now() { return window.performance ? performance.now() : Date.now(); }

  window.StreampulseQuality = function (video) {
    var s = {
      requestedAt: null, startupMs: null,
      stalls: 0, stalledMs: 0, stallStart: null,
      errors: 0,
      acked: { stalls: 0, stalledMs: 0, errors: 0 },
      hls: null
    };

    function beginStall() {
      if (s.startupMs === null || s.stallStart !== null || video.paused || video.ended) return;
      s.stalls += 1;
      s.stallStart = now();
    }
    function endStall() {
      if (s.stallStart === null) return;
      s.stalledMs += now() - s.stallStart;
      s.stallStart = null;
    }
    function totalStalledMs() {
      return s.stalledMs + (s.stallStart !== null ? now() - s.stallStart : 0);
    }

    video.addEventListener('playing', function () {
      if (s.startupMs === null && s.requestedAt !== null) {
        s.startupMs = Math.max(0, Math.round(now() - s.requestedAt));
      }
      endStall();
    });
    video.addEventListener('waiting', beginStall);
    video.addEventListener('pause', endStall);  // a pause is not a stall
    video.addEventListener('seeking', endStall);

    function fields() {
      var f = {};
      if (s.startupMs !== null) f.startupMs = s.startupMs;
      if (s.startupMs !== null) {
        f.rebufferCount = s.stalls - s.acked.stalls;
        f.rebufferMs = Math.max(0, Math.round(totalStalledMs() - s.acked.stalledMs));
      }
      f.errors = s.errors - s.acked.errors;
      var bw = s.hls && Number(s.hls.bandwidthEstimate);
      if (isFinite(bw) && bw > 0) f.throughputBps = Math.round(bw);
      if (typeof video.getVideoPlaybackQuality === 'function') {
        var q = video.getVideoPlaybackQuality();
        if (q && isFinite(q.droppedVideoFrames)) f.droppedFrames = q.droppedVideoFrames;
      }
      if (s.startupMs !== null) {
        f.state = s.stallStart !== null ? 'buffering' : (video.paused ? 'paused' : 'playing');
      }
      return f;
    }

    // A heartbeat carrying `sent` (what fields() gave) leaves: its deltas are taken, so the
    // next heartbeat (which may leave before this one is answered) does not carry them again.
    function claim(sent) { move(sent, 1); }
    // ... and was refused or failed: its deltas go back to be sent with the next one. (A publish
    // abandoned after its timeout may still have been recorded: then they count twice.)
    function release(sent) { move(sent, -1); }
    function move(sent, sign) {
      if (!sent) return;
      if (typeof sent.rebufferCount === 'number') s.acked.stalls += sign * sent.rebufferCount;
      if (typeof sent.rebufferMs === 'number') s.acked.stalledMs += sign * sent.rebufferMs;
      if (typeof sent.errors === 'number') s.acked.errors += sign * sent.errors;
    }

    return {
      markRequested: function () { if (s.requestedAt === null) s.requestedAt = now(); },
      attachHls: function (hls, Hls) {
        s.hls = hls;
        hls.on(Hls.Events.ERROR, function (_event, data) {
          if (!data) return;
          if (data.details === 'bufferStalledError') beginStall();
          if (data.fatal) s.errors += 1;
        });
      },
      // A failure hls.js did not report as fatal (the video element's error, a start timeout).
      noteError: function () { s.errors += 1; },
      fields: fields,
      claim: claim,
      release: release,
      snapshot: function () {
        return { startupMs: s.startupMs, stalls: s.stalls, stalledMs: Math.round(totalStalledMs()),
                 errors: s.errors, buffering: s.stallStart !== null };
      }
    };
  };
})();
