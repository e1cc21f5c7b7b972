"""The staff console: a plain HTML + JavaScript page over the ticket API (no build step).
The page itself is public; every call it makes carries the engineer's API key."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse, RedirectResponse

CONSOLE_DIR = Path(__file__).resolve().parent.parent / "console"
ASSETS = {"console.js": "text/javascript", "console.css": "text/css",
          "assets.html": "text/html", "assets.js": "text/javascript",
          "kpis.html": "text/html", "kpis.js": "text/javascript",
          # Chart.js 4 (MIT, chart.js.LICENSE.md), kept here: the console loads nothing from
          # a CDN.
          "chart.umd.min.js": "text/javascript"}
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}

router = APIRouter(tags=["staff console"])


@router.get("/console", include_in_schema=False)
async def console_redirect() -> RedirectResponse:
    return RedirectResponse("/console/")


@router.get("/console/", include_in_schema=False)
async def console_page() -> FileResponse:
    return FileResponse(CONSOLE_DIR / "index.html", media_type="text/html",
                        headers=SECURITY_HEADERS)


@router.get("/console/{asset}", include_in_schema=False)
async def console_asset(asset: str) -> FileResponse:
    if asset not in ASSETS:
        raise HTTPException(404, "not found")
    return FileResponse(CONSOLE_DIR / asset, media_type=ASSETS[asset], headers=SECURITY_HEADERS)
