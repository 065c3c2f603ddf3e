// SPDX-License-Identifier: AGPL-3.0-or-later
//
// app.mjs - boot and routing.
//
// The server answers / and /m/MEETING with this same page; the path decides
// what it shows: a meeting's page for /m/MEETING (the invitation link, with
// the token in the fragment), the administration page otherwise.

import { getLang } from './i18n.mjs';
import { meetingPage } from './views/meeting.mjs';
import { adminPage } from './views/admin.mjs';

function boot() {
    document.documentElement.lang = getLang();
    const root = document.getElementById('app');
    const m = /^\/m\/([a-z0-9_-]{1,32})\/?$/.exec(location.pathname);
    if (m) {
        meetingPage(root, m[1]);
    } else {
        adminPage(root);
    }
}

boot();
