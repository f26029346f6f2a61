/* The dashboard's forms. Submit an article with the API key kept in this tab (sessionStorage,
   never localStorage: it goes when the tab does, or at "Forget key"), play the narration live
   as it is made, and follow the job until it is done; the list of articles is drawn again
   when a narration in it (or the one submitted) finishes. Watch a feed, poll it
   now or stop watching it, with the same key; the list of watched feeds (rendered by the
   server first) is drawn again from the API after each action. */
(() => {
  "use strict";
  const form = document.getElementById("submit");
  const base = form.dataset.base;
  const progress = document.getElementById("progress");
  const live = document.getElementById("live");
  const key = form.elements.key;
  const KEY = "newsvoice:key";
  const keys = {
    get() { try { return sessionStorage.getItem(KEY) || ""; } catch { return ""; } },
    set(value) { try { sessionStorage.setItem(KEY, value); } catch { /* not kept */ } },
    forget() { try { sessionStorage.removeItem(KEY); localStorage.removeItem(KEY); } catch { /* none kept */ } },
  };
  try { localStorage.removeItem(KEY); } catch { /* where earlier versions kept it, in clear */ }
  key.value = keys.get();
  document.getElementById("forget").addEventListener("click", () => {
    keys.forget();
    key.value = "";
    progress.classList.remove("error");
    progress.textContent = "The API key is forgotten: this browser no longer holds it.";
    key.focus();
  });

  function report(text, error = false) {
    progress.textContent = text;
    progress.classList.toggle("error", error);
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const url = form.elements.url.value.trim();
    const text = form.elements.text.value;
    const body = text.trim() ? { text, ...(url && { url }) } : { url };
    if (!body.url && !body.text) return report("Give a URL or paste the text.", true);
    keys.set(key.value);
    report("Submitting…");
    let answer;
    try {
      answer = await fetch(`${base}/api/articles`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Authorization: `Bearer ${key.value}` },
        body: JSON.stringify(body),
      });
    } catch (error) {
      return report(`Not narrated: the service did not answer (${error.message})`, true);
    }
    const result = await answer.json().catch(() => ({}));
    if (!answer.ok) return report(`Not narrated: ${message(result.detail)}`, true);
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
    if (job.status === "failed") report(`Failed: ${job.error}`, true);
    else if (job.status === "done") report(`Done: the narration is published.${warned(job.warnings)}`);
    else report(`${job.status === "queued" ? "Queued" : "Narrating"}: ${done} of ${total || "?"} segments`);
    if (job.status === "queued" || job.status === "running") setTimeout(() => follow(jobUrl), 1000);
    else refreshArticles();
  }

  // --- the list of articles: drawn again (as the server draws it) when a narration ends ----

  const articles = document.getElementById("articles");

  async function refreshArticles() {
    try {
      const answer = await fetch(location.href, { headers: { Accept: "text/html" } });
      if (!answer.ok) return;
      const fresh = new DOMParser().parseFromString(await answer.text(), "text/html").getElementById("articles");
      if (!fresh || articles.contains(document.activeElement)) return;  // not under the listener's focus
      articles.replaceChildren(...fresh.childNodes);
      articles.dataset.running = fresh.dataset.running;
    } catch { /* drawn again at the next check */ }
  }

  async function watchRunning() {
    const running = (articles.dataset.running || "").split(" ").filter(Boolean);
    if (running.length) {
      const states = await Promise.all(running.map((id) => fetch(`${base}/api/articles/${id}`)
        .then((answer) => (answer.ok ? answer.json() : { status: "gone" })).catch(() => null)));
      if (states.some((article) => article && article.status !== "queued" && article.status !== "running")) await refreshArticles();
    }
    setTimeout(watchRunning, running.length ? 3000 : 15000);
  }
  setTimeout(watchRunning, 3000);

  function warned(warnings) {
    return warnings && warnings.length ? ` Warnings: ${warnings.join("; ")}` : "";
  }

  function message(detail) {
    if (Array.isArray(detail)) return detail.map((d) => d.msg).join("; ");
    return detail || "unknown error";
  }

  // --- watched feeds ----------------------------------------------------------------------

  const watchForm = document.getElementById("watch");
  const watchStatus = document.getElementById("watch-status");
  const watchList = document.getElementById("watch-list");
  const watchCount = document.getElementById("watch-count");
  const FIRST_POLL_CHECKS = 15; // every 2 s: the server's watcher polls a new feed within seconds

  /* A call to the API with the key; answers its JSON, or throws an Error with what went wrong. */
  async function call(method, path, body) {
    if (!key.value.trim()) {
      key.focus();
      throw new Error("enter your API key first (the “API key” field above)");
    }
    keys.set(key.value);
    let answer;
    try {
      answer = await fetch(`${base}${path}`, {
        method,
        headers: { Authorization: `Bearer ${key.value.trim()}`, ...(body && { "Content-Type": "application/json" }) },
        body: body && JSON.stringify(body),
      });
    } catch (error) {
      throw new Error(`the service did not answer (${error.message})`);
    }
    const result = answer.status === 204 ? {} : await answer.json().catch(() => ({}));
    if (!answer.ok) throw new Error(message(result.detail || `HTTP ${answer.status}`));
    return result;
  }

  function say(text, error = false) {
    watchStatus.textContent = text;
    watchStatus.classList.toggle("error", error);
  }

  const nameOf = (watch) => watch.title || watch.url;
  const when = (iso) => iso.slice(0, 16).replace("T", " "); // UTC, as the server draws it
  const plural = (count, word) => `${count} ${word}${count === 1 ? "" : "s"}`;

  function element(tag, attributes = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
    node.append(...children.filter((child) => child !== null && child !== undefined));
    return node;
  }

  function time(iso, otherwise = "") {
    return iso ? element("time", { datetime: iso }, when(iso)) : otherwise;
  }

  function button(action, label, name) {
    return element("button", { type: "button", class: "secondary small", "data-action": action },
      label, element("span", { class: "visually-hidden" }, `: ${name}`));
  }

  /* The list as the template draws it (index.html), from GET /api/watches. */
  function render(watches) {
    const focused = document.activeElement?.closest?.("#watch-list button");
    const keep = focused && [focused.closest("tr").dataset.id, focused.dataset.action];
    watchCount.textContent = watches.length;
    if (!watches.length) {
      watchList.replaceChildren(element("p", {}, "No feed watched yet."));
      return;
    }
    const wide = { class: "wide-only" }; // not on a phone, where the actions would be out of sight
    const head = element("tr", {}, ...[["Feed"], ["Items", wide], ["Every", wide], ["Last polled (UTC)", wide],
      ["Next poll (UTC)", wide], ["Actions"]].map(([title, more]) => element("th", { scope: "col", ...more }, title)));
    const rows = watches.map((watch) => {
      const name = nameOf(watch);
      const feed = element("td", {}, element("a", { href: watch.url }, name));
      if (watch.title) feed.append(element("br"), element("small", { class: "url" }, watch.url));
      if (watch.tags.length) feed.append(element("br"), element("small", {}, `Tags: ${watch.tags.join(", ")}`));
      if (watch.error) {
        const what = !watch.failures ? "Some items were not narrated:"
          : `Polling failed${watch.failures > 1 ? ` (${watch.failures} times in a row)` : ""}:`;
        feed.append(element("p", { class: "error" }, element("strong", {}, what), ` ${watch.error}`));
      }
      return element("tr", { "data-id": watch.id, "data-name": name },
        feed,
        element("td", wide, String(watch.items)),
        element("td", { class: "every wide-only" }, `${+(watch.interval / 60).toFixed(2)} min`),
        element("td", wide, time(watch.polled, "not yet")),
        element("td", wide, time(watch.next_poll)),
        element("td", {}, element("div", { class: "actions" },
          button("poll", "Poll now", name), " ", button("remove", "Stop watching", name))));
    });
    watchList.replaceChildren(element("table", { class: "watches" },
      element("thead", {}, head), element("tbody", {}, ...rows)));
    if (keep) watchList.querySelector(`tr[data-id="${CSS.escape(keep[0])}"] [data-action="${keep[1]}"]`)?.focus();
  }

  async function refresh() {
    const answer = await fetch(`${base}/api/watches`);
    if (!answer.ok) throw new Error(`the list of feeds did not load (HTTP ${answer.status})`);
    const { watches } = await answer.json();
    render(watches);
    return watches;
  }

  /* Follow a feed just watched until the server's watcher has polled it once. */
  async function awaitFirstPoll(id, checks = FIRST_POLL_CHECKS) {
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const watch = (await refresh().catch(() => [])).find((found) => found.id === id);
    if (!watch) return;
    if (!watch.polled) {
      if (checks > 1) awaitFirstPoll(id, checks - 1);
      return;
    }
    if (watch.error) say(`First poll of ${nameOf(watch)}: ${watch.error}`, true);
    else say(`First poll of ${nameOf(watch)}: ${plural(watch.items, "item")} found; new ones are being narrated.`);
  }

  watchForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const fields = watchForm.elements;
    const body = {
      url: fields.url.value.trim(),
      interval: Math.round(Number(fields.interval.value) * 60),
      tags: fields.tags.value.split(",").map((tag) => tag.trim()).filter(Boolean),
    };
    const submit = watchForm.querySelector("button[type=submit]");
    if (submit.getAttribute("aria-disabled")) return; // added just now, still waiting for the answer
    submit.setAttribute("aria-disabled", "true"); // (not `disabled`, which would lose the focus)
    say("Adding the feed…");
    try {
      const watch = await call("POST", "/api/watches", body);
      fields.url.value = "";
      await refresh();
      say(`Watching ${nameOf(watch)}. Its first poll is due now.`);
      awaitFirstPoll(watch.id);
    } catch (error) {
      say(`Not watched: ${error.message}`, true);
    } finally {
      submit.removeAttribute("aria-disabled");
    }
  });

  watchList.addEventListener("click", async (event) => {
    const clicked = event.target.closest("button[data-action]");
    if (!clicked) return;
    const row = clicked.closest("tr");
    const { id, name } = row.dataset;
    if (clicked.dataset.action === "poll") {
      if (clicked.getAttribute("aria-disabled")) return; // a poll of it is under way
      clicked.setAttribute("aria-disabled", "true");
      say(`Polling ${name}…`);
      try {
        const result = await call("POST", `/api/watches/${encodeURIComponent(id)}/poll`);
        const { narrating, unchanged, not_modified: notModified, errors } = result.poll;
        const found = notModified ? "not changed since the last poll"
          : `${plural(narrating, "new or changed item")} being narrated, ${unchanged} unchanged`;
        await refresh(); // the table first, then the message that tells of it
        if (errors.length) say(`Polled ${nameOf(result)}: ${found}. Problems: ${errors.join("; ")}`, true);
        else say(`Polled ${nameOf(result)}: ${found}.`);
      } catch (error) {
        say(`Not polled: ${error.message}`, true);
      } finally {
        clicked.removeAttribute("aria-disabled");
      }
    } else if (clicked.dataset.action === "remove") {
      if (!confirm(`Stop watching ${name}? The articles already narrated from it stay.`)) return;
      const next = row.nextElementSibling?.dataset.id || row.previousElementSibling?.dataset.id;
      try {
        await call("DELETE", `/api/watches/${encodeURIComponent(id)}`);
        await refresh();
        say(`Stopped watching ${name}. Its articles stay.`);
        const target = next && watchList.querySelector(`tr[data-id="${CSS.escape(next)}"] [data-action="remove"]`);
        (target || watchForm.elements.url).focus();
      } catch (error) {
        say(`Still watching ${name}: ${error.message}`, true);
      }
    }
  });
})();
