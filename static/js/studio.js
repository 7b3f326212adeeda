// The studio's live parts: the Markdown preview of a lesson, the item preview that the
// author can answer and score, and the blueprint's capacity check. Each asks the
// server (which sanitises the HTML it returns) a moment after the author stops typing.
(function () {
  "use strict";
  const csrf = () => document.querySelector("input[name=csrfmiddlewaretoken]").value;
  const debounce = (fn, ms) => {
    let timer;
    return (...args) => {
      clearTimeout(timer);
      timer = setTimeout(() => fn(...args), ms);
    };
  };
  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify(body),
      credentials: "same-origin",
    });
    return { ok: response.ok, body: await response.json() };
  }
  const i18n = document.getElementById("studio-i18n");
  const t = i18n ? JSON.parse(i18n.textContent) : {};
  // Messages with a count, by plural form (window.pluralText in site.js).
  const pluralsBlock = document.getElementById("studio-plurals");
  const plurals = pluralsBlock ? JSON.parse(pluralsBlock.textContent) : {};

  // --- the lesson editor's live preview -------------------------------------------
  const lesson = document.getElementById("lesson-form");
  if (lesson) {
    const body = lesson.querySelector("#body");
    const out = document.getElementById("preview");
    const refresh = debounce(async () => {
      try {
        const { ok, body: result } = await post(lesson.dataset.preview, { text: body.value });
        if (ok) out.innerHTML = result.html;
      } catch (e) {
        /* offline: the preview catches up with the next keystroke */
      }
    }, 400);
    body.addEventListener("input", refresh);
  }

  // --- the item form: preview as the candidate sees it, answer it, see the score ---
  const item = document.getElementById("item-form");
  const preview = document.getElementById("item-preview");
  if (item && preview) {
    const value = (name) => item.querySelector(`[name="${name}"]`).value;
    const json = (name) => {
      try {
        return JSON.parse(value(name) || "{}");
      } catch (e) {
        return null;
      }
    };
    const version = () => ({
      kind: value("kind"),
      stem: value("stem"),
      points: value("points"),
      data: json("data_json"),
      key: json("key_json"),
      feedback: { ...(json("feedback_json") || {}), general: value("feedback_general") },
    });
    const problems = document.getElementById("preview-problems");
    const result = document.getElementById("try-result");
    const show = (list) => {
      problems.replaceChildren(...list.map((p) => Object.assign(document.createElement("li"), { textContent: p })));
      problems.hidden = !list.length;
    };
    const refresh = debounce(async () => {
      const { ok, body } = await post(preview.dataset.url, version());
      if (!ok) return show(body.problems || []);
      show([]);
      preview.querySelector(".preview-body").innerHTML = body.html;
      result.textContent = "";
      preview.querySelectorAll("button.up, button.down").forEach((b) =>
        b.addEventListener("click", () => {
          const li = b.closest("li");
          if (b.classList.contains("up") && li.previousElementSibling) li.parentNode.insertBefore(li, li.previousElementSibling);
          if (b.classList.contains("down") && li.nextElementSibling) li.parentNode.insertBefore(li.nextElementSibling, li);
          b.focus(); // moving the row drops the focus: keep it on the key just pressed
        })
      );
    }, 400);
    item.addEventListener("input", refresh);
    item.addEventListener("change", refresh);
    item.addEventListener("item-changed", refresh);
    document.getElementById("try-answer").addEventListener("click", async () => {
      const fs = preview.querySelector("fieldset");
      const reader = fs && window.ItemKinds[fs.dataset.kind];
      const response = reader ? reader.read(fs) : null;
      const { ok, body } = await post(preview.dataset.try, { ...version(), response });
      if (!ok) return show(body.problems || []);
      show([]);
      result.textContent = body.manual ? t.manual : `${t.score} ${Math.round(body.fraction * 100)}%`;
      const feedback = document.createElement("div");
      feedback.innerHTML = body.feedback_html;
      result.appendChild(feedback);
      result.className = "practice-feedback " + (body.fraction === 1 ? "ok" : "warn");
    });
    refresh();
  }

  // --- the blueprint editor: add sections, check capacity live ---------------------
  const blueprint = document.getElementById("blueprint-form");
  if (blueprint) {
    const tbody = blueprint.querySelector("#sections tbody");
    const count = blueprint.querySelector("#section-count");
    const summary = document.getElementById("capacity-summary");
    const rows = () => [...tbody.querySelectorAll("tr.section-row")];
    const rowData = (tr) => {
      const values = {};
      tr.querySelectorAll("input, select").forEach((node) => (values[node.name.split("-").slice(2).join("-")] = node.value));
      return values;
    };
    const filled = (v) => ["count", "category", "tags", "easy", "medium", "hard"].some((k) => v[k]);
    const check = debounce(async () => {
      const all = rows().map(rowData);
      const used = all.map((v, i) => [v, i]).filter(([v]) => filled(v));
      const { ok, body } = await post(blueprint.dataset.capacity, { sections: used.map(([v]) => v) });
      rows().forEach((tr) => (tr.querySelector(".capacity-cell").textContent = ""));
      if (!ok) {
        summary.textContent = (body.problems || []).join(" ");
        summary.className = "warning";
        return;
      }
      summary.className = "";
      summary.textContent = body.forms === null ? t.none : window.pluralText(plurals.forms, body.forms) + (body.forms < 2 ? " " + t.few : "");
      body.sections.forEach((section) => {
        const tr = rows()[used[section.position - 1][1]];
        const available = Object.entries(section.available).map(([d, n]) => `${d || "*"}: ${n}`).join(", ");
        tr.querySelector(".capacity-cell").textContent = `${section.forms} (${t.available} ${available})${section.short ? " · " + t.short : ""}`;
        tr.classList.toggle("short", section.short && body.forms < 2);
      });
    }, 300);
    blueprint.addEventListener("input", check);
    blueprint.addEventListener("change", check);
    const add = document.getElementById("add-section");
    add.hidden = false;
    add.addEventListener("click", () => {
      const last = rows()[rows().length - 1];
      const index = rows().length;
      const copy = last.cloneNode(true);
      copy.dataset.index = index;
      copy.querySelector("td").textContent = index + 1;
      copy.querySelectorAll("input, select").forEach((node) => {
        node.name = node.name.replace(/^s-\d+-/, `s-${index}-`);
        node.value = "";
      });
      tbody.appendChild(copy);
      count.value = rows().length;
      copy.querySelector("input").focus();
    });
  }
})();
