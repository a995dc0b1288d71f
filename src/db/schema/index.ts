// Every table Herald keeps; drizzle-kit generates migrations from here.
export * from "./api-keys";
export * from "./events";
export * from "./files";
export * from "./jobs";
export * from "./presence";
export * from "./rooms";
export * from "./stores";
export * from "./webhooks";
export * from "./workflows";
