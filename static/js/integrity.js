// Exam integrity (docs/security.md): reports focus loss, copy and paste to the server
// in small batches, sent and forgotten, never in the candidate's way; and when
// another browser takes the attempt over (static/js/attempt.js gets a 409), shows
// the notice and stops this page. Unsent answers stay in localStorage.
(function () {
  "use strict";
  const root = document.getElementById("attempt");
  if (!root || root.dataset.active !== "1") return;

  const url = root.dataset.integrity;
  const csrf = root.querySelector("input[name=csrfmiddlewaretoken]").value;
  const BATCH = 50; // the server's batch limit
  const PER_PAGE = 300; // the server also caps events per attempt
  const queue = [];
  let timer = null;
  let recorded = 0;
  let awaySince = null;
  let stopped = false;

  function send(keepalive) {
    clearTimeout(timer);
    timer = null;
    if (queue.length === 0) return;
    const events = queue.splice(0, BATCH);
    fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ events }),
      credentials: "same-origin",
      keepalive: Boolean(keepalive),
    }).catch(() => {
      /* lost with the network: integrity reports are best effort */
    });
    if (queue.length) schedule();
  }

  function schedule() {
    if (!timer) timer = setTimeout(send, 2000);
  }

  function record(kind, detail) {
    if (stopped || recorded >= PER_PAGE) return;
    recorded += 1;
    queue.push(Object.assign({ kind, at: new Date().toISOString() }, detail || {}));
    schedule();
  }

  function itemOf(target) {
    const fs = target && target.closest ? target.closest("fieldset[data-item]") : null;
    return fs ? { item: Number(fs.dataset.item) } : {};
  }

  function away() {
    if (awaySince !== null) return;
    awaySince = Date.now();
    record("focus_lost");
  }

  function back() {
    if (awaySince === null) return;
    const seconds = Math.round((Date.now() - awaySince) / 1000);
    awaySince = null;
    record("focus_back", { seconds });
  }

  document.addEventListener("visibilitychange", () => (document.hidden ? away() : back()));
  window.addEventListener("blur", away);
  window.addEventListener("focus", back);
  document.addEventListener("copy", (e) => record("copy", itemOf(e.target)));
  document.addEventListener("paste", (e) => {
    const text = e.clipboardData ? e.clipboardData.getData("text") : "";
    record("paste", Object.assign({ chars: text.length }, itemOf(e.target)));
  });
  window.addEventListener("pagehide", () => send(true));

  document.addEventListener("attempt:taken-over", () => {
    send(true);
    stopped = true;
    document.getElementById("takeover-notice").hidden = false;
    root.querySelectorAll("fieldset.item").forEach((fs) => (fs.disabled = true));
    const submit = document.getElementById("submit-exam");
    if (submit) submit.disabled = true;
  });
})();
