// Exam page: every answer is saved as it is given (debounced), kept in localStorage
// and re-sent until the server confirms it. The server keeps the deadline; this
// clock only shows it and re-syncs every minute.
(function () {
  "use strict";
  const root = document.getElementById("attempt");
  if (!root || root.dataset.state !== "in_progress") return;

  const t = JSON.parse(document.getElementById("i18n").textContent);
  const attemptId = root.dataset.attempt;
  const api = root.dataset.api;
  const csrf = root.querySelector("input[name=csrfmiddlewaretoken]").value;
  const storeKey = (item) => `attempt:${attemptId}:${item}`;
  const pending = new Map(); // item id -> {response, revision}
  const timers = new Map();
  let deadline = performance.now() + Number(root.dataset.secondsLeft) * 1000;
  let submitting = false;

  function fieldset(item) {
    return root.querySelector(`fieldset[data-item="${item}"]`);
  }

  function readResponse(fs) {
    if (fs.dataset.kind === "single_choice") {
      const checked = fs.querySelector("input:checked");
      return checked ? { choice: Number(checked.value) } : null;
    }
    return { text: fs.querySelector("input").value };
  }

  function applyResponse(fs, response) {
    if (fs.dataset.kind === "single_choice") {
      const input = fs.querySelector(`input[value="${response.choice}"]`);
      if (input) input.checked = true;
    } else {
      fs.querySelector("input").value = response.text;
    }
  }

  function mark(item, text, cls) {
    const el = fieldset(item).querySelector(".save-state");
    el.textContent = text;
    el.className = "save-state " + (cls || "");
  }

  function connection() {
    const el = document.getElementById("connection");
    if (pending.size === 0) {
      el.textContent = t.allSaved;
      el.className = "conn ok";
    } else {
      el.textContent = `${t.pending} (${pending.size})`;
      el.className = "conn warn";
    }
  }

  async function send(item) {
    const entry = pending.get(item);
    if (!entry) return true;
    mark(item, t.saving, "busy");
    try {
      const res = await fetch(`${api}answers/${item}/`, {
        method: "PUT",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
        body: JSON.stringify(entry),
        credentials: "same-origin",
      });
      if (res.ok) {
        if (pending.get(item) === entry) {
          pending.delete(item);
          localStorage.removeItem(storeKey(item));
        }
        mark(item, t.saved, "ok");
        connection();
        return true;
      }
      if (res.status === 409 || res.status === 404) {
        // Closed or gone: keep the local copy (nothing is thrown away) and say so.
        const body = await res.json().catch(() => ({}));
        mark(item, (body.error && body.error.message) || t.closed, "err");
        return false;
      }
      if (res.status === 400) {
        const body = await res.json().catch(() => ({}));
        pending.delete(item);
        mark(item, (body.error && body.error.message) || "?", "err");
        connection();
        return false;
      }
    } catch (e) {
      /* network down: retried below */
    }
    mark(item, t.retry, "warn");
    connection();
    return false;
  }

  function changed(fs) {
    const item = fs.dataset.item;
    const response = readResponse(fs);
    if (response === null) return;
    const revision = Number(fs.dataset.revision) + 1;
    fs.dataset.revision = revision;
    const entry = { response, revision };
    pending.set(item, entry);
    localStorage.setItem(storeKey(item), JSON.stringify(entry));
    connection();
    clearTimeout(timers.get(item));
    timers.set(item, setTimeout(() => send(item), 400));
  }

  async function flush() {
    const results = await Promise.all([...pending.keys()].map(send));
    return results.every(Boolean);
  }

  // Restore answers kept in this browser that the server has not confirmed.
  root.querySelectorAll("fieldset.item").forEach((fs) => {
    const saved = localStorage.getItem(storeKey(fs.dataset.item));
    if (saved) {
      const entry = JSON.parse(saved);
      if (entry.revision > Number(fs.dataset.revision)) {
        applyResponse(fs, entry.response);
        fs.dataset.revision = entry.revision;
        pending.set(fs.dataset.item, entry);
      } else {
        localStorage.removeItem(storeKey(fs.dataset.item));
      }
    }
    fs.addEventListener("change", () => changed(fs));
    fs.addEventListener("input", () => changed(fs));
  });
  connection();
  flush();
  window.addEventListener("online", flush);
  setInterval(() => pending.size && flush(), 3000);

  async function submit(confirmFirst) {
    if (submitting) return;
    if (confirmFirst && !window.confirm(t.confirm)) return;
    submitting = true;
    const button = document.getElementById("submit-exam");
    button.disabled = true;
    await flush();
    try {
      const res = await fetch(button.dataset.url, {
        method: "POST",
        headers: { "X-CSRFToken": csrf },
        credentials: "same-origin",
      });
      if (res.ok) {
        window.location.reload();
        return;
      }
    } catch (e) {
      /* fall through: let the candidate try again */
    }
    submitting = false;
    button.disabled = false;
  }
  document.getElementById("submit-exam").addEventListener("click", () => submit(true));

  function tick() {
    const left = Math.max(0, Math.round((deadline - performance.now()) / 1000));
    const m = String(Math.floor(left / 60)).padStart(2, "0");
    const s = String(left % 60).padStart(2, "0");
    document.getElementById("timer").textContent = `${m}:${s}`;
    if (left === 0 && !submitting) {
      document.getElementById("connection").textContent = t.timeUp;
      submit(false);
    }
  }
  async function resync() {
    try {
      const res = await fetch(api, { credentials: "same-origin" });
      if (res.ok) {
        const body = await res.json();
        deadline = performance.now() + body.seconds_left * 1000;
        if (body.state !== "in_progress") window.location.reload();
      }
    } catch (e) {
      /* offline: keep counting locally */
    }
  }
  tick();
  setInterval(tick, 1000);
  setInterval(resync, 60000);
})();
