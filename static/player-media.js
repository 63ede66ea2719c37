/*
 * streampulse player: what the video element and hls.js tell of playback
 * (window.StreampulseMediaStats): the media time really played (forward steps of currentTime
 * that are not seeks: pauses, stalls, seeks and loop restarts add nothing), the segments loaded
 * and their download time, the bitrate of the level playing and the buffer ahead.
 *
 *   var media = StreampulseMediaStats(video, { playTime: seconds already played });
 *   media.onHls(hls, Hls)        // StreampulsePlayback's onHls: counts the main segments
 *   media.account()              // adds the media time played since the last call
 *   media.playTime()             // seconds played (float)
 *   media.bitrateKbps(hls)       // the playing level's bitrate in kbps, 0 when unknown
 *   media.bufferAheadSeconds()
 *   media.segments()             // segments loaded
 *   media.avgDownloadMs()        // their average download time, null before the first
 *
 * Plain script, no build step.
 */
(function () {
  'use strict';

  window.StreampulseMediaStats = function (video, opts) {
    var playTime = (opts && opts.playTime) || 0;
    var lastMediaTime = null;
    var lastWallTime = 0;
    var segments = 0;
    var downloadMsTotal = 0;
    var lastFragLevel = -1;

    function onHls(hls, Hls) {
      hls.on(Hls.Events.FRAG_LOADED, function (_event, data) {
        var frag = data && data.frag;
        if (!frag || (frag.type && frag.type !== 'main')) return;
        segments += 1;
        lastFragLevel = typeof frag.level === 'number' ? frag.level : lastFragLevel;
        var loading = frag.stats && frag.stats.loading;
        if (loading && loading.end >= loading.start && loading.start > 0) {
          downloadMsTotal += loading.end - loading.start;
        }
      });
    }

    function account() {
      var now = performance.now();
      var t = video.currentTime;
      if (lastMediaTime !== null && !video.paused && !video.seeking) {
        var delta = t - lastMediaTime;
        var wall = (now - lastWallTime) / 1000;
        var rate = video.playbackRate > 0 ? video.playbackRate : 1;
        if (delta > 0 && delta <= wall * rate + 0.5) playTime += delta;
      }
      lastMediaTime = t;
      lastWallTime = now;
    }

    function bitrateKbps(hls) {
      if (!hls || !hls.levels || hls.levels.length === 0) return 0;
      var idx = hls.currentLevel >= 0 ? hls.currentLevel : lastFragLevel;
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

    video.addEventListener('seeking', function () { lastMediaTime = null; });
    video.addEventListener('timeupdate', account);

    return {
      onHls: onHls,
      account: account,
      playTime: function () { return playTime; },
      bitrateKbps: bitrateKbps,
      bufferAheadSeconds: bufferAheadSeconds,
      segments: function () { return segments; },
      avgDownloadMs: function () { return segments > 0 ? downloadMsTotal / segments : null; }
    };
  };
})();
