// A job a worker runs while its page waits (a question import, an item analysis
// refresh): the page's section[data-progress-url] follows it by polling that endpoint
// ({"state_label", "done", "total", "final"}) every second until the job is final,
// then reloads once to show the result. Its <progress> takes done/total and its
// polite live text the count, plural-correct (window.pluralText, static/js/site.js;
// the forms come in #progress-i18n: {"count": forms, "failed": text}). Closing the
// page stops nothing: the worker carries on.
(function () {
  "use strict";

  const section = document.querySelector("[data-progress-url]");
  if (!section) return;
  const t = JSON.parse(document.getElementById("progress-i18n").textContent);
  const bar = section.querySelector("progress");
  const text = section.querySelector("[aria-live]");
  async function poll() {
    try {
      const res = await fetch(section.dataset.progressUrl, { credentials: "same-origin" });
      if (res.ok) {
        const job = await res.json();
        if (job.final) {
          window.location.reload();
          return;
        }
        if (job.total) {
          bar.max = job.total;
          bar.value = job.done;
          text.textContent = window.pluralText(t.count, job.total, { done: job.done, total: job.total });
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
