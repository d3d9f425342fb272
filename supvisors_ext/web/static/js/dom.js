// A few DOM helpers: the browser renders, supervisord only sends JSON.

// h("tr.row", {dataset: {key: "x"}}, child, ...) -> element
export function h(tag, props = {}, ...children) {
  const [name, ...classes] = tag.split(".");
  const element = document.createElement(name);
  if (classes.length) element.className = classes.join(" ");
  for (const [key, value] of Object.entries(props || {})) {
    if (key === "dataset") Object.assign(element.dataset, value);
    else if (key.startsWith("on")) element.addEventListener(key.slice(2), value);
    else if (key in element) element[key] = value;
    else element.setAttribute(key, value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

// set textContent only when it changes (no layout work for unchanged cells)
export function setText(element, text) {
  const value = String(text);
  if (element.textContent !== value) element.textContent = value;
}

export function stateBadge(statename) {
  return h(`span.state.state-${(statename || "UNKNOWN").toLowerCase()}`, {}, statename || "UNKNOWN");
}

export function setState(element, statename) {
  const name = statename || "UNKNOWN";
  setText(element, name);
  element.className = `state state-${name.toLowerCase()}`;
}

export function duration(seconds) {
  if (!seconds || seconds < 0) return "";
  const s = Math.floor(seconds);
  const d = Math.floor(s / 86400), hh = Math.floor((s % 86400) / 3600);
  const mm = Math.floor((s % 3600) / 60), ss = s % 60;
  const clock = [hh, mm, ss].map((n) => String(n).padStart(2, "0")).join(":");
  return d ? `${d}d ${clock}` : clock;
}

export function confirmAction(text) {
  return window.confirm(text);
}

// make `parent`'s children exactly `elements`, touching the DOM only when they differ
// (keeps focus and open pickers alive across live updates)
export function syncChildren(parent, elements) {
  const current = parent.children;
  let same = current.length === elements.length;
  for (let index = 0; same && index < elements.length; index += 1) {
    same = current[index] === elements[index];
  }
  if (!same) parent.replaceChildren(...elements);
}
