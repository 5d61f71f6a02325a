// Printing a page with closed <details> (the per-item breakdowns of a league table): open them
// for the print and close them again afterwards. The print stylesheet shows the contents of
// closed <details> too where the browser supports ::details-content; this covers the others.
(function () {
  'use strict';
  var opened = [];
  window.addEventListener('beforeprint', function () {
    document.querySelectorAll('details:not([open])').forEach(function (d) {
      d.open = true;
      opened.push(d);
    });
  });
  window.addEventListener('afterprint', function () {
    opened.forEach(function (d) { d.open = false; });
    opened = [];
  });
})();
