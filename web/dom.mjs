// SPDX-License-Identifier: AGPL-3.0-or-later
//
// dom.mjs - the one way the client builds DOM.
//
// Every node is made with createElement and every piece of text goes in
// through textContent (a Text node), never through innerHTML: names, titles
// and messages come from other people and must never be parsed as markup.
// The Content-Security-Policy forbids inline styles, so nothing here sets a
// style attribute; looks are chosen with classes from style.css.

// h('button', {class: 'primary', type: 'button', onclick: fn}, 'Text', child, [more])
// Properties: `class`, `text`, `on<event>` listeners, `dataset` (object),
// booleans (true sets the attribute empty, false/null/undefined omit it),
// anything else as an attribute. Children: nodes, strings, numbers, arrays;
// null, undefined and false are skipped. Returns the new element.
export function h(tag, props, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
        if (v === null || v === undefined || v === false) {
            continue;
        }
        if (k === 'class') {
            el.className = Array.isArray(v) ? v.filter(Boolean).join(' ') : v;
        } else if (k === 'text') {
            el.textContent = String(v);
        } else if (k === 'dataset') {
            Object.assign(el.dataset, v);
        } else if (k.startsWith('on') && typeof v === 'function') {
            el.addEventListener(k.slice(2), v);
        } else if (k === 'value' || k === 'checked') {
            el[k] = v;
        } else {
            el.setAttribute(k, v === true ? '' : String(v));
        }
    }
    append(el, children);
    return el;
}

// Append children (same rules as h) to `el`; returns `el`.
export function append(el, children) {
    for (const c of children.flat(Infinity)) {
        if (c === null || c === undefined || c === false) {
            continue;
        }
        el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return el;
}

// Replace every child of `el` by `children`.
export function fill(el, ...children) {
    el.replaceChildren();
    return append(el, children);
}

// Set an attribute when `on`, remove it otherwise.
export function toggleAttr(el, name, on, value = 'true') {
    if (on) {
        el.setAttribute(name, value);
    } else {
        el.removeAttribute(name);
    }
}

let uid = 0;

// A fresh id for tying a label or a description to its control.
export function newId(prefix) {
    uid += 1;
    return `${prefix}-${uid}`;
}
