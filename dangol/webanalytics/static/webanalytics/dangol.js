/* Dangol web analytics tracker. No cookies; honours Do-Not-Track and Global Privacy Control.
   <script defer src="/static/webanalytics/dangol.js" data-site="KEY"
           data-collect="https://crm.example.com/collect"></script>
   Optional: data-search-param="q", data-error="404", data-first-party="1" (site must opt in).
   Goals: dangol('goal', 'signup', 10). */
(function (w, d, n) {
  var s = d.currentScript, q = [], timer;
  if (!s) return;
  function attr(k) { return s.getAttribute('data-' + k); }
  var site = attr('site'),
    url = attr('collect') || new URL('/collect', s.src).href,
    param = attr('search-param') || 'q',
    off = n.doNotTrack == '1' || w.doNotTrack == '1' || n.globalPrivacyControl;
  w.dangol = function () {};
  if (off || !site) return;

  function vid() {
    if (attr('first-party') != '1') return;
    try {
      var v = localStorage.getItem('dangol_vid');
      if (!v) {
        v = Math.random().toString(36).slice(2) + Date.now().toString(36);
        localStorage.setItem('dangol_vid', v);
      }
      return v;
    } catch (e) {}
  }

  function flush() {
    clearTimeout(timer);
    if (!q.length) return;
    var now = Date.now(), body;
    q.forEach(function (e) { e.age = Math.max(0, now - e.t); delete e.t; });
    body = JSON.stringify({ site: site, events: q });
    q = [];
    if (!(n.sendBeacon && n.sendBeacon(url, body)))
      fetch(url, { method: 'POST', body: body, keepalive: true, credentials: 'include',
                   headers: { 'Content-Type': 'text/plain' } });
  }

  function send(kind, extra, now) {
    var e = { kind: kind, url: location.href, title: d.title, referrer: d.referrer,
              screen: screen.width + 'x' + screen.height, depth: screen.colorDepth,
              vid: vid(), t: Date.now() }, k;
    for (k in extra) e[k] = extra[k];
    q.push(e);
    if (now || q.length >= 20) flush();
    else { clearTimeout(timer); timer = setTimeout(flush, 500); }
  }

  w.dangol = function (cmd, name, value) {
    if (cmd == 'goal') send('goal', { goal: String(name), value: value });
    else if (cmd == 'pageview') send('pageview');
  };

  // The page's own events go out at once, in one batch: a beacon queued at pagehide can
  // arrive after the next page's, and the server orders a visit by arrival.
  var term = new URLSearchParams(location.search).get(param),
    code = attr('error') || d.documentElement.getAttribute('data-error');
  send('pageview');
  if (term) send('search', { search: term });
  if (code) send('error', { code: +code });
  flush();

  d.addEventListener('click', function (ev) {
    var a = ev.target.closest && ev.target.closest('a[href]');
    if (a && /^https?:$/.test(a.protocol) && a.host != location.host)
      send('outlink', { href: a.href }, 1);
  }, true);
  w.addEventListener('pagehide', flush);
  d.addEventListener('visibilitychange', function () {
    if (d.visibilityState == 'hidden') flush();
  });
})(window, document, navigator);
