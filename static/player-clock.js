/*
 * streampulse player: the heartbeat clock, run as a dedicated Worker (static/player-heartbeat.js
 * starts it). Browsers throttle a background tab's timers (Chrome: to once a second, and to once
 * a minute after five minutes hidden and silent, which a muted video is); a worker's timers are
 * not throttled that way, so a tab that plays in the background keeps its 750 ms schedule.
 *
 * Messages in: {intervalMs: N} starts (or restarts) ticking every N ms; {intervalMs: 0} stops.
 * Messages out: one 'tick' per period.
 */
'use strict';
var timer = null;
self.onmessage = function (e) {
  var ms = e && e.data ? Number(e.data.intervalMs) : 0;
  if (timer !== null) { clearInterval(timer); timer = null; }
  if (ms > 0) timer = setInterval(function () { self.postMessage('tick'); }, ms);
};
