/** A new element, with its text or children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  element.append(...children);
  return element;
}

/** A section's content area, emptied and filled anew. */
export function fill(section: string, ...children: (Node | string)[]): void {
  const area = document.querySelector(`#${section} .chart`) as HTMLElement;
  area.replaceChildren(...children);
}

/** The processes of a run, each with its color on every chart. */
export const PROCESSES = ['orchestrator', 'users-node', 'products-node', 'orders-node'];
export const COLORS = ['#495057', '#3b5bdb', '#2f9e44', '#e8590c'];
export const NODE_COLORS = { domain: PROCESSES.slice(1), range: COLORS.slice(1) };

export const count = (n: number): string => n.toLocaleString('en-US');
