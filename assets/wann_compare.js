/*
 * The compare panel's two stages: both episodes played side by side, frame for
 * frame, with the player's own renderers (window.wannPlayer.drawEpisodeOn).
 * Fed by the clientside callback compare_load (wann_clientside.js) with the
 * compare store that wann_viz/ui/callbacks_compare.py writes.
 */
(function () {
  'use strict';
  var CFG = JSON.parse(document.body.getAttribute('data-wann-config') || '{}');
  var FRAME_MS = CFG.frame_ms || 20;
  var HOLD_FRAMES = 50;  // a pause on the last frame before playing again
  var eps = [null, null], frame = 0, timer = null, last = 0, paused = false;

  function canvases() {
    return [document.getElementById('compare-canvas-a'), document.getElementById('compare-canvas-b')];
  }

  function drawAll() {
    var cvs = canvases();
    for (var i = 0; i < 2; i++) {
      if (eps[i] && cvs[i] && window.wannPlayer) window.wannPlayer.drawEpisodeOn(cvs[i], eps[i], frame);
    }
  }

  function tick(t) {
    timer = null;
    if (!eps[0] && !eps[1]) return;
    if (!paused && t - last >= FRAME_MS) {
      last = t;
      var longest = Math.max(eps[0] ? eps[0].steps : 0, eps[1] ? eps[1].steps : 0);
      frame = frame >= longest + HOLD_FRAMES ? 0 : frame + 1;
      drawAll();
    }
    var pane = document.getElementById('pane-compare');
    if (pane && pane.offsetParent !== null) timer = window.requestAnimationFrame(tick);
    else timer = window.setTimeout(function () { tick(performance.now()); }, 500);  // tab hidden: idle
  }

  function load(store) {
    eps = [null, null];
    frame = 0;
    paused = false;
    if (store && window.wannPlayer) {
      ['a', 'b'].forEach(function (k, i) {
        var p = store[k] && store[k].payload;
        if (p && !p.error && !p.unsupported) eps[i] = window.wannPlayer.episodeOf(p);
      });
    }
    var wrap = document.querySelector('.compare-stages');
    if (wrap) wrap.classList.toggle('hidden', !eps[0] && !eps[1]);
    drawAll();
    if (timer === null && (eps[0] || eps[1])) timer = window.requestAnimationFrame(tick);
  }

  function seek(f) {  // pause both stages at frame f
    paused = true;
    frame = Math.max(0, f | 0);
    drawAll();
  }

  // A click on either stage pauses or resumes both.
  document.addEventListener('click', function (ev) {
    var id = ev.target && ev.target.id;
    if (id === 'compare-canvas-a' || id === 'compare-canvas-b') { paused = !paused; }
  });

  window.wannCompare = {load: load, seek: seek, state: function () {
    return {frame: frame, paused: paused, steps: eps.map(function (e) { return e ? e.steps : null; })};
  }};
})();
