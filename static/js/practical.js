// Practical page: poll each unfinished submission and show its stage until the
// result arrives; reload once when one finishes so the log and scores appear.
(function () {
  "use strict";
  const t = JSON.parse(document.getElementById("i18n").textContent);
  const form = document.getElementById("upload-form");
  if (form) {
    form.addEventListener("submit", () => {
      document.getElementById("upload-button").disabled = true; // no double uploads
    });
  }
  const rows = [...document.querySelectorAll("tr.submission[data-final='0']")];
  if (!rows.length) return;
  async function poll() {
    let finished = false;
    for (const row of rows) {
      if (row.dataset.final === "1") continue;
      try {
        const res = await fetch(row.dataset.url, { credentials: "same-origin" });
        if (!res.ok) continue;
        const sub = await res.json();
        const stage = sub.stage ? ` · ${t[sub.stage] || sub.stage}` : "";
        row.querySelector(".state").innerHTML = "";
        const span = document.createElement("span");
        span.className = "progress";
        span.dataset.stage = sub.stage;
        span.textContent = `${t[sub.state] || sub.state}${stage}`;
        row.querySelector(".state").appendChild(span);
        row.querySelector(".verdict").textContent = sub.message || "";
        if (sub.state === "done" || sub.state === "failed") {
          row.dataset.final = "1";
          finished = true;
        }
      } catch (e) {
        /* offline: try again next round */
      }
    }
    if (finished) window.location.reload();
    else setTimeout(poll, 2000);
  }
  poll();
})();
