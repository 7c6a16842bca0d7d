// Live pages: while <main data-live="MS"> shows an unfinished run, fetch
// the same page every MS milliseconds and swap in its <main>, so the
// numbers move without a reload. Pages work without it: they are plain
// server-rendered HTML.
(function () {
  "use strict";
  function tick() {
    var main = document.getElementById("main");
    if (!main || !main.dataset.live) { return; }
    var every = parseInt(main.dataset.live, 10) || 2000;
    setTimeout(function () {
      fetch(location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
        .then(function (html) {
          var doc = new DOMParser().parseFromString(html, "text/html");
          var next = doc.getElementById("main");
          if (!next) { return; }
          main.replaceWith(document.adoptNode(next));
          document.documentElement.dataset.refreshed = String((parseInt(document.documentElement.dataset.refreshed || "0", 10)) + 1);
          tick();
        })
        .catch(function () { setTimeout(tick, every * 2); });
    }, every);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", tick);
  } else {
    tick();
  }
})();
