// Question import: the upload shows its progress (a file may be megabytes), then the
// import's page follows the worker's preview or import by polling its progress
// endpoint until it is final, and reloads once to show the preview, the result or
// the problems. Closing the page stops nothing: the worker carries on.
(function () {
  "use strict";

  function strings(id) {
    const node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : {};
  }

  function bindUpload() {
    const form = document.getElementById("import-form");
    if (!form) return;
    const t = strings("upload-i18n");
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const button = document.getElementById("import-button");
      const box = document.getElementById("upload-progress");
      const bar = document.getElementById("upload-bar");
      const text = document.getElementById("upload-text");
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
        if (xhr.status === 200) {
          // Redirected to the import's page (or to sign in again).
          window.location.assign(xhr.responseURL);
          return;
        }
        // The form with its errors, as the server rendered it.
        const page = new DOMParser().parseFromString(xhr.responseText, "text/html");
        const fresh = page.getElementById("import-upload");
        if (fresh) {
          document.getElementById("import-upload").replaceWith(document.importNode(fresh, true));
          bindUpload();
          const error = document.querySelector("#import-upload .errorlist, #import-upload [role=alert]");
          if (error) error.setAttribute("tabindex", "-1"), error.focus();
        } else {
          text.textContent = t.failed;
          button.disabled = false;
        }
      });
      xhr.addEventListener("error", () => {
        text.textContent = t.failed;
        button.disabled = false;
      });
      xhr.send(new FormData(form));
    });
  }
  bindUpload();

  const section = document.getElementById("import-progress");
  if (!section) return;
  const t = strings("progress-i18n");
  const bar = document.getElementById("import-bar");
  const text = document.getElementById("import-text");
  async function poll() {
    try {
      const res = await fetch(section.dataset.url, { credentials: "same-origin" });
      if (res.ok) {
        const job = await res.json();
        if (job.final) {
          window.location.reload();
          return;
        }
        if (job.total) {
          bar.max = job.total;
          bar.value = job.done;
          text.textContent = t.count.replace("%(done)s", job.done).replace("%(total)s", job.total);
        } else {
          text.textContent = job.state_label;
        }
      }
    } catch (e) {
      text.textContent = t.failed; // offline: next round
    }
    setTimeout(poll, 1000);
  }
  setTimeout(poll, 1000);
})();
