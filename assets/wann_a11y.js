/*
 * Accessible names for components that take no aria-* props in Dash 4:
 * a wrapper with data-a11y-label="<label id>" names the control inside it
 * (the Dropdown's button, the Slider's thumb, the RadioItems' listbox) with that <label>.
 */
(function () {
  'use strict';
  var scheduled = false;

  function patch() {
    scheduled = false;
    patchTabs();
    var wrappers = document.querySelectorAll('[data-a11y-label]');
    for (var i = 0; i < wrappers.length; i++) {
      var labelId = wrappers[i].getAttribute('data-a11y-label');
      var dropdown = wrappers[i].querySelector('button.dash-dropdown');
      if (dropdown) {
        // Name = the label, then the selected value (what the button already referenced).
        var valueId = dropdown.id ? dropdown.id + '-value' : '';
        var want = labelId + (valueId ? ' ' + valueId : '');
        if (dropdown.getAttribute('aria-labelledby') !== want) dropdown.setAttribute('aria-labelledby', want);
      }
      var lists = wrappers[i].querySelectorAll('[role="listbox"]');  // RadioItems
      for (var k = 0; k < lists.length; k++) {
        if (lists[k].getAttribute('aria-labelledby') !== labelId) lists[k].setAttribute('aria-labelledby', labelId);
      }
      var thumbs = wrappers[i].querySelectorAll('[role="slider"]');
      for (var j = 0; j < thumbs.length; j++) {
        if (thumbs[j].getAttribute('aria-labelledby') !== labelId) thumbs[j].setAttribute('aria-labelledby', labelId);
      }
    }
  }

  function patchTabs() {
    // Dash's Tabs render plain divs: give them tab semantics and keyboard focus.
    var lists = document.querySelectorAll('[data-a11y-tabs]');
    for (var i = 0; i < lists.length; i++) {
      var list = lists[i].querySelector('.tab') ? lists[i].querySelector('.tab').parentNode : null;
      if (!list) continue;
      if (list.getAttribute('role') !== 'tablist') {
        list.setAttribute('role', 'tablist');
        list.setAttribute('aria-label', lists[i].getAttribute('data-a11y-tabs'));
      }
      var tabs = list.querySelectorAll('.tab');
      for (var j = 0; j < tabs.length; j++) {
        var selected = tabs[j].classList.contains('tab--selected') ? 'true' : 'false';
        if (tabs[j].getAttribute('role') !== 'tab') tabs[j].setAttribute('role', 'tab');
        if (tabs[j].getAttribute('tabindex') !== '0') tabs[j].setAttribute('tabindex', '0');
        if (tabs[j].getAttribute('aria-selected') !== selected) tabs[j].setAttribute('aria-selected', selected);
      }
    }
  }

  document.addEventListener('keydown', function (ev) {
    var t = ev.target;
    if ((ev.key === 'Enter' || ev.key === ' ') && t && t.getAttribute && t.getAttribute('role') === 'tab') {
      ev.preventDefault();
      t.click();
    }
  });

  function schedule() {
    if (scheduled) return;
    scheduled = true;
    window.requestAnimationFrame(patch);
  }

  function start() {
    new MutationObserver(schedule).observe(document.body, {childList: true, subtree: true, attributes: true, attributeFilter: ['class']});
    schedule();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();

/*
 * Uploads over the size cap are refused by dcc.Upload in the browser, which
 * then sends nothing: say so in the page instead of failing silently.
 */
(function () {
  'use strict';
  function cap() {
    var el = document.getElementById('upload-wrap');
    var v = el && el.getAttribute('data-max-bytes');
    return v ? Number(v) : 0;
  }
  function check(files) {
    var limit = cap();
    if (!files || !limit || !window.dash_clientside || !window.dash_clientside.set_props) return;
    for (var i = 0; i < files.length; i++) {
      if (files[i].size > limit) {
        window.dash_clientside.set_props('upload-message', {
          children: files[i].name + ': the file is ' + Math.ceil(files[i].size / 1024) + ' KB; the upload limit is ' +
            Math.floor(limit / 1024) + ' KB. Nothing was loaded.'
        });
      }
    }
  }
  document.addEventListener('change', function (ev) {
    var t = ev.target;
    if (t && t.type === 'file' && t.closest && t.closest('#upload-wrap')) check(t.files);
  }, true);
  document.addEventListener('drop', function (ev) {
    var t = ev.target;
    if (t && t.closest && t.closest('#upload-wrap') && ev.dataTransfer) check(ev.dataTransfer.files);
  }, true);
})();
