// Written into every benchmark page as it is served (bench/run.mjs), before the page's other
// scripts: records when the id was stored and counts long tasks.
window.__long = 0;
try {
  new PerformanceObserver(function (list) { window.__long += list.getEntries().length; })
    .observe({ type: 'longtask', buffered: true });
} catch (e) { /* no Long Tasks API: counted as 0 */ }
window.__benchDone = function (id) {
  if (!window.__bench) window.__bench = { t: performance.now(), id: id };
};
