// Learning pages: a lesson's study time (a heartbeat every 30 s while the page is
// visible) and the review queue (answer an item, see its score and feedback at once).
(function () {
  "use strict";
  const csrfOf = (root) => root.querySelector("input[name=csrfmiddlewaretoken]").value;

  async function postJson(url, csrf, body) {
    const res = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, "Content-Type": "application/json" },
      body: JSON.stringify(body || {}),
    });
    return { ok: res.ok, status: res.status, body: await res.json().catch(() => ({})) };
  }

  const lesson = document.getElementById("lesson");
  if (lesson) {
    const csrf = csrfOf(lesson);
    const beat = () => {
      if (document.visibilityState !== "visible") return;
      postJson(lesson.dataset.heartbeat, csrf)
        .then(({ ok, body }) => {
          const spent = document.getElementById("spent");
          if (ok && spent) spent.textContent = String(Math.round(body.seconds / 60));
        })
        .catch(() => {}); // offline: the next beat starts the clock again
    };
    beat();
    setInterval(beat, 30000);
    document.addEventListener("visibilitychange", beat);
  }

  const reviews = document.getElementById("reviews");
  if (reviews) {
    const csrf = csrfOf(reviews);
    const t = JSON.parse(document.getElementById("i18n").textContent);
    reviews.querySelectorAll("fieldset[data-url]").forEach((fs) => {
      const button = fs.querySelector("button.check");
      button.addEventListener("click", async () => {
        const out = fs.querySelector(".practice-feedback");
        const reader = window.ItemKinds[fs.dataset.kind];
        const response = reader ? reader.read(fs) : null;
        button.disabled = true;
        try {
          const { ok, body } = await postJson(fs.dataset.url, csrf, { response });
          if (!ok) {
            out.textContent = (body.error && body.error.message) || t.invalid;
            out.className = "practice-feedback warn";
            button.disabled = false;
            return;
          }
          const percent = body.fraction === null ? "" : `${t.score} ${Math.round(body.fraction * 100)}% · `;
          out.textContent = `${percent}${t.next}: ${new Date(body.due_at).toLocaleString()}`;
          const feedback = document.createElement("div");
          feedback.innerHTML = body.feedback_html || ""; // sanitised on the server
          out.appendChild(feedback);
          out.className = "practice-feedback " + (body.fraction === 1 ? "ok" : "warn");
          fs.querySelectorAll("input, select, textarea").forEach((el) => (el.disabled = true));
        } catch (e) {
          out.textContent = t.offline;
          out.className = "practice-feedback warn";
          button.disabled = false;
        }
      });
    });
  }
})();
