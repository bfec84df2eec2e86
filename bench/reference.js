// The plain-JavaScript reference for the benchmark: the same capture rules as the module
// (ARCHITECTURE.md, *Capture rules*, default options), written directly against the DOM. It is what the module's
// time to capture is compared with; it is not shipped.
(function () {
  'use strict';
  var NAME = 'ta_tid';
  var MAX_AGE = 90 * 86400;
  var VALID = /^[A-Za-z0-9\-_.~]{1,128}$/;

  function find(query) {
    var pairs = query.replace(/^\?/, '').split('&');
    for (var i = 0; i < pairs.length; i++) {
      var eq = pairs[i].indexOf('=');
      var key = eq < 0 ? pairs[i] : pairs[i].slice(0, eq);
      if (key !== NAME) continue;
      var value;
      try {
        value = decodeURIComponent((eq < 0 ? '' : pairs[i].slice(eq + 1)).replace(/\+/g, ' '));
      } catch (e) {
        continue;
      }
      if (VALID.test(value)) return value;
    }
    return null;
  }

  function values() {
    var out = [];
    var parts = document.cookie.split(';');
    for (var i = 0; i < parts.length; i++) {
      var eq = parts[i].indexOf('=');
      if (eq > 0 && parts[i].slice(0, eq).trim() === NAME) out.push(parts[i].slice(eq + 1).trim());
    }
    return out;
  }

  function candidates(host) {
    if (host === 'localhost' || /\.localhost$/.test(host) || /^[\d.]+$/.test(host) ||
        host.indexOf(':') >= 0 || host.indexOf('[') === 0 || host.indexOf('.') < 0 ||
        /\.$/.test(host)) return [];
    var labels = host.split('.');
    var out = [];
    for (var n = 2; n <= labels.length; n++) out.push(labels.slice(-n).join('.'));
    return out;
  }

  function write(value, domain, maxAge, secure) {
    document.cookie = NAME + '=' + value + '; Path=/' + (domain ? '; Domain=' + domain : '') +
      '; Max-Age=' + maxAge + '; Expires=' + new Date(Date.now() + maxAge * 1000).toUTCString() +
      '; SameSite=Lax' + (secure ? '; Secure' : '');
  }

  function capture() {
    var id = find(location.search);
    var hashQuery = location.hash.indexOf('?');
    if (!id && hashQuery >= 0) id = find(location.hash.slice(hashQuery + 1));
    if (!id) return null;
    var secure = location.protocol === 'https:';
    var host = location.hostname;
    var levels = candidates(host);
    var chosen = null;
    for (var i = 0; i < levels.length; i++) {
      var probe = NAME + '_probe';
      var nonce = 'p' + Date.now();
      document.cookie = probe + '=' + nonce + '; Path=/; Domain=' + levels[i] + '; Max-Age=10; SameSite=Lax';
      if (document.cookie.indexOf(probe + '=' + nonce) >= 0) {
        document.cookie = probe + '=; Path=/; Domain=' + levels[i] + '; Max-Age=0';
        chosen = levels[i];
        break;
      }
    }
    write(id, chosen, MAX_AGE, secure);
    if (values().length > 1) {
      var all = [null].concat(levels);
      for (var j = 0; j < all.length; j++) if (all[j] !== chosen) write('', all[j], 0, secure);
    }
    if (values().indexOf(id) < 0) {
      try {
        localStorage.setItem('taapit:' + NAME, id + '|' + (Date.now() + MAX_AGE * 1000));
      } catch (e) { /* memory only */ }
    }
    return id;
  }

  var id = null;
  try {
    id = capture();
  } catch (e) { /* never throw into the page */ }
  window.__benchDone && window.__benchDone(id);
})();
