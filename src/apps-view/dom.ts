/**
 * The views' only way to put data on the page: text nodes and attributes set one by one.
 * Nothing is ever parsed as HTML (no innerHTML), so stored text such as an alias written
 * `<img src=x onerror=…>` shows as those characters and never becomes markup.
 */
type Child = Node | string | number | null | undefined | false;

export interface Props {
  class?: string;
  title?: string;
  id?: string;
  role?: string;
  disabled?: boolean;
  onclick?: () => void;
  data?: Record<string, string>;
  aria?: Record<string, string>;
}

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props | null = null,
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (props) {
    if (props.class) el.className = props.class;
    if (props.title) el.title = props.title;
    if (props.id) el.id = props.id;
    if (props.role) el.setAttribute("role", props.role);
    if (props.disabled) el.setAttribute("disabled", "");
    if (props.onclick) el.addEventListener("click", props.onclick);
    for (const [k, v] of Object.entries(props.data ?? {})) el.dataset[k] = v;
    for (const [k, v] of Object.entries(props.aria ?? {})) el.setAttribute(`aria-${k}`, v);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(typeof child === "object" ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Replaces everything inside ROOT with NODES. */
export function render(root: HTMLElement, ...nodes: Node[]): void {
  root.replaceChildren(...nodes);
}

/** A value as one line of text: lists joined, objects as JSON, nothing as a dash. */
export function fmt(value: unknown): string {
  if (value === undefined || value === null || value === "") return "—";
  if (Array.isArray(value)) return value.length ? value.map((v) => fmt(v)).join(", ") : "none";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}
