// Overview: counters follow the live stream's stats.
"use strict";
(function () {
  document.addEventListener("DOMContentLoaded", () => {
    const source = new EventSource("/api/v1/stream");
    source.addEventListener("stats", (msg) => {
      let stats;
      try { stats = JSON.parse(msg.data); } catch (e) { return; }
      for (const [name, value] of Object.entries(stats)) {
        const el = document.querySelector(`[data-counter="${CSS.escape(name)}"]`);
        if (el) el.textContent = String(value);
      }
    });
    source.addEventListener("end", () => source.close());
  });
})();
