/*
 * streampulse dashboard: the "Simulate players" form. Starts synthetic players inside the
 * service with POST /api/simulations {"playerCount": N} and the admin token as a Bearer token
 * (kept in sessionStorage: this tab only), and shows the service's answer or error.
 *
 * Plain script, no build step; runs on load.
 */
(function () {
  'use strict';

  var STORAGE_TOKEN = 'streampulse.adminToken';
  var $ = function (id) { return document.getElementById(id); };

  function showSimResult(kind, text) {
    var el = $('sim-result');
    el.className = 'sim-result ' + kind;
    el.textContent = text;
    el.hidden = false;
  }

  function initSimulationForm() {
    var tokenInput = $('sim-token');
    try { tokenInput.value = window.sessionStorage.getItem(STORAGE_TOKEN) || ''; } catch (e) { /* ignore */ }

    $('sim-form').addEventListener('submit', async function (ev) {
      ev.preventDefault();
      var count = parseInt($('sim-count').value, 10);
      var token = tokenInput.value.trim();
      if (!(count >= 1)) { showSimResult('error', 'Enter a number of players of at least 1.'); return; }
      if (!token) { showSimResult('error', 'Enter the admin token.'); return; }
      try { window.sessionStorage.setItem(STORAGE_TOKEN, token); } catch (e) { /* ignore */ }

      var button = $('sim-start');
      button.disabled = true;
      showSimResult('pending', 'Starting ' + count + ' simulated player' + (count === 1 ? '' : 's') + '…');
      try {
        var res = await fetch('/api/simulations', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Accept: 'application/json', Authorization: 'Bearer ' + token },
          body: JSON.stringify({ playerCount: count })
        });
        var text = await res.text();
        var body = null;
        try { body = text ? JSON.parse(text) : null; } catch (e) { body = null; }
        if (!res.ok) {
          var msg = body && (body.message || body.error) ? (body.message || body.error) : (text || res.statusText);
          showSimResult('error', 'Could not start the simulation (' + res.status + '): ' + msg);
          return;
        }
        var extra = body && body.message ? ' ' + body.message : '';
        showSimResult('ok', 'Started ' + count + ' simulated player' + (count === 1 ? '' : 's') + '.' + extra);
      } catch (err) {
        showSimResult('error', 'Could not reach the service: ' + err.message);
      } finally {
        button.disabled = false;
      }
    });
  }

  initSimulationForm();
})();
