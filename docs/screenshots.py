"""Make the pictures in docs/images from a real run: the service narrates an example article,
and Debian's Chromium (through Playwright) photographs its article page.

    .venv/bin/python docs/screenshots.py
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
IMAGES = ROOT / "docs" / "images"
ARTICLE = ROOT / "examples" / "city-budget.html"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main() -> None:
    data = Path(tempfile.mkdtemp(prefix="newsvoice-screens-"))
    env = {**os.environ, "NEWSVOICE_DATA_DIR": str(data), "NEWSVOICE_CONFIG": str(data / "none.toml")}
    newsvoice = [str(Path(sys.executable).with_name("newsvoice"))]
    subprocess.run([*newsvoice, "db", "upgrade"], env=env, check=True, capture_output=True)
    key = subprocess.run([*newsvoice, "keys", "create", "screens"], env=env, check=True,
                         capture_output=True, text=True).stdout.strip()  # fmt: skip
    port = free_port()
    server = subprocess.Popen([*newsvoice, "serve", "--port", str(port)], env=env, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=120, trust_env=False) as client:
            while True:  # the server loads the voice and the grammars first
                assert server.poll() is None, "the server stopped"
                try:
                    client.get("/api/articles")
                    break
                except httpx.TransportError:
                    time.sleep(0.5)
            html = ARTICLE.read_text(encoding="utf-8")
            body = {"html": html, "url": "https://www.port-ellery-ledger.example/city/budget"}
            answer = client.post("/api/articles", json=body, headers={"Authorization": f"Bearer {key}"})
            answer.raise_for_status()
            article = answer.json()["article"]["id"]
            while client.get(f"/api/articles/{article}").json()["status"] not in ("done", "failed"):
                time.sleep(1)
        photograph(f"{base}/articles/{article}")
    finally:
        server.terminate()
        server.wait(30)


def photograph(url: str) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--mute-audio", "--autoplay-policy=no-user-gesture-required"],
        )
        for name, width, height in (("article-page", 1280, 720), ("article-page-phone", 390, 844)):
            page = browser.new_page(viewport={"width": width, "height": height}, device_scale_factor=1)
            page.goto(url)
            page.wait_for_selector("newsvoice-player")
            page.locator(".newsvoice-sentence").nth(1).click()  # plays from that sentence
            page.wait_for_timeout(2500)  # the word being read is highlighted, in its sentence
            page.get_by_role("button", name="Pause").click()
            page.screenshot(path=str(IMAGES / f"{name}.png"))
            page.close()
        browser.close()


if __name__ == "__main__":
    main()
