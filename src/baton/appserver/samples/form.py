"""An HTML form that runs another program: the classic way a web user reaches a program.

The form posts to the broker with the hidden fields ``_PROGRAM=sample.hello`` and, when this
page was itself asked for on a service, the same ``_SERVICE``; the visitor types a name.

Try it: /broker?_PROGRAM=sample.form
"""

from __future__ import annotations

from html import escape

from baton import program

action = program.env.get("SCRIPT_NAME", "") or "/broker"
service = program.params.get("_SERVICE", "")
service_field = (
    f'<input type="hidden" name="_SERVICE" value="{escape(service)}">\n' if service else ""
)

program.webout.write(
    "<!doctype html>\n"
    '<html lang="en">\n'
    '<head><meta charset="utf-8"><title>Say hello</title></head>\n'
    "<body>\n"
    "<h1>Say hello</h1>\n"
    f'<form method="post" action="{escape(action)}">\n'
    '<input type="hidden" name="_PROGRAM" value="sample.hello">\n'
    f"{service_field}"
    '<label for="name">Your name</label>\n'
    '<input type="text" id="name" name="name" value="" autofocus>\n'
    '<button type="submit" id="submit">Greet me</button>\n'
    "</form>\n"
    "</body>\n"
    "</html>\n"
)
