"""Small server-rendered HTML pages for the sign-in routes: no script, every value escaped.

Streamlit pages cannot set an HttpOnly cookie, so signing in, out and choosing a
password happen on these plain pages; they look plain on purpose and work by
keyboard and on a phone.
"""

from __future__ import annotations

from html import escape

from starlette.responses import HTMLResponse

_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#111;background:#fff;margin:0}
main{max-width:26rem;margin:3rem auto;padding:0 1rem}
h1{font-size:1.5rem}label{display:block;margin:1rem 0 .25rem;font-weight:600}
input{width:100%;box-sizing:border-box;font-size:1rem;padding:.6rem;border:1px solid #555;border-radius:.3rem}
button{margin-top:1.25rem;font-size:1rem;padding:.6rem 1.2rem;border:0;border-radius:.3rem;background:#b3261e;color:#fff;cursor:pointer}
button:focus,input:focus,a:focus{outline:3px solid #1a5fb4;outline-offset:2px}
.msg{padding:.75rem;border-radius:.3rem;background:#fdecea;color:#5f1412;margin:1rem 0}
.ok{background:#e6f4ea;color:#0d3b1e}.hint{color:#333;font-size:.9rem}a{color:#1a5fb4}
"""


def html_page(title: str, body: str, *, status: int = 200) -> HTMLResponse:
    """``body`` is HTML built by the helpers below from escaped values."""
    doc = (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
           f'<meta name="viewport" content="width=device-width, initial-scale=1">'
           f'<title>{escape(title)} · Reality Check CPD</title><style>{_STYLE}</style></head>'
           f'<body><main><h1>{escape(title)}</h1>{body}</main></body></html>')
    return HTMLResponse(doc, status_code=status, headers={"Cache-Control": "no-store"})


def message(text: str, *, ok: bool = False) -> str:
    role = "status" if ok else "alert"
    return f'<p class="msg{" ok" if ok else ""}" role="{role}">{escape(text)}</p>'


def paragraph(text: str, *, hint: bool = False) -> str:
    return f'<p{" class=hint" if hint else ""}>{escape(text)}</p>'


def link(href: str, text: str) -> str:
    return f'<a href="{escape(href, quote=True)}">{escape(text)}</a>'


def field(name: str, label: str, *, kind: str = "text", value: str = "", autocomplete: str = "",
          required: bool = True, hint: str = "") -> str:
    hint_id = f"{name}-hint"
    return (f'<label for="{name}">{escape(label)}</label>'
            + (f'<p class="hint" id="{hint_id}">{escape(hint)}</p>' if hint else "")
            + f'<input id="{name}" name="{name}" type="{kind}" value="{escape(value, quote=True)}"'
            + (f' autocomplete="{autocomplete}"' if autocomplete else "")
            + (f' aria-describedby="{hint_id}"' if hint else "")
            + (" required" if required else "") + ">")


def hidden(name: str, value: str) -> str:
    return f'<input type="hidden" name="{name}" value="{escape(value, quote=True)}">'


def form(action: str, fields: str, button: str) -> str:
    return (f'<form method="post" action="{escape(action, quote=True)}">{fields}'
            f'<button type="submit">{escape(button)}</button></form>')
