// Behaviour every page may use, declared by data attributes instead of inline
// handlers (the Content-Security-Policy runs no inline script; docs/security.md).
//   <select data-autosubmit>              submits its form when changed
//   <input type=checkbox data-check-all=S> ticks or clears every checkbox matching S
//   <form data-disable-on-submit>         disables its submit buttons once sent
//   <form data-no-submit>                 never submits (the page saves by itself)
(function () {
  "use strict";
  document.addEventListener("change", (event) => {
    const el = event.target;
    if (el.matches("select[data-autosubmit]") && el.form) el.form.submit();
    if (el.matches("input[type=checkbox][data-check-all]")) {
      for (const box of document.querySelectorAll(el.dataset.checkAll)) box.checked = el.checked;
    }
  });
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (form.matches("form[data-no-submit]")) {
      event.preventDefault();
    } else if (form.matches("form[data-disable-on-submit]")) {
      for (const button of form.querySelectorAll("button[type=submit], input[type=submit]")) {
        button.disabled = true;
      }
    }
  });
})();
