/*
 * WANN Explorer page behaviour that needs no server: copy buttons that work on a
 * plain-http classroom address, and the keyboard (Space plays and pauses; Page Up
 * and Page Down move the shared weight by 0.1).
 */
(function () {
  'use strict';

  var CFG = JSON.parse(document.body.getAttribute('data-wann-config') || '{}');

  function say(btn, text) {
    var old = btn.getAttribute('data-label') || btn.textContent;
    btn.setAttribute('data-label', old);
    btn.textContent = text;
    window.setTimeout(function () { btn.textContent = old; }, 1800);
  }

  /* navigator.clipboard exists only in secure contexts (https, localhost): fall back to a
     selection and execCommand, and at worst leave the text selected for Ctrl+C. */
  function copyFrom(btn) {
    var input = document.getElementById(btn.getAttribute('data-copy'));
    if (!input || !input.value) { say(btn, 'Nothing to copy'); return; }
    var text = input.value;
    function fallback() {
      input.focus();
      input.select();
      input.setSelectionRange(0, text.length);
      var ok = false;
      try { ok = document.execCommand('copy'); } catch (e) { ok = false; }
      say(btn, ok ? 'Copied' : 'Press Ctrl+C');
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { say(btn, 'Copied'); }, fallback);
    } else {
      fallback();
    }
  }

  document.addEventListener('click', function (ev) {
    var btn = ev.target && ev.target.closest && ev.target.closest('.copy-btn');
    if (btn) copyFrom(btn);
  });

  function typing(el) {
    if (!el) return false;
    var tag = (el.tagName || '').toLowerCase();
    return tag === 'input' || tag === 'textarea' || tag === 'select' || el.isContentEditable;
  }

  function setWeight(w) {
    var lo = CFG.weight_min, hi = CFG.weight_max, scale = Math.pow(10, CFG.weight_decimals);
    w = Math.round(Math.min(hi, Math.max(lo, w)) * scale) / scale + 0;
    if (window.dash_clientside && window.dash_clientside.set_props) {
      window.dash_clientside.set_props('weight-input', {value: String(w)});
    }
  }

  document.addEventListener('keydown', function (ev) {
    if (ev.altKey || ev.ctrlKey || ev.metaKey) return;
    var el = document.activeElement;
    var onSlider = el && el.closest && el.closest('.weight-slider');
    if (ev.key === ' ' && !typing(el) && !(el && el.tagName === 'BUTTON') && !onSlider) {
      if (window.wannPlayer) { ev.preventDefault(); window.wannPlayer.toggle(); }
    } else if ((ev.key === 'PageUp' || ev.key === 'PageDown') && (onSlider || !typing(el))) {
      var box = document.getElementById('weight-input');
      var w = Number(String(box ? box.value : '').replace(',', '.'));
      if (!isFinite(w)) return;
      ev.preventDefault();
      ev.stopPropagation();
      setWeight(w + (ev.key === 'PageUp' ? 0.1 : -0.1));
    }
  }, true);
})();
