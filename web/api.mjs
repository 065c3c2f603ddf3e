// SPDX-License-Identifier: AGPL-3.0-or-later
//
// api.mjs - the HTTP API (PROTOCOL.md §3) with a bearer token, and the
// record's files fetched with it and saved as downloads.
//
// Every answer is JSON but the files. An error answer, or no answer at all,
// becomes a thrown ApiError with the protocol's code ('network' when the
// server could not be reached), so that callers show one translated message
// per code.

export class ApiError extends Error {
    // `detail`: the error's `field` and `reason` when the server says them
    // (a refused member, PROTOCOL.md 3), for a page to say in its language.
    constructor(code, message, status, detail = {}) {
        super(message || code);
        this.code = code;
        this.status = status;
        this.field = detail.field;
        this.reason = detail.reason;
    }
}

// request('POST', '/api/commissions', {token, json: {...}}) or {token, text, type}.
// Resolves with the parsed body.
export async function request(method, path, { token, json, text, type } = {}) {
    const headers = { Accept: 'application/json' };
    if (token) {
        headers.Authorization = `Bearer ${token}`;
    }
    let body;
    if (json !== undefined) {
        headers['Content-Type'] = 'application/json';
        body = JSON.stringify(json);
    } else if (text !== undefined) {
        headers['Content-Type'] = type || 'text/plain; charset=utf-8';
        body = text;
    }
    let res;
    try {
        res = await fetch(path, { method, headers, body, credentials: 'omit', cache: 'no-store' });
    } catch (e) {
        throw new ApiError('network', e.message, 0);
    }
    let data = null;
    try {
        data = await res.json();
    } catch {
        data = null;
    }
    if (!res.ok) {
        const err = data && data.error ? data.error : {};
        throw new ApiError(err.code || `http_${res.status}`, err.message || res.statusText, res.status, err);
    }
    return data;
}

// The file name a Content-Disposition header gives (RFC 6266: filename*
// in UTF-8 first, then filename), reduced to a safe base name; `fallback`
// when there is none.
export function dispositionName(header, fallback) {
    const h = header || '';
    let name = '';
    const star = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(h);
    if (star) {
        try {
            name = decodeURIComponent(star[1].trim());
        } catch {
            name = '';
        }
    }
    if (!name) {
        const plain = /filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]+))/i.exec(h);
        name = plain ? (plain[1] ?? plain[2] ?? '').replace(/\\(.)/g, '$1') : '';
    }
    name = name.replace(/^.*[/\\]/, '').replace(/[\u0000-\u001f\u007f]/g, '').trim();
    return name && !/^\.+$/.test(name) ? name : fallback;
}

// Fetch `path` with the bearer token as a file and hand it to the browser as
// a download, named from the answer's Content-Disposition. Resolves with the
// name given; an error answer becomes an ApiError as in request(). A file
// made on request (a convocation) is asked for with method 'POST' and `json`.
export async function download(path, { token, fallback = 'download', method = 'GET', json } = {}) {
    const headers = {};
    if (token) {
        headers.Authorization = `Bearer ${token}`;
    }
    let body;
    if (json !== undefined) {
        headers['Content-Type'] = 'application/json';
        body = JSON.stringify(json);
    }
    let res;
    try {
        res = await fetch(path, { method, headers, body, credentials: 'omit', cache: 'no-store' });
    } catch (e) {
        throw new ApiError('network', e.message, 0);
    }
    if (!res.ok) {
        let err = {};
        try {
            err = (await res.json())?.error || {};
        } catch {
            err = {};
        }
        throw new ApiError(err.code || `http_${res.status}`, err.message || res.statusText, res.status);
    }
    const blob = await res.blob();
    const name = dispositionName(res.headers.get('Content-Disposition'), fallback);
    const url = URL.createObjectURL(blob);
    const a = document.createElement('a');
    a.href = url;
    a.download = name;
    a.hidden = true;
    document.body.append(a);
    a.click();
    a.remove();
    // The browser has taken the file once the click has been handled.
    setTimeout(() => URL.revokeObjectURL(url), 60000);
    return name;
}
