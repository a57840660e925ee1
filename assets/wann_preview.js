/*
 * WANN Explorer preview: the browser's own copy of a task and of the forward
 * pass, so that an episode follows the weight slider while it is dragged.
 *
 * The server stays the reference: the episode it sends on release replaces
 * the preview. A payload of a task with TaskSpec.preview carries
 * payload.preview = {name, start, constants, program}: the start state (the
 * browser cannot draw numpy's random numbers), the task's constants (defined
 * once, in Python) and the network as wann_viz.nn.program_json writes it.
 * The arithmetic follows wann_viz.nn.run_program and the task's scalar step
 * operation for operation; only the last bits of sin, cos, exp and tanh can
 * differ from Python's (tests/ui/test_preview.py measures how much).
 *
 * window.wannPreview is the only global.
 */
(function () {
  'use strict';

  // Activation ids as in wann_viz/activations.py (names and formulas come from Python's table).
  var ACT = {
    1: function (x) { return x; },
    2: function (x) { return x > 0 ? 1 : 0; },
    3: function (x) { return Math.sin(x * Math.PI); },
    4: function (x) { return Math.exp((x * x) * -0.5); },
    5: Math.tanh,
    6: function (x) { return (Math.tanh(x * 0.5) + 1) * 0.5; },
    7: function (x) { return -x; },
    8: Math.abs,
    9: function (x) { return (x > 0 || x !== x) ? x : 0; },
    10: function (x) { return Math.cos(x * Math.PI); },
    11: function (x) { return x * x; }
  };

  /* One forward pass of a program on v (n_nodes + 1 numbers: bias, inputs, ..., 0.0). */
  function runProgram(program, v, w) {
    var entries = program.entries;
    for (var i = 0; i < entries.length; i++) {
      var e = entries[i], acc = v[e[1]], rest = e[2];
      if (rest.length) {
        var pw = 0.0;
        for (var k = 0; k < rest.length; k++) pw += v[rest[k]];
        acc = acc + pw;
      }
      v[e[0]] = ACT[e[3]](acc * w);
    }
  }

  /* Network outputs (the node values) for inputs (n_in numbers) at shared weight w. */
  function forward(program, inputs, w) {
    var n = program.n_nodes, v = new Float64Array(n + 1);
    v[0] = 1.0;
    for (var i = 0; i < inputs.length; i++) v[1 + i] = inputs[i];
    runProgram(program, v, w);
    return Array.from(v.subarray(0, n));
  }

  // ----- CartPoleSwingUp: wann_viz.tasks.swingup.advance_scalar ---------------------------------
  function swingupStep(c, st, action) {
    var force = (action < -1 ? -1 : action > 1 ? 1 : action) * c.force_mag;
    var fb = st.xd * (-c.friction) + force;
    var td2s = (st.thd * st.thd) * st.s;
    var sc = st.s * st.c, cc = st.c * st.c;
    var xAcc = ((td2s * c.xa_td2_s + sc * c.xa_sc) + fb * 4.0) / (cc * (-c.xa_den_cc) + c.xa_den0);
    var thAcc = (((td2s * st.c) * c.ta_td2_sc + st.s * c.ta_s) + (fb * st.c) * 6.0) / (cc * (-c.ta_den_cc) + c.ta_den0);
    var nx = st.xd * c.dt + st.x, nth = st.thd * c.dt + st.th;
    var out = {x: nx, xd: xAcc * c.dt + st.xd, th: nth, thd: thAcc * c.dt + st.thd, s: Math.sin(nth), c: Math.cos(nth)};
    out.reward = (Math.cos(nx * c.x_to_angle) * (out.c + 1.0)) * 0.5;
    out.terminated = Math.abs(nx) > c.x_limit;
    return out;
  }

  function swingupEpisode(p, schedule) {
    var c = p.constants, prog = p.program, n = prog.n_nodes, limit = c.max_steps;
    var st = {x: p.start[0], xd: p.start[1], th: p.start[2], thd: p.start[3]};
    st.s = Math.sin(st.th); st.c = Math.cos(st.th);
    var v = new Float64Array(n + 1);
    var xs = new Float32Array(limit + 1), ths = new Float32Array(limit + 1);
    var cum = new Float64Array(limit), nodes = new Float32Array(limit * n), actions = new Float32Array(limit);
    xs[0] = st.x; ths[0] = st.th;
    var total = 0.0, t = 0, next = 0, w = schedule[0][1];
    for (t = 0; t < limit; t++) {
      while (next < schedule.length && schedule[next][0] <= t) { w = schedule[next][1]; next++; }
      v[0] = 1.0; v[1] = st.x; v[2] = st.xd; v[3] = st.c; v[4] = st.s; v[5] = st.thd;
      runProgram(prog, v, w);
      nodes.set(v.subarray(0, n), t * n);
      var a = v[n - 1];
      if (a !== a) a = 0.0;  // the episode loop's rule: a nan output acts as 0
      actions[t] = a < -1 ? -1 : a > 1 ? 1 : a;
      st = swingupStep(c, st, a);
      total += st.reward;
      cum[t] = total;
      xs[t + 1] = st.x; ths[t + 1] = st.th;
      if (st.terminated) { t += 1; break; }
    }
    return {steps: t, cum: cum.subarray(0, t), nodes: nodes.subarray(0, t * n), actions: actions.subarray(0, t),
            frames: {x: xs.subarray(0, t + 1), theta: ths.subarray(0, t + 1)}, widths: {x: 1, theta: 1},
            total: total};
  }

  // Tasks by the name a task declares (TaskSpec.preview).
  var TASKS = {swingup: {step: swingupStep, episode: swingupEpisode}};

  window.wannPreview = {
    has: function (p) { return !!(p && TASKS[p.name]); },
    /* The whole episode of payload.preview p under schedule [[step, weight], ...] (from step 0). */
    run: function (p, schedule) { return TASKS[p.name].episode(p, schedule); },
    step: function (name, constants, state, action) { return TASKS[name].step(constants, state, action); },
    forward: forward
  };
})();
