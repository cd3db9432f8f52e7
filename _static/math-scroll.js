/* Display equations wider than their column scroll sideways in their own box (_static/course.css).
   A box that overflows gets a place in the tab order, so that the arrow keys can scroll it (WCAG
   2.1.1; axe's rule scrollable-region-focusable), and loses it when the page is wide enough again.
   Checked once MathJax has typeset the page, and again after the window is resized. */
(function () {
  "use strict";

  function mark() {
    document.querySelectorAll("div.math").forEach(function (box) {
      var overflows = box.scrollWidth > box.clientWidth + 1;
      box.classList.toggle("math-overflows", overflows);
      if (overflows) {
        box.setAttribute("tabindex", "0");
      } else {
        box.removeAttribute("tabindex");
      }
    });
  }

  var timer = null;
  window.addEventListener("resize", function () {
    clearTimeout(timer);
    timer = setTimeout(mark, 150);
  });
  window.addEventListener("load", function () {
    var math = window.MathJax && window.MathJax.startup && window.MathJax.startup.promise;
    (math || Promise.resolve()).then(mark, mark);
  });
})();
