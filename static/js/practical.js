// Practical page: a progress stepper per submission (queued → training → predicting
// → scoring → done) kept live by polling the submission's API until it is final,
// then one reload so that scores, resources and the log appear; and a small SVG
// chart of the dev-set score over the candidate's submissions.
(function () {
  "use strict";
  const t = JSON.parse(document.getElementById("i18n").textContent);
  const STEPS = ["queued", "train", "predict", "score", "done"];

  function step(state, stage) {
    if (state === "done" || state === "failed") return "done";
    if (state === "running") return stage || "train";
    return "queued";
  }

  function paint(row, state, stage) {
    const current = STEPS.indexOf(step(state, stage));
    row.querySelectorAll(".steps li").forEach((li, i) => {
      li.classList.toggle("done", i < current || state === "done");
      li.classList.toggle("active", i === current && state !== "done" && state !== "failed");
      li.classList.toggle("failed", state === "failed" && i === current);
    });
    row.dataset.state = state;
    row.dataset.stage = stage || "";
  }

  const form = document.getElementById("upload-form");
  if (form) {
    form.addEventListener("submit", () => {
      document.getElementById("upload-button").disabled = true; // no double uploads
    });
  }

  const rows = [...document.querySelectorAll("tr.submission")];
  rows.forEach((row) => paint(row, row.dataset.state, row.dataset.stage));

  function chart() {
    const figure = document.getElementById("dev-chart");
    const points = JSON.parse(document.getElementById("dev-history").textContent);
    if (!figure || !points.length) return;
    const width = 360, height = 120, pad = 20;
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
    svg.setAttribute("role", "img");
    const values = points.map((p) => p.dev);
    // A screen reader reads the chart as its title and the scores, in order.
    svg.setAttribute("aria-label", `${figure.getAttribute("aria-label")}: ${values.join(", ")}`);
    const low = Math.min(0, ...values), high = Math.max(1, ...values);
    const x = (i) => pad + (points.length === 1 ? 0 : (i * (width - 2 * pad)) / (points.length - 1));
    const y = (v) => height - pad - ((v - low) / (high - low || 1)) * (height - 2 * pad);
    const line = document.createElementNS(ns, "polyline");
    line.setAttribute("points", values.map((v, i) => `${x(i)},${y(v)}`).join(" "));
    line.setAttribute("fill", "none");
    line.setAttribute("stroke", "currentColor");
    svg.appendChild(line);
    values.forEach((v, i) => {
      const dot = document.createElementNS(ns, "circle");
      dot.setAttribute("cx", x(i));
      dot.setAttribute("cy", y(v));
      dot.setAttribute("r", 3);
      const title = document.createElementNS(ns, "title");
      title.textContent = `${t.dev}: ${v}`;
      dot.appendChild(title);
      svg.appendChild(dot);
    });
    figure.appendChild(svg);
  }
  chart();

  const pending = rows.filter((row) => row.dataset.final === "0");
  if (!pending.length) return;
  async function poll() {
    let finished = false;
    for (const row of pending) {
      if (row.dataset.final === "1") continue;
      try {
        const res = await fetch(row.dataset.url, { credentials: "same-origin" });
        if (!res.ok) continue;
        const sub = await res.json();
        paint(row, sub.state, sub.stage);
        row.querySelector(".verdict .message").textContent = sub.message || "";
        if (sub.verdict) row.querySelector(".verdict-label").textContent = t[sub.verdict] || sub.verdict;
        if (sub.state === "done" || sub.state === "failed") {
          row.dataset.final = "1";
          finished = true;
        }
      } catch (e) {
        /* offline: try again next round */
      }
    }
    if (finished) window.location.reload();
    else setTimeout(poll, 1500);
  }
  poll();
})();
