// Upload progress for forms marked data-upload-progress: the file goes up with
// XMLHttpRequest, whose upload events fill the form's <progress> and its polite live
// text. A redirect (the upload was taken) is followed; a refusal (400/413) puts the
// server's form with its errors in place of the region (data-upload-region).
(function () {
  "use strict";
  const t = JSON.parse(document.getElementById("upload-i18n").textContent);

  function bind(form) {
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const button = form.querySelector("button[type=submit]");
      const box = form.querySelector(".upload-progress");
      const bar = box.querySelector("progress");
      const text = box.querySelector(".upload-text");
      button.disabled = true; // no double uploads
      box.hidden = false;
      const xhr = new XMLHttpRequest();
      xhr.open("POST", form.action || window.location.href);
      xhr.upload.addEventListener("progress", (e) => {
        if (!e.lengthComputable) return;
        const percent = Math.round((e.loaded / e.total) * 100);
        bar.value = percent;
        text.textContent = t.sending.replace("%(percent)s", percent).replace("%%", "%");
      });
      xhr.upload.addEventListener("load", () => {
        bar.value = 100;
        text.textContent = t.sent;
      });
      xhr.addEventListener("load", () => {
        if (xhr.status >= 200 && xhr.status < 300) {
          window.location.assign(xhr.responseURL); // where the redirect led
          return;
        }
        const region = form.closest("[data-upload-region]");
        const page = new DOMParser().parseFromString(xhr.responseText, "text/html");
        const fresh = region && page.getElementById(region.id);
        if (!fresh) {
          text.textContent = t.failed;
          button.disabled = false;
          return;
        }
        const copy = document.importNode(fresh, true);
        region.replaceWith(copy);
        copy.querySelectorAll("form[data-upload-progress]").forEach(bind);
        const error = copy.querySelector(".errorlist, [role=alert]");
        if (error) {
          error.setAttribute("tabindex", "-1");
          error.focus();
        }
      });
      xhr.addEventListener("error", () => {
        text.textContent = t.failed;
        button.disabled = false;
      });
      xhr.send(new FormData(form));
    });
  }
  document.querySelectorAll("form[data-upload-progress]").forEach(bind);
})();
