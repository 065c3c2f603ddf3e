// SPDX-License-Identifier: AGPL-3.0-or-later
//
// documents.mjs - documents attached to agenda items (PROTOCOL.md 3.6):
// their size and format as a person reads them, and the upload.
//
// The files are not public: a download carries the page's token (api.mjs
// download()), so a document is shown as a link whose click fetches it with
// the token and saves it under its name. An upload sends the file itself as
// the body, its name in the query; the server recognises the format from the
// content and answers the document, or a typed error (invalid, too_large).

import { ApiError } from './api.mjs';

// What the file picker offers (the server decides from the content).
export const ACCEPT = '.pdf,.odt,.ods,.odp,.docx,.xlsx,.pptx,.doc,.xls,.png,.jpg,.jpeg';

// 1234567 as "1,2 Mo" (fr) or "1.2 MB" (en); under 1 MiB in Ko / KB, under 1 KiB in bytes.
export function formatBytes(n, lang) {
    const fr = lang !== 'en';
    const bytes = Math.max(0, Math.round(Number(n) || 0));
    if (bytes < 1024) {
        return fr ? `${bytes}\u00a0octets` : `${bytes} bytes`;
    }
    if (bytes < 1024 * 1024) {
        const k = Math.round(bytes / 1024);
        return fr ? `${k}\u00a0Ko` : `${k} KB`;
    }
    const tenths = Math.round((bytes * 10) / (1024 * 1024));
    const whole = Math.floor(tenths / 10);
    const dec = tenths % 10;
    return fr ? `${whole},${dec}\u00a0Mo` : `${whole}.${dec} MB`;
}

// "pdf" -> "PDF", "jpeg" -> "JPEG".
export function formatLabel(format) {
    return String(format || '').toUpperCase();
}

// The upload route of item `item` of meeting `meeting` for a file named `name`.
export function uploadPath(meeting, item, name) {
    return `/api/meetings/${encodeURIComponent(meeting)}/agenda/${encodeURIComponent(item)}`
        + `/documents?name=${encodeURIComponent(name)}`;
}

// Upload `file` (a File or Blob with a name) to the item; resolves with the
// document, throws an ApiError with the protocol's code.
export async function uploadDocument(token, meeting, item, file, name = file.name) {
    let res;
    try {
        res = await fetch(uploadPath(meeting, item, name), {
            method: 'POST', credentials: 'omit', cache: 'no-store', body: file,
            headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/octet-stream',
                Accept: 'application/json' },
        });
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
        const err = data?.error || {};
        throw new ApiError(err.code || `http_${res.status}`, err.message || res.statusText, res.status);
    }
    return data;
}
