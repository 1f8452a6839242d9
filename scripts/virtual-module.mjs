// A module the build makes up (no file under src/): server code imports it by an id such as
// `weavz:dashboard-assets`, and the package build (esbuild) and the tests (vitest, through
// Vite) each resolve that id to the text SOURCE() returns.

/** esbuild plugin resolving ID to the module text SOURCE() returns. */
export function esbuildVirtualModule(id, source) {
  const namespace = id.replace(/[^a-z0-9-]/gi, "-");
  const filter = new RegExp(`^${id.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`);
  return {
    name: id,
    setup(b) {
      b.onResolve({ filter }, () => ({ path: id, namespace }));
      b.onLoad({ filter: /.*/, namespace }, async () => ({
        contents: await source(),
        loader: "js",
      }));
    },
  };
}

/** The same for Vite (vitest). */
export function viteVirtualModule(id, source) {
  const resolved = `\0${id}`;
  return {
    name: id,
    resolveId: (spec) => (spec === id ? resolved : undefined),
    load: async (spec) => (spec === resolved ? await source() : undefined),
  };
}
