// Outbound links, shared by the ES module entry (index.js) and the script tag (tag/taapit.js,
// which esbuild bundles with this file): one delegated listener on `document`, capture phase,
// for `click` (a primary click, and keyboard activation of a link) and `auxclick` (middle
// click). It sets the followed link's `href` to `decorate(href)` just before the browser
// follows it, when that gives a URL: no polling and no DOM scans, so links added after load,
// and links inside open shadow roots (found through `composedPath()`), are covered.
//
// `decorate` is the module's `decorateUrl` (the rule is Rust, src/core/outbound.rs), wrapped by
// the caller so it cannot throw; `warn` reports anything else that fails. Each call adds a
// listener: the caller calls it once per page (the script tag does by construction, index.js
// keeps a flag, so that the script build does not carry one). Browser only.

/** Installs the listener. */
export function watchLinks(decorate, warn) {
  var follow = (event) => {
    try {
      var path = event.composedPath ? event.composedPath() : [event.target];
      for (var i = 0; i < path.length; i++) {
        var link = path[i];
        var tag = link.localName;
        if ((tag == 'a' || tag == 'area') && typeof link.href == 'string') {
          var href = decorate(link.href);
          if (href) link.href = href;
          return;
        }
      }
    } catch (e) {
      warn(e);
    }
  };
  document.addEventListener('click', follow, true);
  document.addEventListener('auxclick', follow, true);
}
