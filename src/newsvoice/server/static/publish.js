/* The Embed page: the snippet and a live preview follow the options. */
(() => {
  "use strict";
  const form = document.getElementById("options");
  const snippet = document.getElementById("snippet");
  const preview = document.getElementById("preview");
  const base = snippet.dataset.base;
  const FLAGS = ["show-title", "transcript", "download", "sticky", "jsonld", "datalayer"];
  const PAGE_ONLY = ["jsonld", "datalayer"];  // what the page does, not the player: no preview of it
  const escape = (text) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/"/g, "&quot;");

  function options() {
    const data = new FormData(form);
    const attributes = {};
    if (data.get("layout") !== "full") attributes.layout = data.get("layout");
    if (data.get("theme") !== "light") attributes.theme = data.get("theme");
    if (data.get("missing") !== "hide") attributes.missing = data.get("missing");
    for (const flag of FLAGS) if (data.get(flag)) attributes[flag] = "";
    if (!data.get("analytics") && !form.elements.analytics.disabled) attributes.analytics = "off";
    const style = {};
    if (data.get("accent") !== "#1a5fb4") style["--newsvoice-accent"] = data.get("accent");
    if (data.get("radius") !== "14") style["--newsvoice-radius"] = `${Number(data.get("radius")) || 0}px`;
    return { attributes, style };
  }

  function draw() {
    const { attributes, style } = options();
    const data = Object.entries(attributes).map(([name, value]) => ` data-${name}${value ? `="${value}"` : ""}`).join("");
    let code = `<script src="${base}/embed.js"${data} async></script>`;
    const rules = Object.entries(style).map(([name, value]) => `${name}: ${value};`).join(" ");
    if (rules) code = `<style>newsvoice-player { ${rules} }</style>\n${code}`;
    snippet.firstChild.innerHTML = escape(code);
    if (!preview) return;
    const player = document.createElement("newsvoice-player");
    player.setAttribute("article", preview.dataset.article);
    player.setAttribute("server", `${base}/`);
    player.setAttribute("text", "none");
    player.setAttribute("analytics", "off");  // a preview is not a listen
    for (const [name, value] of Object.entries(attributes)) if (!PAGE_ONLY.includes(name)) player.setAttribute(name, value);
    for (const [name, value] of Object.entries(style)) player.style.setProperty(name, value);
    preview.querySelector("newsvoice-player").replaceWith(player);
  }

  form.addEventListener("change", draw);
  form.addEventListener("input", (event) => { if (event.target.type === "color") draw(); });
  document.getElementById("preview-font")?.parentElement.addEventListener("change", (event) => {
    if (event.target.name === "font") preview.classList.toggle("serif", event.target.value === "serif");
  });
  document.getElementById("copy").addEventListener("click", async () => {
    const copied = document.getElementById("copied");
    try {
      await navigator.clipboard.writeText(snippet.textContent);
      copied.textContent = "Copied.";
    } catch {
      copied.textContent = "Select the snippet and copy it.";
    }
  });
  draw();
})();
