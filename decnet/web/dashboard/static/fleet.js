// Fleet page: follows the current operation's progress; "Mutate now" through the API.
"use strict";
(function () {
  const FINAL = new Set(["succeeded", "failed"]);

  async function follow(section) {
    const id = section.dataset.op;
    const progress = document.getElementById("op-progress");
    const stateEl = document.getElementById("op-state");
    const errorEl = document.getElementById("op-error");
    let state = section.dataset.state;
    while (!FINAL.has(state)) {
      await new Promise((r) => setTimeout(r, 1000));
      const { status, data } = await window.decnet.api("GET", "/api/v1/operations/" + encodeURIComponent(id));
      if (status !== 200 || !data) { stateEl.textContent = "status unavailable"; return; }
      state = data.state;
      progress.value = data.progress;
      progress.textContent = Math.round(data.progress * 100) + "%";
      stateEl.textContent = state;
      stateEl.className = "state state-" + state;
      errorEl.textContent = data.error || "";
    }
    section.dataset.state = state;
    if (section.dataset.followed !== "done") {
      section.dataset.followed = "done";
      window.location.replace("/fleet?op=" + encodeURIComponent(id));
    }
  }

  async function mutate(button) {
    const name = button.dataset.decky;
    button.disabled = true;
    const { status, data } = await window.decnet.api("POST", "/api/v1/deckies/" + encodeURIComponent(name) + "/mutate");
    button.disabled = false;
    if (data && data.operation_id) {
      window.location.assign("/fleet?op=" + encodeURIComponent(data.operation_id));
    } else {
      button.textContent = status < 300 ? "Mutated" : "Mutate failed (" + status + ")";
      if (status < 300) setTimeout(() => window.location.reload(), 800);
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    const section = document.getElementById("operation");
    if (section && !FINAL.has(section.dataset.state)) follow(section);
    document.querySelectorAll("button.mutate").forEach((b) => b.addEventListener("click", () => mutate(b)));
  });
})();
