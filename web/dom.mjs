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

// Mark a button usable or not. A button that cannot be used now stays in
// place and focusable, marked aria-disabled, so that the keyboard focus is
// never thrown back to the top of the page when the state changes; clicks on
// it are ignored by button() below.
export function enable(el, on) {
    el.setAttribute('aria-disabled', String(!on));
}

// A button that calls onClick only while it is not aria-disabled.
export function button(props, label, onClick) {
    const b = h('button', { type: 'button', ...props }, label);
    b.addEventListener('click', (e) => {
        if (b.getAttribute('aria-disabled') === 'true') {
            e.preventDefault();
            return;
        }
        onClick(e);
    });
    return b;
}

// Make the children of `parent` the rows for `list`, in order, reusing the
// row of each key: `cache` maps key -> {el, update(x)}, make(x, key) builds a
// new row. Rows are moved only when out of place, and the element that had
// the focus gets it back if a move took it away, so that a person who just
// pressed "move up" can press it again.
export function reconcile(parent, cache, list, keyOf, make) {
    const active = document.activeElement;
    const keep = new Set();
    const els = [];
    for (const x of list) {
        const k = keyOf(x);
        keep.add(k);
        let row = cache.get(k);
        if (!row) {
            row = make(x, k);
            cache.set(k, row);
        }
        row.update(x);
        els.push(row.el);
    }
    for (const [k, row] of cache) {
        if (!keep.has(k)) {
            row.el.remove();
            cache.delete(k);
        }
    }
    els.forEach((el, i) => {
        if (parent.children[i] !== el) {
            parent.insertBefore(el, parent.children[i] || null);
        }
    });
    while (parent.children.length > els.length) {
        parent.lastElementChild.remove();
    }
    if (active && active !== document.activeElement && active.isConnected) {
        active.focus({ preventScroll: true });
    }
}

// Set the text of `el` only when it changed (no needless work for screen
// readers watching a live region, nor for the layout).
export function setText(el, text) {
    const s = String(text ?? '');
    if (el.textContent !== s) {
        el.textContent = s;
    }
}
