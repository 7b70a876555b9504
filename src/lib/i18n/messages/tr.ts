import type { MessageKey } from './nl';

export const tr: Partial<Record<MessageKey, string>> = {};
