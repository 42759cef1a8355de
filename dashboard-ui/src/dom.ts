// Small DOM helpers: text only (textContent), never HTML from the cluster's data.

type Child = Node | string | null | undefined | false;

export function el(tag: string, attrs: Record<string, string> = {}, ...children: Child[]): HTMLElement {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) if (c) e.append(c);
  return e;
}

export function button(label: string, testid: string, onClick: () => void): HTMLElement {
  const b = el('button', { type: 'button', 'data-testid': testid }, label);
  b.addEventListener('click', onClick);
  return b;
}

export function table(headers: string[], rows: Child[][], empty: string): HTMLElement {
  if (rows.length === 0) return el('p', { class: 'empty' }, empty);
  return el('table', {},
    el('thead', {}, el('tr', {}, ...headers.map(h => el('th', {}, h)))),
    el('tbody', {}, ...rows.map(r => el('tr', {}, ...r.map(c => el('td', {}, c))))));
}

export function fill(id: string, content: Node): void {
  document.getElementById(id)!.replaceChildren(content);
}
