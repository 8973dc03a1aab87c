/* 群众路线知识库: after instant navigation, the reader lands where the link (or Back/Forward) said.
 *
 * Material's instant navigation (9.x) changes the address when a link is clicked, fetches the page,
 * swaps it in and only then scrolls, by the state of the history entry: none (a new visit) -> to the
 * #fragment; a stored offset (Back/Forward) -> to that offset. While the page is on its way, the OLD
 * page's debounced trackers still write into the NEW entry: its scroll offset (100 ms after a scroll,
 * or after start-up) and navigation.tracking's anchor (250 ms; this also rewrites or drops the
 * #fragment of the new address). So a reader who clicks a citation right after scrolling or right
 * after the page appeared, or who scrolls while a slow page loads, lands at the old offset (mostly
 * the top) instead of the cited paragraph, under an address without #pN or with another page's anchor.
 *
 * Fix: note the address and the entry's state when the navigation starts, before anything stale is
 * written, and apply them once the page is swapped in. Our document$ handler runs after Material's
 * (extra_javascript loads after Material's bundle), so it has the last word.
 *
 * Material emits document$ only after the scripts of the swapped-in page have loaded, and whatever
 * the address is by then. So a reader who goes Back and at once Forward gets the Back page's late
 * emission after Forward has started: it must not be taken for the arrival of the Forward page
 * (nothing to scroll to yet, and the noted state would be spent). Each page names itself in
 * <meta name="kb-page"> (overrides/main.html); a navigation is applied only when its page is the
 * one in the document.
 */
(function () {
  "use strict";
  if (!window.location$ || !window.document$) return;  // Material's bundle did not run
  var started = null;
  // The site root, from the page first loaded (its base is relative to itself; __config is not swapped).
  var root = siteRoot();

  // location$ emits after Material has pushed the entry of a click (state null) or after popstate.
  window.location$.subscribe(function (url) {
    started = { url: url, state: history.state };
  });

  window.document$.subscribe(function () {
    var nav = started;
    if (!nav || !arrived(nav.url)) return;  // first load, or a page already left arriving late
    started = null;
    if (nav.url.pathname !== location.pathname) return;  // superseded
    if (nav.state === null && nav.url.hash && target(nav.url)) {
      // A new visit to #id: a fragment navigation to that address restores it in the address bar,
      // scrolls to the element (honouring scroll-margin-top under the sticky header), sets :target,
      // and replaces the entry instead of adding one, so Back still leads to the previous page.
      // Chromium keeps the entry's state through it: clear the stale offset first, or Forward
      // before Material next stores the offset (100 ms) would restore it.
      history.replaceState(null, "", nav.url.href);
      location.replace(nav.url.href);
    } else {
      // Material's rule, with the state the entry had before the old page wrote into it.
      history.replaceState(nav.state, "", nav.url.href);
      window.scrollTo(0, nav.state && typeof nav.state.y === "number" ? nav.state.y : 0);
    }
  });

  function siteRoot() {
    try {
      var config = JSON.parse(document.getElementById("__config").textContent);
      return new URL(config.base.replace(/\/?$/, "/"), location.href);
    } catch (e) {
      return null;
    }
  }

  // Is the page in the document the one `url` addresses? Without the marker (an old cached page),
  // trust the address as before.
  function arrived(url) {
    var meta = document.querySelector('meta[name="kb-page"]');
    if (!meta || !root) return true;
    return path(new URL(meta.getAttribute("content"), root)) === path(url);
  }

  function path(url) {
    var p = url.pathname.replace(/index\.html$/, "");
    try {
      return decodeURI(p);
    } catch (e) {
      return p;
    }
  }

  function target(url) {
    try {
      return document.getElementById(decodeURIComponent(url.hash.slice(1)));
    } catch (e) {
      return null;  // a malformed %-escape: no such element
    }
  }
})();
