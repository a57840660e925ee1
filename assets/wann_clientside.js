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

  function parseWeight(v) {
    if (v === null || v === undefined || v === '' || typeof v === 'boolean') return null;
    var w = Number(v);
    if (!isFinite(w) || w < WEIGHT_MIN || w > WEIGHT_MAX) return null;
    return round4(w);
  }

  function parseSeed(v) {
    if (v === null || v === undefined || v === '' || typeof v === 'boolean') return null;
    var s = Number(v);
    if (!isFinite(s) || s !== Math.floor(s) || s < 0 || s > SEED_MAX) return null;
    return s;
  }

  function isEmpty(o) { return !o || Object.keys(o).length === 0; }

  function sameRequest(a, b) {
    if (!a || !b) return false;
    var keys = ['genome', 'seed', 'weight', 'base'];
    for (var i = 0; i < keys.length; i++) if (a[keys[i]] !== b[keys[i]]) return false;
    return JSON.stringify(a.edits || {}) === JSON.stringify(b.edits || {}) &&
      JSON.stringify(a.schedule || null) === JSON.stringify(b.schedule || null);
  }

  var wann = {
    /* Slider / number box / seed / genome / weights store -> an episode request. */
    build_request: function (slider, number, seed, meta, weights, prev) {
      var ids = triggeredIds();
      var has = function (id) { return ids.indexOf(id) >= 0; };
      var sliderOut = nu(), numberOut = nu(), msg = '';
      var w = null;
      if (has('weight-input')) {
        w = parseWeight(number);
        if (w === null) {
          msg = 'The weight must be a number from ' + WEIGHT_MIN + ' to ' + WEIGHT_MAX + '.';
        } else {
          var clamped = Math.min(SLIDER_MAX, Math.max(SLIDER_MIN, w));
          if (slider !== clamped) sliderOut = clamped;
        }
      } else if (has('weight-slider')) {
        w = parseWeight(slider);
        if (w !== null && number !== w) numberOut = w;
      }
      if (w === null) w = prev && typeof prev.weight === 'number' ? prev.weight : parseWeight(slider);
      if (w === null) w = 1;
      if (!meta || !meta.key) return [nu(), sliderOut, numberOut, msg];
      var s = parseSeed(seed);
      if (s === null) {
        msg = (msg ? msg + ' ' : '') + 'The seed must be a whole number from 0 to ' + SEED_MAX + '.';
        s = prev && typeof prev.seed === 'number' ? prev.seed : 0;
      }
      var ws = weights && weights.genome === meta.key ? weights : {base: 'shared', edits: {}};
      var req = {
        genome: meta.key, seed: s, weight: w, base: ws.base === 'tuned' ? 'tuned' : 'shared',
        edits: ws.edits || {}, schedule: null, start_frame: 0, autoplay: true, nonce: 0
      };
      // A weight change during an episode continues it from the current frame.
      var onlyWeight = ids.length > 0 && ids.every(function (id) {
        return id === 'weight-slider' || id === 'weight-input';
      });
      if (onlyWeight && prev && prev.genome === req.genome && prev.weight === w) {
        return [nu(), sliderOut, numberOut, msg];  // the other weight box caught up: nothing new
      }
      var player = window.wannPlayer && window.wannPlayer.state();
      var cur = player && player.request;
      if (onlyWeight && meta.live && req.base === 'shared' && isEmpty(req.edits) && cur &&
          cur.genome === req.genome && cur.seed === req.seed && cur.base === 'shared' && isEmpty(cur.edits) &&
          player.frame > 0 && !player.ended && player.frame < player.steps + 1) {
        var f = player.frame;
        var old = cur.schedule || [[0, cur.weight]];
        var sched = old.filter(function (e) { return e[0] < f; });
        sched.push([f, w]);
        if (sched.length <= MAX_SCHEDULE) {
          req.schedule = sched;
          req.start_frame = f;
        }
      }
      if (sameRequest(req, prev)) return [nu(), sliderOut, numberOut, msg];
      nonce += 1;
      req.nonce = nonce;
      if (req.schedule && window.wannPlayer) window.wannPlayer.hold(req.start_frame);
      return [req, sliderOut, numberOut, msg];
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

    player_action: function () {
      var ids = triggeredIds();
      var p = window.wannPlayer;
      if (!p) return nu();
      ids.forEach(function (id) {
        if (!id || typeof id !== 'object') return;
        if (id.action === 'play') p.play();
        else if (id.action === 'pause') p.pause();
        else if (id.action === 'restart') p.restart();
      });
      return nu();
    },

    set_speed: function (v) {
      if (window.wannPlayer) window.wannPlayer.setSpeed(v);
      return nu();
    },

    next_seed: function (clicks, seed) {
      var s = parseSeed(seed);
      if (s === null) return 0;
      return s >= SEED_MAX ? 0 : s + 1;
    },

    /* Apply the link the server wrote (wann_viz/ui/callbacks_url.py) and fill the share boxes. */
    apply_url: function (link) {
      if (!link || typeof link.query !== 'string') return [nu(), nu(), nu()];
      var rel = link.path + link.query;
      try { window.history.replaceState(window.history.state, '', rel); } catch (e) { /* sandboxed */ }
      if (window.wannPlayer) window.wannPlayer.setActive(!!link.active);
      var embed = '<iframe src="' + window.location.origin + CFG.embed_path + link.query +
        '" width="1000" height="1100" title="WANN Explorer"></iframe>';
      return [window.location.origin + rel, embed, link.note || ''];
    }
  };

  window.dash_clientside = Object.assign({}, window.dash_clientside, {wann: wann});
})();
