// Draws an SVG chart above every <table class="chart-data" data-chart="line|bar"> from its cells.
"use strict";
(function () {
  const NS = "http://www.w3.org/2000/svg";
  function svg(tag, attrs, text) {
    const node = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
    if (text !== undefined) node.textContent = String(text);
    return node;
  }
  function rows(table) {
    return Array.from(table.tBodies[0].rows).map((r) => [r.cells[0].textContent, Number(r.cells[1].textContent) || 0]);
  }
  function draw(table) {
    const data = rows(table);
    if (!data.length) return;
    const W = 600, H = 220, L = 40, B = 24, T = 10, R = 10;
    const max = Math.max(1, ...data.map((d) => d[1]));
    const chart = svg("svg", { class: "chart", viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": table.getAttribute("aria-label") || "chart" });
    chart.appendChild(svg("line", { class: "axis", x1: L, y1: H - B, x2: W - R, y2: H - B }));
    chart.appendChild(svg("text", { x: 2, y: T + 8 }, max));
    chart.appendChild(svg("text", { x: 2, y: H - B }, 0));
    const step = (W - L - R) / data.length;
    const y = (v) => H - B - (v / max) * (H - B - T);
    if (table.dataset.chart === "bar") {
      data.forEach(([label, v], i) => {
        const x = L + i * step + step * 0.15;
        const bar = svg("rect", { class: "bar", x, y: y(v), width: step * 0.7, height: H - B - y(v) });
        bar.appendChild(svg("title", {}, `${label}: ${v}`));
        chart.appendChild(bar);
        chart.appendChild(svg("text", { x, y: H - 6 }, label.slice(0, 14)));
      });
    } else {
      const pts = data.map(([, v], i) => `${L + i * step + step / 2},${y(v)}`);
      chart.appendChild(svg("polygon", { class: "area", points: `${L + step / 2},${H - B} ${pts.join(" ")} ${L + (data.length - 0.5) * step},${H - B}` }));
      chart.appendChild(svg("polyline", { class: "line", points: pts.join(" ") }));
      data.forEach(([label, v], i) => {
        const dot = svg("circle", { class: "dot", cx: L + i * step + step / 2, cy: y(v), r: 2.5 });
        dot.appendChild(svg("title", {}, `${label}: ${v}`));
        chart.appendChild(dot);
        if (i % 4 === 0) chart.appendChild(svg("text", { x: L + i * step, y: H - 6 }, label));
      });
    }
    table.parentNode.insertBefore(chart, table);
    table.classList.add("drawn");
  }
  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("table.chart-data[data-chart]").forEach(draw);
  });
})();
