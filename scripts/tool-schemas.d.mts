export declare const TOOL_SCHEMAS_ID: string;
export declare function toolSchemasPlugin(
  plugins?: import("esbuild").Plugin[],
): import("esbuild").Plugin;
export declare const toolSchemasVitePlugin: {
  name: string;
  resolveId(id: string): string | undefined;
  load(id: string): Promise<string | undefined>;
};
