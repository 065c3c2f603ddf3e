// SPDX-License-Identifier: AGPL-3.0-or-later
//
// api.mjs - the HTTP API (PROTOCOL.md §3) with a bearer token.
//
// Every answer is JSON. An error answer, or no answer at all, becomes a
// thrown ApiError with the protocol's code ('network' when the server could
// not be reached), so that callers show one translated message per code.

export class ApiError extends Error {
    constructor(code, message, status) {
        super(message || code);
        this.code = code;
        this.status = status;
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
        throw new ApiError(err.code || `http_${res.status}`, err.message || res.statusText, res.status);
    }
    return data;
}
