// Outbound links, shared by the ES module entry (index.js) and the script tag (js/tag/taapit.js,
// which esbuild bundles with this file): one delegated listener on `document`, capture phase,
// for `click` (a primary click, and keyboard activation of a link) and `auxclick` (middle
// click). It sets the followed link's `href` to `decorate(href)` just before the browser
// follows it, when that gives a URL, and puts the page's own `href` back once the browser has
// taken the address: no polling and no DOM scans, so links added after load, and links inside
// open shadow roots (found through `composedPath()`), are covered, and no link keeps an id.
//
// `decorate` is the module's `decorateUrl` (the rule is Rust, crates/core/src/outbound.rs), wrapped by
// the caller so it cannot throw; `warn` reports anything else that fails. Each call adds a
// listener: the caller calls it once per page (the script tag does by construction, index.js
// keeps a flag, so that the script build does not carry one). Browser only.

/** Installs the listener. */
export function watchLinks(decorate, warn) {
  var follow = (event) => {
    try {
      // A right click follows nothing: it opens the context menu, whose "Copy link address"
      // must copy the link as the page wrote it, not with this visitor's id.
      if (event.button > 1) return;
      var path = event.composedPath ? event.composedPath() : [event.target];
      for (var i = 0; i < path.length; i++) {
        var link = path[i];
        var tag = link.localName;
        if (tag == 'a' || tag == 'area') {
          var written = link.getAttribute('href');
          if (written == null) return;
          // An SVG <a> has no string `href` (an SVGAnimatedString): its address is resolved
          // here as the browser resolves it.
          var href = decorate(typeof link.href == 'string' ? link.href : new URL(written, link.baseURI).href);
          if (href) {
            link.setAttribute('href', href);
            // The browser takes the address in this task (the link's activation follows the
            // event's dispatch); the next task puts the page's own back, so the link carries
            // no id afterwards: a later click asks the module again (after revokeConsent(),
            // or with a newer id), and a copied address has none.
            setTimeout(() => {
              if (link.getAttribute('href') == href) link.setAttribute('href', written);
            });
          }
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
