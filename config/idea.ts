/** What kind of idea it is and where it comes from: the words settings, templates, the contract and every channel share. */
export const IDEA_SOURCES = ['employee', 'customer', 'partner', 'network', 'other'] as const;
export type IdeaSource = (typeof IDEA_SOURCES)[number];
export const IDEA_CATEGORIES = ['product', 'process', 'service', 'business-model'] as const;
export type IdeaCategory = (typeof IDEA_CATEGORIES)[number];
export const IDEA_HORIZONS = ['incremental', 'radical'] as const;
export type IdeaHorizon = (typeof IDEA_HORIZONS)[number];
