/* MathJax's speech rules, loaded as scripts: formulas render and are spoken from disk too.

   MathJax's explorer gives each formula its spoken form from the speech rule engine's maps
   (mathjax/sre/mathmaps/<locale>.json), which it fetches with XMLHttpRequest. A page opened from disk
   (file://) may not fetch files, and that failed load stopped typesetting altogether. The book also
   publishes each map as a script (<locale>.js, written while staging: it stores the map's JSON text
   in window.courseMathMaps), and a script loads from disk as well as over http. This file hands the
   engine a loader that adds that script; if the script cannot load, the engine is told so, reports
   "Unable to load locale" and typesets without speech instead of waiting for ever.

   It runs after the page's MathJax configuration and before MathJax itself (deferred): the course's
   Sphinx extension puts it there. */
(function () {
  "use strict";
  if (!window.MathJax) {
    return; // a page without formulas
  }
  window.courseMathMaps = window.courseMathMaps || {};

  function loadMap(locale) {
    return new Promise(function (resolve, reject) {
      if (window.courseMathMaps[locale]) {
        resolve(window.courseMathMaps[locale]);
        return;
      }
      // Where MathJax's loader finds the maps: [mathjax]/sre/mathmaps, MathJax's own folder.
      var paths = window.MathJax.config.loader.paths;
      var folder = paths.sre.replace("[mathjax]", paths.mathjax);
      var script = document.createElement("script");
      script.src = folder + "/" + encodeURIComponent(locale) + ".js";
      script.onload = function () {
        var json = window.courseMathMaps[locale];
        if (json) {
          resolve(json);
        } else {
          reject(new Error("speech rules " + script.src + " define no map"));
        }
      };
      script.onerror = function () {
        reject(new Error("speech rules " + script.src + " did not load"));
      };
      document.head.appendChild(script);
    });
  }

  // The speech engine (MathJax's a11y/sre component) sets window.SREfeature.custom, its own loader,
  // when its file has run; it reads that when it starts, which a11y/semantic-enrich asks for next.
  // The loader's checkReady hook runs in between.
  var loader = (window.MathJax.loader = window.MathJax.loader || {});
  var sre = (loader["a11y/sre"] = loader["a11y/sre"] || {});
  var checkReady = sre.checkReady;
  sre.checkReady = function () {
    window.SREfeature = window.SREfeature || {};
    window.SREfeature.custom = loadMap;
    return checkReady ? checkReady() : Promise.resolve();
  };
})();
