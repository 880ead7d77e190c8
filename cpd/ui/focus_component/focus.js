// Brings the element the learner must read next (a heading with an id) to the top of the
// screen and moves keyboard focus to it, so a screen reader announces it. Served from the
// app's own origin as a file (the Content-Security-Policy allows no inline script); the
// frame is same-origin, so it may reach the page it sits in.
"use strict";
(function () {
  var last = null;
  function post(type, extra) {
    var msg = { isStreamlitMessage: true, type: type };
    for (var k in extra) { msg[k] = extra[k]; }
    window.parent.postMessage(msg, "*");
  }
  function bring(id, tries) {
    var doc = window.parent.document;
    var el = doc.getElementById(id);
    // Streamlit draws a rerun's elements as they arrive; wait (up to 3 s) for the target.
    if (!el || el.closest("[data-stale='true']")) {
      if (tries < 60) { setTimeout(function () { bring(id, tries + 1); }, 50); }
      return;
    }
    if (!el.hasAttribute("tabindex")) { el.setAttribute("tabindex", "-1"); }
    el.focus({ preventScroll: true });
    el.scrollIntoView({ block: "start", behavior: "instant" });
    // The rest of the run may still change the page above the target (an expander closing, stale
    // elements leaving): look again for a moment and bring it back if it moved out of view.
    [150, 400, 800, 1500].forEach(function (ms) {
      setTimeout(function () {
        var r = el.getBoundingClientRect();
        var view = window.parent.innerHeight;
        if (el.isConnected && (r.top < 0 || r.bottom > view)) {
          el.scrollIntoView({ block: "start", behavior: "instant" });
        }
      }, ms);
    });
  }
  window.addEventListener("message", function (event) {
    if (event.source !== window.parent) { return; }
    var data = event.data || {};
    if (data.type !== "streamlit:render") { return; }
    var args = data.args || {};
    if (!args.target || args.nonce === last) { return; }
    last = args.nonce;
    bring(String(args.target), 0);
  });
  post("streamlit:componentReady", { apiVersion: 1 });
  post("streamlit:setFrameHeight", { height: 0 });
})();
