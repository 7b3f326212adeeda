// Question import: the import's page follows the worker's preview or import by polling its progress
// endpoint until it is final, and reloads once to show the preview, the result or
// the problems. Closing the page stops nothing: the worker carries on.
(function () {
  "use strict";

  const section = document.getElementById("import-progress");
  if (!section) return;
  const t = JSON.parse(document.getElementById("progress-i18n").textContent);
  const bar = document.getElementById("import-bar");
  const text = document.getElementById("import-text");
  async function poll() {
    try {
      const res = await fetch(section.dataset.url, { credentials: "same-origin" });
      if (res.ok) {
        const job = await res.json();
        if (job.final) {
          window.location.reload();
          return;
        }
        if (job.total) {
          bar.max = job.total;
          bar.value = job.done;
          text.textContent = t.count.replace("%(done)s", job.done).replace("%(total)s", job.total);
        } else {
          text.textContent = job.state_label;
        }
      }
    } catch (e) {
      text.textContent = t.failed; // offline: next round
    }
    setTimeout(poll, 1000);
  }
  setTimeout(poll, 1000);
})();
