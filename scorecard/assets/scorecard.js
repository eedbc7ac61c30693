/* The partnership scorecard: client-side helpers (served locally, no CDN). */
window.dash_clientside = Object.assign({}, window.dash_clientside, {
  scorecard: {
    /* Write a page's filter values into the URL so that a link reproduces the view.
       replaceState changes the address without a navigation, so the page is not
       rebuilt and keyboard focus stays on the control just changed. */
    syncUrl: function () {
      var args = Array.prototype.slice.call(arguments);
      var keys = args.pop() || [];
      var params = new URLSearchParams();
      keys.forEach(function (key, i) {
        var value = args[i];
        if (value === null || value === undefined || value === '' || value === 'all' || value === false) {
          return;
        }
        if (value === true) {
          value = '1';  /* a ticked box (the Actions page's "Only overdue") */
        }
        if (key === 'period') {
          value = String(value).slice(0, 7);
        }
        params.set(key, value);
      });
      var query = params.toString();
      window.scorecardRemember(params);
      var url = window.location.pathname + (query ? '?' + query : '');
      if (url !== window.location.pathname + window.location.search) {
        window.history.replaceState(window.history.state, '', url);
      }
      return window.dash_clientside.no_update;
    }
  }
});

/* dcc.Upload renders its file input without a label: name it from the wrapper's
   data-upload-label, so screen readers announce what the control is for. */
(function () {
  function labelUploads() {
    document.querySelectorAll('[data-upload-label] input[type=file]').forEach(function (input) {
      var label = input.closest('[data-upload-label]').getAttribute('data-upload-label');
      if (input.getAttribute('aria-label') !== label) {
        input.setAttribute('aria-label', label);
      }
    });
  }
  new MutationObserver(labelUploads).observe(document.documentElement, {childList: true, subtree: true});
})();

/* Links inside HTML tables (data-dash-link) navigate within the app, as dcc.Link does. */
document.addEventListener('click', function (event) {
  var anchor = event.target.closest ? event.target.closest('a[data-dash-link]') : null;
  if (!anchor || event.defaultPrevented || event.button !== 0) {
    return;
  }
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey || anchor.target) {
    return;
  }
  event.preventDefault();
  window.history.pushState({}, '', anchor.getAttribute('href'));
  window.dispatchEvent(new CustomEvent('_dashprivate_pushstate'));
  window.scrollTo(0, 0);
});

/* A link to the page already shown (the navigation's own page, with the filters in the
   address changed by syncUrl) loads it afresh: Dash's router compares only the path and
   the query it last saw, so it would otherwise leave the page as it is. */
document.addEventListener('click', function (event) {
  var anchor = event.target.closest ? event.target.closest('a[href]') : null;
  if (!anchor || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
    return;
  }
  var target = new URL(anchor.href, window.location.href);
  if (target.origin === window.location.origin && target.pathname === window.location.pathname &&
      target.search !== window.location.search && !target.hash) {
    event.preventDefault();
    event.stopPropagation();
    window.location.assign(target.href);
  }
}, true);

/* The navigation keeps the chosen LA, period type and period: they are remembered for the
   browser tab (sessionStorage, no server state) whenever a page's filters change or a page
   opens with them in its address, and added to a navigation link when it is followed. */
var SHARED_FILTERS = ['la', 'grain', 'period'];
window.scorecardRemember = function (params) {
  var kept = {};
  SHARED_FILTERS.forEach(function (key) {
    if (params.get(key)) {
      kept[key] = params.get(key);
    }
  });
  if (Object.keys(kept).length) {
    try {
      window.sessionStorage.setItem('scorecard-filters', JSON.stringify(kept));
    } catch (e) { /* storage refused: links simply carry no filters */ }
  }
};
window.scorecardRemember(new URLSearchParams(window.location.search));
document.addEventListener('click', function (event) {
  var anchor = event.target.closest ? event.target.closest('a.sc-nav-link[href]') : null;
  if (!anchor || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
    return;
  }
  var kept = {};
  try {
    kept = JSON.parse(window.sessionStorage.getItem('scorecard-filters') || '{}');
  } catch (e) { kept = {}; }
  var target = new URL(anchor.href, window.location.href);
  // The link to the page shown resets its filters (see above); Data loads has none.
  if (target.pathname === '/loads' || target.search || target.pathname === window.location.pathname) {
    return;
  }
  var params = new URLSearchParams();
  SHARED_FILTERS.forEach(function (key) {
    if (kept[key]) {
      params.set(key, kept[key]);
    }
  });
  if (!params.toString()) {
    return;
  }
  event.preventDefault();
  event.stopPropagation();
  window.location.assign(target.pathname + '?' + params.toString());
}, true);
