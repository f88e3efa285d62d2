// Live events: server-sent events from /api/v1/stream (session cookie), filters and pause.
"use strict";
(function () {
  const MAX_ROWS = 500;
  const MAX_HELD = 1000;
  let paused = false;
  let held = [];
  let source = null;

  function filters() {
    const form = document.getElementById("filters");
    const out = {};
    for (const name of ["decky", "service", "event_type", "src_ip", "q"]) {
      const v = form.elements[name].value.trim();
      if (v) out[name] = v;
    }
    return out;
  }

  function matches(ev, f) {
    for (const key of ["decky", "service", "event_type", "src_ip"]) {
      if (f[key] && ev[key] !== f[key]) return false;
    }
    if (f.q) {
      const hay = [ev.message, ev.src_ip || "", JSON.stringify(ev.fields || {})].join(" ");
      if (!hay.includes(f.q)) return false;
    }
    return true;
  }

  function when(ts) {
    return String(ts).replace("T", " ").slice(0, 19);
  }

  function row(ev) {
    const el = window.decnet.el;
    const tr = document.createElement("tr");
    tr.dataset.id = String(ev.id);
    tr.className = "new";
    tr.appendChild(el("td", when(ev.timestamp)));
    tr.appendChild(el("td", ev.decky));
    tr.appendChild(el("td", ev.service));
    tr.appendChild(el("td", ev.event_type));
    const src = el("td", null, "mono");
    if (ev.src_ip) {
      const a = el("a", ev.src_ip);
      a.setAttribute("href", "/attackers/" + encodeURIComponent(ev.src_ip));
      src.appendChild(a);
    }
    tr.appendChild(src);
    const details = el("td", ev.message, "data");
    for (const [k, v] of Object.entries(ev.fields || {})) {
      details.appendChild(document.createTextNode(" "));
      const span = el("span", null, "field");
      span.appendChild(el("span", k, "k"));
      span.appendChild(document.createTextNode("="));
      span.appendChild(el("span", v, "v"));
      details.appendChild(span);
    }
    tr.appendChild(details);
    return tr;
  }

  function show(ev) {
    if (!matches(ev, filters())) return;
    const body = document.querySelector("#events tbody");
    if (body.querySelector(`tr[data-id="${Number(ev.id)}"]`)) return;
    body.insertBefore(row(ev), body.firstChild);
    while (body.rows.length > MAX_ROWS) body.deleteRow(body.rows.length - 1);
  }

  function state(text) {
    document.getElementById("stream-state").textContent = text;
  }

  function connect() {
    source = new EventSource("/api/v1/stream");
    source.addEventListener("open", () => state(paused ? "paused" : "live"));
    source.addEventListener("event", (msg) => {
      let ev;
      try { ev = JSON.parse(msg.data); } catch (e) { return; }
      if (paused) {
        if (held.length < MAX_HELD) held.push(ev);
        state(`paused (${held.length} waiting)`);
      } else {
        show(ev);
      }
    });
    source.addEventListener("dropped", (msg) => state("live (some events skipped: too slow)"));
    source.addEventListener("end", () => { state("session ended: log in again"); source.close(); });
    source.addEventListener("error", () => state("reconnecting…"));
  }

  function csvLink() {
    const params = new URLSearchParams(filters());
    document.getElementById("csv").setAttribute("href", "/api/v1/events.csv?" + params.toString());
  }

  function refilter() {
    const f = filters();
    document.querySelectorAll("#events tbody tr").forEach((tr) => {
      const cells = tr.cells;
      const ev = { decky: cells[0 + 1].textContent, service: cells[2].textContent, event_type: cells[3].textContent,
        src_ip: cells[4].textContent, message: cells[5].textContent, fields: {} };
      tr.hidden = !matches(ev, f);
    });
    csvLink();
  }

  document.addEventListener("DOMContentLoaded", () => {
    const pause = document.getElementById("pause");
    pause.addEventListener("click", () => {
      paused = !paused;
      pause.setAttribute("aria-pressed", String(paused));
      pause.textContent = paused ? "Resume" : "Pause";
      if (!paused) {
        held.forEach(show);
        held = [];
        state("live");
      } else {
        state("paused");
      }
    });
    document.getElementById("filters").addEventListener("input", refilter);
    document.getElementById("filters").addEventListener("submit", (e) => e.preventDefault());
    csvLink();
    connect();
  });
})();
