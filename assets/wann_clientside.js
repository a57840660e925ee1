/*
 * Clientside callbacks of WANN Explorer (namespace "wann"), registered in
 * wann_viz/ui/callbacks_rollout.py and callbacks_url.py.
 */
(function () {
  'use strict';

  // Every constant comes from Python (wann_viz/ui/constants.py) through <body data-wann-config>.
  var CFG = JSON.parse(document.body.getAttribute('data-wann-config') || '{}');
  var WEIGHT_MIN = CFG.weight_min, WEIGHT_MAX = CFG.weight_max;
  var SLIDER_MIN = CFG.slider_min, SLIDER_MAX = CFG.slider_max;
  var SEED_MAX = CFG.seed_max, MAX_SCHEDULE = CFG.max_schedule;
  var SCALE = Math.pow(10, CFG.weight_decimals);
  var nonce = 0;

  function nu() { return window.dash_clientside.no_update; }

  function triggeredIds() {
    var ctx = window.dash_clientside.callback_context;
    var ids = [];
    (ctx && ctx.triggered || []).forEach(function (t) {
      var pid = t.prop_id || '';
      var k = pid.lastIndexOf('.');
      var id = k >= 0 ? pid.slice(0, k) : pid;
      if (id && id.charAt(0) === '{') {
        try { id = JSON.parse(id); } catch (e) { /* keep the text */ }
      }
      ids.push(id);
    });
    return ids;
  }

  function round4(w) { return Math.round(w * SCALE) / SCALE + 0; }
  function fmtW(w) { return String(round4(w)); }

  function parseWeight(v) {
    if (v === null || v === undefined || v === '' || typeof v === 'boolean') return null;
    var w = Number(v);
    if (!isFinite(w) || w < WEIGHT_MIN || w > WEIGHT_MAX) return null;
    return round4(w);
  }

  /* What the weight box says: {w} or {error}; a decimal comma is read as a point, with a note. */
  function readWeight(v) {
    if (typeof v === 'number') v = String(v);
    if (typeof v !== 'string' || !v.trim()) return {error: 'Type a weight from ' + WEIGHT_MIN + ' to ' + WEIGHT_MAX + '.'};
    var text = v.trim().replace(/\u2212/g, '-'), note = '';
    if (/^[+-]?\d*,\d+$/.test(text)) {
      note = 'Read ' + text + ' as ' + text.replace(',', '.') + ' (a decimal comma).';
      text = text.replace(',', '.');
    }
    if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text) || text.length > 40) {
      return {error: '"' + v.slice(0, 20) + '" is not a number; type a weight such as 0.8 or -1.5.'};
    }
    var w = Number(text);
    if (!isFinite(w) || w < WEIGHT_MIN || w > WEIGHT_MAX) {
      return {error: text + ' is outside the weights the explorer runs, ' + WEIGHT_MIN + ' to ' + WEIGHT_MAX + '.'};
    }
    w = round4(w);
    if (w < SLIDER_MIN || w > SLIDER_MAX) {
      note = (note ? note + ' ' : '') + fmtW(w) + ' is beyond the slider (' + SLIDER_MIN + ' to ' + SLIDER_MAX +
        '): the slider shows its end, marked ' + (w > 0 ? '\u25b6' : '\u25c0') + '.';
    }
    return {w: w, note: note};
  }

  function parseSeed(v) {
    if (v === null || v === undefined || typeof v === 'boolean') return null;
    if (typeof v === 'string') { if (!/^\s*\+?\d{1,10}\s*$/.test(v)) return null; v = Number(v); }
    var s = Number(v);
    if (!isFinite(s) || s !== Math.floor(s) || s < 0 || s > SEED_MAX) return null;
    return s;
  }

  function div(className, text) {
    return {type: 'Div', namespace: 'dash_html_components', props: {className: className, children: text}};
  }

  function isEmpty(o) { return !o || Object.keys(o).length === 0; }

  function sameRequest(a, b) {
    if (!a || !b) return false;
    var keys = ['genome', 'seed', 'weight', 'base'];
    for (var i = 0; i < keys.length; i++) if (a[keys[i]] !== b[keys[i]]) return false;
    return JSON.stringify(a.edits || {}) === JSON.stringify(b.edits || {}) &&
      JSON.stringify(a.off || []) === JSON.stringify(b.off || []) &&
      JSON.stringify(a.schedule || null) === JSON.stringify(b.schedule || null);
  }

  /* Mark the slider's ends when the weight lies beyond them. */
  function markBeyond(w) {
    var above = document.getElementById('weight-above'), below = document.getElementById('weight-below');
    if (above) above.classList.toggle('on', w > SLIDER_MAX);
    if (below) below.classList.toggle('on', w < SLIDER_MIN);
  }

  /* MNIST: while the slider is dragged, read the accuracy off the accuracy-by-weight curve
     (all 10,000 test images at each weight of its grid, interpolated between them) into
     #mnist-follow; on release it clears, and the server's exact readout stands. */
  function followProfile(w) {
    var panel = document.getElementById('panel');
    var gd = document.querySelector('#mnist-profile .js-plotly-plot');
    var box = document.getElementById('mnist-follow');
    if (!panel || !gd || !gd.data || !box || box.parentNode.offsetParent === null) return;  // digits panel only
    var t = gd.data.find(function (d) { return d.meta === 'overall'; });
    if (!t || !t.x || t.x.length < 2) return;
    var xs = t.x, ys = t.y, i = 1;
    if (w < xs[0] || w > xs[xs.length - 1]) return;
    while (i < xs.length - 1 && xs[i] < w) i++;
    var acc = ys[i - 1] + (w - xs[i - 1]) / (xs[i] - xs[i - 1]) * (ys[i] - ys[i - 1]);
    box.textContent = '\u2248 ' + acc.toFixed(1) + '% right at weight ' + fmtW(w) +
      ' (read off the curve below; release for the exact count)';
    panel.classList.add('following');
  }
  document.addEventListener('pointerup', function () {
    var box = document.getElementById('mnist-follow'), panel = document.getElementById('panel');
    if (box) box.textContent = '';
    if (panel) panel.classList.remove('following');
  }, true);

  function fresh(prev) {  // the same request again, as a new one
    nonce += 1;
    return Object.assign({}, prev, {nonce: nonce, start_frame: 0, autoplay: true});
  }

  var wann = {
    /* Slider / number box / seed / genome / weights store -> an episode request. */
    build_request: function (slider, number, seed, meta, weights, view, prev) {
      var ids = triggeredIds();
      var has = function (id) { return ids.indexOf(id) >= 0; };
      var sliderOut = nu(), numberOut = nu(), seedOut = nu(), wMsg = '', sMsg = '';
      var current = prev && typeof prev.weight === 'number' ? prev.weight : parseWeight(slider);
      var w = null;
      if (has('weight-input')) {
        var r = readWeight(number);
        if (r.error) {
          wMsg = div('error', r.error + (current === null ? '' : ' The weight stays ' + fmtW(current) + '.'));
          if (current !== null) numberOut = fmtW(current);
        } else {
          w = r.w;
          if (r.note) wMsg = div('note', r.note);
          if (String(number).trim() !== fmtW(w)) numberOut = fmtW(w);
          var clamped = Math.min(SLIDER_MAX, Math.max(SLIDER_MIN, w));
          if (slider !== clamped) sliderOut = clamped;
        }
      } else if (has('weight-slider')) {
        w = parseWeight(slider);
        if (w !== null && String(number) !== fmtW(w)) numberOut = fmtW(w);
      } else if (has('genome-meta') && typeof number === 'number') {
        numberOut = fmtW(number);  // the server set the box to a number: show it as the box writes it
      }
      if (w === null) w = current;
      if (w === null) w = parseWeight(number);
      if (w === null) w = 1;
      markBeyond(w);
      if (!meta || !meta.key) return [nu(), sliderOut, numberOut, wMsg, sMsg, seedOut];
      var s = parseSeed(seed);
      var prevSeed = prev && typeof prev.seed === 'number' ? prev.seed : 0;
      if (s === null) {
        sMsg = div('error', '"' + String(seed).slice(0, 20) + '" is not a seed: type a whole number from 0 to ' +
          SEED_MAX + '. The seed stays ' + prevSeed + '.');
        s = prevSeed;
        seedOut = String(s);
      }
      var ws = weights && weights.genome === meta.key ? weights : {base: 'shared', edits: {}, off: []};
      var player = window.wannPlayer && window.wannPlayer.state();
      // A paused episode stays paused when the seed or the weights change; a finished or new one plays.
      var autoplay = !(player && player.id && !player.playing && !player.ended);
      var req = {
        genome: meta.key, seed: s, weight: w, base: ws.base === 'tuned' ? 'tuned' : 'shared',
        edits: ws.edits || {}, off: ws.off || [], schedule: null, start_frame: 0, autoplay: autoplay, nonce: 0
      };
      var shared = req.base === 'shared' && isEmpty(req.edits) && !req.off.length;
      // A link's schedule applies to its first episode only.
      if (has('genome-meta') && view && view.genome === req.genome && view.seed === req.seed && shared &&
          view.schedule && view.schedule.length && view.schedule[view.schedule.length - 1][1] === w) {
        req.schedule = view.schedule;
      }
      // A weight change during an episode continues it from the current frame (or where a drag began).
      var onlyWeight = ids.length > 0 && ids.every(function (id) {
        return id === 'weight-slider' || id === 'weight-input';
      });
      if (onlyWeight && prev && prev.genome === req.genome && prev.weight === w) {
        return [nu(), sliderOut, numberOut, wMsg, sMsg, seedOut];  // the other weight box caught up: nothing new
      }
      var cur = player && player.request;
      var from = player && player.dragFrom !== null && player.dragFrom !== undefined ? player.dragFrom : (player && player.frame);
      if (onlyWeight && meta.live && shared && cur && cur.genome === req.genome && cur.seed === req.seed &&
          cur.base === 'shared' && isEmpty(cur.edits) && !(cur.off || []).length &&
          from > 0 && !player.ended && from < player.steps + 1) {
        var sched = window.wannPlayer.scheduleFrom(cur, from, w);
        if (sched.length <= MAX_SCHEDULE) {
          req.schedule = sched;
          req.start_frame = from;
          req.autoplay = player.playing;
        }
      }
      if (sameRequest(req, prev)) return [nu(), sliderOut, numberOut, wMsg, sMsg, seedOut];
      nonce += 1;
      req.nonce = nonce;
      if (window.wannPlayer) window.wannPlayer.pending(req);
      return [req, sliderOut, numberOut, wMsg, sMsg, seedOut];
    },

    restart: function (clicks, prev) {
      var p = window.wannPlayer;
      if (!clicks || !prev) return nu();
      if (prev.schedule) {  // the episode on screen is not the controls' one: ask for theirs
        var req = fresh(prev);
        req.schedule = null;
        if (p) p.pending(req);
        return req;
      }
      if (p) p.restart();
      return nu();
    },

    retry: function (clicks, prev) {
      if (!clicks || !prev) return nu();
      var req = fresh(prev);
      req.start_frame = 0;
      if (window.wannPlayer) window.wannPlayer.pending(req);
      return req;
    },

    drag: function (value) {
      var w = parseWeight(value);
      if (window.wannPlayer) window.wannPlayer.drag(w);
      if (w !== null && window.wannPlayer && window.wannPlayer.dragging()) followProfile(w);
      return nu();
    },

    toggle_projector: function (clicks, page) {
      var root = document.getElementById('app-root');
      var on = !(root && root.classList.contains('mode-projector'));
      if (root) root.classList.toggle('mode-projector', on);
      var btn = document.getElementById('projector-toggle');
      if (btn) btn.setAttribute('aria-pressed', on ? 'true' : 'false');
      return Object.assign({}, page || {}, {mode: on ? 'projector' : null});
    },

    load_episode: function (ep) {
      if (window.wannPlayer) window.wannPlayer.load(ep);
      var figure = ep && ep.request && !ep.error ? ep.request : nu();
      return [nu(), ep && ep.error ? ep.error : '', figure];
    },

    append_tail: function (tail) {
      if (tail && tail.error) return [nu(), tail.error];
      if (window.wannPlayer) window.wannPlayer.append(tail);
      return [nu(), nu()];
    },

    player_action: function (clicks) {
      if (clicks && window.wannPlayer) window.wannPlayer.toggle();
      return nu();
    },

    set_speed: function (v) {
      if (window.wannPlayer) window.wannPlayer.setSpeed(v);
      return nu();
    },

    next_seed: function (clicks, seed) {
      var s = parseSeed(seed);
      if (s === null) return '0';
      return String(s >= SEED_MAX ? 0 : s + 1);
    },

    /* Apply the link the server wrote (wann_viz/ui/callbacks_url.py) and fill the share boxes. */
    apply_url: function (link) {
      if (!link || typeof link.query !== 'string') return [nu(), nu(), nu()];
      var rel = link.path + link.query;
      if (window.wannPlayer) window.wannPlayer.setActive(!!link.active);
      if (link.too_long) return ['', '', link.note || ''];  // offer the short link instead
      try { window.history.replaceState(window.history.state, '', rel); } catch (e) { /* sandboxed */ }
      var embed = '<iframe src="' + window.location.origin + CFG.embed_path + link.query +
        '" width="800" height="500" style="border:0" title="WANN Explorer"></iframe>';
      return [window.location.origin + rel, embed, link.note || ''];
    },

    /* A click on a weight curve (the profile, MNIST's accuracy curve or heatmap): use that weight. */
    pick_weight: function (profileClick, mnistClick) {
      var click = triggeredIds().indexOf('mnist-profile') >= 0 ? mnistClick : profileClick;
      var p = click && click.points && click.points[0];
      if (!p || typeof p.x !== 'number' || !isFinite(p.x)) return nu();
      if (p.x < WEIGHT_MIN || p.x > WEIGHT_MAX) return nu();
      return fmtW(p.x);
    },

    compare_load: function (store) {
      if (window.wannCompare) window.wannCompare.load(store);
      return nu();
    },

    /* CarRacing: the current frame's latent code (the 16 input nodes), when it changed, for
     * the server to decode into the VAE's picture. */
    vae_latent: function (tick, previous) {
      var P = window.wannPlayer, st = P && P.state();
      var view = document.querySelector('.vae-view');
      if (!st || !st.id || !view || view.offsetParent === null) return nu();  // shown on the Car racing panel only
      var v = P.nodeValues();
      if (!v) return nu();
      var z = v.slice(1, 17).map(function (x) { return isFinite(x) ? Math.round(x * 1000) / 1000 : 0; });
      if (previous && previous.z && previous.z.join(',') === z.join(',')) return nu();
      return {z: z, frame: st.frame};
    },

    apply_short_link: function (short) {
      if (!short) return [nu(), nu()];
      if (short.error) return [nu(), short.error];
      var rel = short.path + short.query;
      try { window.history.replaceState(window.history.state, '', rel); } catch (e) { /* sandboxed */ }
      return [window.location.origin + rel, 'A short link to this view: it opens the same view anywhere.'];
    }
  };

  window.dash_clientside = Object.assign({}, window.dash_clientside, {wann: wann});
})();
