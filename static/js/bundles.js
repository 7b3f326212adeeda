// Bundle uploads: follow each unfinished upload, stage by stage (validation, each
// trial solution, storing), until the worker has accepted or refused it (the upload itself: upload_progress.js, which also stops double submits).
(function () {
  "use strict";
  const rows = [...document.querySelectorAll("tr.bundle-upload[data-final='0']")];
  if (!rows.length) return;
  async function poll() {
    for (const row of rows) {
      if (row.dataset.final === "1") continue;
      try {
        const res = await fetch(row.dataset.url, { credentials: "same-origin" });
        if (!res.ok) continue;
        const upload = await res.json();
        const span = row.querySelector(".state span");
        span.textContent = upload.state_label;
        if (upload.final) span.removeAttribute("data-stage");
        const bar = row.querySelector(".stage-bar");
        if (bar && upload.total && !upload.final) {
          bar.max = upload.total;
          bar.value = upload.done;
          bar.hidden = false;
        } else if (bar) bar.hidden = true;
        const stage = row.querySelector(".stage");
        if (stage) stage.textContent = upload.final ? "" : upload.stage_label;
        row.querySelector(".message").textContent = upload.message;
        if (upload.final) row.dataset.final = "1";
      } catch (e) {
        /* offline: next round */
      }
    }
    if (rows.some((row) => row.dataset.final === "0")) setTimeout(poll, 2000);
  }
  poll();
})();
