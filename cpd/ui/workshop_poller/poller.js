// Polls the room's version route and asks Streamlit for a rerun only when the version changed.
// Speaks the custom-component protocol (streamlit-component-lib) by hand: no library, no CDN.
(function () {
  "use strict";
  var url = null, seen = null, every = 1500, spread = 0, timer = null;

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
          // A whole room sees a change within one poll interval; a random wait of up to `spread` ms
          // spreads the redraws further, so one process is not asked for them all at once.
          var v = d.v;
          return new Promise(function (done) {
            setTimeout(function () {
              send("streamlit:setComponentValue", { value: v, dataType: "json" });
              done();
            }, Math.random() * spread);
          });
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
    spread = args.spread_ms || 0;
    if (args.url !== url) { url = args.url; schedule(); }
  });

  send("streamlit:componentReady", { apiVersion: 1 });
  send("streamlit:setFrameHeight", { height: 0 });
})();
