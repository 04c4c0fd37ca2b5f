// The #target-<USCC> anchor of a big draw's page (the notice's QR code links there), whose
// page shows only its first targets (docs/site.md §1): find the code in the draw's list of
// codes (one per line, in draw order) and go to the detail page that shows it. A classic
// script, so it also runs from file:// (where the list cannot be fetched: nothing happens).
(function () {
  "use strict";
  function go() {
    var m = /^#target-([0-9A-Z]{18})$/.exec(location.hash);
    var info = document.getElementById("targets-pages");
    if (!m || !info || document.getElementById("target-" + m[1])) return;
    var links = info.querySelectorAll("a");
    var perPage = Number(info.getAttribute("data-per-page"));
    fetch(links[links.length - 1].href).then(function (res) {
      if (!res.ok) throw new Error(res.status);
      return res.text();
    }).then(function (text) {
      var k = text.split("\n").indexOf(m[1]);
      var page = links[Math.floor(k / perPage)];
      if (k >= 0 && page) location.replace(page.href.split("#")[0] + "#t-" + m[1]);
    }).catch(function () {});
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", go);
  else go();
  window.addEventListener("hashchange", go);
})();
