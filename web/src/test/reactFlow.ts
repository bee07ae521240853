// What jsdom lacks for React Flow, shared by the designer's and the run pages' Vitest tests.

/** The size jsdom gives every element (React Flow measures its pane and its nodes). */
export interface StubSize {
  width: number;
  height: number;
}

/** React Flow measures its pane, nodes and edge labels: give jsdom element sizes, SVG boxes,
 * a ResizeObserver that reports at once and a DOMMatrixReadOnly that reads the viewport's scale. */
export function stubReactFlow({ width, height }: StubSize = { width: 160, height: 60 }): void {
  class Observer {
    constructor(private readonly callback: ResizeObserverCallback) {}
    observe(target: Element) {
      this.callback([{ target } as ResizeObserverEntry], this as unknown as ResizeObserver);
    }
    unobserve() {}
    disconnect() {}
  }
  class Matrix {
    m22: number;
    constructor(transform?: string) {
      const scale = transform?.match(/scale\(([1-9.])\)/)?.[1];
      this.m22 = scale !== undefined ? Number(scale) : 1;
    }
  }
  // Not through vi.stubGlobal: React Flow's effects may run after a test's unstubAllGlobals.
  Object.assign(globalThis, { ResizeObserver: Observer, DOMMatrixReadOnly: Matrix });
  Object.defineProperty(SVGElement.prototype, "getBBox", {
    configurable: true,
    value: () => ({ x: 0, y: 0, width: 40, height: 12 }),
  });
  Object.defineProperties(HTMLElement.prototype, {
    offsetHeight: { configurable: true, get: () => height },
    offsetWidth: { configurable: true, get: () => width },
  });
}
