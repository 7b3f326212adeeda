// The item form's editor made for each kind: choices with the right answer and their
// feedback, blanks with accepted answers, pairs, an order, a model answer and rubric,
// tests. It reads and writes the form's JSON fields (data, key, other feedback), which
// stay under "JSON" for what it does not cover and for use without script. The
// server checks everything again on save (training/services/item_rules.py).
(function () {
  "use strict";
  const form = document.getElementById("item-form");
  const host = document.getElementById("kind-editor");
  if (!form || !host) return;
  const t = JSON.parse(document.getElementById("studio-i18n").textContent);
  const examples = JSON.parse(document.getElementById("kind-examples").textContent);
  const rubrics = JSON.parse(document.getElementById("rubric-list").textContent);
  const field = (name) => form.querySelector(`[name="${name}"]`);
  const read = (name) => {
    try {
      const value = JSON.parse(field(name).value || "{}");
      return value && typeof value === "object" ? value : {};
    } catch (e) {
      return null; // the author is typing JSON by hand: leave it alone
    }
  };
  const el = (tag, attrs = {}, ...children) => {
    const node = document.createElement(tag);
    Object.entries(attrs).forEach(([k, v]) => (k === "text" ? (node.textContent = v) : node.setAttribute(k, v)));
    children.forEach((c) => node.appendChild(c));
    return node;
  };
  const input = (value, label, attrs = {}) => el("input", { value: value ?? "", "aria-label": label, ...attrs });
  const button = (text, label, onClick) => {
    const b = el("button", { type: "button", class: "link", "aria-label": label, text });
    b.addEventListener("click", onClick);
    return b;
  };
  const nextId = (entries, prefix) => {
    const used = new Set(entries.map((e) => String(e.id)));
    for (let n = 1; ; n++) {
      const id = prefix ? `${prefix}${n}` : String.fromCharCode(96 + n);
      if (n > 26 && !prefix) return `c${n}`;
      if (!used.has(id)) return id;
    }
  };

  let state = null; // {data, key, feedback}
  function load() {
    const data = read("data_json"), key = read("key_json"), feedback = read("feedback_json");
    state = data && key && feedback ? { data, key, feedback } : null;
  }
  function save() {
    field("data_json").value = JSON.stringify(state.data, null, 2);
    field("key_json").value = JSON.stringify(state.key, null, 2);
    field("feedback_json").value = JSON.stringify(state.feedback, null, 2);
    form.dispatchEvent(new Event("item-changed"));
  }
  const changed = (fn) => (event) => {
    fn(event);
    save();
  };

  // --- choices (single and multiple) ------------------------------------------------
  function choices(multiple) {
    const list = state.data.choices || (state.data.choices = []);
    state.key.fractions = state.key.fractions || {};
    state.feedback.choices = state.feedback.choices || {};
    const correct = () => Object.keys(state.key.fractions).filter((id) => state.key.fractions[id] > 0);
    const setCorrect = (ids) => {
      const share = ids.length ? Math.round((1 / ids.length) * 10000) / 10000 : 0;
      state.key.fractions = Object.fromEntries(ids.map((id, i) => [id, i === ids.length - 1 ? Math.round((1 - share * (ids.length - 1)) * 10000) / 10000 : share]));
    };
    const table = el("table", { class: "grid" });
    table.appendChild(el("thead", {}, el("tr", {}, el("th", { text: t.option }), el("th", { text: t.correct }), el("th", { text: t.optionFeedback }), el("th"))));
    const body = el("tbody");
    list.forEach((choice, index) => {
      const text = input(choice.text, `${t.option} ${choice.id}`);
      text.addEventListener("input", changed(() => (choice.text = text.value)));
      const mark = el("input", { type: multiple ? "checkbox" : "radio", name: "kind-correct", "aria-label": `${t.correct} ${choice.id}` });
      mark.checked = correct().includes(String(choice.id));
      mark.addEventListener("change", changed(() => {
        const chosen = multiple ? [...body.querySelectorAll("input[name=kind-correct]")].map((m, i) => (m.checked ? String(list[i].id) : null)).filter(Boolean) : [String(choice.id)];
        setCorrect(chosen);
      }));
      const note = input(state.feedback.choices[choice.id], `${t.optionFeedback} ${choice.id}`);
      note.addEventListener("input", changed(() => {
        if (note.value) state.feedback.choices[choice.id] = note.value;
        else delete state.feedback.choices[choice.id];
      }));
      const remove = button("✕", `${t.remove} ${choice.id}`, changed(() => {
        list.splice(index, 1);
        delete state.key.fractions[choice.id];
        delete state.feedback.choices[choice.id];
        render();
      }));
      body.appendChild(el("tr", {}, el("td", {}, text), el("td", {}, mark), el("td", {}, note), el("td", {}, remove)));
    });
    table.appendChild(body);
    const add = button(t.addOption, t.addOption, changed(() => {
      list.push({ id: nextId(list, ""), text: "" });
      render();
    }));
    add.className = "secondary";
    return [table, add];
  }

  // --- the other kinds ----------------------------------------------------------------
  function trueFalse() {
    state.feedback.choices = state.feedback.choices || {};
    const row = (value, label) => {
      const mark = el("input", { type: "radio", name: "kind-tf", "aria-label": `${t.correct}: ${label}` });
      mark.checked = state.key.correct === value;
      mark.addEventListener("change", changed(() => (state.key.correct = value)));
      const note = input(state.feedback.choices[String(value)], `${t.optionFeedback}: ${label}`);
      note.addEventListener("input", changed(() => {
        if (note.value) state.feedback.choices[String(value)] = note.value;
        else delete state.feedback.choices[String(value)];
      }));
      return el("p", {}, el("label", {}, mark, document.createTextNode(` ${label} `)), note);
    };
    return [el("p", { class: "muted", text: t.pickCorrect }), row(true, t.true), row(false, t.false)];
  }

  function fillIn() {
    const stem = field("stem").value;
    const names = [...stem.matchAll(/\[\[([^\]]+)\]\]/g)].map((m) => m[1]);
    state.data.blanks = names;
    state.key.blanks = state.key.blanks || {};
    const parts = [el("p", { class: "muted", text: t.blanksHelp })];
    names.forEach((name) => {
      const rules = state.key.blanks[name] || (state.key.blanks[name] = []);
      const textual = rules.filter((r) => r.match === "ci" || r.match === "exact");
      const others = rules.filter((r) => !(r.match === "ci" || r.match === "exact"));
      const answers = input(textual.map((r) => r.value).join(" | "), `${t.accepted} [[${name}]]`);
      answers.addEventListener("input", changed(() => {
        const values = answers.value.split("|").map((v) => v.trim()).filter(Boolean);
        state.key.blanks[name] = [...values.map((value) => ({ match: "ci", value, fraction: 1 })), ...others];
      }));
      parts.push(el("p", {}, el("label", { text: `[[${name}]] ${t.accepted} ` }), answers));
      if (others.length) parts.push(el("p", { class: "muted", text: `${others.length} ${t.otherRules}` }));
    });
    Object.keys(state.key.blanks).filter((n) => !names.includes(n)).forEach((n) => delete state.key.blanks[n]);
    return parts;
  }

  function entries(list, prefix, label, extra) {
    const body = el("tbody");
    list.forEach((entry, index) => {
      const text = input(entry.text, `${label} ${entry.id}`);
      text.addEventListener("input", changed(() => (entry.text = text.value)));
      const cells = [el("td", {}, text), ...(extra ? extra(entry, index) : [])];
      cells.push(el("td", {}, button("✕", `${t.remove} ${entry.id}`, changed(() => {
        list.splice(index, 1);
        render();
      }))));
      body.appendChild(el("tr", {}, ...cells));
    });
    const add = button(`+ ${label}`, `+ ${label}`, changed(() => {
      list.push({ id: nextId(list, prefix), text: "" });
      render();
    }));
    add.className = "secondary";
    return [el("table", { class: "grid" }, body), add];
  }

  function matching() {
    state.data.prompts = state.data.prompts || [];
    state.data.options = state.data.options || [];
    state.key.pairs = state.key.pairs || {};
    const pick = (prompt) => {
      const select = el("select", { "aria-label": `${t.matches} ${prompt.id}` }, el("option", { value: "", text: "—" }));
      state.data.options.forEach((o) => select.appendChild(el("option", { value: o.id, text: o.text || o.id })));
      select.value = state.key.pairs[prompt.id] || "";
      select.addEventListener("change", changed(() => (state.key.pairs[prompt.id] = select.value)));
      return [el("td", {}, select)];
    };
    return [el("h3", { text: t.prompts }), ...entries(state.data.prompts, "p", t.prompt, pick), el("h3", { text: t.options }), ...entries(state.data.options, "o", t.option)];
  }

  function ordering() {
    state.data.items = state.data.items || [];
    const ids = state.data.items.map((i) => String(i.id));
    state.key.order = ids; // the list is edited in the right order
    const move = (entry, index) => [
      el("td", {}, button("↑", `${t.up} ${entry.id}`, changed(() => {
        if (index > 0) [state.data.items[index - 1], state.data.items[index]] = [state.data.items[index], state.data.items[index - 1]];
        state.key.order = state.data.items.map((i) => String(i.id));
        render();
      })), button("↓", `${t.down} ${entry.id}`, changed(() => {
        if (index < state.data.items.length - 1) [state.data.items[index + 1], state.data.items[index]] = [state.data.items[index], state.data.items[index + 1]];
        state.key.order = state.data.items.map((i) => String(i.id));
        render();
      }))),
    ];
    return [el("p", { class: "muted", text: t.orderHelp }), ...entries(state.data.items, "i", t.step, move)];
  }

  function manual() {
    const answer = el("textarea", { rows: "5", "aria-label": t.modelAnswer });
    answer.value = state.key.model_answer || "";
    answer.addEventListener("input", changed(() => (state.key.model_answer = answer.value)));
    const select = el("select", { "aria-label": t.rubric }, el("option", { value: "", text: "—" }));
    rubrics.forEach(([pk, title]) => select.appendChild(el("option", { value: String(pk), text: title })));
    select.value = state.key.rubric ? String(state.key.rubric) : "";
    select.addEventListener("change", changed(() => (state.key.rubric = select.value ? Number(select.value) : null)));
    return [el("p", {}, el("label", { text: t.modelAnswer }), answer), el("p", {}, el("label", { text: `${t.rubric} ` }), select)];
  }

  function programming() {
    const starter = el("textarea", { rows: "6", class: "code", spellcheck: "false", "aria-label": t.starter });
    starter.value = state.data.starter || "";
    starter.addEventListener("input", changed(() => (state.data.starter = starter.value)));
    return [el("p", {}, el("label", { text: t.starter }), starter), el("p", { class: "muted", text: t.testsInJson })];
  }

  const builders = {
    single_choice: () => choices(false),
    multiple_choice: () => choices(true),
    true_false: trueFalse,
    fill_in: fillIn,
    matching,
    ordering,
    short_answer: manual,
    case_analysis: manual,
    programming,
    description: () => [el("p", { class: "muted", text: t.description })],
  };

  function render() {
    host.replaceChildren();
    if (!state) {
      host.appendChild(el("p", { class: "warning", text: t.badJson }));
      return;
    }
    const kind = field("kind").value;
    (builders[kind] || builders.description)().forEach((node) => host.appendChild(node));
  }

  field("kind").addEventListener("change", () => {
    const example = examples[field("kind").value];
    if (!example) return;
    field("data_json").value = JSON.stringify(example.data, null, 2);
    field("key_json").value = JSON.stringify(example.key, null, 2);
    const { general, ...rest } = example.feedback;
    field("feedback_json").value = JSON.stringify(rest, null, 2);
    field("points").value = example.points;
    load();
    render();
    form.dispatchEvent(new Event("item-changed"));
  });
  const reload = () => {
    load();
    render();
  };
  ["data_json", "key_json", "feedback_json"].forEach((name) => field(name).addEventListener("change", reload));
  field("stem").addEventListener("change", () => {
    if (field("kind").value === "fill_in" && state) {
      render(); // the blanks follow the stem's [[name]] marks
      save();
    }
  });
  document.getElementById("json-fields").removeAttribute("open");
  reload();
})();
