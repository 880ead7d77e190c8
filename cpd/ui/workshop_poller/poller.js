// Polls the room's version route and asks Streamlit for a rerun only when the version changed.
// Speaks the custom-component protocol (streamlit-component-lib) by hand: no library, no CDN.
(function () {
  "use strict";
  var url = null, seen = null, every = 1500, timer = null;

  function send(type, extra) {
    var msg = { isStreamlitMessage: true, type: type };
    for (var k in extra || {}) { msg[k] = extra[k]; }
    window.parent.postMessage(msg, "*");
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(tick, every);
  }

  function tick() {
    if (!url) { return; }
    fetch(url, { cache: "no-store", credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (d) {
        if (d && typeof d.v === "number" && d.v !== seen) {
          seen = d.v;
          send("streamlit:setComponentValue", { value: d.v, dataType: "json" });
        }
      })
      .catch(function () { /* offline for a moment: try again next time */ })
      .then(schedule);
  }

  window.addEventListener("message", function (event) {
    var data = event.data;
    if (!data || data.type !== "streamlit:render") { return; }
    var args = data.args || {};
    seen = args.version;  // the version the page was just drawn for
    every = args.every_ms || every;
    if (args.url !== url) { url = args.url; schedule(); }
  });

  send("streamlit:componentReady", { apiVersion: 1 });
  send("streamlit:setFrameHeight", { height: 0 });
})();
