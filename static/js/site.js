// Behaviour every page may use, declared by data attributes instead of inline
// handlers (the Content-Security-Policy runs no inline script; docs/security.md).
//   <select data-autosubmit>              submits its form when changed
//   <input type=checkbox data-check-all=S> ticks or clears every checkbox matching S
//   <form data-disable-on-submit>         disables its submit buttons once sent
//   <form data-busy=TEXT>                 once sent, disables its buttons and says TEXT
//                                         in its .busy box (an indeterminate <progress>
//                                         and a polite live text): for the few
//                                         operations that take seconds in the request
//   <form data-no-submit>                 never submits (the page saves by itself)
//   <details data-menu>                   the top navigation: always open on a wide
//                                         screen, a menu to open on a phone
//   .table-scroll, pre                    while it overflows its box, a tab stop
//                                         (the keyboard scrolls what it can focus)
// and window.pluralText(forms, n, values), the plural form of a count for the page
// scripts (see there).
(function () {
  "use strict";
  // A count's message in the page's language: ``forms`` is a plural message's forms
  // by CLDR plural category ({"one": "1 question", "other": "%(n)s questions"}, from
  // core/plurals.py), the form is the one Intl.PluralRules picks for ``n`` in the
  // page's language (Chinese: always "other"), and each %(name)s is replaced by
  // ``values[name]`` (numbers grouped as the language groups them), %(n)s by n.
  const lang = document.documentElement.lang || "zh-Hans";
  const rules = new Intl.PluralRules(lang);
  const shown = (value) => (typeof value === "number" ? value.toLocaleString(lang) : String(value));
  window.pluralText = (forms, n, values) => {
    const form = forms[rules.select(n)] ?? forms.other;
    const all = Object.assign({ n }, values || {});
    return form.replace(/%\((\w+)\)s/g, (whole, name) => (name in all ? shown(all[name]) : whole)).replace("%%", "%");
  };
  document.addEventListener("change", (event) => {
    const el = event.target;
    if (el.matches("select[data-autosubmit]") && el.form) el.form.submit();
    if (el.matches("input[type=checkbox][data-check-all]")) {
      for (const box of document.querySelectorAll(el.dataset.checkAll)) box.checked = el.checked;
    }
  });
  // The same width as the media query in site.css that shows the menu button.
  const menu = document.querySelector("details[data-menu]");
  if (menu) {
    const wide = window.matchMedia("(min-width: 60.01rem)");
    const fit = () => {
      menu.open = wide.matches;
    };
    fit();
    wide.addEventListener("change", fit);
    menu.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && menu.open && !wide.matches) {
        menu.open = false;
        menu.querySelector("summary").focus();
      }
    });
  }
  // A box that scrolls (a wide table on a phone, a long line of code, a long log) can
  // only be scrolled from the keyboard once it can be focused (WCAG 2.1.1): while it
  // overflows it is a tab stop, a region named after its table's caption or the
  // heading above it.
  const labelOf = (box) => {
    const caption = box.querySelector("caption");
    if (caption) return caption.textContent.trim();
    for (let el = box.previousElementSibling; el; el = el.previousElementSibling) {
      if (/^H[1-6]$/.test(el.tagName)) return el.textContent.trim();
    }
    return "";
  };
  const scrollers = () => {
    for (const box of document.querySelectorAll(".table-scroll, pre")) {
      const scrolls = box.scrollWidth > box.clientWidth + 1 || box.scrollHeight > box.clientHeight + 1;
      if (scrolls && !box.hasAttribute("tabindex")) {
        box.tabIndex = 0;
        box.dataset.scrollStop = "1";
        const label = labelOf(box);
        if (label && !box.hasAttribute("role")) {
          box.setAttribute("role", "region");
          box.setAttribute("aria-label", label);
        }
      } else if (!scrolls && box.dataset.scrollStop) {
        box.removeAttribute("tabindex");
        delete box.dataset.scrollStop;
      }
    }
  };
  scrollers();
  window.addEventListener("load", scrollers);
  window.addEventListener("resize", scrollers);
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (form.matches("form[data-no-submit]")) {
      event.preventDefault();
    } else if (form.matches("form[data-disable-on-submit]")) {
      for (const button of form.querySelectorAll("button[type=submit], input[type=submit]")) {
        button.disabled = true;
      }
    } else if (form.matches("form[data-busy]")) {
      // After the form data is taken: a disabled button would not send its name=value.
      setTimeout(() => {
        for (const button of form.querySelectorAll("button, input[type=submit]")) button.disabled = true;
      });
      const busy = form.querySelector(".busy");
      if (busy) {
        busy.querySelector("progress").hidden = false;
        busy.querySelector("[aria-live]").textContent = form.dataset.busy;
      }
    }
  });
})();
