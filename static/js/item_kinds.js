// How each item kind reads its answer from the page and puts one back: shared by the
// exam page (attempt.js) and the studio's try-it preview (studio.js).
(function () {
  "use strict";
  const all = (fs, selector) => [...fs.querySelectorAll(selector)];
  const kinds = {
    single_choice: {
      read: (fs) => {
        const c = fs.querySelector("input:checked");
        return c ? { choice: c.value } : null;
      },
      write: (fs, r) => all(fs, "input").forEach((i) => (i.checked = i.value === r.choice)),
    },
    multiple_choice: {
      read: (fs) => ({ choices: all(fs, "input:checked").map((i) => i.value) }),
      write: (fs, r) => all(fs, "input").forEach((i) => (i.checked = r.choices.includes(i.value))),
    },
    true_false: {
      read: (fs) => {
        const c = fs.querySelector("input:checked");
        return c ? { value: c.value === "true" } : null;
      },
      write: (fs, r) => all(fs, "input").forEach((i) => (i.checked = i.value === String(r.value))),
    },
    fill_in: {
      read: (fs) => ({ blanks: Object.fromEntries(all(fs, "input[data-blank]").map((i) => [i.dataset.blank, i.value])) }),
      write: (fs, r) => all(fs, "input[data-blank]").forEach((i) => (i.value = r.blanks[i.dataset.blank] || "")),
    },
    matching: {
      read: (fs) => ({
        pairs: Object.fromEntries(all(fs, "select").filter((s) => s.value).map((s) => [s.dataset.prompt, s.value])),
      }),
      write: (fs, r) => all(fs, "select").forEach((s) => (s.value = r.pairs[s.dataset.prompt] || "")),
    },
    ordering: {
      read: (fs) => ({ order: all(fs, "li[data-id]").map((li) => li.dataset.id) }),
      write: (fs, r) => {
        const list = fs.querySelector("ol");
        r.order.forEach((id) => {
          const li = list.querySelector(`li[data-id="${id}"]`);
          if (li) list.appendChild(li);
        });
      },
    },
    short_answer: { read: (fs) => ({ text: fs.querySelector("textarea").value }), write: (fs, r) => (fs.querySelector("textarea").value = r.text) },
    programming: { read: (fs) => ({ code: fs.querySelector("textarea").value }), write: (fs, r) => (fs.querySelector("textarea").value = r.code) },
  };
  kinds.case_analysis = kinds.short_answer;
  window.ItemKinds = kinds;
})();
