export declare const DASHBOARD_ASSETS_ID: string;
export declare function dashboardAssetsModule(): Promise<string>;
export declare const dashboardAssetsPlugin: import("esbuild").Plugin;
export declare const dashboardAssetsVitePlugin: {
  name: string;
  resolveId(id: string): string | undefined;
  load(id: string): Promise<string | undefined>;
};
