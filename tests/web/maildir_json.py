#!/usr/bin/python3
# SPDX-License-Identifier: AGPL-3.0-or-later
"""The messages of a Maildir (what aiosmtpd's Mailbox handler delivered), as
JSON on stdout for the browser tests: [{"to", "name", "subject", "text",
"html", "attachments": [content types]}], in the order they arrived."""
import email
import email.policy
import json
import mailbox
import sys

box = mailbox.Maildir(sys.argv[1], create=False)
out = []
for key in sorted(box.keys()):  # Maildir names start with the time of delivery
    msg = email.message_from_bytes(box.get_bytes(key), policy=email.policy.default)
    to = msg["To"].addresses[0]
    text = msg.get_body(("plain",))
    html = msg.get_body(("html",))
    out.append({"to": to.addr_spec, "name": to.display_name, "subject": str(msg["Subject"]),
                "text": text.get_content() if text else "", "html": html.get_content() if html else "",
                "attachments": [p.get_content_type() for p in msg.iter_attachments()]})
json.dump(out, sys.stdout, ensure_ascii=False)
