// Exam page: every answer is saved as it is given (debounced), kept in localStorage
// and re-sent until the server confirms it. The server keeps the deadline; this
// clock only shows it and re-syncs every minute.
(function () {
  "use strict";
  const root = document.getElementById("attempt");
  if (!root || root.dataset.active !== "1") return;

  const t = JSON.parse(document.getElementById("i18n").textContent);
  // Messages with a count, by plural form (window.pluralText in site.js).
  const plurals = JSON.parse(document.getElementById("i18n-plural").textContent);
  const attemptId = root.dataset.attempt;
  const api = root.dataset.api;
  const csrf = root.querySelector("input[name=csrfmiddlewaretoken]").value;
  const storeKey = (item) => `attempt:${attemptId}:${item}`;
  const pending = new Map(); // item id -> {response, revision}
  const timers = new Map();
  let deadline = performance.now() + Number(root.dataset.secondsLeft) * 1000;
  let submitting = false;
  let takenOver = false; // another browser took the attempt over: stop saving

  const fieldset = (item) => root.querySelector(`fieldset[data-item="${item}"]`);

  const kinds = window.ItemKinds; // static/js/item_kinds.js

  function mark(item, text, cls) {
    const el = fieldset(item).querySelector(".save-state");
    if (!el) return;
    el.textContent = text;
    el.className = "save-state " + (cls || "");
  }

  function connection() {
    const el = document.getElementById("connection");
    if (pending.size === 0) {
      el.textContent = t.allSaved;
      el.className = "conn ok";
    } else {
      el.textContent = window.pluralText(plurals.pending, pending.size);
      el.className = "conn warn";
    }
  }

  async function send(item) {
    const entry = pending.get(item);
    if (!entry) return true;
    if (takenOver) return false;
    mark(item, t.saving, "busy");
    try {
      const res = await fetch(`${api}answers/${item}/`, {
        method: "PUT",
        // The attempt's save token lets the server take the autosave fast path.
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, "X-Attempt-Token": root.dataset.token },
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
      const body = await res.json().catch(() => ({}));
      const message = (body.error && body.error.message) || t.closed;
      if (res.status === 400) pending.delete(item); // the server will never take it
      if (res.status === 409 && body.error && body.error.code === "taken_over" && !takenOver) {
        takenOver = true; // static/js/integrity.js shows the notice
        document.dispatchEvent(new CustomEvent("attempt:taken-over", { detail: message }));
      }
      // 409/404: closed or gone. The local copy stays in this browser: nothing is lost.
      mark(item, message, "err");
      connection();
      return false;
    } catch (e) {
      /* network down: retried below */
    }
    mark(item, t.retry, "warn");
    connection();
    return false;
  }

  function changed(fs) {
    const kind = kinds[fs.dataset.kind];
    if (!kind) return;
    const response = kind.read(fs);
    if (response === null) return;
    const item = fs.dataset.item;
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

  root.querySelectorAll("fieldset.item").forEach((fs) => {
    const kind = kinds[fs.dataset.kind];
    if (!kind) return;
    // Restore what this browser kept but the server has not confirmed.
    const saved = localStorage.getItem(storeKey(fs.dataset.item));
    if (saved) {
      const entry = JSON.parse(saved);
      if (entry.revision > Number(fs.dataset.revision)) {
        kind.write(fs, entry.response);
        fs.dataset.revision = entry.revision;
        pending.set(fs.dataset.item, entry);
      } else {
        localStorage.removeItem(storeKey(fs.dataset.item));
      }
    }
    fs.addEventListener("change", () => changed(fs));
    fs.addEventListener("input", () => changed(fs));
    fs.querySelectorAll("button.up, button.down").forEach((button) =>
      button.addEventListener("click", () => {
        const li = button.closest("li");
        if (button.classList.contains("up") && li.previousElementSibling) li.parentNode.insertBefore(li, li.previousElementSibling);
        if (button.classList.contains("down") && li.nextElementSibling) li.parentNode.insertBefore(li.nextElementSibling, li);
        button.focus(); // moving the row drops the focus: keep it on the key just pressed
        changed(fs);
      })
    );
    const run = fs.querySelector("button.run-samples");
    if (run) run.addEventListener("click", () => runSamples(fs, run));
    const check = fs.querySelector("button.check");
    if (check) check.addEventListener("click", () => practiceCheck(fs, check));
  });
  connection();
  flush();
  window.addEventListener("online", flush);
  setInterval(() => pending.size && flush(), 3000);

  async function post(url) {
    const res = await fetch(url, {
      method: "POST",
      headers: { "X-CSRFToken": csrf, "X-Attempt-Token": root.dataset.token },
      credentials: "same-origin",
    });
    return { ok: res.ok, body: await res.json().catch(() => ({})) };
  }

  async function runSamples(fs, button) {
    const out = fs.querySelector(".sample-results");
    button.disabled = true;
    out.textContent = t.running;
    await flush();
    try {
      const { ok, body } = await post(button.dataset.url);
      out.textContent = ok
        ? body.tests.map((x) => `${x.passed ? "✔" : "✖"} ${x.name}${x.error ? " — " + x.error : ""}`).join("\n") || body.stderr
        : (body.error && body.error.message) || "?";
    } catch (e) {
      out.textContent = t.retry;
    }
    button.disabled = false;
  }

  async function practiceCheck(fs, button) {
    const out = fs.querySelector(".practice-feedback");
    await flush();
    const { ok, body } = await post(button.dataset.url);
    if (!ok) return;
    const percent = body.fraction === null ? "" : `${t.score} ${Math.round(body.fraction * 100)}% `;
    // feedback_html is sanitised on the server (training/markup.py), like the stems.
    out.textContent = percent;
    const feedback = document.createElement("div");
    feedback.innerHTML = body.feedback_html || "";
    out.appendChild(feedback);
    if (body.lesson_url) {
      const back = document.createElement("a");
      back.href = body.lesson_url;
      back.textContent = `${t.lesson}: ${body.lesson_title}`;
      out.appendChild(back);
    }
    out.className = "practice-feedback " + (body.fraction === 1 ? "ok" : "warn");
  }

  async function submit(confirmFirst) {
    if (submitting || takenOver) return;
    if (confirmFirst && !window.confirm(t.confirm)) return;
    submitting = true;
    const button = document.getElementById("submit-exam");
    button.disabled = true;
    await flush();
    try {
      const { ok } = await post(button.dataset.url);
      if (ok) {
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

  // The time left is said (politely, by #timer-announce) when it falls to one of
  // these minutes, once each; the visible clock itself stays silent.
  const THRESHOLDS = [30, 10, 5, 1];
  const announced = new Set();
  let shownLeft = null;
  function show(left) {
    const m = String(Math.floor(left / 60)).padStart(2, "0");
    const s = String(left % 60).padStart(2, "0");
    document.getElementById("timer").textContent = `${m}:${s}`;
    for (const minutes of THRESHOLDS) {
      const at = minutes * 60;
      if (shownLeft !== null && shownLeft > at && left <= at && !announced.has(minutes)) {
        announced.add(minutes);
        document.getElementById("timer-announce").textContent = window.pluralText(plurals.minutesLeft, minutes);
      }
    }
    shownLeft = left;
  }
  // The clock's display, for tests and assistive tools: show(secondsLeft) paints the
  // countdown and speaks a threshold as tick() would; it never moves the deadline.
  window.ExamClock = { show };

  function tick() {
    const left = Math.max(0, Math.round((deadline - performance.now()) / 1000));
    show(left);
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
        if (body.state !== "in_progress" && body.state !== "overdue") window.location.reload();
      }
    } catch (e) {
      /* offline: keep counting locally */
    }
  }
  tick();
  setInterval(tick, 1000);
  setInterval(resync, 60000);
})();
