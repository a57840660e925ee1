/*
 * WANN Explorer player: animates an episode computed once by the server.
 *
 * The server sends a payload (see wann_viz/ui/episodes.py) with float32
 * arrays in base64: cum_return (T), nodes (T x N), actions (T x n_out) and
 * frames (T+1 rows of frame_widths[field] numbers per field).
 * A requestAnimationFrame loop advances the frame index at up to 50 fps and
 * draws the task on <canvas id="stage-canvas"> with the renderer the task
 * declares (payload.renderer, from TaskSpec.renderer; RENDERERS below), or
 * with the generic renderer, which plots observations and actions over
 * time. It also draws the readouts, the step
 * scrubber and the network's node values (halos on a canvas under the
 * #network-graph figure; the "nodes" trace's hover texts updated in place).
 * No server round trip per frame.
 *
 * window.wannPlayer is the only global; clientside callbacks
 * (wann_clientside.js) call load/append/play/pause/restart/hold/seek.
 */
(function () {
  'use strict';

  // Constants come from Python (wann_viz/ui/constants.py) through <body data-wann-config>.
  var CFG = JSON.parse(document.body.getAttribute('data-wann-config') || '{}');
  var FRAME_MS = CFG.frame_ms;  // 50 fps at most
  var HALO_MIN = CFG.halo.min, HALO_GAIN = CFG.halo.gain;  // as halo_size() in wann_viz/ui/figures.py
  var POSITIVE = CFG.colours.positive, NEGATIVE = CFG.colours.negative, ZERO = CFG.colours.zero;
  var HOVER_EVERY = 5;          // hover text refresh while playing (frames)

  var ep = null;                // decoded episode
  var frame = 0, pos = 0;       // current frame (int) and fractional play position
  var playing = false, hold = null, speed = 1, active = true;
  var last = null, dirty = true;
  var message = null;           // text drawn instead of an episode
  var net = {gd: null, data: null, canvas: null, nodes: -1, prefixes: null, drawnKey: null, hoverAt: -1, hoverKey: null,
             edgeTraces: [], signal: false, node: null};
  var stats = {loads: 0, appends: 0, lastLoad: null, draws: 0, previews: 0};
  var drag = {from: null, weight: null};  // a drag of the weight slider under way (wann_preview.js)
  var awaited = null;                     // {nonce, t}: the request whose episode has not come yet
  var marksKey = null;

  function decode(b64) {
    if (!b64) return new Float32Array(0);
    var bin = atob(b64), n = bin.length, bytes = new Uint8Array(n);
    for (var i = 0; i < n; i++) bytes[i] = bin.charCodeAt(i);
    return new Float32Array(bytes.buffer);
  }

  function concat(a, b) {
    var out = new Float32Array(a.length + b.length);
    out.set(a, 0);
    out.set(b, a.length);
    return out;
  }

  function decodeFrames(f) {  // {field: Float32Array of (T+1) x width}
    var out = {};
    Object.keys(f || {}).forEach(function (k) { out[k] = decode(f[k]); });
    return out;
  }

  function lastFrame() {  // the highest frame index available now
    return ep ? ep.steps : 0;
  }

  function ended() {
    return !!(ep && ep.complete && frame >= ep.steps);
  }

  // ----- loading ---------------------------------------------------------------------
  function episodeOf(p) {  // a payload (wann_viz/ui/episodes.py) decoded for drawing
    return {
      id: p.id, task: p.task, renderer: p.renderer || null, nNodes: p.n_nodes, nIn: p.n_in, nOut: p.n_out,
      inputLabels: p.input_labels || [], outputLabels: p.output_labels || [],
      steps: p.steps, complete: !!p.complete,
      length: p.length, finalReturn: p.final_return, maxSteps: p.max_steps,
      cum: decode(p.cum_return), nodes: decode(p.nodes), actions: decode(p.actions),
      frames: decodeFrames(p.frames), widths: p.frame_widths || {},
      scene: p.scene || {}, request: p.request || null, seed: p.seed, preview: p.preview || null
    };
  }

  /* Draw frame f of a decoded episode on another canvas (the compare panel), with the player's renderers. */
  function drawEpisodeOn(cv, e, f) {
    var keepEp = ep, keepFrame = frame;
    ep = e; frame = Math.max(0, Math.min(f, e.steps));
    try { (RENDERERS[e.renderer] || drawGeneric)(cv, cv.getContext('2d')); } finally { ep = keepEp; frame = keepFrame; }
  }

  function load(p) {
    if (!p) return;
    if (p.error) {
      if (awaited && p.nonce === awaited.nonce) awaited = null;
      hold = null;
      dirty = true;
      return;
    }
    stats.loads += 1;
    if (p.unsupported) {
      ep = null; playing = false; hold = null; frame = 0; pos = 0;
      message = p.message || 'This task has no live view.';
      stats.lastLoad = {id: p.id, nonce: p.nonce, t: performance.now(), firstDraw: null};
      draw();
      return;
    }
    var e = episodeOf(p);
    if (awaited && p.nonce === awaited.nonce) { awaited = null; failed(false); }
    if (ep && p.id === ep.id && !(p.start_frame > 0)) {
      // The same episode again (e.g. the slider moved while tuned weights are in use): keep playing.
      ep.request = e.request;
      if (e.steps > ep.steps) { e.request = ep.request; ep = e; }
      dirty = true;
      return;
    }
    var cont = p.start_frame > 0 && ep !== null;
    var fromPreview = !!(ep && ep.isPreview);
    message = null;
    ep = e;
    drag.from = null; drag.weight = null;
    if (fromPreview) {
      frame = Math.min(frame, e.steps);  // the server's episode replaces the preview where it stands
      if (!p.autoplay && !cont) playing = false;
    } else if (cont) {
      frame = Math.min(p.start_frame, e.steps);  // the weight changed here; continue
    } else {
      frame = 0;
      playing = !!p.autoplay;
    }
    pos = frame;
    hold = null;
    last = null;
    stats.lastLoad = {id: p.id, nonce: p.nonce, t: performance.now(), firstDraw: null, startFrame: frame};
    draw();
  }

  function append(t) {
    if (!t || !ep || t.id !== ep.id || t.error) return false;
    if (t.step_offset !== ep.steps) return false;
    ep.cum = concat(ep.cum, decode(t.cum_return));
    ep.nodes = concat(ep.nodes, decode(t.nodes));
    ep.actions = concat(ep.actions, decode(t.actions));
    var f = decodeFrames(t.frames);
    Object.keys(f).forEach(function (k) { ep.frames[k] = concat(ep.frames[k] || new Float32Array(0), f[k]); });
    ep.steps = t.steps;
    ep.complete = !!t.complete;
    ep.length = t.length;
    ep.finalReturn = t.final_return;
    stats.appends += 1;
    dirty = true;
    return true;
  }

  // ----- controls -----------------------------------------------------------------------
  function play() {
    if (!ep) return;
    if (ended()) { frame = 0; pos = 0; }
    playing = true; last = null; dirty = true;
  }
  function pause() { playing = false; dirty = true; }
  function restart() {
    if (!ep) return;
    frame = 0; pos = 0; playing = true; last = null; dirty = true;
  }
  function seek(f) {
    if (!ep) return;
    f = Math.max(0, Math.min(lastFrame(), Math.round(Number(f) || 0)));
    frame = f; pos = f; dirty = true;
  }
  function setSpeed(s) {
    s = Number(s);
    if (s > 0 && s <= 16) speed = s;
  }
  function setHold(f) { hold = f; frame = Math.min(f, lastFrame()); pos = frame; dirty = true; }
  function toggle() { if (playing) pause(); else play(); }

  /* A request went out (wann_clientside.js): wait for its episode, hold where it continues. */
  function pending(req) {
    awaited = {nonce: req.nonce, t: performance.now()};
    if (req.schedule && req.start_frame > 0 && !(ep && ep.isPreview)) setHold(req.start_frame);
  }

  /* Request r's weight schedule when weight w takes over from frame f (from step 0 when f is 0). */
  function scheduleFrom(r, f, w) {
    var old = r.schedule || [[0, r.weight]];
    var out = f > 0 ? old.filter(function (e) { return e[0] < f; }) : [];
    out.push([f, w]);
    return out;
  }

  /* The slider is being dragged to weight w: replay the episode in the browser, if the task allows. */
  function onDrag(w) {
    if (!pointerOnSlider) return;  // drag_value also follows values set by the page: only a real drag counts
    if (w === null || !ep || !ep.preview || !window.wannPreview || !window.wannPreview.has(ep.preview)) return;
    var r = ep.request || {};
    if (drag.from === null) drag.from = (frame > 0 && !ended()) ? frame : 0;
    if (drag.weight === w) return;
    drag.weight = w;
    var sched = scheduleFrom(r, drag.from, w);
    var out = window.wannPreview.run(ep.preview, sched);
    var prev = ep;
    ep = {
      id: 'preview', task: prev.task, renderer: prev.renderer, nNodes: prev.nNodes, nIn: prev.nIn, nOut: prev.nOut,
      inputLabels: prev.inputLabels, outputLabels: prev.outputLabels, steps: out.steps, complete: true,
      length: out.steps, finalReturn: out.total, maxSteps: prev.maxSteps, cum: out.cum, nodes: out.nodes,
      actions: out.actions, frames: out.frames, widths: out.widths, scene: prev.scene, seed: prev.seed,
      request: {genome: r.genome, seed: r.seed, weight: w, base: 'shared', edits: {}, off: [],
                schedule: sched.length > 1 ? sched : null},
      preview: prev.preview, isPreview: true
    };
    if (drag.from === 0 && frame === 0) playing = true;
    frame = Math.min(frame, ep.steps); pos = frame;
    stats.previews += 1;
    dirty = true;
  }

  function failed(on, text) {
    var box = document.getElementById('request-failed');
    if (!box) return;
    if (on && text) { var t = document.getElementById('request-failed-text'); if (t) t.textContent = text; }
    if (box.hidden === !!on) box.hidden = !on;
  }
  // Failed episode requests: reported by the watcher in the page's <head> (wann_viz/ui/__init__.py).
  window.addEventListener('wann-request-failed', function (ev) {
    failed(true, ev.detail && ev.detail.status === 429
      ? 'The server is busy (too many requests at once), so the episode shown is not the one the controls ask for. '
      : ev.detail && ev.detail.status
        ? 'The server could not run this episode (error ' + ev.detail.status + '), so the episode shown is not the ' +
          'one the controls ask for. '
        : 'The server did not answer (it may be down or restarting), so the episode shown is not the one the ' +
          'controls ask for. ');
    hold = null; dirty = true;
  });

  function setActive(a) { active = !!a; dirty = true; }

  // ----- drawing -------------------------------------------------------------------------
  function canvas() {
    return document.getElementById('stage-canvas');
  }

  function fmt(v, d) {
    if (v === null || v === undefined) return '—';
    if (!isFinite(v)) return String(v);
    return Number(v).toFixed(d === undefined ? 1 : d);
  }

  function returnAt(f) {
    if (!ep || f <= 0) return 0;
    return ep.cum[Math.min(f, ep.steps) - 1];
  }

  function weightAt(f) {
    var r = ep && ep.request;
    if (!r) return null;
    if (r.base !== 'shared' || (r.edits && Object.keys(r.edits).length) || (r.off && r.off.length)) return null;
    if (!r.schedule) return r.weight;
    var w = r.schedule[0][1];
    for (var i = 0; i < r.schedule.length; i++) if (r.schedule[i][0] <= f) w = r.schedule[i][1];
    return w;
  }

  function setText(id, text) {
    var el = document.getElementById(id);
    if (el && el.textContent !== text) el.textContent = text;
  }

  function statusText() {
    if (!ep) return message ? '' : 'waiting for an episode…';
    if (hold !== null) return 'applying the new weight…';
    if (ep.isPreview) return 'preview: release the slider to confirm';
    if (ended()) return 'episode over';
    if (playing && frame >= lastFrame() && !ep.complete) return 'computing the rest…';
    return playing ? 'playing' : 'paused';
  }

  function drawToggle() {
    var btn = document.querySelector('.play-toggle');
    if (!btn) return;
    var label = playing ? 'Pause' : 'Play', text = playing ? '\u275a\u275a Pause' : '\u25b6 Play';
    if (btn.textContent !== text) btn.textContent = text;
    if (btn.getAttribute('aria-label') !== label) btn.setAttribute('aria-label', label);
  }

  /* Mid-episode weight changes: ticks on the scrubber and a line of text ("w 0.8 from step 134"). */
  function drawMarks() {
    var r = ep && ep.request, sched = r && r.schedule;
    var total = ep ? (ep.complete ? ep.length : ep.maxSteps) : 0;
    var key = JSON.stringify(sched || null) + ':' + total + ':' + (ep && ep.isPreview ? 'p' : '');
    if (key === marksKey) return;
    marksKey = key;
    var box = document.getElementById('schedule-marks'), text = document.getElementById('schedule-text');
    if (!box || !text) return;
    box.innerHTML = '';
    if (!sched || !total) { text.textContent = ''; return; }
    var parts = ['w ' + fmt(sched[0][1], 2) + ' from step 0'];
    for (var i = 1; i < sched.length; i++) {
      var tick = document.createElement('span');
      tick.className = 'schedule-tick';
      tick.style.left = (100 * Math.min(1, sched[i][0] / total)) + '%';
      tick.title = 'w ' + sched[i][1] + ' from step ' + sched[i][0];
      box.appendChild(tick);
      parts.push('w ' + fmt(sched[i][1], 2) + ' from step ' + sched[i][0]);
    }
    text.textContent = (ep.isPreview ? 'Preview (release to confirm): ' : 'Weight changes: ') + parts.join(', then ');
  }

  function drawReadouts() {
    drawToggle();
    if (awaited && performance.now() - awaited.t > 15000) {
      failed(true, 'The server has not answered for 15 s, so the episode shown may not be the one the controls ' +
        'ask for. ');
    }
    if (!ep) {
      setText('step-readout', 'step 0 / 0');
      setText('return-now', '—');
      setText('return-final', '—');
      setText('player-status', statusText());
      return;
    }
    var total = ep.complete ? String(ep.length) : (ep.maxSteps + ' max');
    setText('step-readout', 'step ' + frame + ' / ' + total);
    setText('return-now', fmt(returnAt(frame), 2));
    setText('return-final', ep.complete ? fmt(ep.finalReturn, 2) : 'computing…');
    setText('player-status', statusText());
    drawMarks();
    var sc = document.getElementById('scrubber');
    if (sc) {
      var mx = String(ep.complete ? ep.length : ep.steps);
      if (sc.max !== mx) sc.max = mx;
      if (document.activeElement !== sc || playing) {
        if (sc.value !== String(frame)) sc.value = String(frame);
      }
    }
  }

  function overlay(ctx, lines) {
    ctx.save();
    ctx.font = '14px system-ui, sans-serif';
    ctx.fillStyle = 'rgba(255,255,255,0.8)';
    ctx.fillRect(6, 6, 230, 8 + 18 * lines.length);
    ctx.fillStyle = '#222';
    for (var i = 0; i < lines.length; i++) ctx.fillText(lines[i], 12, 24 + 18 * i);
    ctx.restore();
  }

  function infoLines() {
    var w = weightAt(frame);
    return [
      'step ' + frame + (ep.complete ? ' / ' + ep.length : ''),
      'return ' + fmt(returnAt(frame), 1),
      w === null ? 'own connection weights' : 'shared weight ' + fmt(w, 2)
    ];
  }

  function drawSwingup(cv, ctx) {
    var W = 600, H = 600;
    if (cv.width !== W || cv.height !== H) { cv.width = W; cv.height = H; }
    var sc = ep.scene, S = W / (sc.world_width || 5);   // 120 px per metre
    var L = sc.pole_length || 0.6, xl = sc.x_limit || 2.4;
    var x = ep.frames.x[frame], th = ep.frames.theta[frame];
    var trackY = H * 0.6;
    var cartW = 0.5 * S, cartH = 0.25 * S, wheelR = 0.06 * S;
    var cx = W / 2 + x * S, cy = trackY - wheelR * 2 - cartH / 2;   // cart centre = the pole's axle
    ctx.clearRect(0, 0, W, H);
    ctx.fillStyle = '#fbfbf8';
    ctx.fillRect(0, 0, W, H);
    // Track and its limits.
    ctx.strokeStyle = '#555'; ctx.lineWidth = 2;
    ctx.beginPath(); ctx.moveTo(0, trackY); ctx.lineTo(W, trackY); ctx.stroke();
    ctx.strokeStyle = '#c0392b'; ctx.lineWidth = 3;
    [-xl, xl].forEach(function (lim) {
      var px = W / 2 + lim * S;
      ctx.beginPath(); ctx.moveTo(px, trackY - 18); ctx.lineTo(px, trackY + 6); ctx.stroke();
    });
    // Cart and wheels.
    ctx.fillStyle = '#2d3e50';
    ctx.fillRect(cx - cartW / 2, cy - cartH / 2, cartW, cartH);
    ctx.fillStyle = '#111';
    [-0.3, 0.3].forEach(function (k) {
      ctx.beginPath(); ctx.arc(cx + k * cartW, trackY - wheelR, wheelR, 0, 2 * Math.PI); ctx.fill();
    });
    // Pole from the axle (theta = 0 is upright) and the bob at its tip.
    var tx = cx + Math.sin(th) * L * S, ty = cy - Math.cos(th) * L * S;
    ctx.strokeStyle = '#c8a165'; ctx.lineWidth = 8; ctx.lineCap = 'round';
    ctx.beginPath(); ctx.moveTo(cx, cy); ctx.lineTo(tx, ty); ctx.stroke();
    ctx.fillStyle = '#8e5a2b';
    ctx.beginPath(); ctx.arc(tx, ty, 0.06 * S, 0, 2 * Math.PI); ctx.fill();
    ctx.fillStyle = '#ddd';
    ctx.beginPath(); ctx.arc(cx, cy, 4, 0, 2 * Math.PI); ctx.fill();
    overlay(ctx, infoLines());
  }

  var LEG_COLOURS = [['#9f8ce6', '#5b4a99'], ['#7c69c7', '#40306f']];

  function drawBiped(cv, ctx) {
    var W = 600, H = 400;
    if (cv.width !== W || cv.height !== H) { cv.width = W; cv.height = H; }
    var sc = ep.scene, vw = (sc.viewport || [20, 13.333])[0], S = W / vw;
    var nb = (ep.widths.bodies || 15) / 3, b = ep.frames.bodies, o = frame * nb * 3;
    var hullX = b[o];
    var scroll = hullX - vw / 4;
    function px(x) { return (x - scroll) * S; }
    function py(y) { return H - y * S; }
    var grad = ctx.createLinearGradient(0, 0, 0, H);
    grad.addColorStop(0, '#dfe8ff'); grad.addColorStop(1, '#f7f9ff');
    ctx.fillStyle = grad; ctx.fillRect(0, 0, W, H);
    // Terrain.
    var tx = sc.terrain_x || [], ty = sc.terrain_y || [];
    ctx.fillStyle = '#7fb36a'; ctx.strokeStyle = '#4e7d3e'; ctx.lineWidth = 2;
    ctx.beginPath(); ctx.moveTo(0, H);
    var started = false;
    for (var i = 0; i < tx.length; i++) {
      if (tx[i] < scroll - 1 || tx[i] > scroll + vw + 1) continue;
      ctx.lineTo(px(tx[i]), py(ty[i])); started = true;
    }
    ctx.lineTo(W, H); ctx.closePath(); if (started) { ctx.fill(); }
    // Distance marks every 10 units.
    ctx.fillStyle = '#35552a'; ctx.font = '11px system-ui, sans-serif';
    for (var m = Math.ceil(scroll / 10) * 10; m < scroll + vw; m += 10) {
      ctx.fillRect(px(m) - 1, H - 14, 2, 10);
      ctx.fillText(String(m), px(m) + 3, H - 4);
    }
    // Bodies: the far leg first, then the near leg, then the hull.
    var shapes = sc.body_shapes || [];
    var order = [3, 4, 1, 2, 0];
    order.forEach(function (k) {
      if (k >= nb || !shapes[k]) return;
      var bx = b[o + 3 * k], by = b[o + 3 * k + 1], ba = b[o + 3 * k + 2];
      var c = Math.cos(ba), s = Math.sin(ba);
      ctx.beginPath();
      shapes[k].forEach(function (v, j) {
        var wx = bx + c * v[0] - s * v[1], wy = by + s * v[0] + c * v[1];
        if (j === 0) ctx.moveTo(px(wx), py(wy)); else ctx.lineTo(px(wx), py(wy));
      });
      ctx.closePath();
      var col = k === 0 ? ['#8066e6', '#4d3d8c'] : LEG_COLOURS[k <= 2 ? 0 : 1];
      ctx.fillStyle = col[0]; ctx.strokeStyle = col[1]; ctx.lineWidth = 1.5;
      ctx.fill(); ctx.stroke();
    });
    overlay(ctx, infoLines());
  }

  var SERIES = ['#1b9e77', '#d95f02', '#7570b3', '#e7298a', '#66a61e', '#e6ab02', '#a6761d', '#666666'];

  /* A task without a renderer: its observations (the input nodes) and actions over time. */
  function drawGeneric(cv, ctx) {
    var W = 600, H = 400;
    if (cv.width !== W || cv.height !== H) { cv.width = W; cv.height = H; }
    ctx.fillStyle = '#fbfbf8'; ctx.fillRect(0, 0, W, H);
    var steps = Math.max(1, ep.complete ? ep.length : ep.maxSteps);
    var panels = [
      {title: 'observations', n: ep.nIn, labels: ep.inputLabels,
       at: function (t, i) { return ep.nodes[t * ep.nNodes + 1 + i]; }},
      {title: 'actions', n: ep.nOut, labels: ep.outputLabels,
       at: function (t, i) { return ep.actions[t * ep.nOut + i]; }}
    ];
    var left = 48, right = W - 12, top = 96, gap = 34, ph = (H - top - 12 - gap) / 2;  // below the readout box
    var upto = Math.min(frame, ep.steps);
    panels.forEach(function (pn, k) {
      var y0 = top + k * (ph + gap), n = Math.min(pn.n, SERIES.length), lim = 1e-9;
      for (var t = 0; t < ep.steps; t++) {
        for (var i = 0; i < n; i++) { var v = Math.abs(pn.at(t, i)); if (isFinite(v) && v > lim) lim = v; }
      }
      function py(v) { return y0 + ph / 2 - (v / lim) * (ph / 2); }
      function px(t) { return left + (right - left) * t / steps; }
      ctx.strokeStyle = '#ccc'; ctx.lineWidth = 1; ctx.strokeRect(left, y0, right - left, ph);
      ctx.beginPath(); ctx.moveTo(left, py(0)); ctx.lineTo(right, py(0)); ctx.stroke();
      ctx.fillStyle = '#333'; ctx.font = '12px system-ui, sans-serif';
      ctx.fillText(pn.title + (pn.n > n ? ' (first ' + n + ' of ' + pn.n + ')' : ''), left, y0 - 6);
      ctx.fillText(fmt(lim, 2), 4, y0 + 10); ctx.fillText(fmt(-lim, 2), 4, y0 + ph);
      for (var j = 0; j < n; j++) {
        ctx.strokeStyle = SERIES[j]; ctx.lineWidth = 1.5; ctx.beginPath();
        for (var s2 = 0; s2 < upto; s2++) {
          var val = pn.at(s2, j);
          if (!isFinite(val)) continue;
          if (s2 === 0) ctx.moveTo(px(s2), py(val)); else ctx.lineTo(px(s2), py(val));
        }
        ctx.stroke();
        ctx.fillStyle = SERIES[j];
        ctx.fillText(String(pn.labels[j] || ('#' + j)), left + 190 + 52 * j, y0 - 6);
      }
      ctx.strokeStyle = '#c0392b'; ctx.beginPath(); ctx.moveTo(px(upto), y0); ctx.lineTo(px(upto), y0 + ph); ctx.stroke();
    });
    overlay(ctx, infoLines());
  }

  /* CarRacing: the view the racer's VAE sees (Gymnasium's camera: the car a quarter up from the
   * bottom, the track turning around it, zooming in over the first second), and beside it the
   * racer's 16 inputs, the VAE's latent code of that frame, as bars. */
  function drawCarRacing(cv, ctx) {
    var W = 600, H = 400, V = 400;   // the view is V x V, as the 96 x 96 observation is square
    if (cv.width !== W || cv.height !== H) { cv.width = W; cv.height = H; }
    var sc = ep.scene, car = ep.frames.car, o = frame * 16;
    var win = sc.window || [1000, 800], kx = V / win[0], ky = V / win[1];
    var hx = car[o], hy = car[o + 1], ang = -car[o + 2], t = car[o + 15];
    var zoom = sc.start_zoom * Math.max(1 - t, 0) + sc.zoom * Math.min(t, 1);
    var c = Math.cos(ang), s = Math.sin(ang);
    function sx(x, y) { return ((c * (x - hx) - s * (y - hy)) * zoom + win[0] / 2) * kx; }
    function sy(x, y) { return (win[1] - ((s * (x - hx) + c * (y - hy)) * zoom + win[1] / 4)) * ky; }
    function rgb(a) { return 'rgb(' + a[0] + ',' + a[1] + ',' + a[2] + ')'; }
    function poly(pts, colour) {
      ctx.beginPath();
      for (var i = 0; i < pts.length; i += 2) {
        var X = sx(pts[i], pts[i + 1]), Y = sy(pts[i], pts[i + 1]);
        if (i === 0) ctx.moveTo(X, Y); else ctx.lineTo(X, Y);
      }
      ctx.closePath(); ctx.fillStyle = colour; ctx.fill();
      ctx.strokeStyle = colour; ctx.lineWidth = 0.8; ctx.stroke();  // no seams between tiles
    }
    ctx.save();
    ctx.fillStyle = '#000'; ctx.fillRect(0, 0, V, V);
    ctx.beginPath(); ctx.rect(0, 0, V, V); ctx.clip();
    var P = sc.playfield, G = sc.grass_dim;
    poly([P, P, P, -P, -P, -P, -P, P], rgb(sc.bg));
    var reach = 2 * V / (zoom * Math.min(kx, ky)) + G;   // world units that can be on screen
    for (var gx = -20; gx < 20; gx += 2) {
      for (var gy = -20; gy < 20; gy += 2) {
        var x0 = G * gx, y0 = G * gy;
        if (Math.abs(x0 - hx) > reach || Math.abs(y0 - hy) > reach) continue;
        poly([x0 + G, y0, x0, y0, x0, y0 + G, x0 + G, y0 + G], rgb(sc.grass));
      }
    }
    var tiles = sc.tiles || [], cols = sc.tile_colors || [];
    for (var k = 0; k < tiles.length; k++) {
      var q = tiles[k];
      if (Math.abs(q[0] - hx) > reach || Math.abs(q[1] - hy) > reach) continue;
      poly(q, rgb(cols[k] || [102, 102, 102]));
    }
    // The car: wheels (body shapes turned by each wheel's angle), then the hull's four parts.
    function body(shape, bx, by, ba, colour) {
      var cb = Math.cos(ba), sb = Math.sin(ba), pts = [];
      shape.forEach(function (v) { pts.push(bx + cb * v[0] - sb * v[1], by + sb * v[0] + cb * v[1]); });
      poly(pts, colour);
    }
    for (var w = 1; w <= 4; w++) body(sc.wheel, car[o + 3 * w], car[o + 3 * w + 1], car[o + 3 * w + 2], '#000');
    (sc.hull || []).forEach(function (shape) { body(shape, hx, hy, car[o + 2], 'rgb(204,0,0)'); });
    ctx.restore();
    // The 16 latent inputs (the network's input nodes) as bars, -3 .. 3.
    var x0b = V + 16, bw = W - x0b - 12, top = 40, row = (H - top - 12) / 16, mid = x0b + bw / 2;
    ctx.fillStyle = '#fbfbf8'; ctx.fillRect(V, 0, W - V, H);
    ctx.fillStyle = '#333'; ctx.font = '13px system-ui, sans-serif';
    ctx.fillText('what the racer reads', x0b, 18);
    ctx.font = '11px system-ui, sans-serif';
    ctx.fillText('VAE latent code, -3 .. 3', x0b, 32);
    ctx.strokeStyle = '#999'; ctx.beginPath(); ctx.moveTo(mid, top); ctx.lineTo(mid, H - 12); ctx.stroke();
    for (var i = 0; i < 16; i++) {
      var v = ep.nodes[frame * ep.nNodes + 1 + i], y = top + i * row;
      var len = Math.max(-1, Math.min(1, (isFinite(v) ? v : 0) / 3)) * (bw / 2 - 4);
      ctx.fillStyle = v >= 0 ? '#2b6cb0' : '#c05621';
      ctx.fillRect(len >= 0 ? mid : mid + len, y + 2, Math.abs(len), row - 5);
      ctx.fillStyle = '#555';
      ctx.fillText(String(i + 1), x0b - 14, y + row - 5);
    }
    overlay(ctx, infoLines());
  }

  // Renderers by the name a task declares (TaskSpec.renderer).
  var RENDERERS = {swingup: drawSwingup, biped: drawBiped, carracing: drawCarRacing};

  function drawMessage(cv, ctx) {
    ctx.fillStyle = '#fbfbf8'; ctx.fillRect(0, 0, cv.width, cv.height);
  }

  function drawStage() {
    var cv = canvas();
    if (!cv) return;
    var ctx = cv.getContext('2d');
    if (!ep) { drawMessage(cv, ctx); return; }
    (RENDERERS[ep.renderer] || drawGeneric)(cv, ctx);
  }

  // ----- network lighting -------------------------------------------------------------------
  function graphDiv() {
    var host = document.getElementById('network-graph');
    return host ? host.querySelector('.js-plotly-plot') : null;
  }

  function findTraces(gd) {
    if (gd !== net.gd && gd.on) {
      // A pan or zoom redraws the points from calcdata: light them again.
      gd.on('plotly_afterplot', function () { net.drawnKey = null; net.signal = null; dirty = true; });
      gd.on('plotly_relayout', function () { net.drawnKey = null; dirty = true; });
      gd.on('plotly_click', function (ev) {
        var pt = ev && ev.points && ev.points[0], cd = pt && String(pt.customdata || '');
        if (cd.indexOf('node:') === 0) { net.node = Number(cd.slice(5)); drawFormula(); }
      });
    }
    if (gd !== net.gd) net.node = null;
    net.gd = gd; net.data = gd.data; net.nodes = -1; net.prefixes = null; net.drawnKey = null; net.hoverKey = null;
    net.edgeTraces = []; net.signal = null;
    for (var i = 0; i < gd.data.length; i++) {
      if (gd.data[i].meta === 'nodes') net.nodes = i;
      if (gd.data[i].meta === 'edges' || gd.data[i].meta === 'edges-dim') net.edgeTraces.push(i);
    }
    if (net.nodes >= 0) {
      var ht = gd.data[net.nodes].hovertext || [];
      net.prefixes = ht.map(function (t) {
        var k = String(t).lastIndexOf('value: ');
        return k >= 0 ? String(t).slice(0, k) : String(t) + '<br>';
      });
    }
  }

  function haloSize(v) {
    if (isNaN(v)) return 0;
    if (!isFinite(v)) return HALO_MIN + HALO_GAIN;
    return HALO_MIN + HALO_GAIN * Math.tanh(Math.abs(v));
  }

  function fmtValue(v) {
    if (isNaN(v)) return 'nan';
    if (!isFinite(v)) return v > 0 ? 'inf' : '-inf';
    return Number(v.toPrecision(4)).toString();
  }

  function circlePath(r) {
    var t = r.toFixed(2);
    return 'M' + t + ',0A' + t + ',' + t + ' 0 1,1 0,-' + t + 'A' + t + ',' + t + ' 0 0,1 ' + t + ',0Z';
  }

  function haloCanvas(gd) {
    // A canvas under Plotly's (transparent) SVG: repainting it is cheap, unlike the SVG.
    var box = gd.querySelector('.svg-container');
    if (!box) return null;
    var cv = net.canvas;
    if (!cv || cv.parentNode !== box) {
      cv = box.querySelector('canvas.wann-halo') || document.createElement('canvas');
      cv.className = 'wann-halo';
      if (cv.parentNode !== box) box.insertBefore(cv, box.firstChild);
      net.canvas = cv;
    }
    var fl = gd._fullLayout, dpr = window.devicePixelRatio || 1;
    var w = Math.round(fl.width * dpr), h = Math.round(fl.height * dpr);
    if (cv.width !== w || cv.height !== h) {
      cv.width = w; cv.height = h;
      cv.style.width = fl.width + 'px'; cv.style.height = fl.height + 'px';
    }
    return cv;
  }

  /*
   * Light the network up at the current frame: halos on a canvas under the
   * figure, and the nodes' hover texts in place. Plotly.restyle would redraw
   * the whole SVG figure (tens of ms for the biped), too slow at 50 fps.
   */
  function lightNetwork(force) {
    var gd = graphDiv();
    if (!gd || !gd.data || !gd.calcdata || !gd._fullLayout || !gd._fullLayout.xaxis) return;
    if (gd !== net.gd || gd.data !== net.data) findTraces(gd);
    if (net.nodes < 0) return;
    var key = (ep ? ep.id : 'none') + ':' + frame + ':' + playing;
    if (!force && key === net.drawnKey && (playing || key === net.hoverKey)) return;
    var cv = haloCanvas(gd);
    if (!cv) return;
    var ctx = cv.getContext('2d'), dpr = window.devicePixelRatio || 1;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, cv.width, cv.height);
    net.drawnKey = key;
    var nodeTrace = gd.data[net.nodes], nodeCd = gd.calcdata[net.nodes];
    if (!ep || !nodeCd || nodeCd.length !== ep.nNodes || (nodeTrace.x || []).length !== ep.nNodes) return;
    var n = ep.nNodes, row = Math.max(0, Math.min(frame, ep.steps - 1)) * n;
    var fl = gd._fullLayout, xa = fl.xaxis, ya = fl.yaxis;
    ctx.save();
    ctx.beginPath(); ctx.rect(xa._offset, ya._offset, xa._length, ya._length); ctx.clip();
    ctx.globalAlpha = 0.35;
    for (var i = 0; i < n; i++) {
      var v = ep.nodes[row + i], r = haloSize(v) / 2;
      if (!(r > 0)) continue;
      ctx.fillStyle = v > 0 ? POSITIVE : (v < 0 ? NEGATIVE : ZERO);
      ctx.beginPath();
      ctx.arc(xa._offset + xa.l2p(nodeTrace.x[i]), ya._offset + ya.l2p(nodeTrace.y[i]), r, 0, 2 * Math.PI);
      ctx.fill();
    }
    ctx.restore();
    drawSignals(gd, ctx, nodeTrace, row);
    if (net.node !== null) drawFormula();
    if (key !== net.hoverKey && (!playing || force || Math.abs(frame - net.hoverAt) >= HOVER_EVERY)) {
      var texts = nodeTrace.hovertext;
      for (var j = 0; j < n; j++) {
        var text = net.prefixes[j] + 'value: ' + fmtValue(ep.nodes[row + j]);
        texts[j] = text;
        nodeCd[j].htx = text;  // what Plotly's hover label reads
      }
      net.hoverAt = frame;
      net.hoverKey = key;
    }
  }

  /* While playing, edges show the signal they carry (source value x weight) on the canvas, and
     the figure's own edges (the weights) fade; paused, the figure's edges show the weights. */
  function drawSignals(gd, ctx, nodeTrace, row) {
    var meta = gd.layout && gd.layout.meta, show = playing && !!ep && !!(meta && meta.edges);
    if (show !== net.signal) {
      net.signal = show;
      net.edgeTraces.forEach(function (i) {
        var cd = gd.calcdata[i] && gd.calcdata[i][0];
        var el = cd && cd.node3 && cd.node3.node && cd.node3.node();
        if (el) el.style.opacity = show ? '0.15' : '';
      });
      var host = document.getElementById('network-graph');
      if (host) host.classList.toggle('signal', show);
    }
    if (!show) return;
    var fl = gd._fullLayout, xa = fl.xaxis, ya = fl.yaxis, edges = meta.edges, ws = meta.weights;
    var wNow = meta.shared ? weightAt(frame) : null;
    ctx.save();
    ctx.beginPath(); ctx.rect(xa._offset, ya._offset, xa._length, ya._length); ctx.clip();
    ctx.globalAlpha = 0.8; ctx.lineCap = 'round';
    for (var k = 0; k < edges.length; k++) {
      var a = edges[k][0], b = edges[k][1];
      var sig = ep.nodes[row + a] * (wNow === null ? ws[k] : wNow);
      if (!isFinite(sig) || sig === 0) continue;
      ctx.strokeStyle = sig > 0 ? POSITIVE : NEGATIVE;
      ctx.lineWidth = 0.5 + 5 * Math.tanh(Math.abs(sig));
      ctx.beginPath();
      ctx.moveTo(xa._offset + xa.l2p(nodeTrace.x[a]), ya._offset + ya.l2p(nodeTrace.y[a]));
      ctx.lineTo(xa._offset + xa.l2p(nodeTrace.x[b]), ya._offset + ya.l2p(nodeTrace.y[b]));
      ctx.stroke();
    }
    ctx.restore();
  }

  function num(v) { return fmtValue(v); }
  function paren(v) { var t = num(v); return v < 0 ? '(' + t + ')' : t; }

  /* The clicked node's formula, its inputs' values at the current frame and its output. */
  function drawFormula() {
    var box = document.getElementById('node-formula'), gd = net.gd;
    var meta = gd && gd.layout && gd.layout.meta;
    if (!box || !meta || net.node === null || net.node >= meta.labels.length) return;
    var i = net.node, key = (ep ? ep.id : '') + ':' + frame + ':' + i + ':' + (meta.weights || []).length;
    if (box.getAttribute('data-key') === key) return;
    box.setAttribute('data-key', key);
    var labels = meta.labels, nIn = ep ? ep.nIn : 0, row = ep ? Math.max(0, Math.min(frame, ep.steps - 1)) * ep.nNodes : 0;
    function val(j) { return ep ? ep.nodes[row + j] : NaN; }
    var lines = [];
    if (i === 0) lines = [labels[0] + ' = 1 (the bias: always 1)'];
    else if (ep && i <= nIn) lines = [labels[i] + ' = ' + num(val(i)) + ' (an observation, at step ' + frame + ')'];
    else {
      var act = (CFG.activations || {})[meta.activations[i]] || {name: '?', formula: '?'};
      var ins = [];
      meta.edges.forEach(function (e, k) { if (e[1] === i) ins.push([e[0], meta.weights[k]]); });
      var w = meta.shared ? weightAt(frame) : null;
      var names, values, pre = 0;
      ins.forEach(function (p) { pre += val(p[0]) * (w === null ? p[1] : 1); });
      if (w === null) {
        names = ins.map(function (p) { return paren(p[1]) + '\u00b7' + labels[p[0]]; }).join(' + ');
        values = ins.map(function (p) { return paren(p[1]) + '\u00d7' + paren(val(p[0])); }).join(' + ');
      } else {
        pre *= w;
        names = paren(w) + ' \u00d7 (' + ins.map(function (p) { return labels[p[0]]; }).join(' + ') + ')';
        values = paren(w) + ' \u00d7 (' + ins.map(function (p) { return paren(val(p[0])); }).join(' + ') + ')';
      }
      lines = [
        labels[i] + ': ' + act.name + ', f(x) = ' + act.formula,
        labels[i] + ' = ' + act.name + '(' + (ins.length ? names : '0') + ')',
        '= ' + act.name + '(' + (ins.length ? values : '0') + ')',
        '= ' + act.name + '(' + num(pre) + ') = ' + num(val(i)) + (ep ? '   (step ' + frame + ')' : '')
      ];
    }
    box.innerHTML = '';
    var title = document.createElement('strong');
    title.textContent = 'What ' + labels[i] + ' computes';
    box.appendChild(title);
    lines.forEach(function (t) { var c = document.createElement('code'); c.textContent = t; box.appendChild(c); });
  }

  function draw() {
    drawStage();
    drawReadouts();
    try { lightNetwork(false); } catch (err) { /* the graph is being replaced; next frame */ }
    dirty = false;
    stats.draws += 1;
    if (stats.lastLoad && stats.lastLoad.firstDraw === null) stats.lastLoad.firstDraw = performance.now();
  }

  // ----- loop -------------------------------------------------------------------------------
  function tick(now) {
    if (last === null) last = now;
    var dt = Math.min(now - last, 200);
    last = now;
    if (ep && playing && hold === null && active) {
      var limit = lastFrame();
      if (frame < limit) {
        pos += (dt / FRAME_MS) * speed;
        var f = Math.min(Math.floor(pos), limit);
        if (f !== frame) { frame = f; dirty = true; }
      }
      if (frame >= limit) {
        pos = frame;
        if (ep.complete) { playing = false; dirty = true; }
      }
    }
    var gd = graphDiv();
    if (gd && gd.data && gd.data !== net.data) dirty = true;  // a new network figure: light it again
    if (dirty && active) draw();
    else if (dirty) drawReadouts();
    window.requestAnimationFrame(tick);
  }
  window.requestAnimationFrame(tick);

  // Whether the pointer holds the weight slider (a drag, as opposed to a value set by the page).
  var pointerOnSlider = false;
  document.addEventListener('pointerdown', function (ev) {
    if (ev.target && ev.target.closest && ev.target.closest('.weight-slider')) pointerOnSlider = true;
  }, true);
  document.addEventListener('pointerup', function () { pointerOnSlider = false; }, true);
  document.addEventListener('pointercancel', function () { pointerOnSlider = false; }, true);

  // The step scrubber is plain DOM: seek on every input event, no server involved.
  document.addEventListener('input', function (ev) {
    if (ev.target && ev.target.id === 'scrubber') seek(ev.target.value);
  });

  window.wannPlayer = {
    load: load, append: append, play: play, pause: pause, restart: restart, seek: seek, toggle: toggle,
    hold: setHold, setSpeed: setSpeed, setActive: setActive, pending: pending, drag: onDrag,
    scheduleFrom: scheduleFrom, dragging: function () { return pointerOnSlider; },
    episodeOf: episodeOf, drawEpisodeOn: drawEpisodeOn,
    nodeValues: function (f) {  // (N,) node values at frame f (default: the current frame)
      if (!ep) return null;
      f = f === undefined ? frame : f;
      var row = Math.max(0, Math.min(f, ep.steps - 1)) * ep.nNodes;
      return Array.from(ep.nodes.subarray(row, row + ep.nNodes));
    },
    frameData: function (f) {  // what is drawn at frame f: {field: number (width 1) or array}
      if (!ep) return null;
      f = f === undefined ? frame : f;
      var out = {};
      Object.keys(ep.frames).forEach(function (key) {
        var k = ep.widths[key] || 1;
        out[key] = k === 1 ? ep.frames[key][f] : Array.from(ep.frames[key].subarray(f * k, f * k + k));
      });
      return out;
    },
    state: function () {
      return {
        id: ep ? ep.id : null, task: ep ? ep.task : null, renderer: ep ? ep.renderer : null, frame: frame, steps: ep ? ep.steps : 0,
        length: ep ? ep.length : null, complete: ep ? ep.complete : false, playing: playing,
        holding: hold !== null, ended: ended(), request: ep ? ep.request : null,
        returnNow: ep ? returnAt(frame) : null, finalReturn: ep ? ep.finalReturn : null,
        message: message, speed: speed, loads: stats.loads, appends: stats.appends, draws: stats.draws,
        lastLoad: stats.lastLoad, weightNow: ep ? weightAt(frame) : null, preview: !!(ep && ep.isPreview),
        previews: stats.previews, dragFrom: drag.from
      };
    }
  };
})();
