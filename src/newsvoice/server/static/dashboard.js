/* The dashboard's form: submit with the API key kept in this browser, play the narration
   live as it is made, and follow the job until it is done. */
(() => {
  "use strict";
  const form = document.getElementById("submit");
  const base = form.dataset.base;
  const progress = document.getElementById("progress");
  const live = document.getElementById("live");
  const key = form.elements.key;
  key.value = localStorage.getItem("newsvoice:key") || "";

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const url = form.elements.url.value.trim();
    const text = form.elements.text.value;
    const body = text.trim() ? { text, ...(url && { url }) } : { url };
    if (!body.url && !body.text) return (progress.textContent = "Give a URL or paste the text.");
    localStorage.setItem("newsvoice:key", key.value);
    progress.textContent = "Submitting…";
    const answer = await fetch(`${base}/api/articles`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${key.value}` },
      body: JSON.stringify(body),
    });
    const result = await answer.json().catch(() => ({}));
    if (!answer.ok) return (progress.textContent = `Not narrated: ${message(result.detail)}`);
    live.hidden = false;
    live.querySelector("a").href = result.article.links.page;
    const audio = live.querySelector("audio");
    audio.src = result.article.links.stream;
    audio.play().catch(() => {});
    follow(result.job.links.self);
  });

  async function follow(jobUrl) {
    const job = await (await fetch(jobUrl)).json();
    const { done, total } = job.progress;
    progress.textContent = job.status === "failed" ? `Failed: ${job.error}`
      : job.status === "done" ? "Done: the narration is published."
      : `${job.status === "queued" ? "Queued" : "Narrating"}: ${done} of ${total || "?"} segments`;
    if (job.status === "queued" || job.status === "running") setTimeout(() => follow(jobUrl), 1000);
  }

  function message(detail) {
    if (Array.isArray(detail)) return detail.map((d) => d.msg).join("; ");
    return detail || "unknown error";
  }
})();
